/**
 * The demo desk's tickets against the demo config, through the server's own routes
 * (createApp + app.request): each requester matches the way the ticket says (email, domain,
 * company, none), and every ticket has a page for deep links and reloads.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { createApp } from '../../../src/server/app';
import { loadConfigFile } from '../../../src/server/config';
import { openStore, type Store } from '../../../src/server/store';
import { ContextResponseSchema } from '../../../src/shared/context';
import { contextPath } from '../../../src/background/api';
import { domainOf } from '../../../src/background/tabs';
import { tickets } from '../../../demo/desk/tickets.js';
import { DEMO_TOKEN, REPO } from './helpers';

let app: ReturnType<typeof createApp>;
let store: Store;

beforeAll(async () => {
  const r = await loadConfigFile(resolve(REPO, 'baton.config.yaml'));
  if (!r.ok) throw new Error('baton.config.yaml does not load');
  store = await openStore(':memory:');
  app = createApp(r.loaded, store, { demoDir: resolve(REPO, 'demo/desk') });
});
afterAll(() => store.close());

describe('demo tickets', () => {
  it('cover every kind of match, with at least six tickets', () => {
    expect(tickets.length).toBeGreaterThanOrEqual(6);
    expect(new Set(tickets.map((t) => t.expect))).toEqual(new Set(['email', 'domain', 'org', 'none']));
    const emails = tickets.map((t) => t.requester.email);
    expect(emails).toContain('aiko.tanaka@acme.example.jp');
    expect(emails).toContain('emma.clark@northwind.example.com');
  });

  it.each(tickets.map((t) => [t.id, t] as const))('ticket %s matches as expected', async (_id, t) => {
    const q = { email: t.requester.email, domain: domainOf(t.requester.email), org: t.requester.org || undefined, ticket: String(t.id), lang: 'ja' as const };
    const res = await app.request(contextPath(q), { headers: { Authorization: `Bearer ${DEMO_TOKEN}` } });
    expect(res.status).toBe(200);
    const body = v.parse(ContextResponseSchema, await res.json());
    expect(body.match.by).toBe(t.expect);
    if (t.expect === 'email') expect(body.contact?.email).toBe(t.requester.email);
    if (t.expect === 'none') expect(body.account).toBeNull();
    else expect(body.before.length).toBeGreaterThan(0);
  });
});

describe('demo desk pages', () => {
  const index = readFileSync(resolve(REPO, 'demo/desk/index.html'), 'utf8');

  it('serves the desk at /demo/ and each ticket URL as the same page', async () => {
    const home = await app.request('/demo/');
    expect(home.status).toBe(200);
    expect(await home.text()).toBe(index);
    for (const t of tickets) {
      const res = await app.request(`/demo/tickets/${t.id}`);
      expect(res.status, `/demo/tickets/${t.id}`).toBe(200);
      expect(await res.text(), `/demo/tickets/${t.id}`).toBe(index);
    }
    expect((await app.request('/demo/app.js')).status).toBe(200);
  });
});
