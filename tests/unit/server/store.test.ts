import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditBatcher, AUDIT_MAX_PENDING, displayStore, openStore, sameWriter, type LookupEvent, type Store, type StoreKind, type Writer } from '../../../src/server/store';
import { migratePostgres, PG_MIGRATIONS } from '../../../src/server/store-postgres';
import { migrate, MIGRATIONS } from '../../../src/server/store-sqlite';
import { silentLogger } from '../../../src/server/log';
import { createDatabase, dropDatabase, openTempStore, STORE_KINDS, type TempStore } from '../../support/stores';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('store (SQLite)', () => {
  it('creates the file and its folder, in WAL mode, at the latest schema version', async () => {
    const path = join(dir, 'nested', 'baton.db');
    const store = await openStore(path);
    expect(store.kind).toBe('sqlite');
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
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

  it('syncs every commit (synchronous = FULL), in WAL mode', async () => {
    const store = await openStore(join(dir, 'baton.db'));
    expect(store.synchronous).toBe('full');
    await store.close();
  });

  it('commits audit batches through their own connection (synchronous = NORMAL); notes and thanks stay FULL', async () => {
    const path = join(dir, 'baton.db');
    const store = await openStore(path);
    expect(store.synchronous).toBe('full');
    expect(store.auditSynchronous).toBe('normal');
    // Interleaved writes on both connections: each sees the other's at once, and all of it is in the file after close.
    store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email', ticket: '1' });
    const note = await store.addNote({ accountId: 'acme', text: 'n', ticket: '1', writer: { name: 'A', person: null, token: 'desk' }, at: new Date() });
    store.recordLookup({ token: 'desk', accountId: null, matchBy: 'none', ticket: '2' });
    expect(await store.countLookups()).toBe(2);
    expect(await store.listNotes('acme', 10)).toEqual([note]);
    await store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT ticket FROM audit ORDER BY id').all()).toEqual([{ ticket: '1' }, { ticket: '2' }]);
    expect(db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 1 });
    db.close();
  });

  it('uses one connection for a throwaway (:memory:) store, where a second would be another database', async () => {
    const store = await openStore(':memory:');
    expect(store.auditSynchronous).toBe(store.synchronous);
    store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email' });
    expect(await store.countLookups()).toBe(1);
    await store.close();
  });

  it('upgrades a version-1 store (audit only) and keeps its rows', async () => {
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO audit (at, token, account_id, match_by) VALUES ('2026-01-01T00:00:00.000Z', 'desk', 'acme', 'email')").run();
    db.close();
    const store = await openStore(path);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(await store.countLookups()).toBe(1);
    expect(await store.listNotes('acme', 10)).toEqual([]);
    await store.close();
  });
});

describe('store (PostgreSQL)', () => {
  let url: string;
  let sql: postgres.Sql<{ int8: number }> | undefined;
  beforeEach(async () => {
    url = await createDatabase();
  });
  afterEach(async () => {
    await sql?.end();
    sql = undefined;
    await dropDatabase(url);
  });
  const connect = () => (sql = postgres(url, { max: 4, onnotice: () => undefined, types: { int8: { to: 20, from: [20], serialize: String, parse: Number } } }));

  it('creates its tables at the latest schema version, and commits notes with synchronous_commit = on, audit batches with off', async () => {
    const store = await openStore(url);
    expect(store.kind).toBe('postgres');
    expect(store.schemaVersion).toBe(PG_MIGRATIONS.length);
    expect(store.synchronous).toBe('on');
    expect(store.auditSynchronous).toBe('off');
    await store.close();
    const db = connect();
    expect(await db`SELECT version FROM baton_migrations ORDER BY version`).toEqual(PG_MIGRATIONS.map((_, i) => ({ version: i + 1 })));
    const tables = await db`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
    expect(tables.map((t) => t.table_name)).toEqual(['audit', 'baton_migrations', 'handoffs', 'links', 'notes', 'outbox', 'thanks']);
  });

  it('applies each migration once when several instances start together (advisory lock), and refuses a newer schema', async () => {
    const db = connect();
    const steps = ['CREATE TABLE applied (n int); INSERT INTO applied VALUES (1);', 'INSERT INTO applied VALUES (2);'];
    const versions = await Promise.all(Array.from({ length: 6 }, () => {
      const each = postgres(url, { max: 1, onnotice: () => undefined, types: { int8: { to: 20, from: [20], serialize: String, parse: Number } } });
      return migratePostgres(each, steps).finally(() => each.end());
    }));
    expect(versions).toEqual([2, 2, 2, 2, 2, 2]);
    expect(await db`SELECT n FROM applied ORDER BY n`).toEqual([{ n: 1 }, { n: 2 }]);
    await expect(migratePostgres(db, steps.slice(0, 1))).rejects.toThrow(/newer Baton/);
    // And the real schema, six stores at once on an empty database.
    const url2 = await createDatabase();
    try {
      const stores = await Promise.all(Array.from({ length: 6 }, () => openStore(url2)));
      expect(stores.map((s) => s.schemaVersion)).toEqual(Array(6).fill(PG_MIGRATIONS.length));
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await dropDatabase(url2);
    }
  });

  it('rolls back a migration that fails', async () => {
    const db = connect();
    await expect(migratePostgres(db, ['CREATE TABLE t (x int); SELECT 1/0;'])).rejects.toThrow(/division by zero/);
    expect(await db`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ('t', 'baton_migrations')`).toEqual([{ n: 0 }]);
  });

  it('an address shown in logs and /healthz has no password', () => {
    expect(displayStore('postgres://baton:s3cret@db.internal:5433/baton?sslmode=require&password=x')).toBe('postgres://baton@db.internal:5433/baton');
    expect(displayStore('postgresql://db.internal/baton')).toBe('postgres://db.internal/baton');
    expect(displayStore('/var/lib/baton/baton.db')).toBe('/var/lib/baton/baton.db');
  });

  it('a database that is not there: opening fails with the reason, without the password', async () => {
    const dead = new URL(url);
    dead.port = '1'; // nothing listens on port 1
    const err = (await openStore(dead.toString()).then(() => null, (e: unknown) => e)) as Error | null;
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/does not answer.*ECONNREFUSED/);
    expect(err!.message).not.toContain(decodeURIComponent(dead.password));
  });
});

const sato: Writer = { name: '佐藤 健', person: 'sato', token: 'desk' };
const aiko: Writer = { name: 'Aiko', person: null, token: 'shared' };
const at = (s: number) => new Date(Date.UTC(2026, 4, 1, 9, 0, s));

describe.each(STORE_KINDS)('store (%s)', (kind: StoreKind) => {
  let t: TempStore;
  let store: Store;
  beforeEach(async () => {
    t = await openTempStore(kind);
    store = t.store;
  });
  afterEach(() => t.cleanup());
  const reopen = async () => {
    await store.close();
    store = await openStore(t.where);
    t.store = store;
  };

  describe('audit trail', () => {
    it('keeps the audit trail across restarts', async () => {
      store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email', ticket: '42' });
      await reopen(); // close commits the last batch
      expect(await store.recentLookups()).toEqual([{ at: expect.any(String), token: 'desk', accountId: 'acme', matchBy: 'email', ticket: '42' }]);
    });

    it('commits buffered lookups by itself within the window, in order, without a read or a close', async () => {
      const observer = await openStore(t.where);
      try {
        for (let i = 0; i < 5; i++) store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email', ticket: `w${i}` });
        expect(store.auditBacklog().pending).toBe(5);
        const deadline = Date.now() + 5000;
        while ((await observer.countLookups()) < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, store.auditFlushMs));
        expect((await observer.recentLookups(10)).map((r) => r.ticket)).toEqual(['w4', 'w3', 'w2', 'w1', 'w0']);
        expect(store.auditBacklog()).toEqual({ pending: 0, dropped: 0 });
      } finally {
        await observer.close();
      }
    });

    it('prunes lookups older than the retention (and sent notifications), also ones still buffered', async () => {
      const now = new Date('2026-06-01T00:00:00Z');
      const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
      store.recordLookup({ token: 't', accountId: 'a', matchBy: 'domain', at: daysAgo(120) });
      store.recordLookup({ token: 't', accountId: 'a', matchBy: 'domain', at: daysAgo(91) });
      store.recordLookup({ token: 't', accountId: null, matchBy: 'none', at: daysAgo(89) });
      store.recordLookup({ token: 't', accountId: 'a', matchBy: 'org', at: daysAgo(1) });
      expect(await store.pruneAudit(90, now)).toBe(2);
      expect(await store.countLookups()).toBe(2);
      expect((await store.recentLookups()).map((r) => r.matchBy)).toEqual(['org', 'none']);
      store.recordLookup({ token: 't', accountId: 'b', matchBy: 'domain', at: now });
      await reopen();
      expect((await store.recentLookups()).map((r) => r.accountId)).toEqual(['b', 'a', null]);
    });
  });

  describe('notes', () => {
    it('adds, pages newest first per account, and keeps notes across a reopen', async () => {
      for (let i = 0; i < 4; i++) await store.addNote({ accountId: 'acme', text: `n${i}`, ticket: '', writer: sato, at: at(i) });
      await store.addNote({ accountId: 'other', text: 'x', ticket: '7', writer: aiko, at: at(9) });
      const page = await store.listNotes('acme', 2);
      expect(page.map((n) => n.text)).toEqual(['n3', 'n2']);
      expect((await store.listNotes('acme', 10, page[1]!.id)).map((n) => n.text)).toEqual(['n1', 'n0']);
      await reopen();
      expect(await store.listNotes('other', 10)).toEqual([
        { id: 5, accountId: 'other', text: 'x', ticket: '7', author: 'Aiko', authorPerson: null, token: 'shared', at: '2026-05-01T09:00:09.000Z' },
      ]);
    });

    it('keeps a note\'s delete key beside it, given to the delete check only', async () => {
      const n = await store.addNote({ accountId: 'acme', text: 'k', ticket: '', writer: aiko, at: at(0), deleteKey: 'a'.repeat(64) });
      expect(Object.keys(n)).not.toContain('deleteKey');
      const seen: Array<string | null> = [];
      expect((await store.deleteNote(n.id, (_row, key) => (seen.push(key), false))).deleted).toBe(false);
      const plain = await store.addNote({ accountId: 'acme', text: 'p', ticket: '', writer: sato, at: at(1) });
      await store.deleteNote(plain.id, (_row, key) => (seen.push(key), false));
      expect(seen).toEqual(['a'.repeat(64), null]);
      expect((await store.deleteNote(n.id, (_row, key) => key === 'a'.repeat(64))).deleted).toBe(true);
    });

    it('deletes only when allowed, and never reuses an id', async () => {
      const a = await store.addNote({ accountId: 'acme', text: 'a', ticket: '', writer: sato, at: at(0) });
      expect(await store.deleteNote(a.id, () => false)).toEqual({ deleted: false, row: a });
      expect(await store.deleteNote(a.id, (row) => sameWriter(row, sato))).toEqual({ deleted: true, row: a });
      expect(await store.deleteNote(a.id, () => true)).toEqual({ deleted: false, row: null });
      expect((await store.addNote({ accountId: 'acme', text: 'b', ticket: '', writer: sato, at: at(1) })).id).toBe(a.id + 1);
    });

    it('a note written through one store is read through another on the same database at once', async () => {
      const other = await openStore(t.where);
      try {
        const n = await store.addNote({ accountId: 'acme', text: 'shared', ticket: '', writer: sato, at: at(0) });
        expect(await other.listNotes('acme', 5)).toEqual([n]);
      } finally {
        await other.close();
      }
    });
  });

  describe('thanks and the outbox', () => {
    const give = (to: string, writer: Writer, s: number, ticket = '42', notify = true, on: Store = store) =>
      on.addThanks({
        to,
        writer,
        account: 'acme',
        ticket,
        message: '',
        at: at(s),
        sameSince: at(s - 60),
        ...(notify ? { notification: (row) => ({ kind: 'thanks', body: JSON.stringify({ text: `thanks ${row.id}` }) }) } : {}),
      });

    it('refuses a thanks over the writer\'s limit in the window (per person id, else per shared token), storing and queueing nothing', async () => {
      const limit = (s: number) => ({ since: at(s - 86_400), perDay: 3, perPersonPerDay: 2 });
      const limited = (to: string, writer: Writer, s: number) =>
        store.addThanks({ to, writer, account: '', ticket: String(s), message: '', at: at(s), sameSince: at(s - 60), limit: limit(s), notification: () => ({ kind: 'thanks', body: '{}' }) });
      expect((await limited('yamada', sato, 0)).created).toBe(true);
      expect((await limited('yamada', sato, 1)).created).toBe(true);
      expect(await limited('yamada', sato, 2)).toEqual({ created: false, row: null, limited: 'perPersonPerDay', given: 2 });
      expect((await limited('suzuki', sato, 3)).created).toBe(true);
      expect(await limited('kuroda', sato, 4)).toEqual({ created: false, row: null, limited: 'perDay', given: 3 });
      // The same person through another token is the same writer; a shared token is its own.
      expect((await limited('kuroda', { ...sato, token: 'other' }, 5)).limited).toBe('perDay');
      const shared: Writer = { name: 'Anyone', person: null, token: 'desk' };
      expect((await limited('yamada', shared, 6)).created).toBe(true);
      expect((await limited('yamada', { ...shared, name: 'Someone else' }, 7)).created).toBe(true);
      expect((await limited('yamada', { ...shared, name: 'A third name' }, 8)).limited).toBe('perPersonPerDay');
      expect(await store.countThanks(['yamada', 'suzuki', 'kuroda'])).toEqual(new Map([['yamada', 4], ['suzuki', 1]]));
      expect((await store.notificationStats()).pending).toBe(5);
      // A day later the window has moved on.
      expect((await limited('yamada', sato, 86_400)).created).toBe(true);
    });

    it('counts thanks per person, a repeat within the window once', async () => {
      expect((await give('yamada', sato, 0)).created).toBe(true);
      const again = await give('yamada', sato, 59);
      expect(again.created).toBe(false);
      expect(again.row!.at).toBe('2026-05-01T09:00:00.000Z');
      expect((await give('yamada', sato, 60)).created).toBe(false); // exactly 60 s: still the same
      expect((await give('yamada', sato, 61)).created).toBe(true);
      expect((await give('yamada', aiko, 61)).created).toBe(true);
      expect((await give('yamada', sato, 62, '43')).created).toBe(true);
      expect((await give('kuroda', sato, 62)).created).toBe(true);
      expect(await store.countThanks(['yamada', 'kuroda', 'nobody'])).toEqual(new Map([['yamada', 4], ['kuroda', 1]]));
      expect(await store.countThanks([])).toEqual(new Map());
    });

    it('the same thanks taken at once through several stores on one database is counted once', async () => {
      const others = await Promise.all([0, 1, 2].map(() => openStore(t.where)));
      try {
        const results = await Promise.all([store, ...others, store, ...others].map((s, i) => give('yamada', sato, i % 3, '42', true, s)));
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.row!.id)).size).toBe(1);
        expect(await store.countThanks(['yamada'])).toEqual(new Map([['yamada', 1]]));
        expect((await store.notificationStats()).pending).toBe(1);
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
    });

    it('queues one notification per new thanks, in the same transaction', async () => {
      await give('yamada', sato, 0);
      await give('yamada', sato, 1); // a repeat: nothing queued
      await give('kuroda', sato, 2, '42', false); // no webhook: nothing queued
      expect(await store.notificationStats()).toEqual({ pending: 1, sent: 0, lastError: null });
      const item = (await store.nextNotification())!;
      expect(item).toMatchObject({ kind: 'thanks', refId: 1, body: '{"text":"thanks 1"}', attempts: 0, nextAt: at(0).getTime(), sentAt: null });

      const failing = () =>
        store.addThanks({ to: 'x', writer: sato, account: '', ticket: '', message: '', at: at(3), sameSince: at(-57), notification: () => { throw new Error('boom'); } });
      await expect(failing()).rejects.toThrow('boom');
      expect(await store.countThanks(['x'])).toEqual(new Map()); // rolled back with its notification
    });

    it('claims, fails with backoff, and sends each notification once', async () => {
      await give('yamada', sato, 0);
      await give('kuroda', sato, 1);
      const first = (await store.nextNotification())!;
      const t0 = at(10).getTime();
      expect(await store.claimNotification(first.id, t0, t0 + 15_000)).toBe(true);
      expect(await store.claimNotification(first.id, t0, t0 + 15_000)).toBe(false);
      await store.markNotificationFailed(first.id, 1, t0 + 1000, 'HTTP 503');
      expect(await store.notificationStats()).toEqual({ pending: 2, sent: 0, lastError: 'HTTP 503' });
      expect(await store.nextNotification()).toMatchObject({ id: first.id, attempts: 1, nextAt: t0 + 1000 }); // the oldest stays first
      expect(await store.claimNotification(first.id, t0 + 999, t0 + 20_000)).toBe(false);
      expect(await store.claimNotification(first.id, t0 + 1000, t0 + 20_000)).toBe(true);
      await store.markNotificationSent(first.id, at(12));
      expect(await store.claimNotification(first.id, t0 + 100_000, t0 + 200_000)).toBe(false);
      expect((await store.nextNotification())?.refId).toBe(2);
      expect(await store.notificationStats()).toEqual({ pending: 1, sent: 1, lastError: null });
      // A late failure report for a sent message changes nothing.
      await store.markNotificationFailed(first.id, 9, 0, 'late');
      expect(await store.notificationStats()).toEqual({ pending: 1, sent: 1, lastError: null });
    });

    it('one claim wins when several stores on one database race for a message; the lease runs out for a sender that died', async () => {
      await give('yamada', sato, 0);
      const others = await Promise.all([0, 1, 2, 3].map(() => openStore(t.where)));
      try {
        const item = (await store.nextNotification())!;
        const now = Date.now();
        const wins = await Promise.all([store, ...others].map((s) => s.claimNotification(item.id, now, now + 60_000)));
        expect(wins.filter(Boolean)).toHaveLength(1);
        // The winner "dies" (never reports): nobody can take it until the lease runs out, then one can.
        expect(await others[0]!.claimNotification(item.id, now + 59_999, now + 120_000)).toBe(false);
        const later = await Promise.all([store, ...others].map((s) => s.claimNotification(item.id, now + 60_000, now + 120_000)));
        expect(later.filter(Boolean)).toHaveLength(1);
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
    });

    it('prunes sent notifications with the audit trail, never pending ones', async () => {
      await give('yamada', sato, 0);
      await give('kuroda', sato, 1);
      const first = (await store.nextNotification())!;
      await store.markNotificationSent(first.id, new Date('2026-01-01T00:00:00Z'));
      await store.pruneAudit(90, new Date('2026-06-01T00:00:00Z'));
      expect(await store.notificationStats()).toEqual({ pending: 1, sent: 0, lastError: null });
    });
  });

  it('reads what a lookup shows at once: the latest notes and the thanks counts, as listNotes and countThanks give them', async () => {
    for (let i = 0; i < 7; i++) await store.addNote({ accountId: 'acme', text: `n${i}`, ticket: `${i}`, writer: i % 2 ? sato : aiko, at: new Date(Date.UTC(2026, 4, 1, 9, 0, i, 120 + i)) });
    await store.addNote({ accountId: 'other', text: 'x', ticket: '', writer: sato, at: at(30) });
    for (const [to, s] of [['yamada', 0], ['yamada', 100], ['kuroda', 0]] as const) {
      await store.addThanks({ to, writer: sato, account: 'acme', ticket: String(s), message: '', at: at(s), sameSince: at(s - 60) });
    }
    const read = await store.readForLookup('acme', ['yamada', 'kuroda', 'nobody'], 5);
    expect(read.notes).toEqual(await store.listNotes('acme', 5));
    expect(read.notes.map((n) => n.at)).toEqual(['2026-05-01T09:00:06.126Z', '2026-05-01T09:00:05.125Z', '2026-05-01T09:00:04.124Z', '2026-05-01T09:00:03.123Z', '2026-05-01T09:00:02.122Z']);
    expect(read.thanks).toEqual(await store.countThanks(['yamada', 'kuroda', 'nobody']));
    expect(read.thanks).toEqual(new Map([['yamada', 2], ['kuroda', 1]]));
    for (const [account, people] of [[null, []], ['nobody', ['sato']]] as const) {
      const none = await store.readForLookup(account, people, 5);
      expect([none.notes, none.thanks]).toEqual([[], new Map()]);
    }
  });

  it("gives a lookup's read a stamp that stays while nothing changed and moves with every note and thanks (SQLite; PostgreSQL gives none)", async () => {
    const read = () => store.readForLookup('acme', ['yamada'], 5);
    const first = await read();
    if (kind === 'postgres') {
      expect(first.stamp).toBeUndefined();
      return;
    }
    expect(first.stamp).toEqual(expect.any(Number));
    store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email' });
    await store.flushAudit(); // the audit trail's own commits change nothing a lookup shows
    expect((await read()).stamp).toBe(first.stamp);
    const note = await store.addNote({ accountId: 'acme', text: 'hello', ticket: '', writer: sato, at: at(0) });
    const afterNote = await read();
    expect(afterNote.stamp).not.toBe(first.stamp);
    expect(afterNote.notes.map((n) => n.text)).toEqual(['hello']);
    expect((await read()).stamp).toBe(afterNote.stamp);
    await store.addThanks({ to: 'yamada', writer: sato, account: 'acme', ticket: '1', message: '', at: at(1), sameSince: at(-59) });
    const afterThanks = await read();
    expect(afterThanks.stamp).not.toBe(afterNote.stamp);
    expect(afterThanks.thanks).toEqual(new Map([['yamada', 1]]));
    await store.deleteNote(note.id, () => true);
    const afterDelete = await read();
    expect(afterDelete.stamp).not.toBe(afterThanks.stamp);
    expect(afterDelete.notes).toEqual([]);
  });

  it('a lookup sees notes and thanks another process wrote to the same store from the next turn of the event loop', async () => {
    const read = () => store.readForLookup('acme', ['yamada'], 5);
    const before = await read();
    const other = await openStore(t.where);
    try {
      await other.addNote({ accountId: 'acme', text: 'from the other instance', ticket: '', writer: sato, at: at(0) });
      await other.addThanks({ to: 'yamada', writer: sato, account: 'acme', ticket: '1', message: '', at: at(1), sameSince: at(-59) });
    } finally {
      await other.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const after = await read();
    expect(after.notes.map((n) => n.text)).toEqual(['from the other instance']);
    expect(after.thanks).toEqual(new Map([['yamada', 1]]));
    if (before.stamp !== undefined) expect(after.stamp).not.toBe(before.stamp);
  });

  it('answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe('sameWriter', () => {
  const row = (w: Writer) => ({ author: w.name, authorPerson: w.person, token: w.token });
  it('matches a person by id, whatever name or token', () => {
    expect(sameWriter(row(sato), { name: 'other name', person: 'sato', token: 'another' })).toBe(true);
    expect(sameWriter(row(sato), { name: '佐藤 健', person: null, token: 'desk' })).toBe(false);
    expect(sameWriter(row(sato), { name: '佐藤 健', person: 'kuroda', token: 'desk' })).toBe(false);
  });
  it('matches a writer without a person by token and name', () => {
    expect(sameWriter(row(aiko), { ...aiko })).toBe(true);
    expect(sameWriter(row(aiko), { ...aiko, token: 'desk' })).toBe(false);
    expect(sameWriter(row(aiko), { ...aiko, name: 'aiko' })).toBe(false);
    expect(sameWriter(row(aiko), { ...aiko, person: 'aiko' })).toBe(false);
  });
});

describe('AuditBatcher (group commit)', () => {
  const event = (ticket: string): LookupEvent => ({ token: 't', accountId: null, matchBy: 'none', ticket });

  it('writes one batch per window, keeps the rows of a failed write, and writes them when the store answers again', async () => {
    const batches: string[][] = [];
    let down = false;
    const b = new AuditBatcher((rows) => {
      if (down) throw new Error('ECONNREFUSED');
      batches.push(rows.map((r) => r.ticket!));
    }, silentLogger, 5);
    b.push(event('a'));
    b.push(event('b'));
    await b.flush();
    expect(batches).toEqual([['a', 'b']]);
    down = true;
    b.push(event('c'));
    await expect(b.flush()).rejects.toThrow('ECONNREFUSED');
    expect(b.backlog()).toEqual({ pending: 1, dropped: 0 });
    b.push(event('d'));
    down = false;
    await b.close();
    expect(batches).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('keeps at most AUDIT_MAX_PENDING lookups while the store does not answer, dropping the oldest', async () => {
    const b = new AuditBatcher(() => {
      throw new Error('down');
    }, silentLogger, 5);
    for (let i = 0; i < AUDIT_MAX_PENDING + 10; i++) b.push(event(String(i)));
    expect(b.backlog()).toEqual({ pending: AUDIT_MAX_PENDING, dropped: 10 });
    await b.close(); // logs, does not throw
  });
});
