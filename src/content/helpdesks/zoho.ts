/**
 * Zoho Desk (`desk.zoho.<tld>/agent/<portal>/(<department>/)?tickets/details/<id>`).
 *
 * Sources: URL shape, `.zd_v2-ticketdetailview-container` and `[data-id="caseSubjectText"]` from public
 * code (HELPDESKS.md) — fairly sure. The URL id is Zoho's long internal record id; the ticket number
 * people see (`#123`) and the contact fields use Zoho's `data-id` naming — `caseNumber`, `contactName`,
 * `contactEmail`, `accountName` are guesses following that naming, backed by the contact panel's
 * `mailto:` link. No same-origin JSON is used (Zoho's internal API needs an org header).
 */
import { defineAdapter } from './read';

export const adapter = defineAdapter({
  id: 'zoho',
  label: 'Zoho Desk',
  matches: ['https://desk.zoho.com/*', 'https://desk.zoho.eu/*', 'https://desk.zoho.in/*', 'https://desk.zoho.com.au/*', 'https://desk.zoho.jp/*'],
  examples: {
    ticket: [
      { url: 'https://desk.zoho.com/agent/acme/acme-support/tickets/details/123456000000654321', id: '123456000000654321' },
      { url: 'https://desk.zoho.eu/agent/acme/tickets/details/98765000001234567', id: '98765000001234567' },
      { url: 'https://desk.zoho.jp/agent/acme/support/tickets/details/555000000111/conversation', id: '555000000111' },
    ],
    notTicket: ['https://desk.zoho.com/agent/acme/acme-support/tickets/list/all-cases', 'https://desk.zoho.com/agent/acme/acme-support/contacts/details/123456000000111'],
  },
  urls: [/^\/agent\/[^/]+\/(?:[^/]+\/)?tickets\/details\/(\d+)(?:[/?#]|$)/],
  detect: ['.zd_v2-ticketdetailview-container', '[data-id="caseSubjectText"]'],
  fields: {
    subject: ['[data-id="caseSubjectText"]', '.zd_v2-ticketdetailview-container h1'],
    ticket: ['[data-id="caseNumber"]', '[data-id="ticketNumber"]'],
    name: ['[data-id="contactName"]', '[data-id="contactNameText"]'],
    email: ['[data-id="contactEmail"]', '[data-id="emailText"]'],
    org: ['[data-id="accountName"]', '[data-id="accountNameText"]'],
    customerPanel: ['[data-id="contactInfo"]', '[data-id="contactDetails"]'],
  },
});
