/**
 * Builds the v1 `/v1/context` answer (ContextResponseSchema in src/shared/context.ts) from a
 * loaded config and a match, with labels in one language.
 */
import type { ContextResponse, Handoff, Impact, Locale, Person, StageRef } from '../shared/context';
import { LOCALES } from '../shared/context';
import type { AccountConfig, ContactConfig, StageConfig, TeamConfig } from '../shared/config';
import type { LoadedConfig } from './config';
import type { MatchResult } from './match';

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
  const other: Locale = lang === 'ja' ? 'en' : 'ja';
  return stage.label[lang] ?? stage.label[other] ?? stage.id;
}

const ring = (level: Impact['level'], text: string, count: number, note = ''): Impact => ({ level, label: text, count, person: null, stage: null, note });

/** The contact's team in the config, if it names one. */
export function teamOf(loaded: LoadedConfig, account: AccountConfig, contact: ContactConfig | null): TeamConfig | undefined {
  return contact?.team ? loaded.teams.get(account.id)?.get(contact.team) : undefined;
}

/** The answer's `contact` (null without one). */
export function contactOut(contact: ContactConfig | null, team: TeamConfig | undefined): ContextResponse['contact'] {
  return contact ? { email: contact.email, name: contact.name, role: contact.role, team: team ? { name: team.name, members: team.members } : null } : null;
}

/** The first rings of `after` that depend on the contact: the contact, then their team. */
export function contactRings(contact: ContactConfig | null, team: TeamConfig | undefined): Impact[] {
  const rings: Impact[] = [];
  if (contact) rings.push(ring('contact', contact.name || contact.email, 1, contact.role));
  if (team) rings.push(ring('team', team.name, team.members));
  return rings;
}

export function buildContext(loaded: LoadedConfig, match: MatchResult, lang: Locale): ContextResponse {
  const stageRef = (id: string): StageRef => {
    const stage = loaded.stages.get(id);
    return { id, label: stage ? label(stage, lang) : id, color: stage?.color ?? '' };
  };
  const person = (id: string | undefined): Person | null => {
    const p = id === undefined ? undefined : loaded.people.get(id);
    if (!p) return null;
    return { id: p.id, name: p.name, email: p.email ?? '', title: p.title, chat: p.chat, thanks: 0 };
  };

  const base = {
    organization: { name: loaded.config.organization.name },
    self: loaded.selfStage ? { id: loaded.selfStage.id, label: label(loaded.selfStage, lang), color: loaded.selfStage.color ?? '' } : null,
    notes: [],
    lang,
  };
  const { account, contact } = match;
  if (!account) return { match: { by: 'none' }, ...base, account: null, contact: null, before: [], after: [] };

  const team = teamOf(loaded, account, contact);

  const before: Handoff[] = account.relay.map((h) => ({
    stage: stageRef(h.stage),
    person: person(h.person),
    at: h.at,
    note: h.note,
  }));

  const after: Impact[] = contactRings(contact, team);
  after.push(ring('company', account.name, account.employees, account.industry));
  after.push(ring('society', account.society || SOCIETY[lang], 0));
  for (const n of account.next) {
    const p = person(n.person);
    after.push({ level: 'teammate', label: p?.name ?? n.person, count: 0, person: p, stage: stageRef(n.stage), note: n.note });
  }

  return {
    match: { by: match.by },
    ...base,
    account: { id: account.id, name: account.name, employees: account.employees, industry: account.industry, society: account.society },
    contact: contactOut(contact, team),
    before,
    after,
  };
}
