/**
 * Issue 10 in the background, through its real handlers and the real demo API: the ticket's
 * subject goes into the lookup (its product area leads the relay, and is part of the cache key);
 * a search that finds nobody is not pinned to the ticket, one that finds someone is; the search
 * box's suggestions; "This is <account>" links the page's requester and looks them up again (now
 * matched by email); "Hand to sales" sends who the requester is from what the page showed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackground, memoryArea } from '../../../src/background/handlers';
import type { TicketReport } from '../../../src/shared/messages';
import { DEMO_TOKEN, MemoryArea, loadLocale, startDemoApi, type RunningApi } from './helpers';

let api: RunningApi;
beforeAll(async () => {
  api = await startDemoApi();
});
afterAll(() => api.close());

function setup() {
  const local = new MemoryArea();
  local.data.set('apiUrl', api.url);
  local.data.set('token', DEMO_TOKEN);
  local.data.set('language', 'en');
  const bg = createBackground({ local, loadLocale, uiLanguage: () => 'en', openOptions: async () => undefined, api: { backoffMs: 5, timeoutMs: 2000 }, session: memoryArea() });
  return bg.handlers;
}
const ticket = (n: number, customer: TicketReport['customer']): TicketReport => ({
  key: `http://127.0.0.1:8787|demo|${n}`,
  desk: { id: 'demo', label: 'Baton demo desk' },
  customer: { ticket: String(n), ...customer },
  url: `http://127.0.0.1:8787/demo/tickets/${n}`,
});
const from = (tabId: number) => ({ tabId, frameId: 0 });

describe('issue 10 in the background', () => {
  it('the subject picks the product area: its builders lead the relay; another subject is another answer', async () => {
    const h = setup();
    await h['tab:report']({ ticket: ticket(5, { email: 'noah.wright@bluepeak.example.com', subject: 'SSO login loops back to the sign-in page' }) }, from(1));
    const sso = (await h['view:get']({ tabId: 1 })).model!.data!;
    expect(sso.product).toEqual({ id: 'sso', name: 'Sign-in & SSO' });
    expect(sso.before[0]!.stage.id).toBe('product');
    await h['tab:report']({ ticket: ticket(9, { email: 'noah.wright@bluepeak.example.com', subject: 'Invoice address' }) }, from(1));
    const plain = (await h['view:get']({ tabId: 1 })).model!.data!;
    expect(plain.product ?? null).toBeNull();
    expect(plain.before[0]!.stage.id).not.toBe('product');
  });

  it('the desk\'s tags pick the product area too (Lakeside\'s results ticket, tagged dashboards)', async () => {
    const h = setup();
    await h['tab:report']({ ticket: ticket(7, { email: 'grace.hill@lakeside-hotels.example.com', subject: 'Front office results look different from last quarter', tags: 'dashboards,results' }) }, from(5));
    const d = (await h['view:get']({ tabId: 5 })).model!.data!;
    expect(d.product).toEqual({ id: 'dashboards', name: 'Manager dashboards' });
    expect(d.before[0]!.person!.id).toBe('watanabe');
  });

  it('a search that finds nobody is not pinned to the ticket; one that finds the customer is', async () => {
    const h = setup();
    const t6 = ticket(6, { email: 'alex.rivera@unknown-startup.example', name: 'Alex Rivera' });
    await h['tab:report']({ ticket: t6 }, from(2));
    await h['view:search']({ tabId: 2, override: { org: 'zzqx nobody' } });
    const failed = (await h['view:get']({ tabId: 2 })).model!;
    expect(failed.state).toBe('not-found');
    expect(failed.query!.org).toBe('zzqx nobody'); // shown until the page is looked at again
    expect(await h['override:get']({ key: t6.key })).toEqual({ override: null });
    await h['view:search']({ tabId: 2, override: { org: 'Lakeside Hotels Co., Ltd.' } });
    expect((await h['view:get']({ tabId: 2 })).model!.state).toBe('ready');
    expect(await h['override:get']({ key: t6.key })).toEqual({ override: { org: 'Lakeside Hotels Co., Ltd.' } });
  });

  it('suggestions: "lakes" and "レイクサイド" find Lakeside Hotels', async () => {
    const h = setup();
    for (const q of ['lakes', 'レイクサイド']) {
      const r = await h['search:run']({ q });
      expect(r.ok && r.results[0]!.account).toEqual({ id: 'lakeside', name: 'Lakeside Hotels Co., Ltd.' });
    }
    expect(await h['search:run']({ q: '   ' })).toEqual({ ok: true, results: [] });
  });

  it('"This is <account>" links the page\'s requester and looks them up again: matched by email, linked', async () => {
    const h = setup();
    const email = `new.${Date.now()}@unknown-startup.example`;
    const t = ticket(16, { email, name: 'New Person' });
    await h['tab:report']({ ticket: t }, from(3));
    await h['view:search']({ tabId: 3, override: { org: 'Lakeside Hotels Co., Ltd.' } });
    const r = await h['links:add']({ tabId: 3, account: 'lakeside' });
    expect(r.ok && r.link).toMatchObject({ email, account: 'lakeside', name: 'New Person', ticket: '16' });
    const m = (await h['view:get']({ tabId: 3 })).model!;
    expect(m.override).toBeNull();
    expect(m.data!.match.by).toBe('email');
    expect(m.data!.match.linked).toBeTruthy();
    expect(m.data!.account!.id).toBe('lakeside');
  });

  it('"Hand to sales" without a webhook in the config says so, and needs a ticket on the tab', async () => {
    const h = setup();
    await h['tab:report']({ ticket: ticket(6, { email: 'alex.rivera@unknown-startup.example' }) }, from(4));
    const r = await h['handoffs:send']({ tabId: 4, stage: 'inside-sales', note: 'Pricing for 30 seats' });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/notifications\.webhook/);
    const none = await h['handoffs:send']({ tabId: 99, stage: 'inside-sales', note: 'x' });
    expect(!none.ok && none.error.message).toBe('no ticket on this tab');
  });
});
