/**
 * Salesforce Service Console / Lightning Case pages (`/lightning/r/Case/<15–18 char id>/view`).
 *
 * Sources: HELPDESKS.md (public code): the visible console tab is `.windowViewMode-normal`; fields are
 * `records-record-layout-item[field-label="…"]`; the highlights panel has `[title="Account Name"]`
 * followed by its value — fairly sure for the structure, field labels follow the org's language and
 * page layout (English labels here, plus Japanese). Lightning renders inside shadow roots: every field
 * is read through open shadow roots (`deepQuery`). The console keeps several Case tabs in the DOM —
 * only the visible one is read. Salesforce's Aura/UI API needs a token the content script does not
 * have; no same-origin JSON is used.
 */
import { deepFirstText, deepQueryAll, deepText, defineAdapter, findEmail } from './read';
import type { CustomerRead } from './types';
import { desk } from '../../shared/desks';

const ITEM = (labels: string[]) => labels.map((l) => `records-record-layout-item[field-label="${l}"]`);
const VALUE = ['lightning-formatted-email', 'force-lookup a', 'records-hoverable-link a', 'lightning-formatted-text', 'lightning-formatted-name', '.slds-form-element__static'];

/** A field's value: a known value element inside the layout item, else its text minus the label. */
function field(pane: ParentNode, labels: string[]): string | undefined {
  for (const item of ITEM(labels).flatMap((sel) => deepQueryAll(pane, sel))) {
    const v = deepFirstText(item, VALUE);
    if (v) return v;
    const label = item.getAttribute('field-label') ?? '';
    const t = deepText(item)?.replace(label, '').trim();
    if (t) return t;
  }
  return undefined;
}

/** Highlights panel / compact layout: `[title="Account Name"]` then the next element's text. */
function titled(pane: ParentNode, titles: string[]): string | undefined {
  for (const t of titles) {
    for (const el of deepQueryAll(pane, `[title="${t}"]`)) {
      const v = el.nextElementSibling ? deepText(el.nextElementSibling) : undefined;
      if (v) return v;
    }
  }
  return undefined;
}

function extra(pane: ParentNode): Partial<CustomerRead> {
  const email = field(pane, ['Contact Email', 'Web Email', '取引先責任者 メール', 'Web メール']);
  return {
    email: findEmail(email) ?? findEmail(titled(pane, ['Contact Email', 'Web Email'])),
    name: field(pane, ['Contact Name', 'Web Name', '取引先責任者名', 'Web 名']) ?? titled(pane, ['Contact Name']),
    org: field(pane, ['Account Name', 'Web Company', '取引先名', 'Web 会社名']) ?? titled(pane, ['Account Name', '取引先名']),
    subject: field(pane, ['Subject', '件名']) ?? titled(pane, ['Subject', '件名']),
    ticket: field(pane, ['Case Number', 'ケース番号']) ?? titled(pane, ['Case Number', 'ケース番号']),
  };
}

export const adapter = defineAdapter({
  ...desk('salesforce'),
  matches: ['https://*.lightning.force.com/*', 'https://*.my.salesforce.com/*'],
  examples: {
    ticket: [
      { url: 'https://acme.lightning.force.com/lightning/r/Case/5003h00000ABCdeAAF/view', id: '5003h00000ABCdeAAF' },
      { url: 'https://acme.lightning.force.com/lightning/r/Case/5003h00000ABCde/view?ws=%2Flightning%2Fr', id: '5003h00000ABCde' },
    ],
    notTicket: [
      'https://acme.lightning.force.com/lightning/o/Case/list?filterName=Recent',
      'https://acme.lightning.force.com/lightning/r/Account/0013h00000XYZabAAB/view',
      'https://acme.lightning.force.com/lightning/page/home',
    ],
  },
  urls: [/^\/lightning\/r\/Case\/([a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?)\/view(?:[/?#]|$)/],
  detect: ['.windowViewMode-normal', 'records-record-layout-item', 'one-record-home-flexipage2', 'force-record-layout-item'],
  activePane(doc, ticket) {
    const tabs = [...doc.querySelectorAll('.windowViewMode-normal')];
    const visible = tabs.filter((t) => !t.closest('[hidden], .hidden, [aria-hidden="true"]'));
    return (
      visible.find((t) => t.querySelector(`[data-recordid="${ticket}"], [record-id="${ticket}"]`)) ??
      visible[0] ??
      (doc.querySelector('records-record-layout-item') ? doc.body : null)
    );
  },
  deep: true,
  fields: {
    customerPanel: ['records-record-layout-item[field-label="Contact Email"]', 'records-record-layout-item[field-label="Web Email"]'],
  },
  extra,
});
