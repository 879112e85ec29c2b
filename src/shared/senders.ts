/**
 * Who sent an extension message: this extension's own pages (options, popup, the side panel, the
 * inline frame) or its content scripts in tabs. Anything else (another extension, a web page)
 * is neither. The background decides from it what a sender may ask (background/senders.ts); a
 * view, which content script's report it may take.
 */

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
