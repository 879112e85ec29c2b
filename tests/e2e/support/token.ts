// Where the extension keeps the token the agent typed: not in storage.local (content scripts in
// desk pages can read that) but in the extension origin's IndexedDB (src/background/secret-store.ts).
import { expect } from 'vitest';

/**
 * Checks storage.local holds the saved `apiUrl` and nothing with the token, and that the
 * token is in the extension's IndexedDB. `evaluate` runs code in one of the extension's own
 * contexts: its service worker (Chromium) or its options page (Firefox).
 */
export async function expectTokenOnlyInIndexedDb(evaluate: (js: string) => Promise<unknown>, saved: { apiUrl: string; token: string }): Promise<void> {
  const local = (await evaluate('(globalThis.browser ?? chrome).storage.local.get(null)')) as Record<string, unknown>;
  expect(local.apiUrl, 'the settings saved with the token are in storage.local').toBe(saved.apiUrl);
  expect(Object.keys(local)).not.toContain('token');
  expect(JSON.stringify(local), 'no value in storage.local holds the token').not.toContain(saved.token);
  const kept = await evaluate(`new Promise((resolve, reject) => {
    const open = indexedDB.open('baton-secrets');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const get = open.result.transaction('secrets').objectStore('secrets').get('token');
      get.onsuccess = () => (open.result.close(), resolve(get.result));
      get.onerror = () => reject(get.error);
    };
  })`);
  expect(kept, 'the token is in the extension origin’s IndexedDB').toBe(saved.token);
}
