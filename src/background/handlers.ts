/**
 * The background's message handlers, built from injected parts so tests run them against a
 * real HTTP server and in-memory storage. index.ts wires them to the browser.
 */
import { getAdapters, getContext, getWhoAmI, type ApiOptions, type ApiTarget } from './api';
import { ContextCache, cacheKey, type KeyValueArea } from './cache';
import { memorySecretStore, secretFingerprint, type SecretStore } from './secret-store';
import { publicSettings, settingsStore, type SettingsStore } from './settings';
import { writeBackHandlers } from './writeback';
import type { ContextQuery, DeclaredAdapter, Locale } from '../shared/context';
import type {
  BackgroundProtocol,
  LanguageSetting,
  LookupResult,
  MessageName,
  Request,
  Response,
  SidebarUi,
  UiStrings,
} from '../shared/messages';

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
  /** Runs the sidebar's code (content/sidebar.js) in a tab's frame (scripting.executeScript). */
  injectSidebar?(tabId: number, frameId: number): Promise<void>;
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
  /** Call when settings changed (storage.onChanged): forget cached answers and adapters. */
  settingsChanged(): Promise<void>;
}

export function createBackground(deps: BackgroundDeps): Background {
  const now = deps.now ?? Date.now;
  const settings = settingsStore(deps.local, deps.managed, deps.secrets ?? memorySecretStore());
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
    const setting = language ?? (await settings.read()).settings.language;
    const lang = resolveLanguage(setting, deps.uiLanguage());
    let p = locales.get(lang);
    if (!p) {
      p = deps.loadLocale(lang).then((raw) => Object.fromEntries(Object.entries(raw).map(([k, m]) => [k, m.message])));
      p.catch(() => locales.delete(lang));
      locales.set(lang, p);
    }
    return { lang, messages: await p };
  }

  async function lookup(query: ContextQuery, force: boolean): Promise<LookupResult> {
    const t = await target();
    if (!t.apiUrl || !t.token) return { ok: false, error: { kind: 'unconfigured', message: 'API address or token not set' } };
    const key = cacheKey(query);
    const hit = await cache.get(key);
    if (hit && !force) {
      const { data, fetchedAt } = hit.entry;
      if (hit.freshness === 'fresh') return { ok: true, data, fetchedAt, stale: false };
      return { ok: true, data, fetchedAt, stale: true }; // the sidebar asks again with force
    }
    let p = inflight.get(key);
    if (!p) {
      p = (async (): Promise<LookupResult> => {
        const r = await getContext(t, { ...query, author: t.agentName }, deps.api);
        if (r.ok) {
          const e = await cache.put(key, r.data);
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

  async function readUi(origin: string): Promise<SidebarUi> {
    const raw = (await deps.local.get(uiKey(origin)))[uiKey(origin)] as Partial<SidebarUi> | undefined;
    return { collapsed: raw?.collapsed === true, width: clampWidth(raw?.width) };
  }

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
      return { settings: publicSettings(view.settings), strings: str, ui, adapters: list };
    },
    'ui:save': async ({ origin, ui }) => {
      const cur = await readUi(origin);
      const next: SidebarUi = {
        collapsed: typeof ui.collapsed === 'boolean' ? ui.collapsed : cur.collapsed,
        width: ui.width === undefined ? cur.width : clampWidth(ui.width),
      };
      await deps.local.set({ [uiKey(origin)]: next });
      return { ok: true };
    },
    'override:get': async ({ key }) => {
      const raw = (await deps.local.get(overrideKey(key)))[overrideKey(key)] as { email?: unknown; org?: unknown } | undefined;
      if (!raw) return { override: null };
      const o = { ...(typeof raw.email === 'string' ? { email: raw.email } : {}), ...(typeof raw.org === 'string' ? { org: raw.org } : {}) };
      return { override: o.email || o.org ? o : null };
    },
    'override:set': async ({ key, override }) => {
      if (override && (override.email?.trim() || override.org?.trim())) {
        const o = { ...(override.email?.trim() ? { email: override.email.trim() } : {}), ...(override.org?.trim() ? { org: override.org.trim() } : {}) };
        await deps.local.set({ [overrideKey(key)]: o });
      } else {
        await deps.local.remove(overrideKey(key));
      }
      return { ok: true };
    },
    'messages:get': ({ language }) => strings(language),
    'options:open': async () => {
      await deps.openOptions();
      return { ok: true };
    },
    ...writeBackHandlers({ target, cache, ...(deps.api ? { api: deps.api } : {}) }),
    'sidebar:load': async (_req, from) => {
      if (typeof from?.tabId !== 'number' || !deps.injectSidebar) throw new Error('sidebar:load needs a tab');
      await deps.injectSidebar(from.tabId, from.frameId ?? 0);
      return { ok: true };
    },
  };

  const background: Background = {
    handlers,
    settings,
    cache,
    async settingsChanged() {
      adapters = null;
      await deps.local.remove(ADAPTERS_KEY);
      inflight.clear();
      await cache.clear();
    },
  };
  return background;
}

/** Run one message through its handler; unknown names get a thrown Error. */
export function dispatch<K extends keyof BackgroundProtocol>(h: Handlers, type: K, payload: Request<K>, from?: MessageFrom): Promise<Response<K>> {
  const fn = h[type] as ((r: Request<K>, from?: MessageFrom) => Promise<Response<K>>) | undefined;
  if (!fn) return Promise.reject(new Error(`unknown message ${String(type)}`));
  return fn(payload ?? ({} as Request<K>), from);
}
