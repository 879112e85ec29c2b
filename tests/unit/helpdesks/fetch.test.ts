/**
 * fetchCustomer of the desks whose own origin serves JSON to the signed-in agent, against a real
 * HTTP server on 127.0.0.1 answering in each desk's documented shape (the page's origin in the
 * extension). Checks the paths, the session credentials, the parsing, the fallback on errors and
 * that an aborted ticket switch aborts the request.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adapter as chatwoot, chatwootAuthHeaders } from '../../../src/content/helpdesks/chatwoot';
import { adapter as freshdesk } from '../../../src/content/helpdesks/freshdesk';
import { adapter as jira } from '../../../src/content/helpdesks/jira';
import { adapter as zammad } from '../../../src/content/helpdesks/zammad';
import { adapter as zendesk } from '../../../src/content/helpdesks/zendesk';
import type { HelpdeskAdapter } from '../../../src/content/helpdesks/types';

type Route = (req: IncomingMessage) => unknown;
const seen: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];

const routes: Record<string, Route> = {
  '/api/v2/tickets/4521.json?include=users,organizations': () => ({
    ticket: { id: 4521, subject: 'Cannot export survey results', requester_id: 11, organization_id: 21 },
    users: [
      { id: 10, name: 'Agent Smith', email: 'agent@vendor.example' },
      { id: 11, name: '田中 愛子', email: 'aiko.tanaka@acme.example.jp', organization_id: 21 },
    ],
    organizations: [{ id: 21, name: '株式会社アクメ' }],
  }),
  '/api/_/tickets/1042?include=requester,company': () => ({
    ticket: { id: 1042, display_id: 1042, subject: 'Survey emails bounce', requester: { name: 'Maria Lopez', email: 'maria.lopez@globex.example' }, company: { name: 'Globex' } },
  }),
  '/rest/api/3/issue/SUP-123?fields=summary,reporter': () => ({ key: 'SUP-123', fields: { summary: 'Export to CSV fails', reporter: { displayName: 'Ola Nordmann' } } }),
  '/rest/servicedeskapi/request/SUP-123': () => ({ reporter: { displayName: 'Ola Nordmann', emailAddress: 'ola@wayne.example' } }),
  '/api/v1/tickets/42?expand=true': () => ({ id: 42, number: '31042', title: 'Password reset mail never arrives', customer_id: 9, customer: 'hans.mueller@initrode.example', organization: 'Initrode GmbH' }),
  '/api/v1/users/9?expand=true': () => ({ id: 9, firstname: 'Hans', lastname: 'Müller', email: 'hans.mueller@initrode.example' }),
  '/api/v1/accounts/3/conversations/128': (req) =>
    req.headers['access-token'] === 'tok' && req.headers.client === 'cli' && req.headers.uid === 'agent@vendor.example'
      ? { id: 9001, display_id: 128, meta: { sender: { name: 'Fatima Zahra', email: 'fatima@massive.example', additional_attributes: { company_name: 'Massive Dynamic' } } }, additional_attributes: { mail_subject: 'Seats' } }
      : { status: 401 },
};

let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.url === '/slow') return; // never answers: only an abort ends it
    const route = routes[req.url ?? ''];
    const body = route?.(req) as { status?: number } | undefined;
    const status = !route ? 404 : body?.status ?? 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? body : { error: 'no' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function ctx(adapter: HelpdeskAdapter, path: string, cookie = '', signal = new AbortController().signal) {
  const url = new URL(path, origin);
  const ticket = adapter.ticketFromUrl(url);
  if (!ticket) throw new Error(`no ticket in ${path}`);
  return { url, ticket, doc: { cookie } as Document, signal, fetch: globalThis.fetch };
}

describe('same-origin JSON', () => {
  it('zendesk: requester and organization from the side-loaded users and organizations', async () => {
    await expect(zendesk.fetchCustomer!(ctx(zendesk, '/agent/tickets/4521'))).resolves.toEqual({
      email: 'aiko.tanaka@acme.example.jp', name: '田中 愛子', org: '株式会社アクメ', subject: 'Cannot export survey results', ticket: '4521',
    });
  });

  it('freshdesk: the internal /api/_/ ticket with requester and company', async () => {
    await expect(freshdesk.fetchCustomer!(ctx(freshdesk, '/a/tickets/1042'))).resolves.toEqual({
      email: 'maria.lopez@globex.example', name: 'Maria Lopez', org: 'Globex', subject: 'Survey emails bounce', ticket: '1042',
    });
  });

  it('jira: the issue, then the service-desk request for a hidden reporter email', async () => {
    await expect(jira.fetchCustomer!(ctx(jira, '/browse/SUP-123'))).resolves.toEqual({
      email: 'ola@wayne.example', name: 'Ola Nordmann', subject: 'Export to CSV fails', ticket: 'SUP-123',
    });
  });

  it('zammad: the expanded ticket and its customer; the shown number, not the internal id', async () => {
    await expect(zammad.fetchCustomer!(ctx(zammad, '/#ticket/zoom/42'))).resolves.toEqual({
      email: 'hans.mueller@initrode.example', name: 'Hans Müller', org: 'Initrode GmbH', subject: 'Password reset mail never arrives', ticket: '31042',
    });
  });

  it('chatwoot: the conversation with the dashboard session headers from cw_d_session_info', async () => {
    const session = encodeURIComponent(JSON.stringify({ 'access-token': 'tok', client: 'cli', uid: 'agent@vendor.example', 'token-type': 'Bearer', expiry: '1900000000' }));
    await expect(chatwoot.fetchCustomer!(ctx(chatwoot, '/app/accounts/3/conversations/128', `theme=dark; cw_d_session_info=${session}`))).resolves.toEqual({
      email: 'fatima@massive.example', name: 'Fatima Zahra', org: 'Massive Dynamic', subject: 'Seats', ticket: '128',
    });
  });

  it('chatwoot: without the session cookie the API refuses and fetchCustomer throws (markup fallback)', async () => {
    await expect(chatwoot.fetchCustomer!(ctx(chatwoot, '/app/accounts/3/conversations/128'))).rejects.toThrow(/401/);
  });

  it('chatwootAuthHeaders ignores other and broken cookies', () => {
    expect(chatwootAuthHeaders('a=1; cw_d_session_info=%7Bbroken')).toEqual({});
    expect(chatwootAuthHeaders('a=1')).toEqual({});
  });

  it('sends same-origin requests asking for JSON', () => {
    const zd = seen.find((s) => s.url.startsWith('/api/v2/tickets/4521.json'));
    expect(zd?.headers.accept).toBe('application/json');
  });

  it.each([
    ['zendesk', zendesk, '/agent/tickets/999'],
    ['freshdesk', freshdesk, '/a/tickets/999'],
    ['jira', jira, '/browse/NOPE-1'],
    ['zammad', zammad, '/#ticket/zoom/999'],
  ] as const)('%s: a missing ticket (404) throws, so the markup is read instead', async (_id, adapter, path) => {
    await expect(adapter.fetchCustomer!(ctx(adapter, path))).rejects.toThrow(/404/);
  });

  it('switching tickets aborts the request in flight', async () => {
    const ac = new AbortController();
    const c = ctx(zendesk, '/agent/tickets/4521', '', ac.signal);
    const slowFetch: typeof fetch = (input, init) => globalThis.fetch(new URL('/slow', origin), init);
    const pending = zendesk.fetchCustomer!({ ...c, fetch: slowFetch });
    ac.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });
});
