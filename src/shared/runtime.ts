/**
 * The extension's message channel as every part of it sees it, without webextension-polyfill
 * (the content script's size; pages that load without it in tests): Firefox's `browser` and
 * Chrome MV3's `chrome` both return promises from runtime.sendMessage.
 */
import { envelope, type MessageName, type Request, type Response } from './messages';

export interface PortLike {
  name: string;
  postMessage(m: unknown): void;
  disconnect(): void;
  onMessage: { addListener(fn: (m: unknown) => void): void };
  onDisconnect: { addListener(fn: () => void): void };
}

export interface RuntimeLike {
  id: string;
  getURL(path: string): string;
  sendMessage(msg: unknown): Promise<unknown>;
  connect(o: { name: string }): PortLike;
  onMessage: {
    addListener(fn: (msg: unknown, sender: { id?: string }, reply: (r: unknown) => void) => boolean | void): void;
    removeListener(fn: (...a: never[]) => unknown): void;
  };
}

export function runtime(): RuntimeLike | undefined {
  const g = globalThis as unknown as { browser?: { runtime?: RuntimeLike }; chrome?: { runtime?: RuntimeLike } };
  return g.browser?.runtime ?? g.chrome?.runtime;
}

/** One message to the background, answered by its handler. */
export async function send<K extends MessageName>(type: K, payload: Request<K>): Promise<Response<K>> {
  const rt = runtime();
  if (!rt?.id) throw new Error('extension context gone');
  return (await rt.sendMessage(envelope(type, payload))) as Response<K>;
}
