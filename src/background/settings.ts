/**
 * Settings = managed values (enterprise policy, storage.managed) over the agent's own over
 * defaults. The agent's token is kept in the extension's IndexedDB (secret-store.ts), out of
 * storage.local, which the content scripts in desk pages can read; the other settings stay in
 * storage.local. A build made by `npm start` (BATON_DEMO=1) defaults to the local demo API and
 * its token; production builds default to nothing.
 */
import type { KeyValueArea } from './cache';
import type { SecretStore } from './secret-store';
import { deskOrigin, type DeclaredDesk } from '../shared/desks';
import { DISPLAYS, THEMES, type ThemeSetting, type DisplaySetting, type LanguageSetting, type PublicSettings, type SettingKey, type Settings, type SettingsView } from '../shared/messages';

export const SETTING_KEYS: SettingKey[] = ['apiUrl', 'token', 'agentName', 'language', 'display', 'theme'];
const LOCAL_KEYS = [...SETTING_KEYS, 'disabledDesks', 'deskOrigins'];
const LANGS: LanguageSetting[] = ['auto', 'ja', 'en'];

export function buildDefaults(): Settings {
  return {
    apiUrl: typeof __BATON_DEMO_API__ === 'string' ? __BATON_DEMO_API__ : '',
    token: typeof __BATON_DEMO_TOKEN__ === 'string' ? __BATON_DEMO_TOKEN__ : '',
    agentName: '',
    language: 'auto',
    display: 'panel',
    theme: 'auto',
    disabledDesks: [],
    deskOrigins: [],
  };
}

/** Keep only well-typed values of known keys. */
export function sanitize(raw: Record<string, unknown>): Partial<Settings> {
  const out: Partial<Settings> = {};
  for (const k of ['apiUrl', 'token', 'agentName'] as const) {
    if (typeof raw[k] === 'string') out[k] = (raw[k] as string).trim();
  }
  if (typeof raw.language === 'string' && LANGS.includes(raw.language as LanguageSetting)) {
    out.language = raw.language as LanguageSetting;
  }
  if (typeof raw.display === 'string' && DISPLAYS.includes(raw.display as DisplaySetting)) out.display = raw.display as DisplaySetting;
  if (typeof raw.theme === 'string' && THEMES.includes(raw.theme as ThemeSetting)) out.theme = raw.theme as ThemeSetting;
  if (Array.isArray(raw.disabledDesks)) out.disabledDesks = raw.disabledDesks.filter((d): d is string => typeof d === 'string');
  if (Array.isArray(raw.deskOrigins)) {
    out.deskOrigins = [...new Set(raw.deskOrigins.map((o) => (typeof o === 'string' ? deskOrigin(o) : null)).filter((o): o is string => !!o))];
  }
  return out;
}

/** Merge in order of strength: defaults < local < managed. */
export function mergeSettings(defaults: Settings, local: Record<string, unknown>, managed: Record<string, unknown>): SettingsView {
  const m = sanitize(managed);
  const managedKeys = SETTING_KEYS.filter((k) => m[k] !== undefined && m[k] !== '');
  const settings: Settings = { ...defaults, ...sanitize(local) };
  for (const k of managedKeys) (settings as unknown as Record<string, unknown>)[k] = m[k];
  if (m.disabledDesks) settings.disabledDesks = [...new Set([...settings.disabledDesks, ...m.disabledDesks])];
  return { settings, managed: managedKeys };
}

/** Match patterns for the content script on the desks the agent added and granted. */
export function deskMatches(origins: string[], granted: string[]): string[] {
  const g = new Set(granted);
  return origins.map((o) => `${o}/*`).filter((p) => g.has(p) || g.has('<all_urls>'));
}

/**
 * Where the background registers the content script with every adapter: the desks the agent
 * added and the config-declared desks, each only where the browser granted access.
 */
export function registeredMatches(deskOrigins: string[], declared: DeclaredDesk[], granted: string[]): string[] {
  const g = new Set(granted);
  const declaredGranted = declared.flatMap((d) => d.patterns).filter((p) => g.has(p) || g.has('<all_urls>'));
  return [...new Set([...deskMatches(deskOrigins, granted), ...declaredGranted])];
}

/**
 * What a content script may know of the settings (no token). `display` is where the relay shows
 * on this browser: the agent's (or admin's) choice, and inline where the browser has no panel.
 */
export function publicSettings(s: Settings, hasPanel = true): PublicSettings {
  return {
    configured: !!(s.apiUrl && s.token),
    agentName: s.agentName,
    language: s.language,
    disabledDesks: s.disabledDesks,
    display: hasPanel ? s.display : 'inline',
  };
}

