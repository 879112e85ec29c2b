/**
 * What every CRM's export comes down to (the canonical tables each importer fills), and how
 * they become Baton accounts: the four roles (source, lead-owner, deal-owner, account-owner,
 * plus Salesforce account-team roles) each give a hand-off with its person, date and note.
 * A role whose stage is side: after goes to the account's `next` (teammates after support);
 * the others to its `relay`, ordered by the config's stage order, then date.
 */
import type { AccountConfig, ContactConfig, DealConfig, HandoffConfig, HealthLevel, NextConfig, PersonConfig, StageConfig, TeamConfig } from '../../shared/config';
import { normalizeEmail } from '../normalize';
import { PeopleResolver, type CrmUser, type UserRef } from './people';
import type { Reporter } from './report';
import { idPart, isEmail, noteText } from './values';

/** Where a canonical record came from, for report lines. */
export interface At {
  file: string;
  row: number;
}

export interface CrmAccount extends At {
  id: string;
  name: string;
  domains: string[];
  employees: number;
  industry: string;
  owner: UserRef | null;
  /** Account card (optional columns). */
  plan?: string;
  renewal?: string;
  health?: HealthLevel;
}

export interface CrmContact extends At {
  account: string;
  email: string;
  name: string;
  title: string;
  department: string;
}

export interface CrmDeal extends At {
  account: string;
  name: string;
  stage: string;
  /** YYYY-MM-DD or ''. */
  closeDate: string;
  won: boolean;
  closed: boolean;
  owner: UserRef | null;
  nextStep: string;
  description: string;
  /** The deal's value as the CRM writes it ('' when the export has none). */
  amount?: string;
}

/** A dated hand-off candidate: how the customer came (source) or who worked the lead (lead-owner). */
export interface CrmEvent extends At {
  account: string;
  at: string;
  note: string;
  owner: UserRef | null;
  /** Among events of one date, the lower rank wins (a campaign response over a lead source). */
  rank?: number;
}

export interface CrmTeamMember extends At {
  account: string;
  user: UserRef;
  role: string;
}

export interface Canon {
  /** The CRM's user table by id; null when the export has none (owners come by name). */
  users: Map<string, CrmUser> | null;
  accounts: CrmAccount[];
  /** Per account id (as the rows write it), its contacts in file order: addContact(). */
  contacts: Map<string, CrmContact[]>;
  deals: CrmDeal[];
  /** Per account, the earliest way in (see offer()). */
  sources: Map<string, CrmEvent>;
  /** Per account, the earliest lead with an owner. */
  leads: Map<string, CrmEvent>;
  team: CrmTeamMember[];
}

export function emptyCanon(): Canon {
  return { users: null, accounts: [], contacts: new Map(), deals: [], sources: new Map(), leads: new Map(), team: [] };
}

/** `item` at the end of `key`'s list in `lists`. */
function pushTo<T>(lists: Map<string, T[]>, key: string, item: T): void {
  const list = lists.get(key);
  if (list) list.push(item);
  else lists.set(key, [item]);
}

/** A contact row, with its account's others. */
export function addContact(canon: Canon, contact: CrmContact): void {
  pushTo(canon.contacts, contact.account, contact);
}

/**
 * What an importer keeps per account id while it reads (salesforce.ts): one Map get for a row
 * that names the account, where a contact row and then its campaign-member rows would cost a get
 * in each of three maps (the contact's account, the best way in, the contacts by account).
 */
export interface AccountSlot {
  account: string;
  /** The best way in offered so far (offer()'s rule); joined into Canon.sources by settleSlots(). */
  source: CrmEvent | undefined;
  /** Its contacts (the list in Canon.contacts, once it has one). */
  contacts: CrmContact[] | undefined;
}

/** Each account id's slot, made when a row first names it. */
export class AccountSlots {
  readonly byAccount = new Map<string, AccountSlot>();
  of(account: string): AccountSlot {
    let slot = this.byAccount.get(account);
    if (!slot) this.byAccount.set(account, (slot = { account, source: undefined, contacts: undefined }));
    return slot;
  }
}

/** addContact() for a row whose account's slot is at hand. */
export function addSlotContact(canon: Canon, slot: AccountSlot, contact: CrmContact): void {
  if (slot.contacts) slot.contacts.push(contact);
  else canon.contacts.set(slot.account, (slot.contacts = [contact]));
}

/** offer() of a way in to a slot: the same rule, kept on the slot until settleSlots(). */
export function offerSlot(slot: AccountSlot, at: string, rank: number, where: At, note: string, owner: UserRef | null): void {
  if (!slot.account) return;
  const best = slot.source;
  if (best && !earlier(at, rank, best)) return;
  slot.source = { file: where.file, row: where.row, account: slot.account, at, rank, note, owner };
}

/**
 * The slots' ways in offered to Canon.sources. The result is offer()'s whatever the order, as long
 * as the slots' events have ranks of their own (no other offer ties one of them on date and rank).
 */
