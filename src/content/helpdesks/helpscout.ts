/**
 * Help Scout (`secure.helpscout.net/conversation/<internal id>/<number>/`).
 *
 * Sources: URL shape and the subject `[aria-label="Conversation Subject"]` (legacy `#subjectLine`) from
 * public code (HELPDESKS.md) — fairly sure. The URL's first number is the internal conversation id
 * (what `ticketFromUrl` returns); the second is the number people see, used as the ticket shown. The
 * customer sidebar's markup is not documented publicly: name/email/company selectors below are
 * guesses, backed by the customer panel's `mailto:` link. Help Scout's web app API is not documented
 * for session use; no same-origin JSON is used.
 */
import { capture, defineAdapter } from './read';
import { desk } from '../../shared/desks';

export const adapter = defineAdapter({
  ...desk('helpscout'),
  matches: ['https://secure.helpscout.net/*'],
  examples: {
    ticket: [
      { url: 'https://secure.helpscout.net/conversation/2451234567/1234/', id: '2451234567' },
      { url: 'https://secure.helpscout.net/conversation/2451234568/1235?folderId=123', id: '2451234568' },
    ],
    notTicket: ['https://secure.helpscout.net/mailbox/abc123def/', 'https://secure.helpscout.net/inboxes/abc123/views/99451', 'https://secure.helpscout.net/customer/123/'],
  },
  urls: [/^\/conversation\/(\d+)(?:\/\d+)?(?:[/?#]|$)/],
  detect: ['[aria-label="Conversation Subject"]', '#subjectLine', '[data-cy="ConversationSubject"]'],
  fields: {
    subject: ['[aria-label="Conversation Subject"]', '#subjectLine', '[data-cy="ConversationSubject"]'],
    ticket: ['[data-cy="ConversationNumber"]', '.c-conversation-number'],
    name: ['[data-cy="CustomerName"]', '.c-customer-profile .name', '#customerProfile .name'],
    email: ['[data-cy="CustomerEmail"]', '.c-customer-profile .email', '#customerProfile .email'],
    org: ['[data-cy="CustomerCompany"]', '.c-customer-profile .company', '#customerProfile .company'],
    customerPanel: ['[data-cy="CustomerProfile"]', '.c-customer-profile', '#customerProfile', '[data-cy="Sidebar"]'],
  },
  // The number people see is the URL's second segment when the page does not show it.
  extra: (_pane, ctx) => ({ ticket: capture(ctx.url.pathname, /^\/conversation\/\d+\/(\d+)/) }),
});
