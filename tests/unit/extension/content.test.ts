// @vitest-environment happy-dom
// @vitest-environment-options {"url":"http://127.0.0.1:8787/demo/tickets/1","settings":{"disableJavaScriptFileLoading":true,"disableCSSFileLoading":true}}
/**
 * The content script on the real demo desk (demo/desk/app.js running in happy-dom), talking to
 * the real background handlers, which call the real demo API (in a child process) — only the
 * browser's message channel between them is simulated here. Covers: the desk is picked, the
 * customer read and looked up, in-app navigation follows the ticket (aborting the last), the
 * not-found override is remembered per ticket, non-ticket pages hide the sidebar, and the
 * script never mounts twice.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground, dispatch } from '../../../src/background/handlers';
import { mayAsk, senderKind } from '../../../src/background/senders';
import { main, queryFor, type ContentApp } from '../../../src/content/main';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { contentEnvelope, type MessageName } from '../../../src/shared/messages';
import { DEMO_TOKEN, MemoryArea, loadDemoDesk, loadLocale, nodeFetch, spawnDemoApi, type RunningApi } from './helpers';

const EXT_ID = 'baton-test';
let api: RunningApi;
let app: ContentApp;
const local = new MemoryArea();
const contentListeners: Array<(msg: unknown, sender: { id?: string }, reply: (r: unknown) => void) => unknown> = [];
let asked: string[] = [];

/** Send a message from the background/popup side to the content script. */
function toContent<T>(msg: unknown): Promise<T> {
  return new Promise((res) => {
    for (const fn of contentListeners) fn(msg, { id: EXT_ID }, (r) => res(r as T));
  });
}

const state = () => app.sidebar()?.model.state;
const shown = () => app.sidebar()?.root.querySelector('aside')?.textContent ?? '';
/** Wait until the sidebar shows ticket `id` in `want` state. */
const settled = (id: string, want = 'ready') =>
  vi.waitFor(() => {
    expect(app.sidebar()?.model.customer?.ticket).toBe(id);
    expect(state()).toBe(want);
  }, { timeout: 5000 });
const clickLink = (href: string) => (document.querySelector(`a[href="${href}"]`) as HTMLAnchorElement).click();

beforeAll(async () => {
  api = await spawnDemoApi();
  await local.set({ apiUrl: api.url, token: DEMO_TOKEN, language: 'en' });
  const bg = createBackground({
    local,
    loadLocale,
    uiLanguage: () => 'en-US',
    openOptions: async () => undefined,
    api: { fetch: nodeFetch, backoffMs: 5 },
    // What scripting.executeScript does with content/sidebar.js: run its entry in this page's world.
    injectSidebar: async () => void (await import('../../../src/content/sidebar-entry')),
  });
  (globalThis as unknown as { chrome: unknown }).chrome = {
    runtime: {
      id: EXT_ID,
      async sendMessage(msg: { type: MessageName; payload: never }) {
        const kind = senderKind({ id: EXT_ID, url: location.href, tab: { id: 1 } }, EXT_ID, `chrome-extension://${EXT_ID}/`);
        if (!mayAsk(kind, msg.type)) throw new Error(`refused ${msg.type}`);
        if (msg.type === 'context:get') asked.push((msg.payload as { query: { email?: string; org?: string } }).query.email ?? (msg.payload as { query: { org?: string } }).query.org ?? '');
        return dispatch(bg.handlers, msg.type, msg.payload, { tabId: 1, frameId: 0 });
      },
      onMessage: { addListener: (fn: (typeof contentListeners)[number]) => contentListeners.push(fn), removeListener: () => undefined },
    },
  };
  await loadDemoDesk(); // the demo desk's page and its own script
  app = (await main({ adapters: builtinAdapters, waitMs: 3000 }))!;
}, 30_000);

afterAll(async () => {
  app?.stop();
  await api?.close();
});

