/**
 * Builds the v1 `/v1/context` answer (ContextResponseSchema in src/shared/context.ts) from a
 * loaded config and a match, with labels in one language.
 */
import type { Account, ContextResponse, Handoff, Impact, LeadStages, Locale, Match, Person, StageRef, VerifyReason } from '../shared/context';
import { LOCALES } from '../shared/context';
import type { AccountConfig, ContactConfig, PersonConfig, StageConfig, TeamConfig } from '../shared/config';
import { TEAMS_SCANNED, type LoadedConfig } from './config';
import { derived } from './derived';
import type { MatchResult } from './match';
import { emailDomain, normalizeDomain } from './normalize';
import { matchProduct } from './products';

const SOCIETY: Record<Locale, string> = { ja: '社会', en: 'Society' };

export function isLocale(x: unknown): x is Locale {
  return typeof x === 'string' && (LOCALES as readonly string[]).includes(x);
}

/** The first of ja/en in an Accept-Language header, by q-value then order; undefined if neither. */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, order) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
      return { lang: tag.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), order };
    })
    .filter((x) => x.q > 0 && isLocale(x.lang))
    .sort((a, b) => b.q - a.q || a.order - b.order);
  const first = ranked[0]?.lang;
  return isLocale(first) ? first : undefined;
}

function label(stage: StageConfig, lang: Locale): string {
  return localized(stage.label, lang) || stage.id;
}

/** Text in `lang`, else in the other language; a plain string as it is. */
export function localized(x: string | { en?: string; ja?: string } | undefined, lang: Locale): string {
  if (x === undefined) return '';
  if (typeof x === 'string') return x;
  const other: Locale = lang === 'ja' ? 'en' : 'ja';
  return x[lang] || x[other] || '';
}

/** What else a lookup knows besides the match: the requester's email, the ticket's subject and tags, an agent's link. */
export interface LookupExtras {
  email?: string | undefined;
  domain?: string | undefined;
  subject?: string | undefined;
  tags?: readonly string[];
  /** The email was linked to the account by an agent (the store's links). */
  linked?: { by: string; at: string } | undefined;
}

/** The account card's fields, each only when present. */
function card(a: AccountConfig): Partial<Account> {
  const out: Partial<Account> = {};
  if (a.plan) out.plan = a.plan;
  if (a.renewal) out.renewal = a.renewal;
  if (a.health) out.health = a.health;
  if (a.deals?.length) out.deals = a.deals.map((d) => ({ name: d.name, stage: d.stage, close: d.close, amount: d.amount }));
  return out;
}

/**
 * How sure the match is: a company name alone, or a free-mail domain, or an account that asks
 * for it, make the sidebar say "verify who this is" before the relay.
 */
export function trustOf(loaded: LoadedConfig, match: MatchResult, extras: LookupExtras): Match {
  const out: Match = { by: match.by, verify: false, reasons: [] };
  if (!match.account) return out;
  const reasons: VerifyReason[] = [];
  if (match.by === 'org') reasons.push('org');
  // The domain only counts for a match not by the contact's own email (most lookups skip it).
  const domain = match.by !== 'email' || extras.linked ? (extras.email && emailDomain(extras.email)) || (extras.domain ? normalizeDomain(extras.domain) : '') : '';
  if (domain && derived(loaded).isFreemail(domain)) {
    reasons.push('freemail');
    out.freemail = domain;
  }
  const v = match.account.verify;
  if (v) {
    reasons.push('account');
    if (typeof v === 'string') out.note = v;
  }
  out.reasons = reasons;
  out.verify = reasons.length > 0;
  if (extras.linked) out.linked = extras.linked;
  return out;
}

/** The stages "Hand to sales" offers: before-stages with people; the default from `leads:`, else inside sales, else sales. */
export function leadStages(loaded: LoadedConfig, lang: Locale): LeadStages {
  const people = loaded.config.people;
  const stages = loaded.config.stages
    .filter((s) => s.side === 'before')
    .map((s) => ({ id: s.id, label: label(s, lang), people: people.filter((p) => p.stage === s.id).map((p) => ({ id: p.id, name: p.name })) }))
    .filter((s) => s.people.length > 0);
  const wanted = [loaded.config.leads?.stage, 'inside-sales', 'sales'];
  const def = wanted.find((id) => id && stages.some((s) => s.id === id)) ?? stages[0]?.id ?? '';
  return { stages, default: def };
}

const ring = (level: Impact['level'], text: string, count: number, note = ''): Impact => ({ level, label: text, count, person: null, stage: null, note });

