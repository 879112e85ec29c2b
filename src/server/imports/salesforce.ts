/**
 * Salesforce Data Export (Setup → Data Export, weekly or monthly): a zip of one <Object>.csv per
 * object, API field names as headers, records joined by Id. Files that are not there are skipped
 * and listed in the report.
 *
 * Roles: source = the earliest campaign response (CampaignMember.FirstRespondedDate, the
 * campaign's name and type, the campaign owner), else the converted lead's LeadSource, else the
 * won opportunity's or a contact's LeadSource; lead-owner = the owner of the earliest converted
 * Lead (ConvertedDate); deal-owner = the owner of the first won Opportunity (CloseDate, Name,
 * NextStep, Description); account-owner = Account.OwnerId; 'team:<TeamMemberRole>' =
 * AccountTeamMember rows with that role.
 */
import { addSlotContact, AccountSlots, contactEmail, emptyCanon, offer, offerSlot, settleSlots, type AccountSlot, type Canon } from './model';
import type { UserRef } from './people';
import { cardOf, CARD_COLUMNS, dealOf, domainsOf, hasIdAndName, ImportContext, readUsers, type TableKind } from './source';
import { joinNote, parseBool, personName } from './values';

export const SALESFORCE_KINDS: TableKind[] = [
  { kind: 'account', label: 'Account.csv', names: /^account\.csv$/i },
  { kind: 'contact', label: 'Contact.csv', names: /^contact\.csv$/i },
  { kind: 'opportunity', label: 'Opportunity.csv', names: /^opportunity\.csv$/i },
  { kind: 'lead', label: 'Lead.csv', names: /^lead\.csv$/i },
  { kind: 'campaign', label: 'Campaign.csv', names: /^campaign\.csv$/i },
  { kind: 'member', label: 'CampaignMember.csv', names: /^campaignmember\.csv$/i },
  { kind: 'user', label: 'User.csv', names: /^user\.csv$/i },
  { kind: 'team', label: 'AccountTeamMember.csv', names: /^accountteammember\.csv$/i },
];

const ACCOUNT = { id: ['Id'], name: ['Name'], website: ['Website'], employees: ['NumberOfEmployees'], industry: ['Industry'], owner: ['OwnerId'], ...CARD_COLUMNS } as const;
const CONTACT = { id: ['Id'], account: ['AccountId'], first: ['FirstName'], last: ['LastName'], email: ['Email'], title: ['Title'], department: ['Department'], source: ['LeadSource'], created: ['CreatedDate'] } as const;
const OPPORTUNITY = { amount: ['Amount'], account: ['AccountId'], name: ['Name'], stage: ['StageName'], close: ['CloseDate'], won: ['IsWon'], closed: ['IsClosed'], owner: ['OwnerId'], nextStep: ['NextStep'], description: ['Description'], campaign: ['CampaignId'], source: ['LeadSource'] } as const;
const LEAD = { id: ['Id'], converted: ['IsConverted'], convertedDate: ['ConvertedDate'], account: ['ConvertedAccountId'], owner: ['OwnerId'], source: ['LeadSource'], description: ['Description'], created: ['CreatedDate'] } as const;
const CAMPAIGN = { id: ['Id'], name: ['Name'], type: ['Type'], owner: ['OwnerId'] } as const;
const MEMBER = { campaign: ['CampaignId'], lead: ['LeadId'], contact: ['ContactId'], responded: ['FirstRespondedDate'], created: ['CreatedDate'] } as const;
const TEAM = { account: ['AccountId'], user: ['UserId'], role: ['TeamMemberRole'] } as const;

