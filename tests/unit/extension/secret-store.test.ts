/**
 * The agent's token lives in the extension's IndexedDB (src/background/secret-store.ts), not in
 * storage.local, which content scripts in desk pages can read. Here over fake-indexeddb (Node
 * has no IndexedDB); the real one is covered end to end in Chromium. The background runs
 * against the real demo API.
 */
import { IDBFactory } from 'fake-indexeddb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground, type BackgroundDeps } from '../../../src/background/handlers';
import { idbSecretStore, secretFingerprint, type SecretStore } from '../../../src/background/secret-store';
import { DEMO_TOKEN, MemoryArea, loadLocale, startDemoApi, type RunningApi } from './helpers';

let api: RunningApi;
beforeAll(async () => {
  api = await startDemoApi();
});
afterAll(() => api.close());

const aiko = { email: 'aiko.tanaka@acme.example.jp', domain: 'acme.example.jp', lang: 'ja' as const };

/** One browser profile: storage.local, managed storage and the extension's IndexedDB. */
function profile(local: Record<string, unknown> = {}, managed: Record<string, unknown> = {}) {
  const area = new MemoryArea();
  for (const [k, v] of Object.entries(local)) area.data.set(k, v);
  const idb = new IDBFactory();
  /** A background as a (re)started service worker builds it: a new connection to the same database. */
  const start = (secrets: SecretStore = idbSecretStore(idb)) => {
    const deps: BackgroundDeps = {
      local: area,
      secrets,
      managed: { get: async () => managed },
      loadLocale,
      uiLanguage: () => 'en',
      openOptions: async () => undefined,
      api: { backoffMs: 5, timeoutMs: 1000 },
    };
    return createBackground(deps);
  };
  /** Everything in storage.local as text, as a content script could read it. */
  const localText = () => JSON.stringify(Object.fromEntries(area.data));
  return { area, idb, start, localText, stored: () => idbSecretStore(idb).get('token') };
}

describe('the IndexedDB secret store', () => {
  it('keeps a value across connections, tells unset from empty, and deletes', async () => {
    const idb = new IDBFactory();
    const a = idbSecretStore(idb);
    expect(await a.get('token')).toBeUndefined();
    await a.set('token', 's3cret');
    expect(await idbSecretStore(idb).get('token')).toBe('s3cret');
    await a.set('token', '');
    expect(await idbSecretStore(idb).get('token')).toBe('');
    await a.delete('token');
    expect(await idbSecretStore(idb).get('token')).toBeUndefined();
    expect(await idbSecretStore(new IDBFactory()).get('token'), 'another profile').toBeUndefined();
  });

  it('says so when there is no IndexedDB', async () => {
    await expect(idbSecretStore(undefined).get('token')).rejects.toThrow(/IndexedDB is not available/);
  });
});

