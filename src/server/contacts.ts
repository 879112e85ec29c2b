/**
 * An account's contacts, read through one place, and held packed: one string an account instead
 * of an object and two or more strings a contact.
 *
 * At a million contacts (bench/scale.ts: 100,000 accounts of 10) the contact objects JSON.parse
 * makes were 131 MB of the config's 228 MB of heap (bench/heap-parts.ts); an account's contacts
 * as one string are about a quarter of that. A loaded config's accounts (prepare(), config.ts)
 * are packed once; `contacts` stays an own, enumerable field of each (an accessor that decodes
 * them, as a frozen list), so everything that reads, spreads, copies or serialises an account
 * sees what it saw before. What runs per request reads one contact (findContact, contactAt)
 * without decoding the rest.
 *
 * The packed text is each contact as `RS email US name US team US role`, in their order (team ''
 * when the contact has none: a team id is never empty). An account is left as it is (a plain
 * list) when a contact's email is not in its normal form (normalizeEmail: the matching index's
 * key), a field holds RS or US, or a contact has other fields, fields in another order or of
 * another type than the schema gives, so packing never changes what an account holds (its JSON
 * included).
 */
import type { AccountConfig, ContactConfig } from '../shared/config';
import { normalizeEmail } from './normalize';

const RS = '\u001e';
const US = '\u001f';
const RS_CODE = 0x1e;
const US_CODE = 0x1f;
/** Accounts with more contacts than this keep where each starts (contactAt without a walk). */
export const STARTS_FROM = 16;

/** Packed contacts: the text, how many, and (over STARTS_FROM) where each record starts (after its RS). */
interface Packed {
  readonly text: string;
  readonly count: number;
  readonly starts: Int32Array | null;
  /** The decoded contacts' team after their role (as an import makes them), not before. */
  readonly teamLast: boolean;
}

const PACKED = Symbol('packed contacts');
type PackedAccount = AccountConfig & { readonly [PACKED]: Packed };

function packedOf(account: AccountConfig): Packed | undefined {
  return (account as Partial<PackedAccount>)[PACKED];
}

/** The contact whose record starts at `at` (after its RS); `email`: its email when the caller has it (the same text). */
function decodeAt(p: Packed, at: number, email?: string): ContactConfig {
  const { text } = p;
  const a = text.indexOf(US, at);
  const b = text.indexOf(US, a + 1);
  const c = text.indexOf(US, b + 1);
  let end = text.indexOf(RS, c + 1);
  if (end < 0) end = text.length;
  const contact = { email: email ?? text.slice(at, a), name: text.slice(a + 1, b) } as ContactConfig;
  if (p.teamLast) {
    contact.role = text.slice(c + 1, end);
    if (c > b + 1) contact.team = text.slice(b + 1, c);
  } else {
    if (c > b + 1) contact.team = text.slice(b + 1, c);
    contact.role = text.slice(c + 1, end);
  }
  return contact;
}

function decodeAll(this: AccountConfig): readonly ContactConfig[] {
  const p = packedOf(this)!;
  const out: ContactConfig[] = new Array(p.count);
  for (let k = 0, at = 1; k < p.count; k++) {
    out[k] = decodeAt(p, at);
    at = p.text.indexOf(RS, at) + 1;
  }
  return Object.freeze(out);
}

const CONTACTS: PropertyDescriptor = { get: decodeAll, enumerable: true, configurable: false };
/**
 * The fields a decoded contact has, in their order, team only when set: the schema's order
 * (ContactConfigSchema), or with the team last, as an import makes them (imports/model.ts).
 */
const WITH_TEAM = 'email,name,team,role';
const TEAM_LAST = 'email,name,role,team';
const WITHOUT_TEAM = 'email,name,role';
const plain = (s: unknown): s is string => typeof s === 'string' && !s.includes(RS) && !s.includes(US);

/**
 * Whether packing keeps every contact exactly as it is (see the file's comment), and where their
 * team goes: 'last' when they have it last, else 'schema'; null when they cannot be packed.
 */
function packable(contacts: readonly ContactConfig[]): 'schema' | 'last' | null {
  let schema = false;
  let last = false;
  for (const c of contacts) {
    const keys = Object.keys(c).join();
    if (keys === WITH_TEAM) schema = true;
    else if (keys === TEAM_LAST) last = true;
    else if (keys !== WITHOUT_TEAM) return null;
    if (!plain(c.email) || !plain(c.name) || !plain(c.role) || normalizeEmail(c.email) !== c.email) return null;
    if ('team' in c && (!plain(c.team) || c.team === '')) return null;
  }
  return schema && last ? null : last ? 'last' : 'schema';
}

/**
 * The account with its contacts packed (a new object with the same fields in the same order), or
 * the account itself when it is packed already, has no contacts, or cannot be packed as it is.
 */
