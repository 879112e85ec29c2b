/**
 * Request Tracker 5 (self-hosted; full page loads). Markup from RT 5's own templates
 * (share/html/Ticket/Elements/ShowPeople, ShowRequestor) and a page captured from a running
 * RT 5: `body#comp-Ticket-Display`, title `#header h1` = `#<id>: <subject>`, requestors
 * `.ticket-info-people .requestors .current-value span.user[data-user-id]` with the text
 * `Real Name <email>` (privileged users show only their name, so later fallbacks look for an
 * address elsewhere on the page). WebPath may prefix the path (Debian's default is /rt).
 */
import { clean, findEmail, firstText, parseNameEmail } from './read';
import type { CustomerRead, HelpdeskAdapter } from './types';
import { desk } from '../../shared/desks';

const REQUESTORS = [
  '.ticket-info-people .requestors .current-value span.user[data-user-id]',
  '.ticket-info-requestor .user-summary span.user[data-user-id]',
  '.ticket-info-requestor span.user[data-user-id]',
];

function requestor(pane: ParentNode): { name?: string; email?: string } {
  let best: { name?: string; email?: string } = {};
  for (const sel of REQUESTORS) {
    for (const el of pane.querySelectorAll(sel)) {
      const p = parseNameEmail(el.textContent);
      if (p.email) return { ...best, ...p };
      if (!best.name && p.name) best = p;
    }
  }
  return best;
}

export const adapter: HelpdeskAdapter = {
  ...desk('rt'),
  matches: [],
  examples: {
    ticket: [
      { url: 'http://127.0.0.1:8080/Ticket/Display.html?id=1', id: '1' },
      { url: 'https://rt.example.com/rt/Ticket/Display.html?id=4521&results=abc', id: '4521' },
    ],
    notTicket: [
      'http://127.0.0.1:8080/',
      'http://127.0.0.1:8080/Search/Results.html?Query=id>0',
      'http://127.0.0.1:8080/Ticket/Display.html',
      'http://127.0.0.1:8080/Ticket/Create.html?Queue=1',
    ],
  },
  ticketFromUrl(url) {
    if (!/\/Ticket\/Display\.html$/.test(url.pathname)) return null;
    const id = url.searchParams.get('id');
    return id && /^\d+$/.test(id) ? id : null;
  },
  detect: (doc) => doc.body?.id === 'comp-Ticket-Display',
  // RT lays out its top menus (#app-nav, #page-menu: which items go under "More") from the
  // window's width, at load and on resize; pushing <html> leaves them laid out for the whole
  // window and they overlap. So the header keeps the whole width and the sidebar sits under it.
  // (The page menu, pinned to the top right when scrolled, stays above the sidebar too.)
  layout: { below: '#rt-header-container', push: ['#body', '#footer'] },
  activePane: (doc) => (doc.querySelector('#header h1') ? doc : null),
  read(pane, ctx): CustomerRead {
    const out: CustomerRead = { ticket: ctx.ticket };
    const who = requestor(pane);
    if (who.name) out.name = who.name;
    if (who.email) out.email = who.email;
    const title = firstText(pane, ['#header h1', 'title']);
    const m = title?.match(/^#(\d+):\s*(.*)$/);
    const subject = clean(m ? m[2] : title);
    if (subject) out.subject = subject;
    if (!out.email) {
      const fallback = findEmail(firstText(pane, ['.ticket-info-people .requestors .current-value']));
      if (fallback) out.email = fallback;
    }
    return out;
  },
};
