/**
 * Who may ask the background what. Only this extension: its own pages (options, popup, the side
 * panel, the inline frame) may ask anything; its content scripts, which live in desk tabs, only
 * what reporting a ticket needs (never the token, the settings or a relay). Everything else is
 * refused.
 */
import type { MessageName } from '../shared/messages';

/** The fields of runtime.MessageSender the check reads. */
export interface SenderLike {
  id?: string;
  url?: string;
  origin?: string;
  tab?: { id?: number; url?: string };
  frameId?: number;
}

export type SenderKind = 'page' | 'content';

/**
 * What a content script may ask. It runs inside the desk's page, reads the page and reports
 * what it found; it never gets a relay, a note or a setting with the token back, and it cannot
 * write back: that is the views' (extension pages') part.
 */
const CONTENT_ALLOWED: ReadonlySet<MessageName> = new Set<MessageName>([
  'content:init',
  'tab:report',
  'tab:input',
  'ui:save',
  'adapter:load',
  'inline:load',
  'inline:hidden',
  'options:open',
]);

/**
 * 'page' for this extension's own pages, 'content' for its content scripts in tabs, else null.
 * `extensionOrigin` is runtime.getURL('') (e.g. `chrome-extension://<id>/`).
 */
export function senderKind(sender: SenderLike, runtimeId: string, extensionOrigin: string): SenderKind | null {
  if (!sender || sender.id !== runtimeId) return null;
  const origin = extensionOrigin.endsWith('/') ? extensionOrigin : extensionOrigin + '/';
  if (typeof sender.url === 'string' && sender.url.startsWith(origin)) return 'page';
  if (sender.tab && typeof sender.tab.id === 'number' && sender.tab.id >= 0) return 'content';
  return null;
}

export function mayAsk(kind: SenderKind | null, type: string): boolean {
  if (kind === 'page') return true;
  if (kind === 'content') return CONTENT_ALLOWED.has(type as MessageName);
  return false;
}
