/**
 * An account's contacts, read through one place: how they are held may change (packed).
 */
import type { AccountConfig, ContactConfig } from '../shared/config';

/** How many contacts the account lists. */
export function contactCount(account: AccountConfig): number {
  return account.contacts.length;
}

/** The account's contact number `k` (0 ≤ k < contactCount). */
export function contactAt(account: AccountConfig, k: number): ContactConfig {
  return account.contacts[k]!;
}

/** All of the account's contacts (a walk over them all: the indexes' builds). */
export function contactsOf(account: AccountConfig): readonly ContactConfig[] {
  return account.contacts;
}
