/**
 * Code a desk page loads only where it is needed. The content script a desk page loads at start
 * (detect, read, report) stays small: on loopback and granted origins it carries each built-in
 * adapter's recogniser only (URL and markup tests) and has the chosen adapter's reader run when
 * a ticket is found (`content/adapters/<id>.js`); in inline mode it has the inline host run
 * (`content/inline.js`). The background runs those files in the same frame with
 * scripting.executeScript; scripts an extension runs in a page share one isolated world, so each
 * file hands its module over on a global only our scripts can see.
 */
import type { HelpdeskAdapter } from './helpdesks/types';
import type { mountInline } from './inline';
import { send } from './ext';

/** What content/inline.js provides. */
export interface InlineModule {
  mountInline: typeof mountInline;
}

export const INLINE_KEY = Symbol.for('baton.inline.module');
export const adapterKey = (id: string) => Symbol.for(`baton.adapter.${id}`);

type Holder = Record<symbol, unknown>;

/** Put a module where the content script finds it (the injected files' entries do this). */
export function provide(key: symbol, mod: unknown, g: object = globalThis): void {
  (g as Holder)[key] = mod;
}

/** The module under `key`: already here, or run by the background in this frame (`ask`). */
export async function loadInjected<T>(key: symbol, ask: () => Promise<unknown>, what: string, g: object = globalThis): Promise<T> {
  const have = (g as Holder)[key] as T | undefined;
  if (have) return have;
  await ask();
  const mod = (g as Holder)[key] as T | undefined;
  if (!mod) throw new Error(`Baton: ${what} did not load`);
  return mod;
}

export const loadInline = (g: object = globalThis) => loadInjected<InlineModule>(INLINE_KEY, () => send('inline:load', {}), 'the inline sidebar', g);

/** A built-in adapter's reader (content/adapters/<id>.js). */
export const loadAdapter = (id: string, g: object = globalThis) =>
  loadInjected<HelpdeskAdapter>(adapterKey(id), () => send('adapter:load', { id }), `the ${id} adapter`, g);
