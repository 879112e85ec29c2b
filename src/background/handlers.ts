/**
 * The background's message handlers, built from injected parts so tests run them against a
 * real HTTP server and in-memory storage. index.ts wires them to the browser.
 */
import { getAdapters, getContext, getWhoAmI, type ApiOptions, type ApiTarget } from './api';
import { ContextCache, cacheKey, type KeyValueArea } from './cache';
import { memorySecretStore, secretFingerprint, type SecretStore } from './secret-store';
import { publicSettings, settingsStore, type SettingsStore } from './settings';
import { createTabs, type RateLimit, type Tabs } from './tabs';
import { leadHandlers } from './leads';
import { writeBackHandlers } from './writeback';
import type { ContextQuery, DeclaredAdapter, Locale } from '../shared/context';
import { BUILTIN_DESKS, builtinDesks } from '../shared/desks';
import type {
  BackgroundProtocol,
  LanguageSetting,
  LookupOverride,
  LookupResult,
  MessageName,
  Request,
  Response,
  SidebarUi,
  UiStrings,
} from '../shared/messages';
import { CHANNEL_NONCE, FRAME_ORIGIN, ticketReport } from '../shared/messages';

export { ticketReport };
import type { TabView } from '../shared/view';

export interface BackgroundDeps {
  local: KeyValueArea;
  managed?: { get(k: null): Promise<Record<string, unknown>> };
  /** Where the agent's token is kept (the extension's IndexedDB in the browser); memory when absent. */
  secrets?: SecretStore;
  /** Reads `_locales/<lang>/messages.json` of the extension. */
  loadLocale(lang: Locale): Promise<Record<string, { message: string }>>;
  /** The browser's UI language (i18n.getUILanguage()). */
  uiLanguage(): string;
  openOptions(): Promise<void>;
  /** Runs the inline host's code (content/inline.js) in a tab's frame (scripting.executeScript). */
  injectInline?(tabId: number, frameId: number): Promise<void>;
  /** Runs a built-in adapter's reader (content/adapters/<id>.js) in a tab's frame. */
  injectAdapter?(tabId: number, frameId: number, id: string): Promise<void>;
  /** storage.session: the per-tab ticket state (memory when absent). */
  session?: KeyValueArea;
  /** A tab's view changed: push it to the views (side panel, inline frame) that watch it. */
  viewChanged?(view: TabView): void;
  /** Tell a tab's content script its inline sidebar's new size. */
  resizeInline?(tabId: number, ui: SidebarUi): Promise<void>;
  /** The page of a tab hides the inline sidebar (badge, popup). */
  inlineHidden?(tabId: number, reason: string): Promise<void>;
  /** Pass an inline frame's channel request (its nonce and origin) to its tab's content script. */
  openChannel?(tabId: number, nonce: string, origin: string): Promise<void>;
  /** Whether this browser has a side panel (Chrome sidePanel, Firefox sidebar_action). */
  hasPanel?: boolean;
  /**
   * storage.onChanged (local, managed) calls `settings.forget()`: the settings are read once and
   * kept until then, not read from storage by every lookup.
   */
  settingsWatched?: boolean;
  rate?: RateLimit;
  now?: () => number;
  api?: ApiOptions;
}

/** Which tab and frame a content script's message came from (runtime.MessageSender). */
export interface MessageFrom {
  tabId?: number;
  frameId?: number;
}

export type Handlers = { [K in MessageName]: (req: Request<K>, from?: MessageFrom) => Promise<Response<K>> };

export const DEFAULT_UI: SidebarUi = { collapsed: false, width: 340 };
export const MIN_WIDTH = 280;
export const MAX_WIDTH = 640;
const ADAPTERS_TTL = 5 * 60_000;
const ADAPTERS_KEY = 'adapters:declared';

export function resolveLanguage(setting: LanguageSetting | undefined, uiLanguage: string): Locale {
  if (setting === 'ja' || setting === 'en') return setting;
  return uiLanguage.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}

export function clampWidth(w: unknown): number {
  const n = typeof w === 'number' && Number.isFinite(w) ? Math.round(w) : DEFAULT_UI.width;
  return Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, n));
}

export interface Background {
  handlers: Handlers;
  settings: SettingsStore;
  cache: ContextCache;
  /** Per-tab ticket state (what each tab's views show). */
  tabs: Tabs;
  /** Call when settings changed (storage.onChanged): forget cached answers and adapters. */
  settingsChanged(): Promise<void>;
}