describe('the token the agent types', () => {
  it('is saved in IndexedDB, never in storage.local, and used for lookups after a restart', async () => {
    const p = profile();
    const bg = p.start();
    const view = await bg.handlers['settings:set']({ settings: { apiUrl: api.url, token: ` ${DEMO_TOKEN} `, agentName: 'Ken' } });
    expect(view.settings).toMatchObject({ apiUrl: api.url, token: DEMO_TOKEN, agentName: 'Ken' });
    expect(await p.stored()).toBe(DEMO_TOKEN);
    expect(p.area.data.get('apiUrl')).toBe(api.url);

    // A new service worker: the token comes back from IndexedDB; lookups and declared adapters work.
    const again = p.start();
    expect((await again.handlers['settings:get']({})).settings.token).toBe(DEMO_TOKEN);
    const r = await again.handlers['context:get']({ query: aiko });
    expect(r.ok && r.data.account?.id).toBe('acme');
    expect((await again.handlers['content:init']({ origin: 'http://x' })).adapters.map((a) => a.id)).toContain('inhouse');
    // Cached answers and the declared adapters are in storage.local; the token is in none of it.
    expect(p.localText()).toContain('inhouse');
    expect(p.localText()).not.toContain(DEMO_TOKEN);
    expect(p.localText()).toContain(await secretFingerprint(DEMO_TOKEN)); // what tells tokens apart there
  });

  it('is kept when the options page saves without changing it, and tells of a change only when it changes', async () => {
    const p = profile();
    const bg = p.start();
    let told = 0;
    bg.settings.onTokenChanged(() => told++);
    await bg.handlers['settings:set']({ settings: { apiUrl: api.url, token: DEMO_TOKEN } });
    expect(told).toBe(1);
    // The options page sends back the (masked) token it was given; other settings change.
    const view = await bg.handlers['settings:get']({});
    await bg.handlers['settings:set']({ settings: { ...view.settings, agentName: 'Ken', language: 'ja' } });
    await bg.handlers['settings:set']({ settings: { deskOrigins: ['rt.example.com'] } }); // no token at all
    expect(told, 'the same token again is no change').toBe(1);
    expect(await p.stored()).toBe(DEMO_TOKEN);
    expect((await bg.handlers['settings:get']({})).settings).toMatchObject({ token: DEMO_TOKEN, agentName: 'Ken', language: 'ja' });

    await bg.handlers['settings:set']({ settings: { token: 'another' } });
    expect(told).toBe(2);
    // Cleared on purpose: an empty token, not the build's default.
    await bg.handlers['settings:set']({ settings: { token: '' } });
    expect(told).toBe(3);
    expect(await p.stored()).toBe('');
    expect(await bg.handlers['settings:public']({})).toMatchObject({ configured: false });
  });

  it('a changed token forgets the cached answers (as a settings change in storage.local does)', async () => {
    const p = profile({ apiUrl: api.url });
    const bg = p.start();
    await bg.handlers['settings:set']({ settings: { token: DEMO_TOKEN } });
    await bg.handlers['context:get']({ query: aiko });
    const cached = () => [...p.area.data.keys()].some((k) => k.startsWith('cache:'));
    expect(cached()).toBe(true);
    // What background/index.ts wires: the token's change runs the same as storage.onChanged.
    let cleared: Promise<void> = Promise.resolve();
    bg.settings.onTokenChanged(() => (cleared = bg.settingsChanged()));
    await bg.settings.write({ token: 'revoked' });
    await cleared;
    expect(cached()).toBe(false);
    expect(await bg.handlers['context:get']({ query: aiko })).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
  });

  it('Test connection uses the saved token when the page sends none', async () => {
    const p = profile({ apiUrl: api.url });
    const bg = p.start();
    await bg.handlers['settings:set']({ settings: { token: DEMO_TOKEN } });
    expect(await bg.handlers['connection:test']({})).toMatchObject({ ok: true, info: { organization: { name: 'Hibiki Survey' } } });
    expect(await bg.handlers['connection:test']({ token: 'nope' })).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
  });

  it('a pushed (managed) token still wins, and what the agent types is not stored', async () => {
    const p = profile({}, { apiUrl: api.url, token: DEMO_TOKEN });
    const bg = p.start();
    const view = await bg.handlers['settings:set']({ settings: { token: 'typed', agentName: 'Ken' } });
    expect(view.settings.token).toBe(DEMO_TOKEN);
    expect(view.managed).toContain('token');
    expect(await p.stored()).toBeUndefined();
    expect(p.localText()).not.toContain('typed');
  });
});

describe('a token kept in storage.local by an older version', () => {
  it('moves to IndexedDB at the first read and is removed from storage.local', async () => {
    const p = profile({ apiUrl: api.url, token: 'legacy-token', agentName: 'Ken' });
    const bg = p.start();
    let told = 0;
    bg.settings.onTokenChanged(() => told++);
    expect((await bg.handlers['settings:get']({})).settings).toMatchObject({ apiUrl: api.url, token: 'legacy-token', agentName: 'Ken' });
    expect(p.area.data.has('token')).toBe(false);
    expect(await p.stored()).toBe('legacy-token');
    expect(told, 'the stored token changed (from none)').toBe(1);
    expect(p.localText()).not.toContain('legacy-token');
    // Reads from several places at once move it once and agree.
    const q = profile({ apiUrl: api.url, token: DEMO_TOKEN });
    const views = await Promise.all([1, 2, 3].map(() => q.start().settings.read()));
    expect(views.map((v) => v.settings.token)).toEqual([DEMO_TOKEN, DEMO_TOKEN, DEMO_TOKEN]);
    expect(q.area.data.has('token')).toBe(false);
    const r = await q.start().handlers['context:get']({ query: aiko });
    expect(r.ok && r.data.account?.id).toBe('acme');
  });

  it('stays in storage.local (and in use) when IndexedDB cannot be written; saving a token then says why', async () => {
    const broken: SecretStore = {
      get: () => Promise.reject(new Error('QuotaExceededError')),
      set: () => Promise.reject(new Error('QuotaExceededError')),
      delete: () => Promise.reject(new Error('QuotaExceededError')),
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const p = profile({ apiUrl: api.url, token: DEMO_TOKEN });
    const bg = p.start(broken);
    expect((await bg.handlers['settings:get']({})).settings.token).toBe(DEMO_TOKEN);
    expect(p.area.data.get('token'), 'nothing lost').toBe(DEMO_TOKEN);
    await expect(bg.handlers['settings:set']({ settings: { token: 'new', agentName: 'Ken' } })).rejects.toThrow(/could not keep the token.*QuotaExceededError/);
    expect(p.area.data.has('agentName'), 'nothing half-saved').toBe(false);

    // No legacy token and no IndexedDB: the token reads as not set (the options page still opens).
    const q = profile({ apiUrl: api.url });
    expect(await q.start(broken).handlers['settings:public']({})).toMatchObject({ configured: false });
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual(expect.arrayContaining([expect.stringMatching(/could not move the token/), expect.stringMatching(/could not read the token/)]));
    warn.mockRestore();
  });
});
