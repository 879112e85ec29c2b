/**
 * The content script's few extension calls, without webextension-polyfill (size): Firefox's
 * `browser` and Chrome MV3's `chrome` both return promises from runtime.sendMessage.
 */
import { envelope, isEnvelope, type ContentProtocol, type MessageName, type Request, type Response } from '../shared/messages';

interface RuntimeLike {
  id: string;
  sendMessage(msg: unknown): Promise<unknown>;
  onMessage: {
    addListener(fn: (msg: unknown, sender: { id?: string }, reply: (r: unknown) => void) => boolean | void): void;
    removeListener(fn: (...a: never[]) => unknown): void;
  };
}

export function runtime(): RuntimeLike | undefined {
  const g = globalThis as unknown as { browser?: { runtime?: RuntimeLike }; chrome?: { runtime?: RuntimeLike } };
  return g.browser?.runtime ?? g.chrome?.runtime;
}

export async function send<K extends MessageName>(type: K, payload: Request<K>): Promise<Response<K>> {
  const rt = runtime();
  if (!rt?.id) throw new Error('extension context gone');
  return (await rt.sendMessage(envelope(type, payload))) as Response<K>;
}

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