export function createBackground(deps: BackgroundDeps): Background {
  const now = deps.now ?? Date.now;
  const secrets = deps.secrets ?? memorySecretStore();
  const settings = settingsStore(deps.local, deps.managed, secrets, undefined, { kept: deps.settingsWatched === true });
  const cache = new ContextCache(deps.local, now);
  const inflight = new Map<string, Promise<LookupResult>>();
  const locales = new Map<Locale, Promise<Record<string, string>>>();
  let adapters: { at: number; target: string; list: DeclaredAdapter[] } | null = null;

  /** The API address, token and the agent's name, from one settings read. */
  const target = async (): Promise<ApiTarget & { agentName: string }> => {
    const { settings: s } = await settings.read();
    return { apiUrl: s.apiUrl, token: s.token, agentName: s.agentName };
  };

  async function strings(language?: LanguageSetting): Promise<UiStrings> {
    const saved = (await settings.read()).settings;
    const lang = resolveLanguage(language ?? saved.language, deps.uiLanguage());
    let p = locales.get(lang);
    if (!p) {
      p = deps.loadLocale(lang).then((raw) => Object.fromEntries(Object.entries(raw).map(([k, m]) => [k, m.message])));
      p.catch(() => locales.delete(lang));
      locales.set(lang, p);
    }
    return { lang, messages: await p, theme: saved.theme };
  }

  async function lookup(query: ContextQuery, force: boolean): Promise<LookupResult> {
    const t = await target();
    if (!t.apiUrl || !t.token) return { ok: false, error: { kind: 'unconfigured', message: 'API address or token not set' } };
    const key = cacheKey(query);
    const hit = await cache.get(key);
    if (hit && !force) {
      const { data, fetchedAt } = hit.entry;
      // Either way the tab asks again with force: the cache spares the loading state, not the check.
      return { ok: true, data, fetchedAt, stale: hit.freshness !== 'fresh', cached: true };
    }
    let p = inflight.get(key);
    if (!p) {
      p = (async (): Promise<LookupResult> => {
        const r = await getContext(t, { ...query, author: t.agentName }, deps.api);
        if (r.ok) {
          // Answered from memory at once; storage.local keeps it for a restarted worker.
          const { entry: e, written } = cache.store(key, r.data);
          written.catch((err: unknown) => console.warn('Baton: could not keep an answer in storage', err));
          return { ok: true, data: e.data, fetchedAt: e.fetchedAt, stale: false };
        }
        if (hit && (r.error.kind === 'offline' || r.error.kind === 'server')) {
          return { ok: true, data: hit.entry.data, fetchedAt: hit.entry.fetchedAt, stale: true, error: r.error };
        }
        return { ok: false, error: r.error };
      })().finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    return p;
  }

  /**
   * The adapters declared in the server config. Kept in storage.local so a page load never
   * waits on the API for them when a list is known; refreshed after ADAPTERS_TTL.
   */
  async function declaredAdapters(): Promise<DeclaredAdapter[]> {
    const t = await target();
    if (!t.apiUrl || !t.token) return [];
    const id = `${t.apiUrl} ${await secretFingerprint(t.token)}`; // stored: never the token itself
    if (!adapters || adapters.target !== id) {
      const stored = (await deps.local.get(ADAPTERS_KEY))[ADAPTERS_KEY] as typeof adapters | undefined;
      adapters = stored && stored.target === id && Array.isArray(stored.list) ? stored : null;
    }
    const refresh = async () => {
      const r = await getAdapters(t, { ...deps.api, retry: false, timeoutMs: Math.min(deps.api?.timeoutMs ?? 1500, 1500) });
      if (!r.ok) return adapters?.target === id ? adapters.list : [];
      adapters = { at: now(), target: id, list: r.data.adapters };
      await deps.local.set({ [ADAPTERS_KEY]: adapters });
      return adapters.list;
    };
    if (adapters?.target === id) {
      if (now() - adapters.at >= ADAPTERS_TTL) void refresh().catch(() => undefined);
      return adapters.list;
    }
    return refresh();
  }

  const uiKey = (origin: string) => `ui:${origin}`;
  const overrideKey = (key: string) => `override:${key}`;

  /** Each site's sidebar state, as read or saved (the background is its only writer). */
  const uis = new Map<string, SidebarUi>();
  async function readUi(origin: string): Promise<SidebarUi> {
    const known = uis.get(origin);
    if (known) return known;
    const raw = (await deps.local.get(uiKey(origin)))[uiKey(origin)] as Partial<SidebarUi> | undefined;
    const ui = { collapsed: raw?.collapsed === true, width: clampWidth(raw?.width) };
    uis.set(origin, ui);
    return ui;
  }
  async function saveUi(origin: string, ui: Partial<SidebarUi>): Promise<SidebarUi> {
    const cur = await readUi(origin);
    const next: SidebarUi = {
      collapsed: typeof ui.collapsed === 'boolean' ? ui.collapsed : cur.collapsed,
      width: ui.width === undefined ? cur.width : clampWidth(ui.width),
    };
    uis.set(origin, next);
    await deps.local.set({ [uiKey(origin)]: next });
    return next;
  }
  /** Overrides as read or written (the background is their only writer; every lookup asks). */
  const overrides = new Map<string, LookupOverride | null>();
  async function getOverride(key: string): Promise<LookupOverride | null> {
    if (overrides.has(key)) return overrides.get(key)!;
    const o = await readOverride(key);
    overrides.set(key, o);
    return o;
  }
  async function readOverride(key: string): Promise<LookupOverride | null> {
    const raw = (await deps.local.get(overrideKey(key)))[overrideKey(key)] as { email?: unknown; org?: unknown } | undefined;
    if (!raw) return null;
    const o = { ...(typeof raw.email === 'string' ? { email: raw.email } : {}), ...(typeof raw.org === 'string' ? { org: raw.org } : {}) };
    return o.email || o.org ? o : null;
  }
  async function setOverride(key: string, override: LookupOverride | null): Promise<void> {
    overrides.delete(key);
    try {
      await writeOverride(key, override);
    } finally {
      overrides.delete(key);
    }
  }
  async function writeOverride(key: string, override: LookupOverride | null): Promise<void> {
    if (override && (override.email?.trim() || override.org?.trim())) {
      const o = { ...(override.email?.trim() ? { email: override.email.trim() } : {}), ...(override.org?.trim() ? { org: override.org.trim() } : {}) };
      await deps.local.set({ [overrideKey(key)]: o });
    } else {
      await deps.local.remove(overrideKey(key));
    }
  }
  const lang = async () => resolveLanguage((await settings.read()).settings.language, deps.uiLanguage());
  /** The desks a tab without a ticket lists: built-in ones switched on, then the config's. */
  let desksMemo: { list: DeclaredAdapter[] | undefined; desks: Promise<string[]> } | null = null;
  const knownDesks = (): Promise<string[]> => {
    if (desksMemo && desksMemo.list === adapters?.list) return desksMemo.desks;
    const list = adapters?.list;
    const desks = settings.read().then(({ settings: s }) => [
      ...builtinDesks().filter((d) => d.id !== 'demo' && !s.disabledDesks.includes(d.id)).map((d) => d.label),
      ...(list ?? []).map((d) => d.label),
    ]);
    desks.catch(() => (desksMemo = null));
    desksMemo = { list, desks };
    return desks;
  };
  const tabs = createTabs({
    session: deps.session ?? memoryArea(),
    lookup,
    answered: (query) => cache.has(cacheKey(query)),
    getOverride,
    setOverride,
    lang,
    readUi,
    desks: knownDesks,
    changed: (view) => deps.viewChanged?.(view),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.rate ? { rate: deps.rate } : {}),
  });
  const tabOf = (from: MessageFrom | undefined, what: string): number => {
    if (typeof from?.tabId !== 'number' || from.tabId < 0) throw new Error(`${what} needs a tab`);
    return from.tabId;
  };
  const originOfTab = async (tabId: number): Promise<string | null> => {
    const v = await tabs.view(tabId);
    return v.model?.page ? new URL(v.model.page).origin : null;
  };

  const handlers: Handlers = {
    'context:get': ({ query, force }) => lookup(query, !!force),
    'settings:public': async () => publicSettings((await settings.read()).settings),
    'settings:get': () => settings.read(),
    'settings:set': async ({ settings: patch }) => {
      const view = await settings.write(patch);
      await background.settingsChanged();
      return view;
    },
    'connection:test': async ({ apiUrl, token }) => {
      const saved = await target();
      const r = await getWhoAmI({ apiUrl: apiUrl ?? saved.apiUrl, token: token ?? saved.token }, deps.api);
      return r.ok ? { ok: true, info: r.data } : { ok: false, error: r.error };
    },
    'adapters:get': async () => ({ adapters: await declaredAdapters() }),
    'content:init': async ({ origin }) => {
      const view = await settings.read();
      const [str, ui, list] = await Promise.all([strings(view.settings.language), readUi(origin), declaredAdapters().catch(() => [])]);
      return { settings: publicSettings(view.settings, deps.hasPanel !== false), ui, adapters: list, label: str.messages.sidebarLabel ?? 'Baton' };
    },
    'ui:save': async ({ origin, ui }, from) => {
      await saveUi(origin, ui);
      if (typeof from?.tabId === 'number') deps.viewChanged?.(await tabs.view(from.tabId));
      return { ok: true };
    },
    'override:get': async ({ key }) => ({ override: await getOverride(key) }),
    'override:set': async ({ key, override }) => {
      await setOverride(key, override);
      return { ok: true };
    },
    'tab:report': async ({ ticket }, from) => {
      const tabId = tabOf(from, 'tab:report');
      if (from?.frameId) throw new Error('tab:report only from the top frame');
      await tabs.report(tabId, ticketReport(ticket));
      return { ok: true };
    },
    'tab:input': async (_req, from) => {
      await tabs.input(tabOf(from, 'tab:input'));
      return { ok: true };
    },
    'adapter:load': async ({ id }, from) => {
      const tabId = tabOf(from, 'adapter:load');
      if (typeof id !== 'string' || !Object.hasOwn(BUILTIN_DESKS, id)) throw new Error(`adapter:load: no built-in adapter ${String(id)}`);
      if (!deps.injectAdapter) throw new Error('adapter:load: no way to run an adapter here');
      await deps.injectAdapter(tabId, from?.frameId ?? 0, id);
      return { ok: true };
    },
    'inline:load': async (_req, from) => {
      const tabId = tabOf(from, 'inline:load');
      if (!deps.injectInline) throw new Error('inline:load: no way to run the inline sidebar here');
      await deps.injectInline(tabId, from?.frameId ?? 0);
      return { ok: true };
    },
    'inline:hidden': async ({ reason }, from) => {
      await deps.inlineHidden?.(tabOf(from, 'inline:hidden'), String(reason).slice(0, 200));
      return { ok: true };
    },
    'view:channel': async ({ nonce, origin }, from) => {
      const tabId = tabOf(from, 'view:channel');
      if (typeof nonce !== 'string' || !CHANNEL_NONCE.test(nonce)) throw new Error('view:channel: a nonce is a UUID');
      if (typeof origin !== 'string' || !FRAME_ORIGIN.test(origin)) throw new Error('view:channel: the origin of an extension page');
      await deps.openChannel?.(tabId, nonce, origin);
      return { ok: true };
    },
    'view:get': ({ tabId }) => tabs.view(tabId),
    'view:retry': async ({ tabId }) => {
      await tabs.input(tabId);
      await tabs.retry(tabId);
      return { ok: true };
    },
    'view:search': async ({ tabId, override }) => {
      await tabs.input(tabId);
      await tabs.search(tabId, override);
      return { ok: true };
    },
    'view:ui': async ({ tabId, ui, done }) => {
      const origin = await originOfTab(tabId);
      if (!origin) return { ok: true };
      const cur = await readUi(origin);
      const next: SidebarUi = {
        collapsed: typeof ui.collapsed === 'boolean' ? ui.collapsed : cur.collapsed,
        width: ui.width === undefined ? cur.width : clampWidth(ui.width),
      };
      if (done !== false) await saveUi(origin, next);
      await deps.resizeInline?.(tabId, next).catch(() => undefined);
      if (done !== false) deps.viewChanged?.(await tabs.view(tabId));
      return { ok: true };
    },
    'messages:get': ({ language }) => strings(language),
    'options:open': async () => {
      await deps.openOptions();
      return { ok: true };
    },
    ...leadHandlers({
      target,
      view: (tabId) => tabs.view(tabId),
      // The page's customer again, asked afresh: the link makes them match by email now.
      relookup: (tabId) => tabs.search(tabId, null, true),
      ...(deps.api ? { api: deps.api } : {}),
    }),
    // After a write the cached answers and the relays the tabs show are rewritten alike.
    ...writeBackHandlers({
      target,
      keys: secrets,
      rewrite: async (fn) => {
        await cache.update(fn);
        await tabs.rewrite(fn);
      },
      ...(deps.api ? { api: deps.api } : {}),
    }),
  };

  const background: Background = {
    handlers,
    settings,
    cache,
    tabs,
    async settingsChanged() {
      adapters = null;
      desksMemo = null;
      await deps.local.remove(ADAPTERS_KEY);
      inflight.clear();
      await cache.clear();
      await declaredAdapters().catch(() => []); // the desks a tab without a ticket lists
      await tabs.refreshAll();
    },
  };
  return background;
}

/** storage.session's part the tab state uses, in memory (tests; a browser without it). */
export function memoryArea(): KeyValueArea {
  const data = new Map<string, unknown>();
  return {
    get: async (keys) => {
      const list = keys === null ? [...data.keys()] : Array.isArray(keys) ? keys : [keys];
      return Object.fromEntries(list.filter((k) => data.has(k)).map((k) => [k, structuredClone(data.get(k))]));
    },
    set: async (items) => void Object.entries(items).forEach(([k, v]) => data.set(k, structuredClone(v))),
    remove: async (keys) => void (Array.isArray(keys) ? keys : [keys]).forEach((k) => data.delete(k)),
  };
}

/** Run one message through its handler; unknown names get a thrown Error. */
export function dispatch<K extends keyof BackgroundProtocol>(h: Handlers, type: K, payload: Request<K>, from?: MessageFrom): Promise<Response<K>> {
  const fn = h[type] as ((r: Request<K>, from?: MessageFrom) => Promise<Response<K>>) | undefined;
  if (!fn) return Promise.reject(new Error(`unknown message ${String(type)}`));
  return fn(payload ?? ({} as Request<K>), from);
}
