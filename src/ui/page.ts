/**
 * What the extension's own pages share (options, popup, the side panel, the inline frame):
 * messages to the background, UI strings, and the browser's side panel.
 */
import type { LookupError, Request, UiStrings } from '../shared/messages';
import { send } from '../shared/runtime';
import { makeT, type T } from './i18n';

/** One message to the background (the same channel the content script uses). */
export const call = send;

/** Strings for the saved language setting (or the one given). */
export async function loadStrings(language?: Request<'messages:get'>['language']): Promise<T> {
  const s = await call('messages:get', language ? { language } : {});
  document.documentElement.lang = s.lang;
  applyTheme(document, s);
  return makeT(s);
}

/**
 * The agent's theme on an extension page: `data-theme` light or dark sets the pages'
 * color-scheme (their colours are light-dark() pairs); auto leaves it to the system.
 */
export function applyTheme(doc: Document, s: UiStrings): void {
  if (s.theme === 'light' || s.theme === 'dark') doc.documentElement.dataset.theme = s.theme;
  else delete doc.documentElement.dataset.theme;
}

/** An API error in plain words. */
export function describeError(t: T, e: LookupError): string {
  const key = `err_${e.kind.replace('-', '_')}`;
  return `${t(key)}${e.message ? ` (${e.message})` : ''}`;
}

interface PanelApis {
  chrome?: { sidePanel?: { open(o: { windowId: number }): Promise<void> }; windows?: WindowsApi };
  browser?: { sidebarAction?: { open(): Promise<void> }; windows?: WindowsApi };
}
interface WindowsApi {
  getCurrent(): Promise<{ id?: number }>;
}
const apis = () => globalThis as unknown as PanelApis;

/** Whether this browser has a side panel Baton can show the relay in. */
export function hasPanel(): boolean {
  const g = apis();
  return typeof g.chrome?.sidePanel?.open === 'function' || typeof g.browser?.sidebarAction?.open === 'function';
}

// The window this page is in, known before any click: opening the panel must happen in the
// click itself (a user gesture), with no await before it.
let windowId: number | undefined;
/** The window this page is in. */
export function currentWindow(): Promise<number | undefined> {
  const w = apis().browser?.windows ?? apis().chrome?.windows;
  return w ? w.getCurrent().then((x) => x.id, () => undefined) : Promise.resolve(undefined);
}
void currentWindow().then((id) => (windowId = id));

/** Open the browser's side panel with Baton in it. Call it from a click handler, first thing. */
export function openPanel(): Promise<void> {
  const g = apis();
  if (g.chrome?.sidePanel && windowId !== undefined) return g.chrome.sidePanel.open({ windowId });
  if (g.browser?.sidebarAction) return g.browser.sidebarAction.open();
  return Promise.resolve();
}
