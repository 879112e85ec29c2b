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
import { randomUUID } from 'node:crypto';
import type { ContextResponse, Locale, Person } from '../shared/context';
import type { AccountConfig, ContactConfig } from '../shared/config';
import type { LoadedConfig, TokenEntry } from './config';
import { buildContext, contactOut, contactRings, isLocale, localeFromAcceptLanguage, teamOf, trustOf, type LookupExtras } from './context';
import { derived } from './derived';
import { linkedMatch } from './leads';
import { matchProduct, parseTags } from './products';
import { ApiError } from './errors';
import { KeptParts, type Kept } from './kept';
import type { Logger } from './log';
import { matchQuery, type MatchResult } from './match';
import { hashOf } from './search';
import { logHash } from './security';
import type { NoteRow, Store, Writer } from './store';
import { CONTEXT_NOTES, LOOKUP_STORE_TIMEOUT_MS, noteOut } from './writeback';

/** Longest accepted value per query parameter. */
export const QUERY_LIMITS = { email: 320, domain: 253, org: 200, ticket: 200, subject: 500, tags: 1000 } as const;

export interface LookupQuery {
  email: string | undefined;
  domain: string | undefined;
  org: string | undefined;
  ticket: string | undefined;
  /** The ticket's subject and tags (a product area matches on them). */
  subject?: string | undefined;
  tags?: string | undefined;
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
  const subject = read('subject');
  const tags = read('tags');
  const langParam = param('lang');
  if (langParam !== undefined && langParam !== '' && !isLocale(langParam)) throw new ApiError(400, 'bad_request', 'lang must be ja or en');
  if (!email && !domain && !org) throw new ApiError(400, 'bad_request', 'give at least one of email, domain, org');
  const lang = (isLocale(langParam) ? langParam : undefined) ?? localeFromAcceptLanguage(acceptLanguage) ?? loaded.config.organization.defaultLocale;
  return { email, domain, org, ticket, subject, tags, lang };
}

/** What each request puts into an account's kept answer. */
type Slot = 'match' | 'notes' | 'contact' | 'rings';

/**
 * An account's answer in one language (and for one product area), serialised once with a
 * sentinel where each request's own values go, and cut there: `pieces[i]`, then `slots[i]`'s
 * value, …, then the last piece.
 */
interface AccountParts extends Kept {
  /** Its key in the kept parts (language, product area, account). */
  key: string;
  /** people[].id of everyone on the answer (their thanks counts come from the store). */
  people: string[];
  /** The store's stamp the parts were built with; undefined: build again. */
  stamp: unknown;
  pieces: string[];
  /** UTF-8 length of all pieces together. */
  piecesBytes: number;
  /** What the pieces hold in memory (heldBytes of the JSON they are cut from). */
  piecesHeld: number;
  slots: Slot[];
  /** `match` of an email lookup without an agent's link (it depends on the account only), once worked out; and its UTF-8 length. */
  emailMatch?: string | undefined;
  emailMatchBytes: number;
}

/**
 * The kept answers' budget per config load (kept.ts), in bytes: the accounts' parts (× languages
 * × product areas) and the contacts' own parts. Sized so the bench's 100,000 contacts (10,000
 * accounts × 10, in English) stay kept whole, 27 MB and 43 MB of it charged, where keeping is what
 * makes a lookup a few string joins; a config larger than that takes no more memory for them (at
 * 1,000,000 contacts, budgets of 50,000 accounts and 200,000 contacts held about 215 MB, with no
 * lookups/s in return: lookups spread over 100,000 accounts rarely hit).
 */
export const KEPT_ACCOUNT_BYTES = 32 * 2 ** 20;
export const KEPT_CONTACT_BYTES = 48 * 2 ** 20;
/**
 * What keeping one more entry costs besides its strings: an account's parts object, its people,
 * pieces and slots arrays, the pieces' string headers, its key and Map slot; a contact's key (its email),
 * two string headers and Map slot. Measured: the heap's growth (after a full GC) over 10,000
 * accounts and 90,000 contacts kept, less their strings: about 870–940 and 140 bytes (before
 * Kept.keptAt, one field more: 8 bytes, within both). A contact's entry is keyed by its email
 * since the contacts are packed (contacts.ts: no object of its own to key by): a string of about
 * 40 bytes more.
 */
export const ACCOUNT_ENTRY_BYTES = 900;
export const CONTACT_ENTRY_BYTES = 200;

export interface KeptBudget {
  accountBytes: number;
  contactBytes: number;
}

