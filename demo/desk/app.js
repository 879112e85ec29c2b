// Hibiki Desk: a tiny single-page help desk for trying Baton. Client-side routes under
// /demo/ (inbox) and /demo/tickets/<id>, moved between with history.pushState.
import { tickets } from './tickets.js';

const BASE = '/demo';
const list = document.getElementById('ticket-list');
const view = document.getElementById('view');

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || ['href', 'name', 'type', 'placeholder', 'rows', 'for', 'id'].includes(k)) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) if (c !== null && c !== undefined && c !== '') e.append(c);
  return e;
}

const ticketPath = (id) => `${BASE}/tickets/${id}`;

function route() {
  const m = location.pathname.match(/^\/demo\/tickets\/(\d+)\/?$/);
  return m ? Number(m[1]) : null;
}

function renderList(active) {
  list.replaceChildren(
    ...tickets.map((t) =>
      el(
        'li',
        {},
        el(
          'a',
          { href: ticketPath(t.id), class: t.id === active ? 'active' : '', 'aria-current': t.id === active ? 'page' : 'false' },
          el('span', { class: `status status-${t.status}` }, t.status),
          el('span', { class: 'subj' }, `#${t.id} ${t.subject}`),
          el('span', { class: 'who' }, t.requester.name),
        ),
      ),
    ),
  );
}

function renderInbox() {
  document.title = 'Inbox · Hibiki Desk';
  view.replaceChildren(
    el('section', { class: 'welcome' },
      el('h1', {}, 'Inbox'),
      el('p', {}, 'Pick a ticket on the left. With the Baton extension loaded, the relay around the customer opens on the right.'),
    ),
  );
}

function renderTicket(t) {
  document.title = `#${t.id} ${t.subject} · Hibiki Desk`;
  const idx = tickets.indexOf(t);
  const next = tickets[(idx + 1) % tickets.length];
  view.replaceChildren(
    el('article', { class: 'ticket', 'data-ticket-id': String(t.id) },
      el('header', { class: 'ticket-head' },
        el('p', { class: 'ticket-meta' }, el('span', { class: 'ticket-number' }, `#${t.id}`), ` · ${t.status} · ${t.received}`),
        el('h1', { class: 'ticket-subject' }, t.subject),
        t.tags?.length ? el('ul', { class: 'ticket-tags', 'aria-label': 'Tags' }, ...t.tags.map((tag) => el('li', { class: 'tag' }, tag))) : null,
      ),
      el('section', { class: 'requester', 'aria-label': 'Requester' },
        el('span', { class: 'requester-name' }, t.requester.name),
        el('a', { class: 'requester-email', href: `mailto:${t.requester.email}` }, t.requester.email),
        t.requester.org ? el('span', { class: 'requester-org' }, t.requester.org) : null,
      ),
      el('div', { class: 'thread' },
        el('div', { class: 'message' },
          el('p', { class: 'from' }, `${t.requester.name} <${t.requester.email}>`),
          ...t.thread.map((p) => el('p', {}, p)),
        ),
      ),
      el('form', { class: 'reply', 'aria-label': 'Reply' },
        el('label', { for: 'reply-body' }, 'Reply to the customer'),
        el('textarea', { id: 'reply-body', name: 'reply', rows: '6', placeholder: 'Write your answer…' }),
        el('div', { class: 'reply-actions' },
          el('button', { type: 'submit' }, 'Send reply'),
          el('a', { href: ticketPath(next.id), class: 'next' }, `Next ticket: #${next.id} →`),
        ),
      ),
    ),
  );
  view.querySelector('form.reply').addEventListener('submit', (e) => {
    e.preventDefault();
    const ta = e.target.querySelector('textarea');
    if (!ta.value.trim()) return;
    const p = el('div', { class: 'message mine' }, el('p', { class: 'from' }, 'You'), el('p', {}, ta.value));
    view.querySelector('.thread').append(p);
    ta.value = '';
  });
}

function render() {
  const id = route();
  const t = id === null ? null : tickets.find((x) => x.id === id);
  renderList(t ? t.id : null);
  if (t) renderTicket(t);
  else if (id !== null) view.replaceChildren(el('p', { class: 'welcome' }, `Ticket #${id} does not exist.`));
  else renderInbox();
}

document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[href^="/demo/"]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  if (a.getAttribute('href') !== location.pathname) history.pushState(null, '', a.getAttribute('href'));
  render();
  view.focus({ preventScroll: true });
});
addEventListener('popstate', render);

// A reload on /demo/tickets/N served as /demo/?ticket=N (static fallback) lands on the ticket.
const fallback = new URLSearchParams(location.search).get('ticket');
if (fallback && /^\d+$/.test(fallback)) history.replaceState(null, '', ticketPath(fallback));
render();
