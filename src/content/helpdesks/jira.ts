/**
 * Jira Service Management (Jira Cloud: `/browse/KEY-1`, `/jira/servicedesk/projects/KEY/queues/…/KEY-1`,
 * `?selectedIssue=KEY-1`).
 *
 * Sources: the REST API `/rest/api/3/issue/{key}?fields=summary,reporter` and
 * `/rest/servicedeskapi/request/{key}` — documented, and public extensions read Jira's REST API with the
 * page's session (same-origin GET, no token) — sure for the endpoints; the reporter's email is hidden by
 * Atlassian's profile-visibility setting in many sites, then the markup / mailto fallback applies.
 * Markup: `h1[data-testid="issue.views.issue-base.foundation.summary.heading"]`,
 * `[data-testid="issue.views.field.user.reporter"]` from public code (HELPDESKS.md) — fairly sure;
 * the organization field's test id is a guess.
 */
import { defineAdapter, getJson, str, type FetchContext } from './read';
import type { CustomerRead } from './types';
import { desk } from '../../shared/desks';

interface JiraUser { displayName?: string; emailAddress?: string }

async function fetchCustomer(ctx: FetchContext): Promise<CustomerRead | null> {
  const key = encodeURIComponent(ctx.ticket);
  const issue = await getJson<{ key?: string; fields?: { summary?: string; reporter?: JiraUser | null } }>(ctx, `/rest/api/3/issue/${key}?fields=summary,reporter`);
  let reporter = issue.fields?.reporter ?? undefined;
  if (!reporter?.emailAddress) {
    // JSM's customer-facing request shows the customer (reporter) with their email to agents.
    const req = await getJson<{ reporter?: JiraUser }>(ctx, `/rest/servicedeskapi/request/${key}`).catch(() => null);
    if (req?.reporter) reporter = { ...reporter, ...req.reporter };
  }
  if (!issue.fields && !reporter) return null;
  return { email: str(reporter?.emailAddress), name: str(reporter?.displayName), subject: str(issue.fields?.summary), ticket: str(issue.key) ?? ctx.ticket };
}

const KEY = '([A-Z][A-Z0-9_]+-\\d+)';

export const adapter = defineAdapter({
  ...desk('jira'),
  matches: ['https://*.atlassian.net/*'],
  examples: {
    ticket: [
      { url: 'https://acme.atlassian.net/browse/SUP-123', id: 'SUP-123' },
      { url: 'https://acme.atlassian.net/jira/servicedesk/projects/SUP/queues/custom/1/SUP-77', id: 'SUP-77' },
      { url: 'https://acme.atlassian.net/jira/servicedesk/projects/SUP/issues/SUP-9?filter=allissues', id: 'SUP-9' },
      { url: 'https://acme.atlassian.net/jira/servicedesk/projects/SUP/queues/custom/1?selectedIssue=SUP-5', id: 'SUP-5' },
    ],
    notTicket: ['https://acme.atlassian.net/jira/servicedesk/projects/SUP/queues/custom/1', 'https://acme.atlassian.net/jira/your-work', 'https://acme.atlassian.net/wiki/spaces/SUP/pages/1'],
  },
  urls: [
    new RegExp(`^/browse/${KEY}(?:[/?#]|$)`),
    new RegExp(`^/jira/(?:servicedesk|software|core)/projects/[A-Z][A-Z0-9_]*/(?:[^?#]*/)?${KEY}(?:[/?#]|$)`),
    new RegExp(`[?&]selectedIssue=${KEY}(?:[&#]|$)`),
  ],
  detect: ['#jira-frontend', '[data-testid="issue.views.issue-base.foundation.summary.heading"]', '[data-testid^="issue.views.field."]'],
  ready: ['[data-testid="issue.views.issue-base.foundation.summary.heading"]', '[data-testid^="issue.views.field."]'],
  fields: {
    subject: ['h1[data-testid="issue.views.issue-base.foundation.summary.heading"]', '[data-testid="issue.views.issue-base.foundation.summary.heading"]'],
    name: ['[data-testid="issue.views.field.user.reporter"] [data-testid$="name"]', '[data-testid="issue.views.field.user.reporter"]'],
    email: ['[data-testid="issue.views.field.user.reporter"] [data-testid$="email"]'],
    org: ['[data-testid="issue.views.field.organization.common.ui.read-view"]', '[data-testid^="issue.views.field.organization"]'],
    ticket: ['[data-testid="issue.views.issue-base.foundation.breadcrumbs.current-issue.item"]'],
    customerPanel: ['[data-testid="issue.views.field.user.reporter"]'],
  },
  fetchCustomer,
});