const DEFAULT_BUDGET: KeptBudget = { accountBytes: KEPT_ACCOUNT_BYTES, contactBytes: KEPT_CONTACT_BYTES };

interface KeptAnswers {
  accounts: KeptParts<string, AccountParts>;
  /** By the contact's email (contacts are decoded per lookup from their packed text: contacts.ts). */
  contacts: KeptParts<string, ContactOwn>;
}

const kept = new WeakMap<LoadedConfig, KeptAnswers>();

/**
 * The kept answers of a config load, made on its first lookup within `budget` (the defaults
 * unless keptAnswers was called first with another: tests size it to their fixture).
 */
export function keptAnswers(loaded: LoadedConfig, budget: KeptBudget = DEFAULT_BUDGET): KeptAnswers {
  let k = kept.get(loaded);
  if (!k) {
    k = { accounts: new KeptParts(budget.accountBytes, ACCOUNT_ENTRY_BYTES), contacts: new KeptParts(budget.contactBytes, CONTACT_ENTRY_BYTES) };
    kept.set(loaded, k);
  }
  return k;
}

/** Sentinels no config value can hold (a random id per process). */
const NONCE = randomUUID();
const SENTINEL: Record<Slot, string> = { match: `\u0000${NONCE}:match`, notes: `\u0000${NONCE}:notes`, contact: `\u0000${NONCE}:contact`, rings: `\u0000${NONCE}:rings` };

function peopleOf(body: ContextResponse): Person[] {
  const out: Person[] = [];
  for (const h of body.before) if (h.person) out.push(h.person);
  for (const i of body.after) if (i.person) out.push(i.person);
  return out;
}

/** The answer without a contact, for an account (or none) in `lang`, for the ticket's product area. */
function accountBody(loaded: LoadedConfig, account: AccountConfig | null, lang: Locale, extras: LookupExtras): ContextResponse {
  return buildContext(loaded, { by: account ? 'email' : 'none', account, contact: null }, lang, { subject: extras.subject, tags: extras.tags ?? [] });
}

function partsFor(loaded: LoadedConfig, account: AccountConfig | null, lang: Locale, area: string, extras: LookupExtras): AccountParts {
  const { accounts } = keptAnswers(loaded);
  const key = account ? `${lang}:${area}:${account.id}` : lang;
  let parts = accounts.get(key);
  if (!parts) {
    parts = { key, keptBytes: 0, people: [...new Set(peopleOf(accountBody(loaded, account, lang, extras)).map((p) => p.id))], stamp: undefined, pieces: [], piecesBytes: 0, piecesHeld: 0, slots: [], emailMatch: undefined, emailMatchBytes: 0, keptAt: 0 };
    accounts.set(key, parts, partsBytes(parts), hashOf(key));
  }
  return parts;
}

/** What an account's parts are charged besides the entry's own cost: its key and its strings. */
function partsBytes(parts: AccountParts): number {
  return parts.key.length + parts.piecesHeld + (parts.emailMatch === undefined ? 0 : heldBytes(parts.emailMatch));
}

/**
 * What a string's characters take in memory: one byte each, two when any is beyond Latin-1 (V8
 * keeps such a string in UTF-16; a Japanese answer's UTF-8 length would count it at about half).
 */
export function heldBytes(s: string): number {
  return NOT_LATIN1.test(s) ? 2 * s.length : s.length;
}
const NOT_LATIN1 = /[^\u0000-\u00ff]/;

/** Serialises an account's parts with these thanks counts; false when the answer's shape does not allow it (then build whole). */
function serialiseParts(parts: AccountParts, loaded: LoadedConfig, account: AccountConfig | null, lang: Locale, extras: LookupExtras, thanks: Map<string, number>, stamp: unknown): boolean {
  const body = accountBody(loaded, account, lang, extras) as unknown as Record<string, unknown> & ContextResponse;
  for (const p of peopleOf(body)) p.thanks = thanks.get(p.id) ?? 0;
  body.match = SENTINEL.match as never;
  body.notes = SENTINEL.notes as never;
  if (account) {
    body.contact = SENTINEL.contact as never;
    body.after.unshift(SENTINEL.rings as never);
  }
  const json = JSON.stringify(body);
  const at: Array<{ slot: Slot; index: number; token: string }> = [];
  for (const slot of (account ? ['match', 'notes', 'contact', 'rings'] : ['match', 'notes']) as Slot[]) {
    const token = `${JSON.stringify(SENTINEL[slot])}${slot === 'rings' ? ',' : ''}`;
    const index = json.indexOf(token);
    if (index < 0 || json.indexOf(token, index + 1) >= 0) return false;
    at.push({ slot, index, token });
  }
  at.sort((a, b) => a.index - b.index);
  parts.pieces = [];
  parts.slots = [];
  let from = 0;
  for (const { slot, index, token } of at) {
    parts.pieces.push(json.slice(from, index));
    parts.slots.push(slot);
    from = index + token.length;
  }
  parts.pieces.push(json.slice(from));
  parts.piecesBytes = parts.pieces.reduce((n, piece) => n + Buffer.byteLength(piece), 0);
  parts.piecesHeld = heldBytes(json); // the pieces are slices of it: they keep it whole
  parts.stamp = stamp;
  keptAnswers(loaded).accounts.resize(parts.key, parts, partsBytes(parts));
  return true;
}

