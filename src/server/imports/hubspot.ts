/**
 * HubSpot exports (CRM → Companies / Contacts / Deals → Export, one CSV per object). Records join
 * by Record ID: contacts and deals name their company in "Associated Company IDs (Primary)" (else
 * the first of the ";"-separated "Associated Company IDs"). Owners come as display names. Headers
 * follow the exporting user's language: the English labels and the Japanese ones confirmed in
 * HubSpot's Japanese knowledge base are known; `columns:` maps any other.
 *
 * Roles: source = Original Source (newer label: Original Traffic Source) and its drill-downs, of
 * the company or of its earliest contact (Create Date); lead-owner = the Contact owner of the
 * earliest contact; deal-owner = the Deal owner of the first won deal (Close Date, Deal Name,
 * pipeline and stage); account-owner = the Company owner.
 */
import { addContact, contactEmail, emptyCanon, offer, type Canon } from './model';
import { cardOf, CARD_COLUMNS, dealOf, domainsOf, hasIdAndName, ImportContext, ownerRef, type TableKind } from './source';
import { joinNote, parseBool, personName } from './values';

export const HUBSPOT_KINDS: TableKind[] = [
  { kind: 'company', label: 'companies', names: /compan|会社/i, headers: ['Company Domain Name', '会社のドメイン名'] },
  { kind: 'contact', label: 'contacts', names: /contact|コンタクト/i, headers: ['Contact owner', 'コンタクト担当者', 'First Name'] },
  { kind: 'deal', label: 'deals', names: /deal|取引/i, headers: ['Deal Name', 'Deal Stage', '取引名', '取引ステージ'] },
];

const ID = ['Record ID', 'Company ID', 'Contact ID', 'Deal ID', 'レコードID'];
const PRIMARY = ['Associated Company IDs (Primary)', 'Associated Company ID (Primary)'];
const COMPANIES = ['Associated Company IDs', 'Associated Company ID', 'Associated Company', 'Company ID'];
const SOURCE = ['Original Source', 'Original Traffic Source', 'オリジナルソース'];
const DRILL1 = ['Original Source Drill-Down 1', 'Original Traffic Source Drill-Down 1'];
const DRILL2 = ['Original Source Drill-Down 2', 'Original Traffic Source Drill-Down 2'];
const CREATED = ['Create Date', '作成日'];

const COMPANY = { id: ID, name: ['Company name', 'Name', '会社名'], domain: ['Company Domain Name', '会社のドメイン名'], more: ['Additional Domains', 'Additional domains'], website: ['Website URL', 'Website'], employees: ['Number of Employees', '従業員数'], industry: ['Industry', '業種'], owner: ['Company owner', '会社の所有者', '会社担当者'], source: SOURCE, drill1: DRILL1, drill2: DRILL2, created: CREATED, ...CARD_COLUMNS } as const;
const CONTACT = { primary: PRIMARY, companies: COMPANIES, first: ['First Name', '名'], last: ['Last Name', '姓'], email: ['Email', 'Eメール'], title: ['Job Title', '役職'], department: ['Department', '部署'], owner: ['Contact owner', 'コンタクト担当者'], source: SOURCE, drill1: DRILL1, drill2: DRILL2, created: CREATED } as const;
const DEAL = { amount: ['Amount', '金額'], primary: PRIMARY, companies: COMPANIES, name: ['Deal Name', '取引名'], stage: ['Deal Stage', '取引ステージ'], pipeline: ['Pipeline', 'パイプライン'], close: ['Close Date', 'クローズ日'], owner: ['Deal owner', '取引担当者'], won: ['Is Closed Won', 'Is closed won'], closed: ['Is Deal Closed?', 'Is deal closed'], description: ['Deal Description', 'Description'], nextStep: ['Next step', 'Next Step'] } as const;

/** The company a contact or deal belongs to: the primary association, else the first listed. */
const firstId = (s: string) => s.split(/[;,]/).map((x) => x.trim()).find(Boolean) ?? '';
const companyOf = (primary: string, all: string) => firstId(primary) || firstId(all);

export function readHubspot(ctx: ImportContext): Canon {
  const canon = emptyCanon();
  for (const { cols, row, at } of ctx.rows('company', COMPANY)) {
    const id = cols.get(row, 'id');
    const name = cols.get(row, 'name');
    if (!hasIdAndName(ctx, at, id, name, { what: 'company', id: 'Record ID', name: 'Company name' })) continue;
    const domains = domainsOf(ctx, at, [cols.get(row, 'domain'), ...cols.get(row, 'more').split(';'), cols.get(row, 'website')], 'domain');
    canon.accounts.push({ ...at, id, name, ...cardOf(ctx, (f) => cols.get(row, f), at), domains, employees: ctx.number(cols.get(row, 'employees'), at, 'Number of Employees'), industry: cols.get(row, 'industry'), owner: ownerRef(cols.get(row, 'owner')) });
    const source = cols.get(row, 'source');
    if (source) offer(canon.sources, id, ctx.date(cols.get(row, 'created'), at, 'Create Date'), 0, at, joinNote(source, cols.get(row, 'drill1'), cols.get(row, 'drill2')), null);
  }

  for (const { cols, row, at } of ctx.rows('contact', CONTACT)) {
    const account = companyOf(cols.get(row, 'primary'), cols.get(row, 'companies'));
    const created = ctx.date(cols.get(row, 'created'), at, 'Create Date');
    const source = cols.get(row, 'source');
    if (source) offer(canon.sources, account, created, 1, at, joinNote(source, cols.get(row, 'drill1'), cols.get(row, 'drill2')), null);
    const owner = ownerRef(cols.get(row, 'owner'));
    if (owner) offer(canon.leads, account, created, 0, at, '', owner);
    const email = cols.get(row, 'email');
    if (!contactEmail(email, at, ctx.report)) continue;
    addContact(canon, { ...at, account, email, name: personName(cols.get(row, 'first'), cols.get(row, 'last')), title: cols.get(row, 'title'), department: cols.get(row, 'department') });
  }

  for (const { cols, row, at } of ctx.rows('deal', DEAL)) {
    const stage = cols.get(row, 'stage');
    const won = parseBool(cols.get(row, 'won')) === true || /closed ?won|成約|受注/i.test(stage);
    const closed = won || parseBool(cols.get(row, 'closed')) === true || /closed|lost|失注|不成立/i.test(stage);
    const pipeline = cols.get(row, 'pipeline');
    canon.deals.push(dealOf(at, { amount: cols.get(row, 'amount'),
      account: companyOf(cols.get(row, 'primary'), cols.get(row, 'companies')),
      name: cols.get(row, 'name'),
      stage: joinNote(pipeline, stage),
      closeDate: ctx.date(cols.get(row, 'close'), at, 'Close Date'),
      won,
      closed,
      owner: ownerRef(cols.get(row, 'owner')),
      nextStep: cols.get(row, 'nextStep'),
      description: cols.get(row, 'description'),
    }));
  }
  return canon;
}
