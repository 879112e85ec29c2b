// @vitest-environment happy-dom
// @vitest-environment-options {"url":"http://127.0.0.1:8787/demo/tickets/1","settings":{"disableJavaScriptFileLoading":true,"disableCSSFileLoading":true}}
/**
 * Revalidation never makes the shown relay disappear: while a stale answer of the same ticket is
 * asked for again (stale-while-revalidate, a refresh of the page's ticket, settings changed,
 * Retry on a stale answer with the API down and back), the view's root data-state never goes
 * back to `loading` (or any state without the relay), and the view is rendered once. The real
 * demo desk and content script, the real background handlers (behind the sender check) keeping
 * the tab's state, a real view (the side panel's) rendering what they push, and the real demo
 * API; the background's clock is moved forward to make cached answers stale, and its fetch can
 * be cut (the network being down).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground, dispatch, type Background } from '../../../src/background/handlers';
import { mayAsk } from '../../../src/background/senders';
import { REVALIDATE_MS } from '../../../src/background/tabs';
import { main, type ContentApp } from '../../../src/content/main';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { contentEnvelope, type MessageName } from '../../../src/shared/messages';
import { mountView, type ViewHandle } from '../../../src/ui/view';
import { DEMO_TOKEN, MemoryArea, installContentRuntime, loadDemoDesk, loadLocale, nodeFetch, spawnDemoApi, toContent, type ContentListener, type RunningApi } from './helpers';

const EXT_ID = 'baton-test';
let api: RunningApi;
let app: ContentApp;
let bg: Background;
let panel: ViewHandle;
const root = document.createElement('div');
const local = new MemoryArea();
const listeners: ContentListener[] = [];
let clock = Date.now();
let networkDown = false;
/** Context lookups the background made (answered from its cache or the API). */
let asked = 0;

const model = () => panel.model!;
const relayShown = () => root.querySelectorAll('[data-part=before] [data-part=handoff]').length;
const clickLink = (href: string) => (document.querySelector(`a[href="${href}"]`) as HTMLAnchorElement).click();
const settled = (id: string, want: string) =>
  vi.waitFor(() => {
    expect(panel.model?.customer?.ticket).toBe(id);
    expect(panel.model?.state).toBe(want);
    expect(panel.model?.query && asked).toBeTruthy();
  }, { timeout: 5000 });

/**
 * Every data-state the sidebar root takes from now on (each change, however quickly it is
 * replaced), and whether the sidebar was mounted again meanwhile. `switching`: a switch to
 * another ticket comes, whose view is its own (the view keeps each ticket's): the one shown
 * before it does not count.
 */
function recordStates(o: { switching?: boolean } = {}) {
  const el = root.querySelector('[data-state]')!;
  const states = [el.getAttribute('data-state')!];
  const elements = new Set<Element>(o.switching ? [] : [el]);
  const mo = new MutationObserver((records) => {
    for (const r of records) {
      if (r.type !== 'attributes') continue;
      elements.add(r.target as Element);
      // oldValue is the value before this change; the values in between are the next records'.
      if (r.oldValue !== states.at(-1)) states.push(r.oldValue!);
    }
  });
  mo.observe(root, { subtree: true, attributes: true, attributeFilter: ['data-state'], attributeOldValue: true });
  return {
    /** Stop recording; the states taken, in order (repeats folded). */
    stop(): string[] {
      for (const r of mo.takeRecords()) if (r.type === 'attributes' && r.oldValue !== states.at(-1)) states.push(r.oldValue!);
      mo.disconnect();
      const now = root.querySelector('[data-state]')!;
      elements.add(now);
      const last = now.getAttribute('data-state')!;
      if (last !== states.at(-1)) states.push(last);
      expect(elements.size, 'the view root was rendered anew').toBe(1);
      expect(document.querySelectorAll('#baton-sidebar').length, 'nothing of Baton in the page (panel mode)').toBe(0);
      return states.slice(1);
    },
    first: states[0],
  };
}

/** Wait until the background has answered `n` more lookups and the content script settled. */
const asksSettle = async (before: number, n: number, id: string, want: string) => {
  await vi.waitFor(() => expect(asked).toBeGreaterThanOrEqual(before + n), { timeout: 5000 });
  await settled(id, want);
};

