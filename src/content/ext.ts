/**
 * The content script's few extension calls (shared/runtime.ts: no webextension-polyfill, for
 * size), and its listener for what the background tells its tab.
 */
import { isEnvelope, type ContentProtocol } from '../shared/messages';
import { runtime, send } from '../shared/runtime';

export { runtime, send };

export type ContentHandlers = { [K in keyof ContentProtocol]: (p: ContentProtocol[K][0]) => ContentProtocol[K][1] | Promise<ContentProtocol[K][1]> };

/** Answer messages from this extension's background or popup; returns an unsubscribe. */
export function listen(h: ContentHandlers): () => void {
  const rt = runtime();
  if (!rt) return () => undefined;
  const fn = (msg: unknown, sender: { id?: string }, reply: (r: unknown) => void) => {
    if (!isEnvelope(msg) || sender.id !== rt.id) return;
    const handler = h[msg.type as keyof ContentProtocol] as ((p: unknown) => unknown) | undefined;
    if (!handler) return;
    Promise.resolve(handler(msg.payload)).then(reply, () => reply(undefined));
    return true;
  };
  rt.onMessage.addListener(fn);
  return () => rt.onMessage.removeListener(fn as never);
}
