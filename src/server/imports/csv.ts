/**
 * A generic export for any other CRM or a spreadsheet: accounts.csv, contacts.csv, deals.csv and
 * optionally users.csv, with Baton's own column names (docs/import.md); `columns:` maps yours
 * onto them. Owners are user ids (with users.csv), emails or names.
 *
 * Roles: source = accounts' source (+ source_date, source_owner); lead-owner = accounts'
 * lead_owner (+ lead_date), else the owner of the earliest contact; deal-owner = the owner of the
 * first won deal; account-owner = accounts' owner.
 */
import { addContact, contactEmail, emptyCanon, offer, type Canon } from './model';
import { cardOf, CARD_COLUMNS, dealOf, domainsOf, hasIdAndName, ImportContext, ownerRef, readUsers, type TableKind } from './source';
import { parseBool, personName } from './values';

export const CSV_KINDS: TableKind[] = [
  { kind: 'account', label: 'accounts.csv', names: /^accounts?(?![a-z])/i },
  { kind: 'contact', label: 'contacts.csv', names: /^contacts?(?![a-z])/i },
  { kind: 'deal', label: 'deals.csv', names: /^deals?(?![a-z])/i },
  { kind: 'user', label: 'users.csv', names: /^users?(?![a-z])/i },
];

const ACCOUNT = { id: ['id'], name: ['name'], domain: ['domain', 'domains', 'website'], employees: ['employees'], industry: ['industry'], owner: ['owner'], source: ['source'], sourceDate: ['source_date'], sourceOwner: ['source_owner'], leadOwner: ['lead_owner'], leadDate: ['lead_date'], plan: ['plan', ...CARD_COLUMNS.plan], renewal: ['renewal', 'renewal_date', ...CARD_COLUMNS.renewal], health: ['health', ...CARD_COLUMNS.health] } as const;
const CONTACT = { account: ['account', 'account_id'], email: ['email'], name: ['name'], first: ['first_name'], last: ['last_name'], title: ['title', 'role'], department: ['department', 'team'], owner: ['owner'], created: ['created', 'created_date'] } as const;
const DEAL = { amount: ['amount', 'value'], account: ['account', 'account_id'], name: ['name'], stage: ['stage'], close: ['close_date', 'closed'], won: ['won'], owner: ['owner'], nextStep: ['next_step'], description: ['description', 'note'] } as const;

export function readCsv(ctx: ImportContext): Canon {
  const canon = emptyCanon();
  canon.users = readUsers(ctx, 'user');
  const users = canon.users;
  const owner = (v: string) => (users?.has(v) ? { id: v } : ownerRef(v));

  for (const { cols, row, at } of ctx.rows('account', ACCOUNT)) {
    const id = cols.get(row, 'id');
    const name = cols.get(row, 'name');
    if (!hasIdAndName(ctx, at, id, name, { what: 'account', id: 'id', name: 'name' })) continue;
    const domains = domainsOf(ctx, at, cols.get(row, 'domain').split(/[;\s]+/), 'domain');
    canon.accounts.push({ ...at, id, name, ...cardOf(ctx, (f) => cols.get(row, f), at), domains, employees: ctx.number(cols.get(row, 'employees'), at, 'employees'), industry: cols.get(row, 'industry'), owner: owner(cols.get(row, 'owner')) });
    const source = cols.get(row, 'source');
    if (source) offer(canon.sources, id, ctx.date(cols.get(row, 'sourceDate'), at, 'source_date'), 0, at, source, owner(cols.get(row, 'sourceOwner')));
    const lead = owner(cols.get(row, 'leadOwner'));
    if (lead) offer(canon.leads, id, ctx.date(cols.get(row, 'leadDate'), at, 'lead_date'), -1, at, '', lead);
  }

  for (const { cols, row, at } of ctx.rows('contact', CONTACT)) {
    const account = cols.get(row, 'account');
    const o = owner(cols.get(row, 'owner'));
    if (o && !canon.leads.get(account)?.rank) offer(canon.leads, account, ctx.date(cols.get(row, 'created'), at, 'created'), 0, at, '', o);
    const email = cols.get(row, 'email');
    if (!contactEmail(email, at, ctx.report)) continue;
    addContact(canon, { ...at, account, email, name: cols.get(row, 'name') || personName(cols.get(row, 'first'), cols.get(row, 'last')), title: cols.get(row, 'title'), department: cols.get(row, 'department') });
  }

  for (const { cols, row, at } of ctx.rows('deal', DEAL)) {
    const stage = cols.get(row, 'stage');
    const won = parseBool(cols.get(row, 'won')) === true || /won|成約|受注/i.test(stage);
    canon.deals.push(dealOf(at, { amount: cols.get(row, 'amount'),
      account: cols.get(row, 'account'),
      name: cols.get(row, 'name'),
      stage,
      closeDate: ctx.date(cols.get(row, 'close'), at, 'close_date'),
      won,
      closed: won || /lost|closed|失注/i.test(stage),
      owner: owner(cols.get(row, 'owner')),
      nextStep: cols.get(row, 'nextStep'),
      description: cols.get(row, 'description'),
    }));
  }
  return canon;
}
