/** Shared set-up for the API tests: fixture configs, a real SQLite store in a temp dir, auth. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigFile, parseConfig, formatConfigError, type LoadedConfig } from '../../src/server/config';
import { openStore, type Store } from '../../src/server/store';

export const FIXTURES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Tokens of tests/fixtures/config/valid.yaml. */
export const TOKEN = 'test-token';
export const SECOND_TOKEN = 'second-token';

export function bearer(token = TOKEN): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export async function loadFixture(name: string): Promise<LoadedConfig> {
  const result = await loadConfigFile(join(FIXTURES, name), name);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.loaded;
}

export function loadText(text: string, file = 'test.yaml'): LoadedConfig {
  const result = parseConfig(text, file);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.loaded;
}

export interface TempStore {
  store: Store;
  dir: string;
  cleanup(): void;
}

/** A store on a real SQLite file in a fresh temp dir. */
export function tempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'baton-api-'));
  const store = openStore(join(dir, 'baton.db'));
  return {
    store,
    dir,
    cleanup() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