beforeAll(async () => {
  api = await spawnDemoApi();
  await local.set({ apiUrl: api.url, token: DEMO_TOKEN, language: 'en' });
  bg = createBackground({
    local,
    loadLocale,
    uiLanguage: () => 'en-US',
    openOptions: async () => undefined,
    now: () => clock,
    api: {
      backoffMs: 5,
      fetch: (input, init) => (networkDown ? Promise.reject(new TypeError('fetch failed')) : nodeFetch(input, init)),
    },
    viewChanged: (v) => v.tabId === 1 && panel.setView(v),
    rate: { changes: 1000, loads: 1000, windowMs: 60_000, inputMs: 10_000 },
  });
  const lookup = bg.cache.get.bind(bg.cache);
  bg.cache.get = (key) => (asked++, lookup(key)); // every lookup asks the cache first
  installContentRuntime(bg.handlers, [], EXT_ID, { listeners });
  // The side panel's view, its actions going to the background as a page's messages.
  const strings = await bg.handlers['messages:get']({ language: 'en' });
  const send = ((type: MessageName, payload: never) => (mayAsk('page', type) ? dispatch(bg.handlers, type, payload, {}) : Promise.reject(new Error(type)))) as never;
  panel = mountView({ root, host: 'panel', strings, send });
  await loadDemoDesk();
  document.body.append(root);
  app = (await main({ adapters: builtinAdapters, waitMs: 3000 }))!;
  await settled('1', 'ready');
}, 30_000);

afterAll(async () => {
  app?.stop();
  await api?.close();
});

const SIX_MINUTES = 6 * 60_000;

describe('revalidating a shown relay never drops it', () => {
  it('coming back to a ticket whose answer went stale: the stale answer at once (no loading state), then ready', async () => {
    clickLink('/demo/tickets/2');
    await settled('2', 'ready');
    clock += SIX_MINUTES;
    const rec = recordStates({ switching: true });
    const before = asked;
    clickLink('/demo/tickets/1');
    await asksSettle(before, 2, '1', 'ready'); // the stale answer, then the refresh
    expect(rec.stop()).toEqual(['stale', 'ready']);
    expect(relayShown()).toBeGreaterThan(0);
  });

  it('a refresh of the same ticket with a stale answer keeps the relay: stale, then ready', async () => {
    clock += SIX_MINUTES;
    const rec = recordStates();
    expect(rec.first).toBe('ready');
    const before = asked;
    await app.refresh();
    await asksSettle(before, 2, '1', 'ready');
    expect(rec.stop()).toEqual(['stale', 'ready']);
    expect(relayShown()).toBeGreaterThan(0);
  });

  it('a URL change within the ticket with a stale answer keeps the relay', async () => {
    clock += SIX_MINUTES;
    const rec = recordStates();
    const before = asked;
    history.pushState(null, '', '/demo/tickets/1#reply');
    await app.navigated();
    await app.refresh(); // what a desk re-rendering the same ticket makes the script do
    await asksSettle(before, 2, '1', 'ready');
    expect(rec.stop()).not.toContain('loading');
    expect(relayShown()).toBeGreaterThan(0);
  });

  it('settings changed (the cache is cleared and the tabs told): the relay stays until the new answer', async () => {
    const rec = recordStates();
    const before = asked;
    await bg.settingsChanged(); // what background/index.ts runs on a settings change, then tells the tabs
    await toContent(listeners, contentEnvelope('settings:changed', {}));
    await asksSettle(before, 1, '1', 'ready');
    expect(rec.stop()).toEqual([]); // ready throughout: no loading in between
    expect(relayShown()).toBeGreaterThan(0);
  });

  it('Retry on a stale answer while the API is down keeps it; once it is back, Retry makes it ready', async () => {
    clock += SIX_MINUTES;
    networkDown = true;
    const rec = recordStates();
    let before = asked;
    await app.refresh();
    await asksSettle(before, 2, '1', 'stale'); // the stale answer, then the failed refresh
    expect(model().error?.kind).toBe('offline');
    const retry = () => {
      const b = [...root.querySelectorAll('button')].find((x) => /^retry/i.test(x.textContent!.trim()));
      expect(b, 'a Retry button on the stale banner').toBeTruthy();
      b!.click();
    };
    before = asked;
    retry();
    await asksSettle(before, 1, '1', 'stale');
    expect(relayShown()).toBeGreaterThan(0);
    networkDown = false;
    before = asked;
    retry();
    await asksSettle(before, 1, '1', 'ready');
    expect(rec.stop()).toEqual(['stale', 'ready']);
    expect(model().error).toBeNull();
    expect(relayShown()).toBeGreaterThan(0);
  });

  it('a fresh cached answer is checked again on every view: with the API down it says offline, not ready (issue 11)', async () => {
    clickLink('/demo/tickets/2');
    await settled('2', 'ready'); // asked the API: a fresh answer for ticket 2 in the cache
    clickLink('/demo/tickets/1');
    await settled('1', 'ready');
    networkDown = true;
    clock += REVALIDATE_MS; // an answer checked this long ago is checked again, fresh or not
    let before = asked;
    clickLink('/demo/tickets/2'); // its answer is fresh (under 5 minutes old), but the API is down
    await asksSettle(before, 2, '2', 'stale'); // the cached answer, then the check
    expect(model().error?.kind).toBe('offline');
    expect(relayShown()).toBeGreaterThan(0);
    expect(root.textContent).toMatch(/retry/i);
    networkDown = false;
    before = asked;
    clickLink('/demo/tickets/1');
    await asksSettle(before, 2, '1', 'ready');
    expect(model().error).toBeNull();
  });
});
