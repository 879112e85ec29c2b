// @vitest-environment happy-dom
// @vitest-environment-options {"url":"http://127.0.0.1:8787/demo/tickets/1","settings":{"disableJavaScriptFileLoading":true,"disableCSSFileLoading":true}}
/**
 * The content script on the real demo desk (demo/desk/app.js running in happy-dom), reporting to
 * the real background handlers, which call the real demo API (in a child process) and keep the
 * tab's ticket state — what the side panel shows (panel mode, the default). Only the browser's
 * message channel between them is simulated here. Covers: the desk is picked, the customer read
 * and reported, the relay looked up for the tab and never put in the page, in-app navigation
 * followed (aborting the last), the not-found override remembered per ticket, non-ticket pages
 * reported as no ticket, and the script never starting twice.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground, type Background } from '../../../src/background/handlers';
import { main } from '../../../src/content/main';
import type { ContentApp } from '../../../src/content/main';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { contentEnvelope, type MessageName } from '../../../src/shared/messages';
import type { TabView } from '../../../src/shared/view';
import { DEMO_TOKEN, MemoryArea, installContentRuntime, loadDemoDesk, loadLocale, nodeFetch, spawnDemoApi, toContent, type ContentListener, type RunningApi } from './helpers';

let api: RunningApi;
let app: ContentApp;
let bg: Background;
const local = new MemoryArea();
const listeners: ContentListener[] = [];
const pushed: TabView[] = [];
let asked: string[] = [];

const view = () => bg.tabs.view(1);
/** Wait until the tab's view shows ticket `id` in `want` state. */
const settled = (id: string, want = 'ready') =>
  vi.waitFor(async () => {
    const m = (await view()).model;
    expect(m?.customer?.ticket).toBe(id);
    expect(m?.state).toBe(want);
  }, { timeout: 5000 });
const clickLink = (href: string) => (document.querySelector(`a[href="${href}"]`) as HTMLAnchorElement).click();

beforeAll(async () => {
  api = await spawnDemoApi();
  await local.set({ apiUrl: api.url, token: DEMO_TOKEN, language: 'en' });
  bg = createBackground({
    local,
    loadLocale,
    uiLanguage: () => 'en-US',
    openOptions: async () => undefined,
    api: {
      fetch: (input, init) => {
        const u = new URL(String(input));
        if (u.pathname === '/v1/context') asked.push(u.searchParams.get('email') ?? u.searchParams.get('org') ?? '');
        return nodeFetch(input, init);
      },
      backoffMs: 5,
    },
    viewChanged: (v) => void pushed.push(v),
    // happy-dom's events are not trusted: no click counts as the agent's, so allow the page's changes.
    rate: { changes: 1000, loads: 1000, windowMs: 60_000, inputMs: 10_000 },
  });
  installContentRuntime(bg.handlers, [], 'baton-test', { listeners });
  await loadDemoDesk(); // the demo desk's page and its own script
  app = (await main({ adapters: builtinAdapters, waitMs: 3000 }))!;
}, 30_000);

afterAll(async () => {
  app?.stop();
  await api?.close();
});

