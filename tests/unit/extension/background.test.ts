/**
 * The background's handlers end to end against the real demo API: settings (managed over
 * local), lookups through the cache (fresh, stale-while-revalidate, offline fallback), the
 * per-site sidebar state, per-ticket overrides and UI strings.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground, resolveLanguage, type BackgroundDeps } from '../../../src/background/handlers';
import { FRESH_MS, USABLE_MS } from '../../../src/background/cache';
import { deskMatches, registeredMatches } from '../../../src/background/settings';
import { declaredDesks, declaredPatterns } from '../../../src/shared/desks';
import { idbSecretStore } from '../../../src/background/secret-store';
import { IDBFactory } from 'fake-indexeddb';
import { DEMO_TOKEN, MemoryArea, loadLocale, startDemoApi, type RunningApi } from './helpers';

let api: RunningApi;
beforeAll(async () => {
  api = await startDemoApi();
});
afterAll(() => api.close());

function setup(opts: { local?: Record<string, unknown>; managed?: Record<string, unknown> | 'throws'; now?: () => number; settingsWatched?: boolean } = {}) {
  const local = new MemoryArea();
  for (const [k, v] of Object.entries(opts.local ?? { apiUrl: api.url, token: DEMO_TOKEN })) local.data.set(k, v);
  // The token's store as in the browser (IndexedDB; fake-indexeddb here), one database per setup.
  const secrets = idbSecretStore(new IDBFactory());
  let opened = 0;
  const deps: BackgroundDeps = {
    local,
    secrets,
    managed: {
      get: async () => {
        if (opts.managed === 'throws') throw new Error('Managed storage manifest not found');
        return opts.managed ?? {};
      },
    },
    loadLocale,
    uiLanguage: () => 'ja-JP',
    openOptions: async () => void opened++,
    api: { backoffMs: 5, timeoutMs: 1000 },
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.settingsWatched ? { settingsWatched: true } : {}),
  };
  const bg = createBackground(deps);
  return { bg, h: bg.handlers, local, secrets, opened: () => opened };
}

const aiko = { email: 'aiko.tanaka@acme.example.jp', domain: 'acme.example.jp', lang: 'ja' as const };

describe('settings', () => {
  it('watched storage: a lookup reads the settings kept from the last read, until forget() or a write', async () => {
    const { bg, h, local } = setup({ settingsWatched: true });
    let reads = 0;
    const get = local.get.bind(local);
    local.get = (keys) => (Array.isArray(keys) && keys.includes('apiUrl') && reads++, get(keys));
    await h['settings:get']({}); // the first read (it moves the setup's token out of storage.local)
    await h['context:get']({ query: aiko });
    const first = reads;
    expect(first).toBeGreaterThan(0);
    await h['context:get']({ query: { ...aiko, ticket: '2' } });
    await h['settings:get']({});
    expect(reads).toBe(first); // no storage round trip per lookup
    // What storage.onChanged tells: read again.
    await local.set({ agentName: 'Sato' });
    bg.settings.forget();
    expect((await h['settings:get']({})).settings.agentName).toBe('Sato');
    expect(reads).toBe(first + 1);
    // A write through the store is read back at once.
    await bg.settings.write({ agentName: 'Suzuki' });
    expect((await h['settings:get']({})).settings.agentName).toBe('Suzuki');
    // Callers get copies: changing one changes nothing kept.
    (await h['settings:get']({})).settings.agentName = 'x';
    expect((await h['settings:get']({})).settings.agentName).toBe('Suzuki');
  });

  it('managed values win over local ones and are reported as managed', async () => {
    const { h } = setup({ local: { apiUrl: 'http://local.example', token: 'mine', agentName: 'Ken' }, managed: { apiUrl: api.url, token: DEMO_TOKEN } });
    const view = await h['settings:get']({});
    expect(view.settings).toMatchObject({ apiUrl: api.url, token: DEMO_TOKEN, agentName: 'Ken', language: 'auto' });
    expect(view.managed.sort()).toEqual(['apiUrl', 'token']);
  });

  it('writing does not shadow a managed value', async () => {
    const { h, local, secrets } = setup({ local: {}, managed: { token: DEMO_TOKEN } });
    const view = await h['settings:set']({ settings: { apiUrl: ` ${api.url} `, token: 'typed', language: 'en' } });
    expect(view.settings).toMatchObject({ apiUrl: api.url, token: DEMO_TOKEN, language: 'en' });
    expect(local.data.has('token')).toBe(false);
    expect(await secrets.get('token')).toBeUndefined();
  });

  it('no policy (Firefox rejects) reads as none; ill-typed values are ignored', async () => {
    const { h } = setup({ local: { apiUrl: 42, language: 'fr', disabledDesks: ['zendesk', 3] }, managed: 'throws' });
    const view = await h['settings:get']({});
    expect(view).toMatchObject({ settings: { apiUrl: '', language: 'auto', disabledDesks: ['zendesk'] }, managed: [] });
  });

  it('content scripts get settings without the token', async () => {
    const { h } = setup();
    const pub = await h['settings:public']({});
    expect(pub).toEqual({ configured: true, agentName: '', language: 'auto', disabledDesks: [], display: 'panel' });
    expect(JSON.stringify(await h['content:init']({ origin: 'http://127.0.0.1:8787' }))).not.toContain(DEMO_TOKEN);
  });
});

describe('display (panel or inline)', () => {
  it('is the side panel unless the agent or the administrator says inline; ill values are ignored', async () => {
    expect((await setup().h['settings:get']({})).settings.display).toBe('panel');
    const { h } = setup({ local: { apiUrl: api.url, token: DEMO_TOKEN } });
    expect((await h['settings:set']({ settings: { display: 'inline' } })).settings.display).toBe('inline');
    expect((await h['content:init']({ origin: 'http://127.0.0.1:8787' })).settings.display).toBe('inline');
    expect((await setup({ local: { display: 'sideways' } }).h['settings:get']({})).settings.display).toBe('panel');
    const pushed = setup({ local: { display: 'panel' }, managed: { display: 'inline' } });
    const view = await pushed.h['settings:get']({});
    expect(view.settings.display).toBe('inline');
    expect(view.managed).toContain('display');
    expect((await pushed.h['settings:set']({ settings: { display: 'panel' } })).settings.display, 'policy wins').toBe('inline');
  });

  it('is inline where the browser has no panel, whatever the setting', async () => {
    const local = new MemoryArea();
    const bg = createBackground({ local, loadLocale, uiLanguage: () => 'en', openOptions: async () => undefined, hasPanel: false });
    expect((await bg.handlers['content:init']({ origin: 'http://127.0.0.1:8787' })).settings.display).toBe('inline');
  });

  it("the content script's start gives the inline frame's title in the agent's language, no strings else", async () => {
    const init = await setup().h['content:init']({ origin: 'http://127.0.0.1:8787' });
    expect(init.label).toBe('Baton: この顧客をめぐるリレー'); // the browser is Japanese here
    expect(Object.keys(init).sort()).toEqual(['adapters', 'label', 'settings', 'ui']);
  });
});

describe('context:get', () => {
  it('unconfigured without address and token', async () => {
    const { h } = setup({ local: {} });
    expect(await h['context:get']({ query: aiko })).toMatchObject({ ok: false, error: { kind: 'unconfigured' } });
  });

  it('asks the API once, then serves from the cache while fresh', async () => {
    let now = 1_000;
    const { h, local } = setup({ now: () => now });
    const first = await h['context:get']({ query: aiko });
    expect(first).toMatchObject({ ok: true, stale: false, data: { match: { by: 'email' }, account: { name: '株式会社アクメ' } } });
    // Prove the second answer comes from the cache: point the settings at nothing.
    await local.set({ apiUrl: 'http://127.0.0.1:9' });
    now += FRESH_MS - 1;
    const second = await h['context:get']({ query: { ...aiko, ticket: '2' } });
    expect(second).toMatchObject({ ok: true, stale: false, fetchedAt: 1_000 });
  });

  it("answers a fresh lookup without waiting for the answer's write to storage.local", async () => {
    const { h, local } = setup();
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const set = local.set.bind(local);
    local.set = async (items) => {
      if (Object.keys(items).some((k) => k.startsWith('cache:'))) {
        order.push('write');
        await gate;
        order.push('written');
      }
      return set(items);
    };
    const answer = h['context:get']({ query: aiko }).then((r) => (order.push('answer'), r));
    await vi.waitFor(() => expect(order).toContain('answer'), { timeout: 5_000 });
    expect(order).toEqual(['write', 'answer']);
    release();
    expect(await answer).toMatchObject({ ok: true, stale: false });
    await vi.waitFor(() => expect(order).toContain('written'));
    // A new worker (the same storage) has it.
    const again = createBackground({ local, secrets: idbSecretStore(new IDBFactory()), loadLocale, uiLanguage: () => 'en', openOptions: async () => undefined });
    expect(await again.cache.get(Object.keys(Object.fromEntries(local.data)).find((k) => k.startsWith('cache:'))!.slice(6))).not.toBeNull();
  });

  it('serves a stale answer at once, and refreshes when asked with force', async () => {
    let now = 1_000;
    const { h } = setup({ now: () => now });
    await h['context:get']({ query: aiko });
    now += FRESH_MS + 1;
    expect(await h['context:get']({ query: aiko })).toMatchObject({ ok: true, stale: true, fetchedAt: 1_000 });
    const fresh = await h['context:get']({ query: aiko, force: true });
    expect(fresh).toMatchObject({ ok: true, stale: false, fetchedAt: now });
  });

  it('keeps the stale answer, marked, when the API is down; nothing after 24 h', async () => {
    let now = 1_000;
    const { h, local } = setup({ now: () => now });
    await h['context:get']({ query: aiko });
    await local.set({ apiUrl: 'http://127.0.0.1:9' }); // nothing listens on port 9
    now += FRESH_MS + 1;
    const r = await h['context:get']({ query: aiko, force: true });
    expect(r).toMatchObject({ ok: true, stale: true, fetchedAt: 1_000, error: { kind: 'offline' } });
    now += USABLE_MS;
    expect(await h['context:get']({ query: aiko, force: true })).toMatchObject({ ok: false, error: { kind: 'offline' } });
  });

  it('a refused token is unauthorized even with a cached answer', async () => {
    let now = 1_000;
    const { h, bg } = setup({ now: () => now });
    await h['context:get']({ query: aiko });
    // The token changed in its store (settings.write is its only writer), the cached answer kept.
    await bg.settings.write({ token: 'revoked' });
    now += FRESH_MS + 1;
    expect(await h['context:get']({ query: aiko, force: true })).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
  });

  it('saving the settings clears the cache', async () => {
    const { h, local } = setup();
    const cached = () => [...local.data.keys()].some((k) => k.startsWith('cache:'));
    await h['context:get']({ query: aiko });
    expect(cached()).toBe(true);
    await h['settings:set']({ settings: { agentName: 'Ken' } });
    expect(cached()).toBe(false);
  });

  it('keeps the self-hosted desk origins the agent adds, as origins', async () => {
    const { h } = setup();
    const view = await h['settings:set']({ settings: { deskOrigins: ['rt.example.com/rt/', 'https://rt.example.com/Ticket/Display.html?id=1', 'http://zammad.example.org', 'javascript:alert(1)', 'nonsense'] } });
    expect(view.settings.deskOrigins).toEqual(['https://rt.example.com', 'http://zammad.example.org']);
  });

  it('tells a match by domain and no match apart', async () => {
    const { h } = setup();
    const domain = await h['context:get']({ query: { email: 'someone@acme.example.jp', domain: 'acme.example.jp' } });
    expect(domain.ok && domain.data.match.by).toBe('domain');
    const none = await h['context:get']({ query: { email: 'x@nowhere.example', domain: 'nowhere.example' } });
    expect(none.ok && none.data.match.by).toBe('none');
  });
});

describe('sidebar state, overrides, strings, options', () => {
  it('remembers collapsed and width per site, clamping the width', async () => {
    const { h } = setup();
    await h['ui:save']({ origin: 'https://a.example', ui: { collapsed: true } });
    await h['ui:save']({ origin: 'https://a.example', ui: { width: 9999 } });
    const a = await h['content:init']({ origin: 'https://a.example' });
    const b = await h['content:init']({ origin: 'https://b.example' });
    expect(a.ui).toEqual({ collapsed: true, width: 640 });
    expect(b.ui).toEqual({ collapsed: false, width: 340 });
  });

  it('remembers what the agent typed for a ticket, and forgets it on request', async () => {
    const { h } = setup();
    await h['override:set']({ key: 't1', override: { email: ' emma.clark@northwind.example.com ' } });
    expect(await h['override:get']({ key: 't1' })).toEqual({ override: { email: 'emma.clark@northwind.example.com' } });
    expect(await h['override:get']({ key: 't2' })).toEqual({ override: null });
    await h['override:set']({ key: 't1', override: null });
    expect(await h['override:get']({ key: 't1' })).toEqual({ override: null });
  });

  it('strings follow the language setting, auto following the browser', async () => {
    const { h } = setup();
    expect((await h['messages:get']({})).lang).toBe('ja');
    const en = await h['messages:get']({ language: 'en' });
    expect(en.lang).toBe('en');
    expect(en.messages.beforeTitle).toBe('Before');
    expect(resolveLanguage('auto', 'en-US')).toBe('en');
  });

  it('opens the options page', async () => {
    const { h, opened } = setup();
    await h['options:open']({});
    expect(opened()).toBe(1);
  });

  it('tests a connection with typed values before they are saved', async () => {
    const { h } = setup({ local: {} });
    expect(await h['connection:test']({ apiUrl: api.url, token: DEMO_TOKEN })).toMatchObject({ ok: true, info: { organization: { name: 'Hibiki Survey' } } });
    expect(await h['connection:test']({ apiUrl: api.url, token: 'nope' })).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
  });

  it('lists the adapters declared in the config', async () => {
    const { h } = setup();
    const { adapters } = await h['adapters:get']({});
    expect(adapters.map((a) => a.id)).toContain('inhouse');
  });

  it('keeps the declared adapters, so a page load does not wait on the API for them', async () => {
    const own = await startDemoApi();
    const local = new MemoryArea();
    await local.set({ apiUrl: own.url, token: DEMO_TOKEN });
    const secrets = idbSecretStore(new IDBFactory());
    const deps = { local, secrets, loadLocale, uiLanguage: () => 'en', openOptions: async () => undefined, api: { backoffMs: 5 } };
    expect((await createBackground(deps).handlers['content:init']({ origin: 'http://x' })).adapters.map((a) => a.id)).toContain('inhouse');
    await own.close(); // the API goes away; a new service worker still knows the list
    expect((await createBackground(deps).handlers['content:init']({ origin: 'http://x' })).adapters.map((a) => a.id)).toContain('inhouse');
    await createBackground(deps).settingsChanged(); // another API: forgotten
    expect((await createBackground(deps).handlers['content:init']({ origin: 'http://x' })).adapters).toEqual([]);
  });
});

describe('self-hosted desks', () => {
  it('register the content script only on origins the agent added and granted', async () => {
    expect(deskMatches(['https://rt.example.com', 'https://zammad.example.org'], ['https://rt.example.com/*', 'http://127.0.0.1/*'])).toEqual(['https://rt.example.com/*']);
    expect(deskMatches(['https://rt.example.com'], [])).toEqual([]);
  });
});

describe('desks declared in the config', () => {
  it('run on the site their urlPattern names, when scheme and host are literal', () => {
    expect(declaredPatterns('^https?://desk\\.example\\.com/tickets/(?<ticket>\\d+)')).toEqual(['https://desk.example.com/*', 'http://desk.example.com/*']);
    expect(declaredPatterns('^https://desk\\.example\\.com(?::\\d+)?/t/(\\d+)')).toEqual(['https://desk.example.com/*']);
    expect(declaredPatterns('^https://Help.Example.org:8443/t/(\\d+)')).toEqual(['https://help.example.org/*']);
    expect(declaredPatterns('https:\\/\\/a-b\\.example\\.org\\/x')).toEqual(['https://a-b.example.org/*']);
    // Loopback needs no grant; a host that is itself a pattern cannot be read.
    expect(declaredPatterns('^https?://(?:127\\.0\\.0\\.1|localhost)(?::\\d+)?/inhouse/tickets/(?<ticket>\\d+)')).toEqual([]);
    expect(declaredPatterns('^http://127\\.0\\.0\\.1:\\d+/desk/tickets/(?<ticket>\\d+)$')).toEqual([]);
    expect(declaredPatterns('^https://[^/]+\\.example\\.com/')).toEqual([]);
    expect(declaredPatterns('^ftp://files\\.example\\.com/')).toEqual([]);
  });

  it('are registered with the added desks, only where access was granted', () => {
    const declared = declaredDesks([
      { id: 'inhouse', label: 'In-house', urlPattern: '^https?://desk\\.example\\.com/t/(\\d+)', selectors: {} },
      { id: 'other', label: 'Other', urlPattern: '^https://other\\.example\\.net/t/(\\d+)', selectors: {} },
    ]);
    expect(declared.map((d) => d.patterns)).toEqual([['https://desk.example.com/*', 'http://desk.example.com/*'], ['https://other.example.net/*']]);
    expect(registeredMatches(['https://rt.example.com'], declared, ['https://rt.example.com/*', 'https://desk.example.com/*', 'http://127.0.0.1/*'])).toEqual([
      'https://rt.example.com/*',
      'https://desk.example.com/*',
    ]);
    expect(registeredMatches([], declared, ['<all_urls>'])).toEqual(['https://desk.example.com/*', 'http://desk.example.com/*', 'https://other.example.net/*']);
    expect(registeredMatches(['https://rt.example.com'], declared, [])).toEqual([]);
  });
});
