/**
 * Who may ask the background what. Only this extension: its own pages (options, popup, the side
 * panel, the inline frame) may ask anything; its content scripts, which live in desk tabs, only
 * what reporting a ticket needs (never the token, the settings or a relay). Everything else is
 * refused.
 */
import type { MessageName } from '../shared/messages';
import { senderKind, type SenderKind, type SenderLike } from '../shared/senders';

export { senderKind, type SenderKind, type SenderLike };

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

export function mayAsk(kind: SenderKind | null, type: string): boolean {
  if (kind === 'page') return true;
  if (kind === 'content') return CONTENT_ALLOWED.has(type as MessageName);
  return false;
}