export function readSalesforce(ctx: ImportContext): Canon {
  const canon = emptyCanon();
  canon.users = readUsers(ctx, 'user');
  const user = (id: string) => (id ? { id } : null);

  for (const { cols, row, at } of ctx.rows('account', ACCOUNT)) {
    const id = cols.get(row, 'id');
    const name = cols.get(row, 'name');
    if (!hasIdAndName(ctx, at, id, name, { what: 'account', id: 'Id', name: 'Name' })) continue;
    canon.accounts.push({ ...at, id, name, ...cardOf(ctx, (f) => cols.get(row, f), at), domains: domainsOf(ctx, at, [cols.get(row, 'website')], 'Website'), employees: ctx.number(cols.get(row, 'employees'), at, 'NumberOfEmployees'), industry: cols.get(row, 'industry'), owner: user(cols.get(row, 'owner')) });
  }

  // Contacts and campaign members reach their account through its slot (model.ts): members are
  // ways in of rank 0 and contacts' lead sources of rank 3, the slot's own; leads (1) and won
  // opportunities (2) offer to canon.sources, so the order of the two does not matter.
  const slots = new AccountSlots();
  const contactAccount = new Map<string, AccountSlot>();
  for (const { cols, row, at } of ctx.rows('contact', CONTACT)) {
    const account = cols.get(row, 'account');
    const slot = slots.of(account);
    const id = cols.get(row, 'id');
    if (id && account) contactAccount.set(id, slot);
    const source = cols.get(row, 'source');
    if (source) offerSlot(slot, ctx.date(cols.get(row, 'created'), at, 'CreatedDate'), 3, at, source, null);
    const email = cols.get(row, 'email');
    if (!contactEmail(email, at, ctx.report)) continue;
    addSlotContact(canon, slot, { file: at.file, row: at.row, account, email, name: personName(cols.get(row, 'first'), cols.get(row, 'last')), title: cols.get(row, 'title'), department: cols.get(row, 'department') });
  }

  const campaigns = new Map<string, { name: string; note: string; owner: UserRef | null }>();
  for (const { cols, row } of ctx.rows('campaign', CAMPAIGN)) {
    const id = cols.get(row, 'id');
    if (id) campaigns.set(id, { name: cols.get(row, 'name'), note: joinNote(cols.get(row, 'type'), cols.get(row, 'name')), owner: user(cols.get(row, 'owner')) });
  }

  const leadAccount = new Map<string, AccountSlot>();
  for (const { cols, row, at } of ctx.rows('lead', LEAD)) {
    if (parseBool(cols.get(row, 'converted')) !== true) continue;
    const account = cols.get(row, 'account');
    const id = cols.get(row, 'id');
    if (id && account) leadAccount.set(id, slots.of(account));
    const converted = ctx.date(cols.get(row, 'convertedDate'), at, 'ConvertedDate');
    const source = cols.get(row, 'source');
    const description = cols.get(row, 'description');
    const owner = user(cols.get(row, 'owner'));
    if (owner) offer(canon.leads, account, converted, 0, at, joinNote(source && `Lead source: ${source}`, description), owner);
    if (source) offer(canon.sources, account, ctx.date(cols.get(row, 'created'), at, 'CreatedDate') || converted, 1, at, source, null);
  }

  for (const { cols, row, at } of ctx.rows('member', MEMBER)) {
    const slot = contactAccount.get(cols.get(row, 'contact')) ?? leadAccount.get(cols.get(row, 'lead'));
    if (!slot) continue; // a lead that never became a customer: not part of any relay
    const campaignId = cols.get(row, 'campaign');
    const campaign = campaigns.get(campaignId);
    if (!campaign) {
      if (ctx.has('campaign')) ctx.report.add(at.file, at.row, 'unknown-campaign', `CampaignId ${campaignId || '(empty)'} is no row of Campaign.csv`);
      continue;
    }
    const when = ctx.date(cols.get(row, 'responded'), at, 'FirstRespondedDate') || ctx.date(cols.get(row, 'created'), at, 'CreatedDate');
    offerSlot(slot, when, 0, at, campaign.note, campaign.owner);
  }

  for (const { cols, row, at } of ctx.rows('opportunity', OPPORTUNITY)) {
    const account = cols.get(row, 'account');
    const stage = cols.get(row, 'stage');
    const won = parseBool(cols.get(row, 'won')) === true || /^closed won$/i.test(stage);
    const closed = won || parseBool(cols.get(row, 'closed')) === true || /^closed/i.test(stage);
    const closeDate = ctx.date(cols.get(row, 'close'), at, 'CloseDate');
    canon.deals.push(dealOf(at, { amount: cols.get(row, 'amount'), account, name: cols.get(row, 'name'), stage, closeDate, won, closed, owner: user(cols.get(row, 'owner')), nextStep: cols.get(row, 'nextStep'), description: cols.get(row, 'description') }));
    const source = cols.get(row, 'source');
    const campaign = campaigns.get(cols.get(row, 'campaign'));
    if (won && (source || campaign)) offer(canon.sources, account, '', 2, at, joinNote(source, campaign && campaign.name), campaign ? campaign.owner : null);
  }

  for (const { cols, row, at } of ctx.rows('team', TEAM)) {
    const account = cols.get(row, 'account');
    const userId = cols.get(row, 'user');
    const role = cols.get(row, 'role');
    if (account && userId && role) canon.team.push({ ...at, account, user: { id: userId }, role });
  }
  settleSlots(canon, slots);
  return canon;
}
