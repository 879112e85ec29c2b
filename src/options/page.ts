/** What the options page and the popup share: messages to the background and UI strings. */
import browser from 'webextension-polyfill';
import { envelope, type LookupError, type MessageName, type Request, type Response } from '../shared/messages';
import { makeT, type T } from '../sidebar/i18n';

export function call<K extends MessageName>(type: K, payload: Request<K>): Promise<Response<K>> {
  return browser.runtime.sendMessage(envelope(type, payload)) as Promise<Response<K>>;
}

/** Strings for the saved language setting (or the one given). */
export async function loadStrings(language?: Request<'messages:get'>['language']): Promise<T> {
  const s = await call('messages:get', language ? { language } : {});
  document.documentElement.lang = s.lang;
  return makeT(s);
}

/** An API error in plain words. */
export function describeError(t: T, e: LookupError): string {
  const key = `err_${e.kind.replace('-', '_')}`;
  return `${t(key)}${e.message ? ` (${e.message})` : ''}`;
}
