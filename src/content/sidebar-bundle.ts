/**
 * The sidebar, loaded only on ticket pages. The content script a desk page loads at start
 * (detect, read, follow navigation) does not carry the sidebar (Preact, styles): when it finds a
 * ticket it asks the background to run `content/sidebar.js` (built from sidebar-entry.ts) in the
 * same frame with scripting.executeScript. Scripts an extension runs in a page share one
 * isolated world, so that file hands its module over on a global only our scripts can see.
 */
import type { mountSidebar } from '../sidebar/mount';
import { send } from './ext';

/** What content/sidebar.js provides. */
export interface SidebarModule {
  mountSidebar: typeof mountSidebar;
}

export const SIDEBAR_KEY = Symbol.for('baton.sidebar.module');
/** The sidebar's host element id (the same as src/sidebar/mount.tsx's HOST_ID; a unit test checks). */
export const SIDEBAR_HOST_ID = 'baton-sidebar';

type Holder = Record<symbol, SidebarModule | undefined>;

/** Put the sidebar module where the content script finds it (sidebar-entry.ts does this). */
export function provideSidebar(mod: SidebarModule, g: object = globalThis): void {
  (g as Holder)[SIDEBAR_KEY] = mod;
}

/** The sidebar module: already here, or injected by the background into this frame. */
export async function loadSidebar(g: object = globalThis): Promise<SidebarModule> {
  const have = (g as Holder)[SIDEBAR_KEY];
  if (have) return have;
  await send('sidebar:load', {});
  const mod = (g as Holder)[SIDEBAR_KEY];
  if (!mod) throw new Error('Baton: the sidebar did not load');
  return mod;
}
