/**
 * The background's per-tab ticket state (background/tabs.ts) through its real handlers and the
 * real demo API: a content script's report becomes the tab's relay for its views (pushed as it
 * changes: loading, the answer); a tab without a ticket says so with the desks Baton knows; the
 * state outlives a restarted service worker (storage.session); a page that keeps changing the
 * customer on its own is paused until the agent says so, while changes after the agent's clicks
 * are not; a full page load keeps the ticket until the new page tells, and drops it after a
 * grace when it never does; a write-back rewrites the relays the tabs show; the inline sizing of
 * a tab's site; and reports are checked like any input.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground, memoryArea, ticketReport, type BackgroundDeps } from '../../../src/background/handlers';
import type { KeyValueArea } from '../../../src/background/cache';
import type { SidebarUi, TicketReport } from '../../../src/shared/messages';
import type { TabView } from '../../../src/shared/view';
import { DEMO_TOKEN, MemoryArea, loadLocale, startDemoApi, type RunningApi } from './helpers';

let api: RunningApi;
beforeAll(async () => {
  // Its tests report tickets in bursts (a page changing customers on its own) against one server:
  // more lookups a second than the demo token's limit (429s would fail tests not about it).
  api = await startDemoApi({ rateLimit: { perSecond: 1000, burst: 2000 } });
});
afterAll(() => api.close());

function setup(opts: Partial<BackgroundDeps> & { session?: KeyValueArea; clock?: { now: number } } = {}) {
  const local = new MemoryArea();
  local.data.set('apiUrl', api.url);
  local.data.set('token', DEMO_TOKEN);
  local.data.set('language', 'en');
  const pushed: TabView[] = [];
  const resized: Array<[number, SidebarUi]> = [];
  const clock = opts.clock ?? { now: Date.now() };
  const bg = createBackground({
    local,
    loadLocale,
    uiLanguage: () => 'en',
    openOptions: async () => undefined,
    api: { backoffMs: 5, timeoutMs: 1000 },
    session: opts.session ?? memoryArea(),
    viewChanged: (v) => void pushed.push(v),
    resizeInline: async (tabId, ui) => void resized.push([tabId, ui]),
    now: () => clock.now,
    ...opts,
  });
  return { bg, h: bg.handlers, pushed, resized, local, clock };
}

const ticket = (n: number, email: string, extra: Partial<TicketReport> = {}): TicketReport => ({
  key: `http://127.0.0.1:8787|demo|${n}`,
  desk: { id: 'demo', label: 'Baton demo desk' },
  customer: { email, ticket: String(n) },
  url: `http://127.0.0.1:8787/demo/tickets/${n}`,
  ...extra,
});
const AIKO = 'aiko.tanaka@acme.example.jp';
const EMMA = 'emma.clark@northwind.example.com';
const PEOPLE = [AIKO, EMMA, 'kenji.ota@meiden.example.co.jp', 'noah.wright@bluepeak.example.com', 'grace.hill@lakeshore.example.com', 'chihiro.yoshida@sakura-med.example.jp'];

describe('a tab reported by its content script', () => {
  it('gets the relay of the customer on its page: loading, then ready, pushed to its views', async () => {
    const { h, pushed } = setup();
    await h['tab:report']({ ticket: ticket(1, AIKO) }, { tabId: 4, frameId: 0 });
    const states = pushed.filter((v) => v.tabId === 4).map((v) => v.model?.state);
    expect(states).toEqual(['loading', 'ready']);
    const view = await h['view:get']({ tabId: 4 });
    expect(view.model!.data!.contact!.email).toBe(AIKO);
    expect(view.model!.page).toBe('http://127.0.0.1:8787/demo/tickets/1');
    expect(view.desks).toContain('Zendesk');
    expect(view.desks, 'the demo desk is not offered to agents').not.toContain('Baton demo desk');
  });

  it('a tab never reported, or reporting no ticket, has no ticket; the others keep theirs', async () => {
    const { h } = setup();
    await h['tab:report']({ ticket: ticket(1, AIKO) }, { tabId: 1, frameId: 0 });
    await h['tab:report']({ ticket: ticket(2, EMMA) }, { tabId: 2, frameId: 0 });
    await h['tab:report']({ ticket: null }, { tabId: 2, frameId: 0 });
    expect((await h['view:get']({ tabId: 2 })).model).toBeNull();
    expect((await h['view:get']({ tabId: 3 })).model).toBeNull();
    expect((await h['view:get']({ tabId: 1 })).model!.customer!.email).toBe(AIKO);
  });

  it('while the customer is still being read, shows the desk loading', async () => {
    const { h } = setup();
    await h['tab:report']({ ticket: ticket(1, '', { reading: true, customer: { ticket: '1' } }) }, { tabId: 1, frameId: 0 });
    const m = (await h['view:get']({ tabId: 1 })).model!;
    expect(m).toMatchObject({ state: 'loading', desk: { id: 'demo' } });
  });

  it('only the top frame reports, and only what the types say', async () => {
    const { h } = setup();
    await expect(h['tab:report']({ ticket: ticket(1, AIKO) }, { tabId: 1, frameId: 3 })).rejects.toThrow(/top frame/);
    await expect(h['tab:report']({ ticket: ticket(1, AIKO) }, {})).rejects.toThrow(/tab/);
    expect(ticketReport({ ...ticket(1, AIKO), url: 'javascript:alert(1)' })).toBeNull();
    expect(ticketReport({ ...ticket(1, AIKO), desk: { id: 3 } })).toBeNull();
    expect(ticketReport({ ...ticket(1, AIKO), customer: { email: { toString: () => 'x' }, name: 'N'.repeat(5000) } })!.customer).toEqual({ name: 'N'.repeat(500) });
  });

  it('survives a restarted service worker: a new background reads the tab from storage.session', async () => {
    const session = memoryArea();
    await setup({ session }).h['tab:report']({ ticket: ticket(2, EMMA) }, { tabId: 9, frameId: 0 });
    const again = setup({ session });
    expect((await again.h['view:get']({ tabId: 9 })).model!.customer!.email).toBe(EMMA);
  });
});

describe('a page that changes the customer on its own', () => {
  it('is paused after a burst of changes no click or key press of the agent came before; Retry resumes', async () => {
    const { h } = setup();
    for (const [i, email] of PEOPLE.slice(0, 4).entries()) await h['tab:report']({ ticket: ticket(i + 1, email) }, { tabId: 5, frameId: 0 });
    expect((await h['view:get']({ tabId: 5 })).model!.state).toBe('ready'); // four: within the budget
    await h['tab:report']({ ticket: ticket(5, PEOPLE[4]!) }, { tabId: 5, frameId: 0 });
    const paused = (await h['view:get']({ tabId: 5 })).model!;
    expect(paused).toMatchObject({ state: 'error', error: { kind: 'paused' }, data: null, customer: { email: PEOPLE[4] } });
    // More changes stay paused, and nothing is looked up for them.
    await h['tab:report']({ ticket: ticket(6, PEOPLE[5]!) }, { tabId: 5, frameId: 0 });
    expect((await h['view:get']({ tabId: 5 })).model!.error?.kind).toBe('paused');
    // The agent says: look this one up.
    await h['view:retry']({ tabId: 5 });
    const m = (await h['view:get']({ tabId: 5 })).model!;
    expect(m.state).toBe('ready');
    expect(m.query?.email).toBe(PEOPLE[5]);
    expect(m.data!.match.by).toBe('domain');
  });

  it('changes that come after the agent clicked or typed in the tab are theirs, and never pause it', async () => {
    const { h } = setup();
    for (let round = 0; round < 3; round++) {
      for (const [i, email] of PEOPLE.entries()) {
        await h['tab:input']({}, { tabId: 6, frameId: 0 });
        await h['tab:report']({ ticket: ticket(i + 1, email) }, { tabId: 6, frameId: 0 });
      }
    }
    expect((await h['view:get']({ tabId: 6 })).model!.state).toBe('ready');
  });

  it('one click counts for one change only', async () => {
    const { h } = setup();
    await h['tab:input']({}, { tabId: 7, frameId: 0 });
    for (const [i, email] of PEOPLE.entries()) await h['tab:report']({ ticket: ticket(i + 1, email) }, { tabId: 7, frameId: 0 });
    expect((await h['view:get']({ tabId: 7 })).model!.error?.kind).toBe('paused');
  });

  it('new page loads (the agent opening tickets by address, bookmark or a link in a mail) have a budget of their own, larger', async () => {
    const { h } = setup();
    const people = [...PEOPLE, ...PEOPLE, ...PEOPLE];
    for (let i = 0; i < 20; i++) await h['tab:report']({ ticket: ticket(i + 1, people[i % PEOPLE.length]!, { fresh: true }) }, { tabId: 10, frameId: 0 });
    expect((await h['view:get']({ tabId: 10 })).model!.state).toBe('ready');
    await h['tab:report']({ ticket: ticket(30, PEOPLE[3]!, { fresh: true }) }, { tabId: 10, frameId: 0 });
    expect((await h['view:get']({ tabId: 10 })).model!.error?.kind, 'a page reloading itself with other customers').toBe('paused');
  });

  it('the budget is per time window: the same changes spread over minutes never pause', async () => {
    const clock = { now: Date.now() };
    const { h } = setup({ clock });
    for (const [i, email] of [...PEOPLE, ...PEOPLE].entries()) {
      clock.now += 20_000;
      await h['tab:report']({ ticket: ticket(i + 1, email) }, { tabId: 8, frameId: 0 });
    }
    expect((await h['view:get']({ tabId: 8 })).model!.state).toBe('ready');
  });

  it('the same customer on another ticket, or the same ticket again, is no change', async () => {
    const { h } = setup();
    for (let i = 0; i < 12; i++) await h['tab:report']({ ticket: ticket(1 + (i % 3), AIKO) }, { tabId: 9, frameId: 0 });
    expect((await h['view:get']({ tabId: 9 })).model!.state).toBe('ready');
  });
});

describe('a tab that loads a new page', () => {
  it('keeps its ticket until the new page reports; one that never does drops it after a grace', async () => {
    const { bg } = setup();
    const tabs = bg.tabs;
    await tabs.report(3, ticket(1, AIKO));
    await tabs.navigating(3, true);
    expect((await tabs.view(3)).model!.customer!.email, 'kept while the new page loads').toBe(AIKO);
    await tabs.report(3, ticket(2, EMMA));
    expect((await tabs.view(3)).model!.customer!.email).toBe(EMMA);
    vi.useFakeTimers();
    try {
      await tabs.navigating(3, true);
      await tabs.loaded(3);
      expect((await tabs.view(3)).model).not.toBeNull();
      await vi.advanceTimersByTimeAsync(3500);
      expect((await tabs.view(3)).model, 'no report from the new page: no ticket').toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a page where no content script of Baton runs has no ticket at once', async () => {
    const { bg } = setup();
    await bg.tabs.report(3, ticket(1, AIKO));
    await bg.tabs.navigating(3, false);
    expect((await bg.tabs.view(3)).model).toBeNull();
  });
});

describe('views of a tab', () => {
  it('a note left in a view rewrites the relay the tab shows (another view, or the tab later, shows it)', async () => {
    const { h, pushed } = setup();
    await h['tab:report']({ ticket: ticket(1, AIKO) }, { tabId: 1, frameId: 0 });
    await h['tab:report']({ ticket: ticket(4, AIKO) }, { tabId: 2, frameId: 0 });
    const account = (await h['view:get']({ tabId: 1 })).model!.data!.account!.id;
    pushed.length = 0;
    const r = await h['notes:add']({ account, text: 'Both tabs see this', ticket: '1' });
    expect(r.ok).toBe(true);
    for (const tabId of [1, 2]) expect((await h['view:get']({ tabId })).model!.data!.notes[0]!.text).toBe('Both tabs see this');
    expect(new Set(pushed.map((v) => v.tabId))).toEqual(new Set([1, 2]));
  });

  it("the inline frame's collapse and width go to the tab's site, its host and its views", async () => {
    const { h, resized, pushed } = setup();
    await h['tab:report']({ ticket: ticket(1, AIKO) }, { tabId: 1, frameId: 0 });
    pushed.length = 0;
    await h['view:ui']({ tabId: 1, ui: { width: 500 }, done: false }); // dragging: the host only
    expect(resized.at(-1)).toEqual([1, { collapsed: false, width: 500 }]);
    expect((await h['view:get']({ tabId: 1 })).ui.width).toBe(340);
    await h['view:ui']({ tabId: 1, ui: { collapsed: true }, done: true });
    expect((await h['view:get']({ tabId: 1 })).ui).toEqual({ collapsed: true, width: 340 });
    expect(pushed.at(-1)!.ui.collapsed).toBe(true);
    expect(resized.at(-1)).toEqual([1, { collapsed: true, width: 340 }]);
  });

  it('what a view asks for a tab with no ticket changes nothing', async () => {
    const { h } = setup();
    await h['view:retry']({ tabId: 77 });
    await h['view:search']({ tabId: 77, override: { org: 'x' } });
    await h['view:ui']({ tabId: 77, ui: { collapsed: true } });
    expect((await h['view:get']({ tabId: 77 })).model).toBeNull();
  });
});
