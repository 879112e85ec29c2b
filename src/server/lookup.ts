/**
 * GET /v1/context's work, one implementation for both ways in: the Hono route (app.ts) and the
 * node:http fast path (fast-context.ts). Reading the query, matching, the answer, the audit row.
 *
 * The answer is built once per config load, account and language, then only what changes per
 * request is added: the contact (and their team), the match kind, and the store's notes and
 * thanks counts. The account's parts are kept serialised; the store says with a `stamp` whether
 * its notes and thanks changed since (store.ts readForLookup), so an unchanged account costs a
 * few string joins instead of building and serialising the whole answer. The bytes are the
 * same as `JSON.stringify` of buildContext's answer with the write-back filled in (unit test:
 * tests/unit/server/lookup.test.ts).
 */
import type { ContextResponse, Locale, Person } from '../shared/context';
import type { AccountConfig } from '../shared/config';
import type { LoadedConfig, TokenEntry } from './config';
import { buildContext, contactOut, contactRings, isLocale, localeFromAcceptLanguage, teamOf } from './context';
import { ApiError } from './errors';
import type { Logger } from './log';
import { matchQuery, type MatchResult } from './match';
import { logHash } from './security';
import type { NoteRow, Store, Writer } from './store';
import { CONTEXT_NOTES, LOOKUP_STORE_TIMEOUT_MS, noteOut } from './writeback';

/** Longest accepted value per query parameter. */
export const QUERY_LIMITS = { email: 320, domain: 253, org: 200, ticket: 200 } as const;

export interface LookupQuery {
  email: string | undefined;
  domain: string | undefined;
  org: string | undefined;
  ticket: string | undefined;
  lang: Locale;
}

/** The query of a lookup, checked (400 as an ApiError); `param` reads one query parameter. */
export function readLookupQuery(param: (name: string) => string | undefined, acceptLanguage: string | undefined, loaded: LoadedConfig): LookupQuery {
  const read = (name: keyof typeof QUERY_LIMITS): string | undefined => {
    const value = param(name);
    const max = QUERY_LIMITS[name];
    if (value !== undefined && value.length > max) throw new ApiError(400, 'bad_request', `${name} is longer than ${max} characters`);
    return value?.trim() || undefined;
  };
  const email = read('email');
  const domain = read('domain');
  const org = read('org');
  const ticket = read('ticket');
  const langParam = param('lang');
  if (langParam !== undefined && langParam !== '' && !isLocale(langParam)) throw new ApiError(400, 'bad_request', 'lang must be ja or en');
  if (!email && !domain && !org) throw new ApiError(400, 'bad_request', 'give at least one of email, domain, org');
  const lang = (isLocale(langParam) ? langParam : undefined) ?? localeFromAcceptLanguage(acceptLanguage) ?? loaded.config.organization.defaultLocale;
  return { email, domain, org, ticket, lang };
}

/** An account's answer in one language, serialised in parts around what each request adds. */
interface AccountParts {
  /** people[].id of everyone on the answer (their thanks counts come from the store). */
  people: string[];
  /** The store's stamp the parts were built with; undefined: build again. */
  stamp: unknown;
  /** `"organization":…,"notes":` (UTF-8, like every part: encoded once, not per answer) */
  head: Buffer;
  /** `,"lang":…,"account":…,"contact":` */
  mid: Buffer;
  /** `,"before":[…],"after":[` */
  before: Buffer;
  /** the account's rings after the contact's, `…]}` */
  tail: Buffer;
}

/** Accounts × languages kept per config load; past it the oldest go (a big config looked up all over). */
export const MAX_CACHED_ACCOUNTS = 50_000;

const cache = new WeakMap<LoadedConfig, Map<string, AccountParts>>();

function peopleOf(body: ContextResponse): Person[] {
  const out: Person[] = [];
  for (const h of body.before) if (h.person) out.push(h.person);
  for (const i of body.after) if (i.person) out.push(i.person);
  return out;
}

function partsFor(loaded: LoadedConfig, account: AccountConfig | null, lang: Locale): AccountParts {
  let byConfig = cache.get(loaded);
  if (!byConfig) cache.set(loaded, (byConfig = new Map()));
  const key = account ? `${lang}:${account.id}` : lang;
  let parts = byConfig.get(key);
  if (!parts) {
    const body = buildContext(loaded, { by: account ? 'domain' : 'none', account, contact: null }, lang);
    parts = { people: [...new Set(peopleOf(body).map((p) => p.id))], stamp: undefined, head: NOTHING, mid: NOTHING, before: NOTHING, tail: NOTHING };
    if (byConfig.size >= MAX_CACHED_ACCOUNTS) byConfig.delete(byConfig.keys().next().value as string);
    byConfig.set(key, parts);
  }
  return parts;
}