describe('content script on the demo desk (panel mode)', () => {
  it("reports the ticket on the page; the tab's view gets its relay, the page none of it", async () => {
    expect(app).toBeTruthy();
    await settled('1');
    const m = (await view()).model!;
    expect(m.desk).toEqual({ id: 'demo', label: 'Baton demo desk' });
    expect(m.customer).toMatchObject({ email: 'aiko.tanaka@acme.example.jp', name: '田中 愛子', ticket: '1' });
    expect(m.data!.before.map((h) => h.stage.id)).toContain('sales');
    expect(m.page).toBe('http://127.0.0.1:8787/demo/tickets/1');
    expect(pushed.some((v) => v.tabId === 1 && v.model?.state === 'ready'), 'the views were told').toBe(true);
    // Panel mode: nothing of Baton in the page, no room taken.
    expect(document.getElementById('baton-sidebar')).toBeNull();
    expect(document.documentElement.style.marginRight).toBe('');
    expect(document.documentElement.outerHTML).not.toContain('課題: 若手の離職'); // the sales hand-off's note
    expect(app.reported()).toMatchObject({ key: 'http://127.0.0.1:8787|demo|1', desk: { id: 'demo' } });
  });

  it('never starts twice on a page', async () => {
    expect(await main({ adapters: builtinAdapters })).toBeNull();
  });

  it('follows in-app navigation to the next ticket', async () => {
    clickLink('/demo/tickets/2');
    expect(location.pathname).toBe('/demo/tickets/2');
    await settled('2');
    const m = (await view()).model!;
    expect(m.customer?.name).toBe('Emma Clark');
    expect(m.data!.account!.name).toBe('Northwind Trading Ltd.');
  });

  it('when tickets change quickly, only the last one is shown', async () => {
    asked = [];
    clickLink('/demo/tickets/3');
    await app.refresh(); // the URL watcher may or may not have seen ticket 3 yet
    clickLink('/demo/tickets/5');
    await app.refresh();
    await settled('5');
    expect((await view()).model!.data!.contact!.email).toBe('noah.wright@bluepeak.example.com');
    expect(asked.at(-1)).toBe('noah.wright@bluepeak.example.com');
  });

  it('reads the subject and the desk\'s tags: the ticket\'s product area leads the relay (issue 10)', async () => {
    clickLink('/demo/tickets/7');
    await settled('7');
    const m = (await view()).model!;
    expect(m.customer).toMatchObject({ subject: 'Front office results look different from last quarter', tags: 'dashboards,results' });
    expect(m.query).toMatchObject({ subject: 'Front office results look different from last quarter', tags: 'dashboards,results' });
    expect(m.data!.product?.id).toBe('dashboards');
  });

  it('matches a requester by the email domain', async () => {
    clickLink('/demo/tickets/4');
    await settled('4');
    expect((await view()).model!.data!.match.by).toBe('domain');
  });

  it('not-found: what the agent types in the view is looked up, and remembered for that ticket', async () => {
    clickLink('/demo/tickets/6');
    await settled('6', 'not-found');
    expect((await view()).model!.query?.email).toBe('alex.rivera@unknown-startup.example');
    await bg.handlers['view:search']({ tabId: 1, override: { org: 'BluePeak Software' } });
    await settled('6');
    expect((await view()).model!.data!.account!.name).toBe('BluePeak Software Inc.');
    expect((await view()).model!.override).toEqual({ org: 'BluePeak Software' });
    // Away and back: the typed company is used again for ticket 6.
    clickLink('/demo/tickets/1');
    await settled('1');
    clickLink('/demo/tickets/6');
    await settled('6');
    expect((await view()).model!.data!.account!.name).toBe('BluePeak Software Inc.');
  });

  it('a page that is no ticket is reported as none, and a ticket again as that ticket', async () => {
    clickLink('/demo/');
    await vi.waitFor(async () => expect((await view()).model).toBeNull(), { timeout: 5000 });
    expect(app.reported()).toBeNull();
    expect((await view()).desks).toContain('Request Tracker');
    clickLink('/demo/tickets/7');
    await settled('7');
    expect((await view()).model!.customer!.name).toBe('Grace Hill');
  });

  it('a URL change within the same ticket keeps what is shown; another ticket looks again', async () => {
    asked = [];
    history.pushState(null, '', '/demo/tickets/7#reply');
    await app.navigated();
    expect((await view()).model!.state).toBe('ready');
    expect(asked).toEqual([]);
    clickLink('/demo/tickets/8');
    await app.navigated();
    await settled('8');
    expect((await view()).model!.data!.match.by).toBe('org');
    expect(asked).toEqual(['taro.yamamoto@freemail.example']);
  });

  it('a language change in the settings looks the ticket up again in Japanese', async () => {
    await local.set({ language: 'ja' });
    await bg.settingsChanged();
    await toContent(listeners, contentEnvelope('settings:changed', {}));
    await vi.waitFor(async () => expect((await view()).model!.data!.lang).toBe('ja'), { timeout: 5000 });
    expect((await view()).model!.data!.before.map((h) => h.stage.label)).toContain('セールス');
  });

  it('content scripts may not look a relay up or write back themselves', async () => {
    const { mayAsk } = await import('../../../src/background/senders');
    for (const t of ['context:get', 'thanks:send', 'notes:add', 'notes:delete', 'view:get', 'override:get', 'settings:get', 'messages:get'] as MessageName[]) {
      expect(mayAsk('content', t), t).toBe(false);
    }
  });
});
