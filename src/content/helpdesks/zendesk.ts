/**
 * Zendesk Support (agent workspace).
 *
 * Sources: the ticket URL and the same-origin API `/api/v2/tickets/{id}.json?include=users,organizations`
 * (Zendesk's documented side-loading; read with the agent's session by the public userscript
 * holatuwol/liferay-zendesk-userscript and alffox/helper-center) — sure. Markup selectors
 * (`data-test-id` attributes, `.ticket-panes-grid-layout[data-is-active]`) come from public extensions'
 * code collected in HELPDESKS.md and public userscripts/time trackers (Toggl, TMetric: `omni-header-subject`,
 * `ticket-pane-subject`, `ticket-pane-header-id`) — fairly sure for subject / requester / organization; the requester's
 * email in markup is unverified (Zendesk shows it in a hover card), so the JSON and the `mailto:`
 * fallback carry the email. Zendesk keeps one pane per open tab in the DOM: only the active one is read.
 */
import { defineAdapter, getJson, str, type FetchContext } from './read';
import type { CustomerRead } from './types';
import { desk } from '../../shared/desks';

interface ZdUser { id: number; name?: string; email?: string; organization_id?: number | null }
interface ZdTicketResponse {
  ticket?: { id: number; subject?: string; raw_subject?: string; requester_id?: number; organization_id?: number | null };
  users?: ZdUser[];
  organizations?: Array<{ id: number; name?: string }>;
}

async function fetchCustomer(ctx: FetchContext): Promise<CustomerRead | null> {
  const data = await getJson<ZdTicketResponse>(ctx, `/api/v2/tickets/${encodeURIComponent(ctx.ticket)}.json?include=users,organizations`);
  const t = data.ticket;
  if (!t) return null;
  const user = data.users?.find((u) => u.id === t.requester_id);
  const orgId = t.organization_id ?? user?.organization_id;
  const org = data.organizations?.find((o) => o.id === orgId);
  return { email: str(user?.email), name: str(user?.name), org: str(org?.name), subject: str(t.subject ?? t.raw_subject), ticket: str(t.id) };
}

export const adapter = defineAdapter({
  ...desk('zendesk'),
  matches: ['https://*.zendesk.com/*'],
  examples: {
    ticket: [
      { url: 'https://acme.zendesk.com/agent/tickets/4521', id: '4521' },
      { url: 'https://acme.zendesk.com/agent/tickets/77/events', id: '77' },
    ],
    notTicket: ['https://acme.zendesk.com/agent/dashboard', 'https://acme.zendesk.com/agent/filters/360001', 'https://acme.zendesk.com/agent/tickets/new/1'],
  },
  urls: [/^\/agent\/tickets\/(\d+)(?:[/?#]|$)/],
  detect: ['.ticket-panes-grid-layout', '[data-test-id="omni-header-subject"]', '[data-test-id^="ticket-system-field-"]'],
  activePane(doc, ticket) {
    const panes = [...doc.querySelectorAll('.ticket-panes-grid-layout')];
    const active = panes.find((p) => p.getAttribute('data-is-active') === 'true');
    // The URL names the next ticket before its tab is active: never read the previous one.
    const shows = active?.querySelector('[data-ticket-id]')?.getAttribute('data-ticket-id');
    if (active && (!shows || shows === ticket)) return active;
    return panes.find((p) => p.querySelector(`[data-ticket-id="${ticket}"]`)) ?? (!active && panes.length === 1 ? panes[0]! : null);
  },
  fields: {
    subject: ['input[data-test-id="omni-header-subject"]', '[data-test-id="omni-header-subject"]', 'input[data-test-id="ticket-pane-subject"]', 'input[name="subject"]'],
    ticket: ['[data-test-id="ticket-pane-header-id"]'],
    requester: ['[data-test-id="ticket-system-field-requester-select"]', '[data-test-id="ticket-system-field-requester"]'],
    email: ['[data-test-id="ticket-system-field-requester-email"]', '[data-test-id="user-profile-email"]'],
    org: ['[data-test-id="ticket-system-field-organization-value"]', '[data-test-id="ticket-system-field-organization-select"]'],
    customerPanel: ['[data-test-id="ticket-system-field-requester-select"]', '[data-test-id="customer-context"]'],
  },
  fetchCustomer,
});
