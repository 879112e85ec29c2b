/**
 * The SQLite store's audit trail committed by a worker thread (store-sqlite.ts): the event loop
 * only hands a batch over, so a commit that has to wait (here: another connection holds the write
 * lock) never stops it; every row arrives, in the order recorded, and close() commits the last
 * ones. The read stamp that lets lookups keep their answers is lookup_stamp (migration 5), which
 * the audit commits do not move and any writer of notes or thanks does — also on a store file
 * made before it existed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { migrate, MIGRATIONS, openSqliteStore } from '../../../src/server/store-sqlite';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fileIn = () => {
  const dir = mkdtempSync(join(tmpdir(), 'baton-audit-'));
  dirs.push(dir);
  return join(dir, 'store.db');
};
const turn = () => new Promise((resolve) => setImmediate(resolve));

it('a batch waiting for the write lock does not stop the event loop, and is committed once the lock is free', async () => {
  const file = fileIn();
  const store = openSqliteStore(file);
  const blocker = new Database(file);
  blocker.exec('BEGIN IMMEDIATE');
  for (let i = 0; i < 100; i++) store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email', ticket: `T-${i}` });
  let settled: string | undefined;
  const flushing = store.flushAudit().then(
    () => (settled = 'committed'),
    (err: Error) => (settled = `failed: ${err.message}`),
  );
  await turn();
  await turn();
  // On the event loop the commit would have waited out busy_timeout here (5 s, the loop frozen) and failed.
  expect(settled).toBeUndefined();
  blocker.exec('ROLLBACK');
  blocker.close();
  await flushing;
  expect(settled).toBe('committed');
  expect(await store.countLookups()).toBe(100);
  await store.close();
});

it('every row from the worker arrives, in the order recorded, and close() commits the last batch', async () => {
  const file = fileIn();
  const store = openSqliteStore(file);
  const tickets: string[] = [];
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 170; i++) {
      const ticket = `T-${round}-${i}`;
      tickets.push(ticket);
      store.recordLookup({ token: 'desk', accountId: `a${i}`, matchBy: 'email', ticket });
    }
    if (round % 3 === 0) await turn(); // some batches go by the window, some by size, the last by close()
  }
  await store.close();
  const db = new Database(file, { readonly: true });
  const rows = db.prepare('SELECT ticket, account_id AS accountId, token, match_by AS matchBy FROM audit ORDER BY id').all() as Array<{ ticket: string; accountId: string; token: string; matchBy: string }>;
  db.close();
  expect(rows.map((r) => r.ticket)).toEqual(tickets);
  expect(rows[171]).toEqual({ ticket: 'T-1-1', accountId: 'a1', token: 'desk', matchBy: 'email' });
});

it('a store file from before lookup_stamp gets it; a note written by another connection moves it, audit batches do not', async () => {
  const file = fileIn();
  const old = new Database(file);
  old.pragma('journal_mode = WAL');
  migrate(old, MIGRATIONS.slice(0, 4));
  old.prepare("INSERT INTO notes (account_id, text, author, token, at) VALUES ('acme', 'before the upgrade', 'A', 'desk', '2026-01-01T00:00:00.000Z')").run();
  old.close();

  const store = openSqliteStore(file);
  expect(store.schemaVersion).toBe(MIGRATIONS.length);
  const look = new Database(file, { readonly: true });
  expect(look.prepare('SELECT n FROM lookup_stamp WHERE id = 1').get(), 'migration 5 made the stamp').toEqual({ n: 0 }); // the note above is not counted: it came before the triggers
  look.close();
  const first = await store.readForLookup('acme', ['sato'], 5);
  expect(first.notes.map((n) => n.text)).toEqual(['before the upgrade']);
  for (let i = 0; i < 50; i++) store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email' });
  await store.flushAudit();
  await turn();
  expect((await store.readForLookup('acme', ['sato'], 5)).stamp).toBe(first.stamp);

  const other = new Database(file);
  other.prepare("INSERT INTO notes (account_id, text, author, token, at) VALUES ('acme', 'from elsewhere', 'B', 'desk', '2026-01-02T00:00:00.000Z')").run();
  other.prepare("INSERT INTO thanks (to_person, from_name, token, at) VALUES ('sato', 'B', 'desk', '2026-01-02T00:00:00.000Z')").run();
  other.close();
  await turn();
  const after = await store.readForLookup('acme', ['sato'], 5);
  expect(after.stamp).not.toBe(first.stamp);
  expect(after.notes.map((n) => n.text)).toEqual(['from elsewhere', 'before the upgrade']);
  expect(after.thanks).toEqual(new Map([['sato', 1]]));
  await store.close();
});
