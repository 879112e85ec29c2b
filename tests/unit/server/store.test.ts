import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, openStore } from '../../../src/server/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('store', () => {
  it('creates the file and its folder, in WAL mode, at the latest schema version', () => {
    const path = join(dir, 'nested', 'baton.db');
    const store = openStore(path);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });

  it('keeps the audit trail across restarts', () => {
    const path = join(dir, 'baton.db');
    const first = openStore(path);
    first.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email', ticket: '42' });
    first.close();
    const second = openStore(path);
    expect(second.recentLookups()).toEqual([{ at: expect.any(String), token: 'desk', accountId: 'acme', matchBy: 'email', ticket: '42' }]);
    second.close();
  });

  it('prunes lookups older than the retention', () => {
    const store = openStore(join(dir, 'baton.db'));
    const now = new Date('2026-06-01T00:00:00Z');
    const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
    store.recordLookup({ token: 't', accountId: 'a', matchBy: 'domain', at: daysAgo(120) });
    store.recordLookup({ token: 't', accountId: 'a', matchBy: 'domain', at: daysAgo(91) });
    store.recordLookup({ token: 't', accountId: null, matchBy: 'none', at: daysAgo(89) });
    store.recordLookup({ token: 't', accountId: 'a', matchBy: 'org', at: daysAgo(1) });
    expect(store.pruneAudit(90, now)).toBe(2);
    expect(store.countLookups()).toBe(2);
    expect(store.recentLookups().map((r) => r.matchBy)).toEqual(['org', 'none']);
    store.close();
  });

  it('applies only the migrations a database has not seen, and refuses a newer one', () => {
    const db = new Database(join(dir, 'm.db'));
    const applied: number[] = [];
    const steps = [() => applied.push(1), () => applied.push(2)];
    expect(migrate(db, steps.slice(0, 1))).toBe(1);
    expect(migrate(db, steps)).toBe(2);
    expect(migrate(db, steps)).toBe(2);
    expect(applied).toEqual([1, 2]);
    expect(() => migrate(db, steps.slice(0, 1))).toThrow(/newer Baton/);
    db.close();
  });

  it('rolls back a migration that fails', () => {
    const db = new Database(join(dir, 'r.db'));
    const failing = [
      (d: Database.Database) => {
        d.exec('CREATE TABLE t (x)');
        throw new Error('boom');
      },
    ];
    expect(() => migrate(db, failing)).toThrow('boom');
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 't'").get()).toEqual({ n: 0 });
    db.close();
  });
});