/** The contact's team in the config, if it names one. */
export function teamOf(loaded: LoadedConfig, account: AccountConfig, contact: Pick<ContactConfig, 'team'> | null): TeamConfig | undefined {
  const id = contact?.team;
  if (!id) return undefined;
  return account.teams.length > TEAMS_SCANNED ? loaded.teams.get(account.id)?.get(id) : account.teams.find((t) => t.id === id);
}

/** The answer's `contact` (null without one). */
export function contactOut(contact: Pick<ContactConfig, 'email' | 'name' | 'role'> | null, team: TeamConfig | undefined): ContextResponse['contact'] {
  return contact ? { email: contact.email, name: contact.name, role: contact.role, team: team ? { name: team.name, members: team.members } : null } : null;
}

/** The first rings of `after` that depend on the contact: the contact, then their team. */
export function contactRings(contact: Pick<ContactConfig, 'email' | 'name' | 'role'> | null, team: TeamConfig | undefined): Impact[] {
  const rings: Impact[] = [];
  if (contact) rings.push(ring('contact', contact.name || contact.email, 1, contact.role));
  if (team) rings.push(ring('team', team.name, team.members));
  return rings;
}

export function buildContext(loaded: LoadedConfig, match: MatchResult, lang: Locale, extras: LookupExtras = {}): ContextResponse {
  const stageRef = (id: string): StageRef => {
    const stage = loaded.stages.get(id);
    return { id, label: stage ? label(stage, lang) : id, color: stage?.color ?? '' };
  };
  const person = (id: string | undefined): Person | null => {
    const p = id === undefined ? undefined : loaded.people.get(id);
    if (!p) return null;
    return personOut(p, lang);
  };

  const base = {
    organization: { name: loaded.config.organization.name },
    self: loaded.selfStage ? { id: loaded.selfStage.id, label: label(loaded.selfStage, lang), color: loaded.selfStage.color ?? '' } : null,
    notes: [],
    lang,
  };
  const { account, contact } = match;
  if (!account) return { match: trustOf(loaded, match, extras), ...base, account: null, contact: null, before: [], after: [], product: null, leads: leadStages(loaded, lang) };

  const team = teamOf(loaded, account, contact);

  // The product area the ticket is about: who built it leads the relay, its owner is next in line.
  const area = matchProduct(derived(loaded).products, extras.subject ?? '', extras.tags ?? []);
  const builder = area ? loaded.people.get(area.builtBy[0]!) : undefined;
  const areaStage = area ? (area.stage ?? builder?.stage) : undefined;
  const areaName = area ? localized(area.name, lang) : '';
  const areaOwner = area?.owner ? loaded.people.get(area.owner) : undefined;

  const before: Handoff[] = [
    ...(area && areaStage ? [{ stage: stageRef(areaStage), person: person(builder?.id), at: '', note: areaName }] : []),
    ...account.relay.map((h) => ({
      stage: stageRef(h.stage),
      person: person(h.person),
      at: h.at,
      note: h.note,
    })),
  ];

  const after: Impact[] = contactRings(contact, team);
  after.push(ring('company', account.name, account.employees, account.industry));
  after.push(ring('society', account.society || SOCIETY[lang], 0));
  const ownerStage = areaOwner?.stage;
  const next = account.next.filter((n) => !(areaOwner && n.person === areaOwner.id && n.stage === ownerStage));
  if (areaOwner && ownerStage) {
    const same = account.next.find((n) => n.person === areaOwner.id && n.stage === ownerStage);
    const note = [areaName, same?.note].filter(Boolean).join(' · ');
    after.push({ level: 'teammate', label: areaOwner.name, count: 0, person: person(areaOwner.id), stage: stageRef(ownerStage), note });
  }
  for (const n of next) {
    const p = person(n.person);
    after.push({ level: 'teammate', label: p?.name ?? n.person, count: 0, person: p, stage: stageRef(n.stage), note: n.note });
  }

  return {
    match: trustOf(loaded, match, extras),
    ...base,
    product: area ? { id: area.id, name: areaName } : null,
    account: { id: account.id, name: account.name, employees: account.employees, industry: account.industry, society: account.society, ...card(account) },
    contact: contactOut(contact, team),
    before,
    after,
  };
}

/** A person as the answer shows them, the title in `lang`. */
export function personOut(p: PersonConfig, lang: Locale): Person {
  return { id: p.id, name: p.name, email: p.email ?? '', title: localized(p.title, lang), chat: p.chat, thanks: 0 };
}
