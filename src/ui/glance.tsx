/**
 * The top of the sidebar, read at a glance (issue 10): how sure the match is (a badge by colour
 * and words, and "verify who this is" before the relay when it rests on a company name, a
 * free-mail address or an account that asks for it), the summary strip — contact · team (n) ·
 * company (n people) · society, and who is next — and the account card (plan, renewal countdown
 * or overdue, health, open deals).
 */
import type { Account, ContextResponse } from '../shared/context';
import { formatDate, formatNumber, type T } from './i18n';
import { impactLabel, orderedImpacts, type SidebarModel } from './model';

/** How the match was made, as the badge says it: email exact, linked, domain, company name, typed. */
export type Trust = 'email' | 'linked' | 'domain' | 'org' | 'typed';

export function trustOf(model: SidebarModel): Trust | null {
  const d = model.data;
  if (!d || d.match.by === 'none') return null;
  if (model.override) return 'typed';
  if (d.match.linked) return 'linked';
  return d.match.by;
}

export function TrustBadge({ model, t }: { model: SidebarModel; t: T }) {
  const trust = trustOf(model);
  if (!trust) return null;
  const level = trust === 'email' || trust === 'linked' ? 'high' : trust === 'domain' ? 'medium' : 'low';
  return (
    <span class="badge" data-part="trust" data-match={trust} data-trust={level} title={t(`trustHelp_${trust}`)}>
      <span class="pip" aria-hidden="true" />
      {t(`matchBy_${trust}`)}
    </span>
  );
}

/** "Verify who this is", with why: shown before the relay when the match asks for it. */
export function VerifyWarning({ d, t }: { d: ContextResponse; t: T }) {
  if (!d.match.verify || !d.account) return null;
  const reasons = d.match.reasons ?? [];
  return (
    <div class="verify" role="note" data-part="verify">
      <strong>{t('verifyTitle')}</strong>
      <ul>
        {reasons.includes('org') && <li>{t('verify_org')}</li>}
        {reasons.includes('freemail') && <li>{t('verify_freemail', d.match.freemail ?? '')}</li>}
        {reasons.includes('account') && <li>{d.match.note || t('verify_account', d.account.name)}</li>}
      </ul>
    </div>
  );
}

/** The whole relay in one strip: contact · team (n) · company (n people) · society → next. */
export function GlanceStrip({ d, t }: { d: ContextResponse; t: T }) {
  const after = orderedImpacts(d.after);
  const rings = after.filter((i) => i.level !== 'teammate');
  const next = after.find((i) => i.level === 'teammate');
  if (!rings.length && !next) return null;
  return (
    <ol class="glance" data-part="glance" aria-label={t('glanceLabel')}>
      {rings.map((i) => {
        const label = impactLabel(i, d, t) || t(`level_${i.level}`);
        const count = i.count > 0 && i.level !== 'contact' ? (i.level === 'company' ? t('peopleCount', formatNumber(i.count, t.lang)) : formatNumber(i.count, t.lang)) : '';
        return (
          <li data-part="glance-item" data-level={i.level} title={t(`level_${i.level}`)}>
            <span class={`ring ring-${i.level}`} aria-hidden="true" />
            <span class="sr">{t(`level_${i.level}`)}: </span>
            <span class="what">{label}</span>
            {count && <span class="count"> ({count})</span>}
          </li>
        );
      })}
      {next && (
        <li data-part="glance-item" data-level="next">
          <span class="next-label">{t('glanceNext')}</span> <strong>{next.person?.name ?? next.label}</strong>
          {next.stage && <span class="muted"> · {next.stage.label}</span>}
        </li>
      )}
    </ol>
  );
}

const DAY = 86_400_000;

/** Whole days from `now` to a YYYY-MM(-DD) date (its last day when only the month is given); null when not a date. */
export function daysUntil(raw: string, now: number): number | null {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(raw.trim());
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  const end = m[3] ? Date.UTC(y, mo, Number(m[3])) : Date.UTC(y, mo + 1, 0);
  if (Number.isNaN(end)) return null;
  const today = new Date(now);
  const start = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
  return Math.round((end - start) / DAY);
}

/** Plan, renewal (countdown or overdue), health, open deals: each only when the account has it. */
export function AccountCard({ account, t, now }: { account: Account; t: T; now: number }) {
  const days = account.renewal ? daysUntil(account.renewal, now) : null;
  const deals = account.deals ?? [];
  if (!account.plan && !account.renewal && !account.health && !deals.length) return null;
  const renewal =
    days === null ? null : days < 0 ? t('renewalOverdue', formatNumber(-days, t.lang)) : days === 0 ? t('renewalToday') : t('renewalIn', formatNumber(days, t.lang));
  return (
    <div class="acct" data-part="account-card">
      {account.plan && (
        <span class="chip" data-field="plan">
          {t('cardPlan', account.plan)}
        </span>
      )}
      {account.renewal && (
        <span class={`chip${days !== null && days < 0 ? ' overdue' : days !== null && days <= 30 ? ' soon' : ''}`} data-field="renewal" data-overdue={days !== null && days < 0 ? 'true' : undefined} title={formatDate(account.renewal, t.lang)}>
          {t('cardRenewal', formatDate(account.renewal, t.lang))}
          {renewal && <strong> · {renewal}</strong>}
        </span>
      )}
      {account.health && (
        <span class={`chip health-${account.health}`} data-field="health">
          <span class="pip" aria-hidden="true" />
          {t(`health_${account.health.replace('-', '_')}`)}
        </span>
      )}
      {deals.length > 0 && (
        <details class="deals" data-field="deals">
          <summary>{t('cardDeals', formatNumber(deals.length, t.lang))}</summary>
          <ul>
            {deals.map((deal) => (
              <li data-part="deal">
                <strong>{deal.name}</strong>
                {[deal.stage, deal.amount, deal.close && t('dealClose', formatDate(deal.close, t.lang))].filter(Boolean).map((s) => (
                  <span class="muted"> · {s}</span>
                ))}
              </li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/**
 * Text that must not break inside short codes (FR-112, SSO-2, ISO-8601): each such code is kept
 * on one line; the rest wraps as usual.
 */
export function Unbroken({ text }: { text: string }) {
  const parts = text.split(/(\b[\p{L}\p{N}]{1,12}(?:[-‐–/][\p{L}\p{N}]{1,12}){1,3}\b)/u);
  if (parts.length === 1) return <>{text}</>;
  return <>{parts.map((p, i) => (i % 2 ? <span class="nobr">{p}</span> : p))}</>;
}