/** Serialises an account's parts with these thanks counts (an answer without a contact, cut around its per-request places). */
function serialiseParts(parts: AccountParts, loaded: LoadedConfig, account: AccountConfig | null, lang: Locale, thanks: Map<string, number>, stamp: unknown): void {
  const body = buildContext(loaded, { by: account ? 'domain' : 'none', account, contact: null }, lang);
  for (const p of peopleOf(body)) p.thanks = thanks.get(p.id) ?? 0;
  const j = JSON.stringify;
  parts.head = Buffer.from(`"organization":${j(body.organization)},"self":${j(body.self)},"notes":`);
  parts.mid = Buffer.from(`,"lang":${j(body.lang)},"account":${j(body.account)},"contact":`);
  parts.before = Buffer.from(`,"before":${j(body.before)},"after":[`);
  parts.tail = Buffer.from(`${j(body.after).slice(1)}}`);
  parts.stamp = stamp;
}

export interface LookupAnswer {
  /** The answer's JSON, UTF-8. */
  json: Buffer;
  match: MatchResult;
  /** What the request's log line adds (empty when the log does not show info lines). */
  logNote: string;
}

/** The store's part of a lookup, or null when it failed or did not answer within LOOKUP_STORE_TIMEOUT_MS. */
async function readStore(store: Store, accountId: string | null, people: string[], log: Logger): Promise<Awaited<ReturnType<Store['readForLookup']>> | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    if (store.readsAtOnce) return await store.readForLookup(accountId, people, CONTEXT_NOTES);
    return await Promise.race([
      store.readForLookup(accountId, people, CONTEXT_NOTES),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${LOOKUP_STORE_TIMEOUT_MS} ms`)), LOOKUP_STORE_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    log.warn(`lookup without notes and thanks: ${(err as Error).message}`);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The answer to a lookup, with the account's latest notes and every person's thanks count. A
 * store that fails or does not answer within LOOKUP_STORE_TIMEOUT_MS never fails the lookup:
 * the answer has `notes: []`, thanks 0 and `writeBack: "unavailable"`. Records the audit row.
 * `caller`: who is asking (the notes' `mine`).
 */
export async function answerLookup(loaded: LoadedConfig, store: Store, token: TokenEntry, q: LookupQuery, caller: Writer, log: Logger): Promise<LookupAnswer> {
  const match = matchQuery(loaded.index, q);
  const { account, contact } = match;
  const parts = partsFor(loaded, account, q.lang);
  const read = await readStore(store, account?.id ?? null, parts.people, log);
  let json: Buffer;
  if (read === null) {
    const body = buildContext(loaded, match, q.lang);
    for (const p of peopleOf(body)) p.thanks = 0;
    body.notes = [];
    body.writeBack = 'unavailable';
    json = Buffer.from(JSON.stringify(body));
  } else {
    if (read.stamp === undefined || read.stamp !== parts.stamp) serialiseParts(parts, loaded, account, q.lang, read.thanks, read.stamp);
    json = spliceAnswer(parts, match, loaded, read.notes, caller);
  }
  try {
    store.recordLookup({ token: token.name, accountId: account?.id ?? null, matchBy: match.by, ticket: q.ticket ?? '' });
  } catch (err) {
    log.error(`audit write failed: ${(err as Error).message}`);
  }
  const logNote = log.infoEnabled === false ? '' : ` match=${match.by}${account ? ` account=${account.id}` : ''}${q.email ? ` email=${logHash(q.email)}` : ''}`;
  return { json, match, logNote };
}

const NOTHING = Buffer.alloc(0);
const EMPTY = Buffer.from('[]');
const NULL = Buffer.from('null');
const MATCH_BY = new Map<string, Buffer>();
const matchBy = (by: string): Buffer => {
  let b = MATCH_BY.get(by);
  if (!b) MATCH_BY.set(by, (b = Buffer.from(`{"match":{"by":${JSON.stringify(by)}},`)));
  return b;
};

/** The answer: the kept parts with what this request adds between them, joined in one copy. */
function spliceAnswer(parts: AccountParts, match: MatchResult, loaded: LoadedConfig, notes: readonly NoteRow[], caller: Writer): Buffer {
  const notesJson = notes.length === 0 ? EMPTY : Buffer.from(JSON.stringify(notes.map((r) => noteOut(r, caller))));
  if (!match.account) return Buffer.concat([matchBy(match.by), parts.head, notesJson, parts.mid, NULL, parts.before, parts.tail]);
  const team = teamOf(loaded, match.account, match.contact);
  const rings = match.contact ? JSON.stringify(contactRings(match.contact, team)) : '';
  const contact = Buffer.from(JSON.stringify(contactOut(match.contact, team)));
  const ringsPart = rings.length > 2 ? Buffer.from(`${rings.slice(1, -1)},`) : NOTHING;
  return Buffer.concat([matchBy(match.by), parts.head, notesJson, parts.mid, contact, parts.before, ringsPart, parts.tail]);
}
