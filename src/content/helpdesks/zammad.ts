/**
 * Zammad (self-hosted; legacy UI hash router `#ticket/zoom/<id>`, new desktop UI `/desktop/tickets/<id>`).
 *
 * Sources: Zammad's own source (search tool): the task manager renders each open task in
 * `#content_permanent_<key>` with class `content_permanent` (+ `active` on the shown one), ticket
 * zoom tasks keyed `Ticket-<id>` (ticket_zoom.coffee, task_manager.coffee) — sure; the customer
 * sidebar (`widget/user.jst.eco`) is `.userInfo` with `.userInfo-name` and `.userInfo-label` /
 * `.userInfo-value` rows — sure; `.ticket-title-update`, `.ticket-number`, `[data-tab="customer"]`
 * from HELPDESKS.md — fairly sure. JSON: `/api/v1/tickets/{id}?expand=true` (title, number,
 * customer_id, organization name) and `/api/v1/users/{id}` (email, firstname, lastname) per
 * Zammad's API docs; the web app itself calls /api/v1 with the session cookie — sure.
 * The new desktop UI (Vue, `app/frontend/apps/desktop`) has utility classes only: there the URL and the
 * JSON carry the read, and detect() (markup) only knows the legacy UI.
 * Zammad keeps several tickets open as tasks: only the active task is read. The URL id is internal;
 * the ticket number shown (e.g. 31001) is read from the page or the JSON.
 */
import { defineAdapter, getJson, labelledValue, str, type FetchContext } from './read';
import type { CustomerRead } from './types';
import { desk } from '../../shared/desks';

interface ZTicket { id?: number; number?: string; title?: string; customer_id?: number; organization?: string | null; customer?: string }
interface ZUser { email?: string; firstname?: string; lastname?: string; organization?: string | null }

async function fetchCustomer(ctx: FetchContext): Promise<CustomerRead | null> {
  const id = encodeURIComponent(ctx.ticket);
  const t = await getJson<ZTicket>(ctx, `/api/v1/tickets/${id}?expand=true`);
  if (!t || t.id === undefined) return null;
  const u = t.customer_id !== undefined ? await getJson<ZUser>(ctx, `/api/v1/users/${t.customer_id}?expand=true`).catch(() => null) : null;
  const name = [u?.firstname, u?.lastname].map((s) => str(s)).filter(Boolean).join(' ');
  return {
    email: str(u?.email) ?? (t.customer?.includes('@') ? str(t.customer) : undefined),
    name: name || undefined,
    org: str(t.organization ?? u?.organization ?? undefined),
    subject: str(t.title),
    ticket: str(t.number) ?? str(t.id),
  };
}

const CUSTOMER = ['.sidebar[data-tab="customer"]', '[data-tab="customer"]', '.tabsSidebar [data-tab="customer"]'];

export const adapter = defineAdapter({
  ...desk('zammad'),
  matches: [],
  examples: {
    ticket: [
      { url: 'https://support.example.com/#ticket/zoom/42', id: '42' },
      { url: 'https://support.example.com/#ticket/zoom/42/118', id: '42' },
      { url: 'http://127.0.0.1:3000/desktop/tickets/7', id: '7' },
      { url: 'https://support.example.com/tickets/9', id: '9' },
    ],
    notTicket: ['https://support.example.com/#dashboard', 'https://support.example.com/#ticket/view/my_assigned', 'https://support.example.com/#ticket/create'],
  },
  urls: [/#ticket\/zoom\/(\d+)(?:[/?]|$)/, /^\/(?:desktop\/|mobile\/)?tickets\/(\d+)(?:[/?#]|$)/],
  detect: ['#content_permanent', '.content_permanent', '.ticketZoom'],
  activePane(doc, ticket) {
    const byKey = doc.getElementById(`content_permanent_Ticket-${ticket}`);
    if (byKey) return byKey;
    const active = doc.querySelector('.content_permanent.active, .content.active');
    // Still another ticket's task (the URL changed first, the new task renders later): wait.
    if (active && /^content_permanent_Ticket-\d+$/.test(active.id)) return null;
    if (active?.querySelector('.ticketZoom, .ticket-title-update')) return active;
    // New desktop UI (Vue, utility classes only): no markup to scope to; the JSON carries the read.
    const app = doc.getElementById('app');
    return /^\/(?:desktop\/|mobile\/)?tickets\/\d+/.test(doc.location?.pathname ?? '') && app?.firstElementChild ? app : null;
  },
  fields: {
    subject: ['.ticket-title-update', '.ticketZoom-header .ticket-title'],
    ticket: ['.ticket-number', '.ticketZoom-header .ticket-number'],
    name: CUSTOMER.map((c) => `${c} .userInfo-name`),
    email: CUSTOMER.map((c) => `${c} .userInfo-value`),
    org: ['.sidebar[data-tab="organization"] .userInfo-name', '[data-tab="organization"] .userInfo-name', '[data-tab="organization"] .profile-name'],
    customerPanel: CUSTOMER,
  },
  extra: (pane) => ({
    org: labelledValue(pane, /^(organi[sz]ation|organisation|組織|Organisation)$/i, { labelSel: '[data-tab="customer"] .userInfo-label' }),
  }),
  fetchCustomer,
});