export function settleSlots(canon: Canon, slots: AccountSlots): void {
  for (const slot of slots.byAccount.values()) {
    const e = slot.source;
    if (e) offer(canon.sources, e.account, e.at, e.rank ?? 9, e, e.note, e.owner);
  }
}

/** Earliest dated first; undated last; then the lower rank; else the first offered. */
function earlier(at: string, rank: number, than: CrmEvent): boolean {
  if (at !== than.at) return at !== '' && (than.at === '' || at < than.at);
  return rank < (than.rank ?? 9);
}

/**
 * Keeps, per account, the event that comes first (an export's 100,000 campaign members cost a
 * comparison each, and an object only when one comes first).
 */
export function offer(events: Map<string, CrmEvent>, account: string, at: string, rank: number, where: At, note: string, owner: UserRef | null): void {
  if (!account) return;
  const best = events.get(account);
  if (best && !earlier(at, rank, best)) return;
  events.set(account, { file: where.file, row: where.row, account, at, rank, note, owner });
}

export interface BuildOptions {
  /** Role → stage id (the import's `stages:`). */
  stages: Record<string, string>;
  stageList: readonly StageConfig[];
  /** Account and person ids start with this. */
  prefix: string;
  people: readonly PersonConfig[];
}

export interface Built {
  accounts: AccountConfig[];
  /** Where each account (by id) and contact (by normalised email) came from, for later report lines. */
  where: { account(id: string): At | undefined; contact(email: string): At | undefined };
  people: PersonConfig[];
  peopleMatched: number;
  handoffs: number;
}

function group<T extends { account: string }>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) pushTo(m, it.account, it);
  return m;
}

/** Earliest dated first; undated last, in file order. */
const byDate = <T extends { at: string; rank?: number }>(a: T, b: T) =>
  (a.at && b.at ? a.at.localeCompare(b.at) : a.at ? -1 : b.at ? 1 : 0) || (a.rank ?? 9) - (b.rank ?? 9);

/** Who has an email first: its account's id and the contact's row, for reports. */
interface EmailEntry {
  id: string;
  at: At;
}

