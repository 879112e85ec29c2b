/**
 * The matching index, built once per config load: every lookup is a few Map gets, no scans.
 * Order (PRODUCT.md): contact email → the email's domain and its parents → the `domain`
 * parameter and its parents → company name → none.
 */
import type { MatchKind } from '../shared/context';
import type { AccountConfig, BatonConfig, ContactConfig } from '../shared/config';
import { domainAndParents, emailDomain, normalizeCompany, normalizeDomain, normalizeEmail } from './normalize';

/** A contact with its account: what an email in the index leads to. */
export interface EmailHit {
  account: AccountConfig;
  contact: ContactConfig;
}

/**
 * An email's value in the index: the account alone when it has at most CONTACTS_SCANNED contacts
 * (emailHit finds the contact among them), else the account and the contact. At a million
 * contacts one `{ account, contact }` object per email was about 40 MB; the scan of a few contacts
 * mostly compares a string with itself (the key is the contact's own email when it is normal).
 */
export type EmailValue = AccountConfig | EmailHit;

/** Accounts with at most this many contacts are kept in byEmail as themselves (see EmailValue). */
export const CONTACTS_SCANNED = 16;

export interface MatchIndex {
  byEmail: Map<string, EmailValue>;
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

/**
 * Builds the index. The config has been validated: no duplicate emails, domains or names.
 * `emails` is a byEmail map made already for exactly these accounts (an import's: imports/model.ts).
 */
export function buildIndex(config: BatonConfig, emails?: MatchIndex['byEmail']): MatchIndex {
  const index: MatchIndex = { byEmail: emails ?? new Map(), byDomain: new Map(), byOrg: new Map() };
  for (const account of config.accounts) {
    if (!emails) {
      const few = account.contacts.length <= CONTACTS_SCANNED;
      for (const contact of account.contacts) index.byEmail.set(normalizeEmail(contact.email), few ? account : { account, contact });
    }
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
  const value = index.byEmail.get(email);
  if (value === undefined || 'contact' in value) return value;
  for (const contact of value.contacts) if (contact.email === email) return { account: value, contact };
  for (const contact of value.contacts) if (normalizeEmail(contact.email) === email) return { account: value, contact };
  return undefined;
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
