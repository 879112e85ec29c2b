/**
 * The matching index, built once per config load: every lookup is a few Map gets, no scans.
 * Order (PRODUCT.md): contact email → the email's domain and its parents → the `domain`
 * parameter and its parents → company name → none.
 */
import type { MatchKind } from '../shared/context';
import type { AccountConfig, BatonConfig, ContactConfig } from '../shared/config';
import { contactAt, contactCount, contactIf, forEachEmail } from './contacts';
import { domainAndParents, emailDomain, normalizeCompany, normalizeDomain, normalizeEmail } from './normalize';
import { hashOf } from './search';

/** A contact with its account: what an email in the index leads to. */
export interface EmailHit {
  account: AccountConfig;
  contact: ContactConfig;
}

/**
 * Normalised email → account and contact, as typed arrays (open addressing): no string or object
 * an email. The accounts' contacts are packed (contacts.ts), so a Map would need a key string of
 * its own for each email: at a million contacts about 40 MB of strings besides the Map's own
 * ~28 MB, where these three arrays are 24 MB outside the heap. A slot's email is checked against
 * its account (contactIf), so a hash shared by two emails never mixes them up.
 */
export class EmailTable {
  private readonly hashes: Int32Array;
  private readonly accountOf: Int32Array;
  private readonly contactOf: Int32Array;
  private readonly mask: number;
  private count = 0;

  constructor(
    private readonly accounts: readonly AccountConfig[],
    expected: number,
  ) {
    let size = 1 << 4;
    while (size < expected * 2) size *= 2;
    this.mask = size - 1;
    this.hashes = new Int32Array(size);
    this.accountOf = new Int32Array(size).fill(-1);
    this.contactOf = new Int32Array(size);
  }

  get size(): number {
    return this.count;
  }

  /** Lists contact `k` of account number `a` under `email` (the config has no email twice). */
  add(email: string, a: number, k: number): void {
    const h = hashOf(email);
    let i = h & this.mask;
    while (this.accountOf[i]! >= 0) i = (i + 1) & this.mask;
    this.hashes[i] = h;
    this.accountOf[i] = a;
    this.contactOf[i] = k;
    this.count++;
  }

  /** The normalised emails listed, in slot order (tests, tools). */
  *keys(): IterableIterator<string> {
    for (let i = 0; i <= this.mask; i++) {
      const a = this.accountOf[i]!;
      if (a >= 0) yield normalizeEmail(contactAt(this.accounts[a]!, this.contactOf[i]!).email);
    }
  }

  /** The contact listed under a normalised email, with its account. */
  find(email: string): EmailHit | undefined {
    const h = hashOf(email);
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const a = this.accountOf[i]!;
      if (a < 0) return undefined;
      if (this.hashes[i] !== h) continue;
      const account = this.accounts[a]!;
      const contact = contactIf(account, this.contactOf[i]!, email);
      if (contact) return { account, contact };
    }
  }
}

export interface MatchIndex {
  byEmail: EmailTable;
  byDomain: Map<string, AccountConfig>;
  byOrg: Map<string, AccountConfig>;
}

export interface MatchQuery {
  email?: string | undefined;
  domain?: string | undefined;
  org?: string | undefined;
}

export interface MatchResult {
  by: MatchKind;
  account: AccountConfig | null;
  contact: ContactConfig | null;
}

/** Builds the index. The config has been validated: no duplicate emails, domains or names. */
export function buildIndex(config: BatonConfig): MatchIndex {
  const { accounts } = config;
  let contacts = 0;
  for (const account of accounts) contacts += contactCount(account);
  const index: MatchIndex = { byEmail: new EmailTable(accounts, contacts), byDomain: new Map(), byOrg: new Map() };
  for (let a = 0; a < accounts.length; a++) {
    const account = accounts[a]!;
    forEachEmail(account, (email, k) => index.byEmail.add(email, a, k));
    for (const domain of account.domains) {
      const key = normalizeDomain(domain);
      if (key) index.byDomain.set(key, account);
    }
    for (const name of [account.name, ...account.aliases]) {
      const key = normalizeCompany(name);
      if (key && !index.byOrg.has(key)) index.byOrg.set(key, account);
    }
  }
  return index;
}

/** The contact and account a normalised email is listed for, if any. */
export function emailHit(index: MatchIndex, email: string): EmailHit | undefined {
  return index.byEmail.find(email);
}

function byDomain(index: MatchIndex, domain: string): AccountConfig | undefined {
  for (const candidate of domainAndParents(domain)) {
    const hit = index.byDomain.get(candidate);
    if (hit) return hit;
  }
  return undefined;
}

export function matchQuery(index: MatchIndex, q: MatchQuery): MatchResult {
  const email = q.email?.trim();
  if (email) {
    const hit = emailHit(index, normalizeEmail(email));
    if (hit) return { by: 'email', account: hit.account, contact: hit.contact };
    const domain = emailDomain(email);
    const account = domain ? byDomain(index, domain) : undefined;
    if (account) return { by: 'domain', account, contact: null };
  }
  const domainParam = q.domain?.trim();
  if (domainParam) {
    // Tolerate "user@host" or a URL-ish value in the domain parameter: keep the host part.
    const host = domainParam.includes('@') ? emailDomain(domainParam) : normalizeDomain(domainParam.replace(/^[a-z]+:\/\//i, '').split(/[/:?#]/)[0] ?? '');
    const account = host ? byDomain(index, host) : undefined;
    if (account) return { by: 'domain', account, contact: null };
  }
  const org = q.org?.trim();
  if (org) {
    const key = normalizeCompany(org);
    const account = key ? index.byOrg.get(key) : undefined;
    if (account) return { by: 'org', account, contact: null };
  }
  return { by: 'none', account: null, contact: null };
}