export function buildAccounts(canon: Canon, opts: BuildOptions, report: Reporter): Built {
  const people = new PeopleResolver(opts.people, canon.users, opts.prefix);
  const stageIndex = new Map(opts.stageList.map((s, i) => [s.id, i]));
  const side = new Map(opts.stageList.map((s) => [s.id, s.side]));
  const roleStage = (role: string) => opts.stages[role];

  const contacts = canon.contacts;
  const deals = group(canon.deals);
  const team = group(canon.team);

  const ids = new Map<string, At>();
  const accountAt = new Map<string, At>();
  const domainOwner = new Map<string, { id: string; at: At }>();
  const emailOwner = new Map<string, EmailEntry>();
  const accounts: AccountConfig[] = [];
  let handoffs = 0;

  const person = (ref: UserRef | null, stage: string, at: At, column: string): PersonConfig | null => {
    if (!ref) return null;
    if (people.unknownId(ref)) {
      report.add(at.file, at.row, 'unknown-user', `${column} ${ref.id} has no row in the user table: the hand-off has no person`);
      return null;
    }
    return people.resolve(ref, stage);
  };

  for (const a of canon.accounts) {
    if (ids.has(a.id)) {
      const first = ids.get(a.id)!;
      report.add(a.file, a.row, 'duplicate-id', `account id ${a.id} is also on row ${first.row}: kept the first`);
      continue;
    }
    ids.set(a.id, a);
    const id = `${opts.prefix}${idPart(a.id)}`;
    accountAt.set(id, a);

    const domains: string[] = [];
    for (const d of a.domains) {
      const owner = domainOwner.get(d);
      if (owner && owner.id !== id) {
        report.add(a.file, a.row, 'duplicate-domain', `domain ${d} is also account ${owner.id}'s (row ${owner.at.row}): kept it there`);
        continue;
      }
      if (!owner) domainOwner.set(d, { id, at: a });
      if (!domains.includes(d)) domains.push(d);
    }

    // Contacts; departments become teams (members: the contacts in it).
    const teamsByName = new Map<string, TeamConfig>();
    const accountContacts: ContactConfig[] = [];
    for (const c of contacts.get(a.id) ?? []) {
      const key = normalizeEmail(c.email);
      const owner = emailOwner.get(key);
      if (owner) {
        report.add(c.file, c.row, 'duplicate-email', owner.id === id
          ? `the same email as row ${owner.at.row} of this account: kept the first`
          : `the same email as a contact of account ${owner.id} (${owner.at.file}:${owner.at.row}): an email belongs to one contact, kept the first`);
        continue;
      }
      emailOwner.set(key, { id, at: c });
      let teamId: string | undefined;
      if (c.department) {
        let t = teamsByName.get(c.department);
        if (!t) {
          t = { id: `team-${teamsByName.size + 1}`, name: c.department, members: 0 };
          teamsByName.set(c.department, t);
        }
        t.members++;
        teamId = t.id;
      }
      const contact: ContactConfig = { email: c.email, name: c.name, role: c.title };
      if (teamId) contact.team = teamId;
      accountContacts.push(contact);
    }

    const relay: HandoffConfig[] = [];
    const next: NextConfig[] = [];
    const add = (stage: string | undefined, who: PersonConfig | null, at: string, note: string) => {
      if (!stage) return;
      if (side.get(stage) === 'after') {
        if (who) next.push({ stage, person: who.id, note: noteText(note) });
        return;
      }
      relay.push(who ? { stage, person: who.id, at, note: noteText(note) } : { stage, at, note: noteText(note) });
    };

    // source: the earliest way in (campaign response, lead source…)
    const src = roleStage('source');
    if (src) {
      const first = canon.sources.get(a.id);
      if (first) add(src, person(first.owner, src, first, 'campaign owner'), first.at, first.note);
    }
    // lead-owner: who worked the lead (earliest conversion)
    const lo = roleStage('lead-owner');
    if (lo) {
      const first = canon.leads.get(a.id);
      if (first?.owner) add(lo, person(first.owner, lo, first, 'lead owner'), first.at, first.note);
    }
    // deal-owner: the first won deal, else the open deal closing soonest
    const accountDeals = deals.get(a.id) ?? [];
    const dateOf = (d: CrmDeal) => ({ at: d.closeDate });
    const won = accountDeals.filter((d) => d.won).sort((x, y) => byDate(dateOf(x), dateOf(y)))[0];
    const open = accountDeals.filter((d) => !d.closed && !d.won).sort((x, y) => byDate(dateOf(x), dateOf(y)));
    const dealStage = roleStage('deal-owner');
    const deal = won ?? open[0];
    if (dealStage && deal) {
      const note = [deal.name, deal.nextStep ? `Next step: ${deal.nextStep}` : '', deal.description].filter(Boolean).join('\n');
      add(dealStage, person(deal.owner, dealStage, deal, 'deal owner'), deal.closeDate, note);
    }
    // account-owner: who owns it now; the note names the open deal due last (a renewal)
    const ao = roleStage('account-owner');
    if (ao && a.owner) {
      const renewal = open[open.length - 1];
      const note = renewal ? [renewal.name, renewal.stage, renewal.closeDate].filter(Boolean).join(' · ') : '';
      add(ao, person(a.owner, ao, a, 'account owner'), '', note);
    }
    // Salesforce account teams: 'team:<TeamMemberRole>'
    for (const m of team.get(a.id) ?? []) {
      const st = roleStage(`team:${m.role}`);
      if (st) add(st, person(m.user, st, m, 'team member'), '', m.role);
    }

    if (relay.length > 1) relay.sort((x, y) => (stageIndex.get(x.stage) ?? 0) - (stageIndex.get(y.stage) ?? 0) || byDate(x, y));
    handoffs += relay.length + next.length;
    // Account card: the columns, the open deals (closing soonest first), a renewal from an open
    // renewal deal when no column gives one.
    const card: Partial<AccountConfig> = {};
    if (a.plan) card.plan = a.plan;
    if (a.health) card.health = a.health;
    const renewalDeal = open.filter((d) => d.closeDate && /renew|更新|継続/i.test(`${d.name} ${d.stage}`)).at(-1);
    const renewal = a.renewal || renewalDeal?.closeDate;
    if (renewal) card.renewal = renewal;
    if (open.length) card.deals = open.slice(0, 5).map((d): DealConfig => ({ name: d.name || d.stage || '—', stage: d.stage, close: d.closeDate, amount: d.amount ?? '' }));
    const account: AccountConfig = {
      ...card,
      id,
      name: a.name,
      aliases: [],
      domains,
      employees: a.employees,
      industry: a.industry,
      society: '',
      relay,
      next,
      teams: [...teamsByName.values()],
      contacts: accountContacts,
    };
    accounts.push(account);
  }

  // Contacts, deals and events whose account is not in the export.
  const unknown = (items: ReadonlyMap<string, Array<At>>, what: string) => {
    for (const [account, list] of items) {
      if (ids.has(account)) continue;
      for (const it of list) report.add(it.file, it.row, 'unknown-account', account ? `${what}'s account ${account} is no account of the export` : `${what} names no account`);
    }
  };
  unknown(contacts, 'contact');
  unknown(deals, 'deal');

  // Asked only for a line the join reports: the maps this build keeps anyway answer it.
  const where: Built['where'] = {
    account: (id) => accountAt.get(id),
    contact: (email) => emailOwner.get(email)?.at,
  };
  return { accounts, where, people: people.made, peopleMatched: people.matched.size, handoffs };
}

/** Checks a contact's email; reports and returns false when it is not one. */
export function contactEmail(email: string, at: At, report: Reporter): boolean {
  if (!email) {
    report.add(at.file, at.row, 'missing-field', 'contact has no email: Baton matches contacts by email');
    return false;
  }
  if (!isEmail(email)) {
    report.add(at.file, at.row, 'bad-email', 'contact email is not an email address');
    return false;
  }
  return true;
}