describe('content script on the demo desk', () => {
  it('shows the relay of the ticket on the page', async () => {
    expect(app).toBeTruthy();
    expect(state()).toBe('ready');
    expect(shown()).toContain('田中 愛子');
    const host = document.getElementById('baton-sidebar')!;
    expect(host).not.toBeNull();
    expect(document.documentElement.style.marginRight).toBe('340px');
    const status = await toContent<{ desk: { id: string }; customer: { email: string }; state: string }>(contentEnvelope('tab:status', {}));
    expect(status).toMatchObject({ desk: { id: 'demo' }, customer: { email: 'aiko.tanaka@acme.example.jp', ticket: '1' }, state: 'ready' });
  });

  it('never starts twice on a page', async () => {
    expect(await main({ adapters: builtinAdapters })).toBeNull();
    expect(document.querySelectorAll('#baton-sidebar').length).toBe(1);
  });

  it('follows in-app navigation to the next ticket', async () => {
    clickLink('/demo/tickets/2');
    expect(location.pathname).toBe('/demo/tickets/2');
    await settled('2');
    expect(shown()).toContain('Emma Clark');
    expect(app.sidebar()!.model.data!.account!.name).toBe('Northwind Trading Ltd.');
    expect(shown()).not.toContain('田中 愛子');
    expect(document.querySelectorAll('#baton-sidebar').length).toBe(1);
  });

  it('when tickets change quickly, only the last one is shown', async () => {
    asked = [];
    clickLink('/demo/tickets/3');
    await app.refresh(); // the URL watcher may or may not have seen ticket 3 yet
    clickLink('/demo/tickets/5');
    const last = app.refresh();
    await last;
    await settled('5');
    expect(app.sidebar()!.model.data!.contact!.email).toBe('noah.wright@bluepeak.example.com');
    expect(shown()).not.toContain('太田 健二');
    expect(asked.at(-1)).toBe('noah.wright@bluepeak.example.com');
  });

  it('matches a requester by the email domain', async () => {
    clickLink('/demo/tickets/4');
    await settled('4');
    expect(app.sidebar()!.model.data!.match.by).toBe('domain');
    expect(shown()).toContain('医療法人さくら会');
  });

  it('not-found offers a search, and remembers the answer for that ticket', async () => {
    clickLink('/demo/tickets/6');
    await settled('6', 'not-found');
    expect(shown()).toContain('alex.rivera@unknown-startup.example');
    const root = app.sidebar()!.root;
    (root.querySelector('form[data-part=search-form] input') as HTMLInputElement).value = 'BluePeak Software';
    (root.querySelector('form[data-part=search-form] button[type=submit]') as HTMLButtonElement).click();
    await settled('6');
    expect(app.sidebar()!.model.data!.account!.name).toBe('BluePeak Software Inc.');
    expect(shown()).toContain('Matched by what you typed');
    // Away and back: the typed company is used again for ticket 6.
    clickLink('/demo/tickets/1');
    await settled('1');
    clickLink('/demo/tickets/6');
    await settled('6');
    expect(app.sidebar()!.model.data!.account!.name).toBe('BluePeak Software Inc.');
  });

  it('hides on pages that are not a ticket, and comes back on one', async () => {
    clickLink('/demo/');
    await vi.waitFor(() => expect(document.getElementById('baton-sidebar')!.style.display).toBe('none'), { timeout: 5000 });
    expect(document.documentElement.style.marginRight).toBe('');
    const status = await toContent<{ desk: unknown; state: string }>(contentEnvelope('tab:status', {}));
    expect(status).toMatchObject({ desk: null, state: 'no-desk' });
    clickLink('/demo/tickets/7');
    await settled('7');
    expect(shown()).toContain('Grace Hill');
    expect(document.getElementById('baton-sidebar')!.style.display).toBe('block');
  });

  it('a URL change within the same ticket keeps what is shown; another ticket looks again', async () => {
    asked = [];
    history.pushState(null, '', '/demo/tickets/7#reply');
    await app.navigated();
    expect(state()).toBe('ready');
    expect(asked).toEqual([]);
    clickLink('/demo/tickets/8');
    await app.navigated();
    await settled('8');
    expect(app.sidebar()!.model.data!.match.by).toBe('org');
    expect(asked).toEqual(['taro.yamamoto@freemail.example']);
  });

  it('the keyboard command toggles it, and the choice is kept for the site', async () => {
    const r = await toContent<{ collapsed: boolean }>(contentEnvelope('sidebar:toggle', {}));
    expect(r).toEqual({ collapsed: true });
    expect(document.documentElement.style.marginRight).toBe('');
    await vi.waitFor(async () => expect(await local.get('ui:http://127.0.0.1:8787')).toEqual({ 'ui:http://127.0.0.1:8787': { collapsed: true, width: 340 } }));
    await toContent(contentEnvelope('sidebar:toggle', {}));
    expect(app.sidebar()!.ui.collapsed).toBe(false);
  });

  it('a language change in the settings re-renders in Japanese', async () => {
    await local.set({ language: 'ja' });
    await toContent(contentEnvelope('settings:changed', {}));
    await vi.waitFor(() => expect(shown()).toContain('前工程'), { timeout: 5000 });
    await vi.waitFor(() => expect(state()).toBe('ready'), { timeout: 5000 });
  });
});

describe('queryFor', () => {
  it('asks by email, its domain and company; the override replaces the page', () => {
    expect(queryFor({ email: 'A@Acme.example.jp', org: 'Acme' }, null, '1', 'en')).toEqual({ ticket: '1', lang: 'en', email: 'A@Acme.example.jp', domain: 'acme.example.jp', org: 'Acme' });
    expect(queryFor({ email: 'a@x.example' }, { org: 'Northwind' }, '2', 'ja')).toEqual({ ticket: '2', lang: 'ja', org: 'Northwind' });
    expect(queryFor({ name: 'Only a name' }, null, '3', 'en')).toBeNull();
  });
});
