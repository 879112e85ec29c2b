/**
 * SQLite checkpoints off the event loop (store-sqlite.ts): once audit batches come, the audit
 * worker thread copies the WAL into the file every CHECKPOINT_EVERY_MS. Seen from outside: the
 * file grows while the WAL is far below SQLite's 1000 pages, and the answers a lookup keeps (the
 * read stamp) hold across those checkpoints.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSqliteStore } from '../../../src/server/store-sqlite';
import { waitFor } from '../../api/helpers';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it('a worker checkpoints the audit batches into the file; the read stamp holds', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-ckpt-'));
  dirs.push(dir);
  const file = join(dir, 'store.db');
  const store = openSqliteStore(file);
  const before = statSync(file).size;
  const first = await store.readForLookup('a1', ['p1'], 3);
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 200; i++) store.recordLookup({ token: 'test', accountId: `acct-${round}-${i}`, matchBy: 'email', ticket: `T-${i}` });
    await store.flushAudit();
  }
  const walPages = statSync(`${file}-wal`).size / 4096;
  expect(walPages, 'the WAL stays below SQLite’s own checkpoint size').toBeLessThan(1000);
  await waitFor(() => statSync(file).size > before, 'the worker copied the WAL into the file', 4000);
  await new Promise((r) => setImmediate(r));
  const after = await store.readForLookup('a1', ['p1'], 3);
  expect(after.stamp).toBe(first.stamp);
  expect(await store.countLookups()).toBe(4000);
  await store.close();
});
