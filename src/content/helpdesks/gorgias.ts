/**
 * Gorgias (`<account>.gorgias.com/app/ticket/<id>`).
 *
 * Sources: the URL only (HELPDESKS.md: no public markup found). Subject/customer selectors below are
 * guesses, backed by the customer panel's `mailto:` link and any `Name <email>` sender text. Gorgias's
 * REST API `/api/tickets/{id}` exists (developers.gorgias.com) but the search tool did not confirm that
 * it answers the agent's browser session (it documents Basic auth with an API key), so it is not used.
 * Detection: the `*.gorgias.com` host or Gorgias's own asset links.
 */
import { defineAdapter, hostOrMarkup } from './read';
import { desk } from '../../shared/desks';

const MARKERS = ['link[href*="gorgias"]', 'script[src*="gorgias"]', 'meta[name="application-name"][content="Gorgias"]'];

export const adapter = defineAdapter({
  ...desk('gorgias'),
  matches: ['https://*.gorgias.com/*'],
  examples: {
    ticket: [
      { url: 'https://acme.gorgias.com/app/ticket/31415926', id: '31415926' },
      { url: 'https://acme.gorgias.com/app/ticket/27?source=email', id: '27' },
    ],
    notTicket: ['https://acme.gorgias.com/app/tickets', 'https://acme.gorgias.com/app/tickets/new', 'https://acme.gorgias.com/app/customer/123'],
  },
  urls: [/^\/app\/ticket\/(\d+)(?:[/?#]|$)/],
  detect: MARKERS,
  detectFn: hostOrMarkup(/(^|\.)gorgias\.com$/, MARKERS),
  ready: ['main', '#root', '[role="main"]'],
  fields: {
    subject: ['[data-testid="ticket-subject"]', 'input[name="subject"]', '[role="main"] h1', 'main h1'],
    name: ['[data-testid="customer-name"]', '[data-testid="customer-info"] h3'],
    email: ['[data-testid="customer-email"]', '[data-testid="customer-channel-email"]'],
    org: ['[data-testid="customer-company"]'],
    requester: ['[data-testid="message-sender"]'],
    customerPanel: ['[data-testid="customer-info"]', '[data-testid="infobar"]', 'aside'],
  },
});
