/**
 * The demo desk `npm start` serves at http://127.0.0.1:8787/demo/ (demo/desk): a small SPA
 * with ticket URLs /demo/tickets/<id> and one `article.ticket[data-ticket-id]` per open ticket.
 */
import { allTexts, firstEmail, firstText } from './read';
import type { CustomerRead, HelpdeskAdapter } from './types';
import { desk } from '../../shared/desks';

export const adapter: HelpdeskAdapter = {
  ...desk('demo'),
  matches: [],
  examples: {
    ticket: [
      { url: 'http://127.0.0.1:8787/demo/tickets/3', id: '3' },
      { url: 'http://localhost:8787/demo/tickets/12/', id: '12' },
    ],
    notTicket: ['http://127.0.0.1:8787/demo/', 'http://127.0.0.1:8787/demo/tickets/', 'http://127.0.0.1:8787/tickets/3'],
  },
  ticketFromUrl(url) {
    return url.pathname.match(/^\/demo\/tickets\/(\d+)\/?$/)?.[1] ?? null;
  },
  detect: (doc) => doc.body?.dataset.desk === 'baton-demo',
  activePane: (doc, ticket) => (/^\d+$/.test(ticket) ? doc.querySelector(`article.ticket[data-ticket-id="${ticket}"]`) : null),
  read(pane, ctx): CustomerRead {
    const out: CustomerRead = { ticket: ctx.ticket };
    const email = firstEmail(pane, ['.requester .requester-email', '.requester a[href^="mailto:"]']);
    const name = firstText(pane, ['.requester .requester-name']);
    const org = firstText(pane, ['.requester .requester-org']);
    const subject = firstText(pane, ['.ticket-subject']);
    if (email) out.email = email;
    if (name) out.name = name;
    if (org) out.org = org;
    if (subject) out.subject = subject;
    const tags = allTexts(pane, '.ticket-tags .tag');
    if (tags) out.tags = tags;
    return out;
  },
};
