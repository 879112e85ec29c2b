/**
 * Pipedrive exports (Organizations / People / Deals → Export results): headers are
 * "Entity - Field" (Organization - Name, Person - Email - Work, Deal - Owner, Deal - Organization
 * ID, Deal - Won time), and a deals export carries its organization's and person's columns too.
 * Owners come as names. People and deals name their organization by ID where the export has it,
 * else by name.
 *
 * Roles: source = Deal - Source channel / Source origin (or Lead source) of the account's first
 * deal (Deal - Add time); lead-owner = the Person - Owner of the earliest person (Person - Add
 * time); deal-owner = the Deal - Owner of the first won deal (Deal - Won time, else Deal - Close
 * time); account-owner = Organization - Owner.
 */
import { addContact, contactEmail, emptyCanon, offer, type Canon } from './model';
import { cardOf, CARD_COLUMNS, dealOf, domainsOf, hasIdAndName, ImportContext, ownerRef, type TableKind } from './source';
import { joinNote, personName } from './values';

export const PIPEDRIVE_KINDS: TableKind[] = [
  { kind: 'organization', label: 'organizations', names: /organi[sz]ation/i, headers: ['Organization - ID'] },
  { kind: 'person', label: 'people', names: /people|person/i, headers: ['Person - ID'] },
  { kind: 'deal', label: 'deals', names: /deal/i, headers: ['Deal - ID', 'Deal - Title'] },
];

const ORG = { id: ['Organization - ID'], name: ['Organization - Name'], owner: ['Organization - Owner'], employees: ['Organization - Number of employees', 'Organization - Employees'], industry: ['Organization - Industry'], website: ['Organization - Website', 'Organization - Domain'], plan: ['Organization - Plan', ...CARD_COLUMNS.plan], renewal: ['Organization - Renewal date', ...CARD_COLUMNS.renewal], health: ['Organization - Health', ...CARD_COLUMNS.health] } as const;
const PERSON = { orgId: ['Person - Organization ID', 'Organization - ID'], org: ['Person - Organization', 'Organization - Name'], name: ['Person - Name'], first: ['Person - First name'], last: ['Person - Last name'], email: ['Person - Email - Work', 'Person - Email', 'Person - Email - Other', 'Person - Email - Home'], title: ['Person - Job title'], department: ['Person - Department'], owner: ['Person - Owner'], added: ['Person - Add time', 'Person - Created'] } as const;
const DEAL = { amount: ['Deal - Value'], orgId: ['Deal - Organization ID', 'Organization - ID'], org: ['Deal - Organization', 'Organization - Name'], title: ['Deal - Title'], owner: ['Deal - Owner'], status: ['Deal - Status'], won: ['Deal - Won time'], close: ['Deal - Close time', 'Deal - Expected close date'], stage: ['Deal - Stage'], pipeline: ['Deal - Pipeline'], source: ['Deal - Source channel', 'Deal - Source origin', 'Deal - Lead source', 'Deal - Source'], added: ['Deal - Add time', 'Deal - Deal created'], nextStep: ['Deal - Next activity subject'], description: ['Deal - Description', 'Deal - Notes'] } as const;

export function readPipedrive(ctx: ImportContext): Canon {
  const canon = emptyCanon();
  const byName = new Map<string, string>();
  for (const { cols, row, at } of ctx.rows('organization', ORG)) {
    const id = cols.get(row, 'id');
    const name = cols.get(row, 'name');
    if (!hasIdAndName(ctx, at, id, name, { what: 'organization', id: 'Organization - ID', name: 'Organization - Name' })) continue;
    if (!byName.has(name)) byName.set(name, id);
    canon.accounts.push({ ...at, id, name, ...cardOf(ctx, (f) => cols.get(row, f), at), domains: domainsOf(ctx, at, [cols.get(row, 'website')], 'Organization - Website'), employees: ctx.number(cols.get(row, 'employees'), at, 'Organization - Number of employees'), industry: cols.get(row, 'industry'), owner: ownerRef(cols.get(row, 'owner')) });
  }
  const orgOf = (id: string, name: string) => id || byName.get(name) || (name ? `name:${name}` : '');

  for (const { cols, row, at } of ctx.rows('person', PERSON)) {
    const account = orgOf(cols.get(row, 'orgId'), cols.get(row, 'org'));
    const owner = ownerRef(cols.get(row, 'owner'));
    if (owner) offer(canon.leads, account, ctx.date(cols.get(row, 'added'), at, 'Person - Add time'), 0, at, '', owner);
    const email = cols.get(row, 'email').split(',')[0]!.trim();
    if (!contactEmail(email, at, ctx.report)) continue;
    addContact(canon, { ...at, account, email, name: cols.get(row, 'name') || personName(cols.get(row, 'first'), cols.get(row, 'last')), title: cols.get(row, 'title'), department: cols.get(row, 'department') });
  }

  for (const { cols, row, at } of ctx.rows('deal', DEAL)) {
    const account = orgOf(cols.get(row, 'orgId'), cols.get(row, 'org'));
    const status = cols.get(row, 'status').toLowerCase();
    const wonTime = ctx.date(cols.get(row, 'won'), at, 'Deal - Won time');
    const won = status === 'won' || (!status && !!wonTime);
    const closed = won || status === 'lost' || status === 'deleted';
    const source = cols.get(row, 'source');
    if (source) offer(canon.sources, account, ctx.date(cols.get(row, 'added'), at, 'Deal - Add time'), 0, at, source, null);
    canon.deals.push(dealOf(at, { amount: cols.get(row, 'amount'),
      account,
      name: cols.get(row, 'title'),
      stage: joinNote(cols.get(row, 'pipeline'), cols.get(row, 'stage')),
      closeDate: wonTime || ctx.date(cols.get(row, 'close'), at, 'Deal - Close time'),
      won,
      closed,
      owner: ownerRef(cols.get(row, 'owner')),
      nextStep: cols.get(row, 'nextStep'),
      description: cols.get(row, 'description'),
    }));
  }
  return canon;
}