export interface SettingsStore {
  read(): Promise<SettingsView>;
  write(patch: Partial<Settings>): Promise<SettingsView>;
  /**
   * `listener` runs after the agent's token changed. It is not in storage.local, so
   * storage.onChanged does not tell of it; the background reacts to both the same way.
   */
  onTokenChanged(listener: () => void): void;
  /**
   * Storage changed under the store (storage.onChanged for local or managed): the next read
   * reads storage again. Only a store made with `kept` keeps a read until then.
   */
  forget(): void;
}

const TOKEN = 'token';

export function settingsStore(
  local: KeyValueArea,
  managed: { get(k: null): Promise<Record<string, unknown>> } | undefined,
  secrets: SecretStore,
  defaults = buildDefaults(),
  opts: {
    /**
     * Keep what was read until forget(), write() or a new token: for a background whose
     * storage.onChanged calls forget() (every lookup reads the settings; each read is two
     * round trips to the browser). Without it, every read reads storage.
     */
    kept?: boolean;
  } = {},
): SettingsStore {
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) {
      try {
        l();
      } catch (e) {
        console.warn('Baton: a token-change listener failed', e);
      }
    }
  };
  // Token writes and the move out of storage.local one at a time, so neither undoes the other.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn);
    queue = p.catch(() => undefined);
    return p;
  };
  /**
   * The token as last read from the secret store (an IndexedDB transaction, read by every
   * lookup): only storeToken() writes it, and it forgets what was read.
   */
  let tokenRead: Promise<string | undefined> | null = null;
  const readToken = () => {
    const p = (tokenRead ??= secrets.get(TOKEN));
    p.catch(() => {
      if (tokenRead === p) tokenRead = null;
    });
    return p;
  };
  const storeToken = async (value: string) => {
    const before = await secrets.get(TOKEN);
    if (before === value) return;
    tokenRead = null;
    kept = null;
    await secrets.set(TOKEN, value);
    tokenRead = null;
    kept = null;
    changed();
  };
  /**
   * A token in storage.local (kept there by versions before this one): moved to the secret
   * store, then removed from storage.local. The newest value, so it wins over a stored one.
   */
  const moveLegacyToken = () =>
    exclusive(async () => {
      const legacy = (await local.get(TOKEN))[TOKEN];
      if (legacy === undefined) return;
      if (typeof legacy === 'string') await storeToken(legacy.trim());
      await local.remove(TOKEN);
    });
  const readManaged = async () => {
    try {
      return (await managed?.get(null)) ?? {};
    } catch {
      return {}; // no policy (Firefox rejects when there is no managed-storage manifest)
    }
  };
  /** The agent's own settings: storage.local and the token from the secret store. */
  const readOwn = async (): Promise<Record<string, unknown>> => {
    const own = await local.get(LOCAL_KEYS); // `token` there only from an older version
    if (own[TOKEN] !== undefined) {
      try {
        await moveLegacyToken();
      } catch (e) {
        console.warn('Baton: could not move the token out of storage.local; using it from there', e);
        return own;
      }
    }
    delete own[TOKEN];
    try {
      const token = await readToken();
      return token === undefined ? own : { ...own, [TOKEN]: token };
    } catch (e) {
      console.warn('Baton: could not read the token from the extension’s IndexedDB', e);
      return own; // read as not set: the options page still opens, and saving says what is wrong
    }
  };
  // storage.local (with the token) and managed storage at once: each is a round trip.
  const readNow = async () => {
    const [own, managedValues] = await Promise.all([readOwn(), readManaged()]);
    return mergeSettings(defaults, own, managedValues);
  };
  /** The last read (opts.kept): each caller gets its own copy, so none changes another's. */
  let kept: Promise<SettingsView> | null = null;
  const read = async (): Promise<SettingsView> => {
    if (!opts.kept) return readNow();
    const p = (kept ??= readNow());
    p.catch(() => {
      if (kept === p) kept = null;
    });
    return structuredClone(await p);
  };
  return {
    read,
    forget() {
      kept = null;
    },
    async write(patch) {
      kept = null;
      const view = await read();
      const clean = sanitize(patch as Record<string, unknown>);
      for (const k of view.managed) delete clean[k]; // policy wins; never shadow it locally
      const { token, ...rest } = clean;
      if (token !== undefined) {
        await exclusive(() => storeToken(token)).catch((e: unknown) => {
          throw new Error(`Baton could not keep the token in the extension’s IndexedDB: ${String((e as Error)?.message ?? e)}`);
        });
      }
      await local.set(rest);
      kept = null;
      return read();
    },
    onTokenChanged(listener) {
      listeners.add(listener);
    },
  };
}

/**
 * Whether a change in storage.local/managed touches settings (the cache is cleared then). A
 * token the agent saves is not in either: SettingsStore.onTokenChanged tells of it.
 */
export const isSettingsChange = (keys: string[]) => keys.some((k) => LOCAL_KEYS.includes(k));