export function packAccount(account: AccountConfig): AccountConfig {
  const contacts = account.contacts;
  if (packedOf(account) || !Array.isArray(contacts) || contacts.length === 0) return account;
  const order = packable(contacts);
  if (!order) return account;
  // Joined, not built by +=: a join makes one flat string, where += makes a tree of pieces that
  // holds on to every contact's own strings until something flattens it (measured: a snapshot's
  // 1M contacts read packed kept 411 MB of heap, 165 MB once flattened).
  const parts: string[] = new Array(contacts.length);
  const starts = contacts.length > STARTS_FROM ? new Int32Array(contacts.length) : null;
  let length = 0;
  for (let k = 0; k < contacts.length; k++) {
    const c = contacts[k]!;
    if (starts) starts[k] = length + 1;
    parts[k] = `${RS}${c.email}${US}${c.name}${US}${c.team ?? ''}${US}${c.role}`;
    length += parts[k]!.length;
  }
  const text = parts.join('');
  return withPacked(account as unknown as Record<string, unknown>, { text, count: contacts.length, starts, teamLast: order === 'last' });
}

/** A new account of `fields` (same order) whose contacts are `packed`. */
function withPacked(fields: Record<string, unknown>, packed: Packed): AccountConfig {
  const out = {} as Record<string | symbol, unknown>;
  for (const key of Object.keys(fields)) {
    if (key === 'contacts') Object.defineProperty(out, 'contacts', CONTACTS);
    else out[key] = fields[key];
  }
  Object.defineProperty(out, PACKED, { value: packed });
  return out as unknown as AccountConfig;
}

/** A packed account's contacts as a snapshot line holds them (snapshot.ts): the text and the order of their fields. */
interface PackedForm {
  packed: string;
  teamLast: boolean;
}

/**
 * The account as a snapshot line writes it: its own fields in their order, a packed account's
 * contacts as their packed text (read back by fromSnapshot without a contact object made).
 */
export function snapshotForm(account: AccountConfig): object {
  const p = packedOf(account);
  if (!p) return account;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(account)) out[key] = key === 'contacts' ? ({ packed: p.text, teamLast: p.teamLast } satisfies PackedForm) : (account as unknown as Record<string, unknown>)[key];
  return out;
}

/** An account as snapshotForm wrote it (or as JSON.parse gives an account), packed. */
export function fromSnapshot(value: Record<string, unknown>): AccountConfig {
  const form = value.contacts as Partial<PackedForm> | undefined;
  if (!form || Array.isArray(form) || typeof form.packed !== 'string') return packAccount(value as unknown as AccountConfig);
  const text = form.packed;
  let count = 0;
  for (let at = text.indexOf(RS); at >= 0; at = text.indexOf(RS, at + 1)) count++;
  let starts: Int32Array | null = null;
  if (count > STARTS_FROM) {
    starts = new Int32Array(count);
    for (let k = 0, at = text.indexOf(RS); at >= 0; at = text.indexOf(RS, at + 1)) starts[k++] = at + 1;
  }
  return withPacked(value, { text, count, starts, teamLast: form.teamLast === true });
}

/** Whether the account's contacts are held packed (tests, tools). */
export function isPacked(account: AccountConfig): boolean {
  return packedOf(account) !== undefined;
}

/** How many contacts the account lists. */
export function contactCount(account: AccountConfig): number {
  return packedOf(account)?.count ?? account.contacts.length;
}

/** The account's contact number `k` (0 ≤ k < contactCount). */
export function contactAt(account: AccountConfig, k: number): ContactConfig {
  const p = packedOf(account);
  if (!p) return account.contacts[k]!;
  if (p.starts) return decodeAt(p, p.starts[k]!);
  let at = 1;
  for (let i = 0; i < k; i++) at = p.text.indexOf(RS, at) + 1;
  return decodeAt(p, at);
}

/** All of the account's contacts (a walk over them all: the indexes' builds). */
export function contactsOf(account: AccountConfig): readonly ContactConfig[] {
  return account.contacts;
}

/** Calls `each(email, k)` for every contact's normalised email, in order, without decoding them. */
export function forEachEmail(account: AccountConfig, each: (email: string, k: number) => void): void {
  const p = packedOf(account);
  if (!p) {
    const list = account.contacts;
    for (let k = 0; k < list.length; k++) each(normalizeEmail(list[k]!.email), k);
    return;
  }
  const { text } = p;
  for (let k = 0, at = 1; k < p.count; k++) {
    const end = text.indexOf(US, at);
    each(text.slice(at, end), k);
    at = text.indexOf(RS, end) + 1;
  }
}

/**
 * The contact `k` of the account when its normalised email is `email`, else undefined: what the
 * matching index (match.ts) checks a slot of its email table against.
 */
export function contactIf(account: AccountConfig, k: number, email: string): ContactConfig | undefined {
  const p = packedOf(account);
  if (!p) {
    const c = account.contacts[k];
    return c && (c.email === email || normalizeEmail(c.email) === email) ? c : undefined;
  }
  let at: number;
  if (p.starts) at = p.starts[k]!;
  else {
    // A few contacts: the email's own record (one indexOf) must be record k.
    at = p.text.indexOf(`${RS}${email}${US}`) + 1;
    if (at === 0) return undefined;
    return decodeAt(p, at, email);
  }
  const { text } = p;
  if (!text.startsWith(email, at) || text.charCodeAt(at + email.length) !== US_CODE || (at > 0 && text.charCodeAt(at - 1) !== RS_CODE)) return undefined;
  return decodeAt(p, at, email);
}
