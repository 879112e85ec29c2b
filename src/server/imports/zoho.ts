/**
 * Zoho CRM exports (a module's Export, or Data Backup): one CSV per module with field labels as
 * headers (Record Id, Account Name, Account Owner …). A lookup comes as two columns, the name and
 * "<label>.id" (Account Name.id, Account Owner.id); ids may carry a zcrm_ prefix in one file and
 * not in another, so joins ignore it.
 *
 * Roles: source = Lead Source (and Campaign Source) of the first deal, else of the earliest contact
 * (Created Time); lead-owner = the Contact Owner of the earliest contact; deal-owner = the Deal
 * Owner of the first won deal (Stage "Closed Won", Closing Date, Deal Name, Next Step,
 * Description); account-owner = Account Owner.
 */
import { addContact, contactEmail, emptyCanon, offer, type Canon } from './model';
import { cardOf, CARD_COLUMNS, dealOf, domainsOf, hasIdAndName, ImportContext, ownerRef, type TableKind } from './source';
import { joinNote, personName } from './values';

export const ZOHO_KINDS: TableKind[] = [
  { kind: 'account', label: 'Accounts', names: /^accounts?(?![a-z])/i, headers: ['Account Owner'] },
  { kind: 'contact', label: 'Contacts', names: /^contacts?(?![a-z])/i, headers: ['Contact Owner'] },
  { kind: 'deal', label: 'Deals', names: /^(deals?|potentials?)(?![a-z])/i, headers: ['Deal Owner', 'Deal Name'] },
];

const ACCOUNT = { id: ['Record Id', 'Record ID', 'Id', 'ACCOUNTID'], name: ['Account Name'], website: ['Website'], employees: ['Employees', 'No. of Employees'], industry: ['Industry'], owner: ['Account Owner'], ownerId: ['Account Owner.id', 'Account Owner Id'], ...CARD_COLUMNS } as const;
const CONTACT = { account: ['Account Name.id', 'Account Name Id', 'ACCOUNTID'], accountName: ['Account Name'], first: ['First Name'], last: ['Last Name'], email: ['Email'], title: ['Title'], department: ['Department'], owner: ['Contact Owner'], ownerId: ['Contact Owner.id', 'Contact Owner Id'], source: ['Lead Source'], created: ['Created Time'] } as const;
const DEAL = { amount: ['Amount'], account: ['Account Name.id', 'Account Name Id', 'ACCOUNTID'], accountName: ['Account Name'], name: ['Deal Name', 'Potential Name'], stage: ['Stage'], close: ['Closing Date'], owner: ['Deal Owner', 'Potential Owner'], ownerId: ['Deal Owner.id', 'Deal Owner Id', 'Potential Owner.id'], source: ['Lead Source'], campaign: ['Campaign Source'], nextStep: ['Next Step'], description: ['Description'], created: ['Created Time'] } as const;

const bare = (id: string) => id.replace(/^zcrm_/i, '');

export function readZoho(ctx: ImportContext): Canon {
  const canon = emptyCanon();
  const byName = new Map<string, string>();
  for (const { cols, row, at } of ctx.rows('account', ACCOUNT)) {
    const id = bare(cols.get(row, 'id'));
    const name = cols.get(row, 'name');
    if (!hasIdAndName(ctx, at, id, name, { what: 'account', id: 'Record Id', name: 'Account Name' })) continue;
    if (!byName.has(name)) byName.set(name, id);
    canon.accounts.push({ ...at, id, name, ...cardOf(ctx, (f) => cols.get(row, f), at), domains: domainsOf(ctx, at, [cols.get(row, 'website')], 'Website'), employees: ctx.number(cols.get(row, 'employees'), at, 'Employees'), industry: cols.get(row, 'industry'), owner: ownerRef(cols.get(row, 'owner'), bare(cols.get(row, 'ownerId'))) });
  }
  const accountOf = (id: string, name: string) => bare(id) || byName.get(name) || (name ? `name:${name}` : '');

  for (const { cols, row, at } of ctx.rows('contact', CONTACT)) {
    const account = accountOf(cols.get(row, 'account'), cols.get(row, 'accountName'));
    const created = ctx.date(cols.get(row, 'created'), at, 'Created Time');
    const source = cols.get(row, 'source');
    if (source) offer(canon.sources, account, created, 1, at, source, null);
    const owner = ownerRef(cols.get(row, 'owner'), bare(cols.get(row, 'ownerId')));
    if (owner) offer(canon.leads, account, created, 0, at, '', owner);
    const email = cols.get(row, 'email');
    if (!contactEmail(email, at, ctx.report)) continue;
    addContact(canon, { ...at, account, email, name: personName(cols.get(row, 'first'), cols.get(row, 'last')), title: cols.get(row, 'title'), department: cols.get(row, 'department') });
  }

  for (const { cols, row, at } of ctx.rows('deal', DEAL)) {
    const account = accountOf(cols.get(row, 'account'), cols.get(row, 'accountName'));
    const stage = cols.get(row, 'stage');
    const won = /closed[- ]?won|受注/i.test(stage);
    const closed = won || /closed|lost|失注/i.test(stage);
    const source = joinNote(cols.get(row, 'source'), cols.get(row, 'campaign'));
    if (source) offer(canon.sources, account, ctx.date(cols.get(row, 'created'), at, 'Created Time'), 0, at, source, null);
    canon.deals.push(dealOf(at, { amount: cols.get(row, 'amount'),
      account,
      name: cols.get(row, 'name'),
      stage,
      closeDate: ctx.date(cols.get(row, 'close'), at, 'Closing Date'),
      won,
      closed,
      owner: ownerRef(cols.get(row, 'owner'), bare(cols.get(row, 'ownerId'))),
      nextStep: cols.get(row, 'nextStep'),
      description: cols.get(row, 'description'),
    }));
  }
  return canon;
}
