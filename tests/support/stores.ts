/**
 * Both store engines for the tests: `STORE_KINDS` to parametrise a suite, `openTempStore(kind)`
 * for a fresh, empty store — SQLite on a file in a new temp dir, PostgreSQL as a new database in
 * the run's throwaway cluster (tests/support/pg-global-setup.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openStore, type OpenStoreOptions, type Store, type StoreKind } from '../../src/server/store';

export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** The cluster's admin URL (database `postgres`); throws with the reason when the cluster did not start. */
export function pgAdminUrl(): string {
  const pg = inject('pg');
  if ('error' in pg) throw new Error(`no PostgreSQL for this run: ${pg.error}`);
  return pg.url;
}

let admin: postgres.Sql | undefined;
let counter = 0;

/** Drops a database made by createDatabase (closing whatever is still connected to it). */
export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin?.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** A new, empty database in the run's cluster; its URL. */
export async function createDatabase(): Promise<string> {
  const url = pgAdminUrl();
  admin ??= postgres(url, { max: 1, idle_timeout: 5, onnotice: () => undefined });
  const name = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface TempStore {
  store: Store;
  /** Where it is: the SQLite file, or the PostgreSQL URL (with its password: tests only). */
  where: string;
  /** The temp dir (SQLite: the file's folder; PostgreSQL: an empty dir for the test's own files). */
  dir: string;
  cleanup(): Promise<void>;
}

export async function openTempStore(kind: StoreKind, opts: OpenStoreOptions = {}): Promise<TempStore> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-store-'));
  const where = kind === 'postgres' ? await createDatabase() : join(dir, 'baton.db');
  const store = await openStore(where, opts);
  return {
    store,
    where,
    dir,
    async cleanup() {
      await store.close();
      if (kind === 'postgres') await dropDatabase(where);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