export interface LookupAnswer {
  /** The answer's JSON. */
  json: string;
  /** Its length in UTF-8 bytes (Content-Length). */
  bytes: number;
  match: MatchResult;
  /** What the request's log line adds (empty when the log does not show info lines). */
  logNote: string;
}

type StoreRead = Awaited<ReturnType<Store['readForLookup']>>;

/**
 * The store's part of a lookup, or null when it failed or did not answer within
 * LOOKUP_STORE_TIMEOUT_MS. A store that reads at once (SQLite: readForLookupNow) is read without
 * a promise, so a lookup on it is answered in the request's own turn, without awaiting.
 */
function readStore(store: Store, accountId: string | null, people: string[], log: Logger): StoreRead | null | Promise<StoreRead | null> {
  const failed = (err: unknown) => {
    log.warn(`lookup without notes and thanks: ${(err as Error).message}`);
    return null;
  };
  if (store.readForLookupNow) {
    try {
      return store.readForLookupNow(accountId, people, CONTEXT_NOTES);
    } catch (err) {
      return failed(err);
    }
  }
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    store.readForLookup(accountId, people, CONTEXT_NOTES),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${LOOKUP_STORE_TIMEOUT_MS} ms`)), LOOKUP_STORE_TIMEOUT_MS);
    }),
  ]).then(
    (read) => {
      clearTimeout(timer);
      return read;
    },
    (err: unknown) => {
      clearTimeout(timer);
      return failed(err);
    },
  );
}

/**
 * The answer to a lookup, with the account's latest notes and every person's thanks count. A
 * store that fails or does not answer within LOOKUP_STORE_TIMEOUT_MS never fails the lookup:
 * the answer has `notes: []`, thanks 0 and `writeBack: "unavailable"`. Records the audit row.
 * `caller`: who is asking (the notes' `mine`). The answer itself when nothing had to be waited
 * for (an email the config lists, on a store that reads at once), else a promise of it.
 */
export function answerLookup(loaded: LoadedConfig, store: Store, token: TokenEntry, q: LookupQuery, caller: Writer, log: Logger): LookupAnswer | Promise<LookupAnswer> {
  const match = matchQuery(loaded.index, q);
  // An email the config does not list but an agent linked to an account ("This is <account>").
  if (match.by !== 'email' && q.email) return linkedMatch(loaded, store, q.email, log).then((link) => lookupWith(loaded, store, token, q, caller, log, link ? link.match : match, link?.linked));
  return lookupWith(loaded, store, token, q, caller, log, match, undefined);
}

function lookupWith(loaded: LoadedConfig, store: Store, token: TokenEntry, q: LookupQuery, caller: Writer, log: Logger, match: MatchResult, linked: LookupExtras['linked']): LookupAnswer | Promise<LookupAnswer> {
  const extras: LookupExtras = { email: q.email, domain: q.domain, subject: q.subject, tags: parseTags(q.tags), linked };
  const { account } = match;
  const area = account ? (matchProduct(derived(loaded).products, extras.subject ?? '', extras.tags ?? [])?.id ?? '') : '';
  const parts = partsFor(loaded, account, q.lang, area, extras);
  const read = readStore(store, account?.id ?? null, parts.people, log);
  if (read instanceof Promise) return read.then((r) => finishLookup(loaded, store, token, q, caller, log, match, extras, parts, r));
  return finishLookup(loaded, store, token, q, caller, log, match, extras, parts, read);
}

function finishLookup(loaded: LoadedConfig, store: Store, token: TokenEntry, q: LookupQuery, caller: Writer, log: Logger, match: MatchResult, extras: LookupExtras, parts: AccountParts, read: StoreRead | null): LookupAnswer {
  const { account } = match;
  let json: string;
  let bytes = -1;
  if (read !== null && (read.stamp === parts.stamp || serialiseParts(parts, loaded, account, q.lang, extras, read.thanks, read.stamp)) && read.stamp !== undefined) {
    ({ json, bytes } = spliceAnswer(parts, match, loaded, extras, read.notes, caller));
  } else {
    const body = buildContext(loaded, match, q.lang, extras);
    const counts = read?.thanks ?? new Map<string, number>();
    for (const p of peopleOf(body)) p.thanks = counts.get(p.id) ?? 0;
    body.notes = read ? read.notes.map((r) => noteOut(r, caller)) : [];
    if (!read) body.writeBack = 'unavailable';
    json = JSON.stringify(body);
  }
  try {
    store.recordLookup({ token: token.name, accountId: account?.id ?? null, matchBy: match.by, ticket: q.ticket ?? '', at: new Date() });
  } catch (err) {
    log.error(`audit write failed: ${(err as Error).message}`);
  }
  const logNote = log.infoEnabled === false ? '' : ` match=${match.by}${account ? ` account=${account.id}` : ''}${q.email ? ` email=${logHash(q.email)}` : ''}`;
  return { json, bytes: bytes < 0 ? Buffer.byteLength(json) : bytes, match, logNote };
}

/**
 * What a contact puts into an answer: its `contact` and its first rings (contact, team),
 * serialised, with their UTF-8 length. They depend on the contact and its team only (not on
 * the language, the account's parts or the store), so they are kept per config load and
 * contact, within KEPT_CONTACT_BYTES (oldest first out): an email lookup's own values are two
 * kept strings, not two JSON.stringify calls per request (bench section 8: the largest self time
 * of ours in a lookup).
 */
interface ContactOwn extends Kept {
  contact: string;
  rings: string;
  bytes: number;
}

function contactOwn(loaded: LoadedConfig, account: AccountConfig, contact: ContactConfig | null): ContactOwn {
  const contacts = contact ? keptAnswers(loaded).contacts : undefined;
  const known = contact && contacts?.get(contact.email);
  if (known) return known;
  const team = teamOf(loaded, account, contact);
  const rings = contactRings(contact, team);
  const own: ContactOwn = { contact: JSON.stringify(contactOut(contact, team)), rings: rings.length === 0 ? '' : `${JSON.stringify(rings).slice(1, -1)},`, bytes: 0, keptBytes: 0, keptAt: 0 };
  own.bytes = Buffer.byteLength(own.contact) + Buffer.byteLength(own.rings);
  if (contacts && contact) contacts.set(contact.email, own, heldBytes(own.contact) + heldBytes(own.rings), hashOf(contact.email));
  return own;
}

/**
 * The answer: the kept pieces with this request's values between them, as one string (a rope:
 * written to the socket in one copy) and its UTF-8 length from the pieces' kept lengths plus the
 * values' own. The match of a plain email lookup (no agent's link) depends on the account only,
 * and is kept with the parts.
 */
function spliceAnswer(parts: AccountParts, match: MatchResult, loaded: LoadedConfig, extras: LookupExtras, notes: readonly NoteRow[], caller: Writer): { json: string; bytes: number } {
  const own = match.account ? contactOwn(loaded, match.account, match.contact) : undefined;
  let bytes = parts.piecesBytes + (own ? own.bytes : 0);
  const value = (slot: Slot): string => {
    switch (slot) {
      case 'match': {
        if (match.by === 'email' && !extras.linked) {
          if (parts.emailMatch === undefined) {
            parts.emailMatch = JSON.stringify(trustOf(loaded, match, extras));
            parts.emailMatchBytes = Buffer.byteLength(parts.emailMatch);
            keptAnswers(loaded).accounts.resize(parts.key, parts, partsBytes(parts));
          }
          bytes += parts.emailMatchBytes;
          return parts.emailMatch;
        }
        const v = JSON.stringify(trustOf(loaded, match, extras));
        bytes += Buffer.byteLength(v);
        return v;
      }
      case 'notes': {
        if (notes.length === 0) {
          bytes += 2;
          return '[]';
        }
        const v = JSON.stringify(notes.map((r) => noteOut(r, caller)));
        bytes += Buffer.byteLength(v);
        return v;
      }
      case 'contact':
        return own!.contact;
      case 'rings':
        return own!.rings;
    }
  };
  const { pieces, slots } = parts;
  let json = pieces[0]!;
  for (let i = 0; i < slots.length; i++) json += value(slots[i]!) + pieces[i + 1]!;
  return { json, bytes };
}
