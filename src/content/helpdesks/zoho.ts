/**
 * Zoho Desk (`desk.zoho.<tld>/agent/<portal>/(<department>/)?tickets/details/<id>`).
 *
 * Sources: URL shape, `.zd_v2-ticketdetailview-container` and `[data-id="caseSubjectText"]` from public
 * code (HELPDESKS.md; Clockify's Zoho Desk integration also reads `.zd_v2-ticketsubject-ticketIdText`
 * for the number shown) — fairly sure. A public extension's tests show the container carrying
 * `data-id="subTab_<id>"` and the previous ticket's container lingering during SPA transitions, so the
 * pane is the container of this ticket's id — fairly sure. The classic UI (`ShowHomePage.do#Cases/dv/<id>`,
 * `#caseSubjectText`, `#caseNum`, `.ticket-DVPanel`, from TMetric's public integration) is kept as a
 * fallback. The URL id is Zoho's long internal record id; contact fields use Zoho's `data-id` naming —
 * `contactName`, `contactEmail`, `accountName` are guesses following that naming, backed by the contact
 * panel's `mailto:` link. No same-origin JSON is used (Zoho's internal API needs an org header).
 */
import { defineAdapter } from './read';
import { desk } from '../../shared/desks';

export const adapter = defineAdapter({
  ...desk('zoho'),
  matches: ['https://desk.zoho.com/*', 'https://desk.zoho.eu/*', 'https://desk.zoho.in/*', 'https://desk.zoho.com.au/*', 'https://desk.zoho.jp/*'],
  examples: {
    ticket: [
      { url: 'https://desk.zoho.com/agent/acme/acme-support/tickets/details/123456000000654321', id: '123456000000654321' },
      { url: 'https://desk.zoho.eu/agent/acme/tickets/details/98765000001234567', id: '98765000001234567' },
      { url: 'https://desk.zoho.jp/agent/acme/support/tickets/details/555000000111/conversation', id: '555000000111' },
      { url: 'https://desk.zoho.com/support/acme/ShowHomePage.do#Cases/dv/413000000123456', id: '413000000123456' },
    ],
    notTicket: ['https://desk.zoho.com/agent/acme/acme-support/tickets/list/all-cases', 'https://desk.zoho.com/agent/acme/acme-support/contacts/details/123456000000111'],
  },
  urls: [/^\/agent\/[^/]+\/(?:[^/]+\/)?tickets\/details\/(\d+)(?:[/?#]|$)/, /#Cases\/dv\/(\d+)(?:[/?]|$)/],
  detect: ['.zd_v2-ticketdetailview-container', '[data-id="caseSubjectText"]', '.ticket-DVPanel', '#caseSubjectText'],
  activePane(doc, ticket) {
    const panes = [...doc.querySelectorAll('.zd_v2-ticketdetailview-container, .ticket-DVPanel')];
    return panes.find((p) => p.getAttribute('data-id') === `subTab_${ticket}`) ?? (panes.length === 1 ? panes[0]! : null);
  },
  fields: {
    subject: ['[data-id="caseSubjectText"]', '#caseSubjectText', '.zd_v2-ticketdetailview-container h1'],
    ticket: ['.zd_v2-ticketsubject-ticketIdText', '#caseNum', '[data-id="caseNumber"]'],
    name: ['[data-id="contactName"]', '[data-id="contactNameText"]'],
    email: ['[data-id="contactEmail"]', '[data-id="emailText"]'],
    org: ['[data-id="accountName"]', '[data-id="accountNameText"]'],
    customerPanel: ['[data-id="contactInfo"]', '[data-id="contactDetails"]'],
  },
});
