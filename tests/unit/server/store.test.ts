import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, openStore, sameWriter, type Store, type Writer } from '../../../src/server/store';

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

describe('store: durability', () => {
  it('syncs every commit (synchronous = FULL), in WAL mode', () => {
    const store = openStore(join(dir, 'baton.db'));
    expect(store.synchronous).toBe('full');
    store.close();
  });

  it('writes the audit trail through its own connection (synchronous = NORMAL); notes and thanks stay FULL', () => {
    const path = join(dir, 'baton.db');
    const store = openStore(path);
    expect(store.synchronous).toBe('full');
    expect(store.auditSynchronous).toBe('normal');
    // Interleaved writes on both connections: each sees the other's at once, and all of it is in the file after close.
    store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email', ticket: '1' });
    const note = store.addNote({ accountId: 'acme', text: 'n', ticket: '1', writer: { name: 'A', person: null, token: 'desk' }, at: new Date() });
    store.recordLookup({ token: 'desk', accountId: null, matchBy: 'none', ticket: '2' });
    expect(store.countLookups()).toBe(2);
    expect(store.listNotes('acme', 10)).toEqual([note]);
    store.close();
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT ticket FROM audit ORDER BY id').all()).toEqual([{ ticket: '1' }, { ticket: '2' }]);
    expect(db.prepare('SELECT count(*) AS n FROM notes').get()).toEqual({ n: 1 });
    db.close();
  });

  it('uses one connection for a throwaway (:memory:) store, where a second would be another database', () => {
    const store = openStore(':memory:');
    expect(store.auditSynchronous).toBe(store.synchronous);
    store.recordLookup({ token: 'desk', accountId: 'acme', matchBy: 'email' });
    expect(store.countLookups()).toBe(1);
    store.close();
  });

  it('prunes audit rows written through the audit connection', () => {
    const path = join(dir, 'baton.db');
    const store = openStore(path);
    const now = new Date('2026-06-01T00:00:00Z');
    store.recordLookup({ token: 't', accountId: 'a', matchBy: 'email', at: new Date(now.getTime() - 91 * 86_400_000) });
    store.recordLookup({ token: 't', accountId: 'a', matchBy: 'email', at: now });
    expect(store.pruneAudit(90, now)).toBe(1);
    store.recordLookup({ token: 't', accountId: 'b', matchBy: 'domain', at: now });
    store.close();
    const reopened = openStore(path);
    expect(reopened.recentLookups().map((r) => r.accountId)).toEqual(['b', 'a']);
    reopened.close();
  });

  it('upgrades a version-1 store (audit only) and keeps its rows', () => {
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO audit (at, token, account_id, match_by) VALUES ('2026-01-01T00:00:00.000Z', 'desk', 'acme', 'email')").run();
    db.close();
    const store = openStore(path);
    expect(store.schemaVersion).toBe(MIGRATIONS.length);
    expect(store.countLookups()).toBe(1);
    expect(store.listNotes('acme', 10)).toEqual([]);
    store.close();
  });
});

const sato: Writer = { name: '佐藤 健', person: 'sato', token: 'desk' };
const aiko: Writer = { name: 'Aiko', person: null, token: 'shared' };
const at = (s: number) => new Date(Date.UTC(2026, 4, 1, 9, 0, s));

/** A fresh store per test, for the describes below. */
let store: Store;
function withStore() {
  beforeEach(() => {
    store = openStore(join(dir, 'baton.db'));
  });
  afterEach(() => store.close());
}

describe('store: notes', () => {
  withStore();

  it('adds, pages newest first per account, and keeps notes across a reopen', () => {
    for (let i = 0; i < 4; i++) store.addNote({ accountId: 'acme', text: `n${i}`, ticket: '', writer: sato, at: at(i) });
    store.addNote({ accountId: 'other', text: 'x', ticket: '7', writer: aiko, at: at(9) });
    const page = store.listNotes('acme', 2);
    expect(page.map((n) => n.text)).toEqual(['n3', 'n2']);
    expect(store.listNotes('acme', 10, page[1]!.id).map((n) => n.text)).toEqual(['n1', 'n0']);
    store.close();
    store = openStore(join(dir, 'baton.db'));
    expect(store.listNotes('other', 10)).toEqual([
      { id: 5, accountId: 'other', text: 'x', ticket: '7', author: 'Aiko', authorPerson: null, token: 'shared', at: '2026-05-01T09:00:09.000Z' },
    ]);
  });

  it('deletes only when allowed, and never reuses an id', () => {
    const a = store.addNote({ accountId: 'acme', text: 'a', ticket: '', writer: sato, at: at(0) });
    expect(store.deleteNote(a.id, () => false)).toEqual({ deleted: false, row: a });
    expect(store.deleteNote(a.id, (row) => sameWriter(row, sato))).toEqual({ deleted: true, row: a });
    expect(store.deleteNote(a.id, () => true)).toEqual({ deleted: false, row: null });
    expect(store.addNote({ accountId: 'acme', text: 'b', ticket: '', writer: sato, at: at(1) }).id).toBe(a.id + 1);
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

describe('store: thanks and the outbox', () => {
  withStore();

  const give = (to: string, writer: Writer, s: number, ticket = '42', notify = true) =>
    store.addThanks({
      to,
      writer,
      account: 'acme',
      ticket,
      message: '',
      at: at(s),
      sameSince: at(s - 60),
      ...(notify ? { notification: (row) => ({ kind: 'thanks', body: JSON.stringify({ text: `thanks ${row.id}` }) }) } : {}),
    });

  it('counts thanks per person, a repeat within the window once', () => {
    expect(give('yamada', sato, 0).created).toBe(true);
    const again = give('yamada', sato, 59);
    expect(again.created).toBe(false);
    expect(again.row.at).toBe('2026-05-01T09:00:00.000Z');
    expect(give('yamada', sato, 60).created).toBe(false); // exactly 60 s: still the same
    expect(give('yamada', sato, 61).created).toBe(true);
    expect(give('yamada', aiko, 61).created).toBe(true);
    expect(give('yamada', sato, 62, '43').created).toBe(true);
    expect(give('kuroda', sato, 62).created).toBe(true);
    expect(store.countThanks(['yamada', 'kuroda', 'nobody'])).toEqual(new Map([['yamada', 4], ['kuroda', 1]]));
    expect(store.countThanks([])).toEqual(new Map());
  });

  it('queues one notification per new thanks, in the same transaction', () => {
    give('yamada', sato, 0);
    give('yamada', sato, 1); // a repeat: nothing queued
    give('kuroda', sato, 2, '42', false); // no webhook: nothing queued
    expect(store.notificationStats()).toEqual({ pending: 1, sent: 0, lastError: null });
    const item = store.nextNotification()!;
    expect(item).toMatchObject({ kind: 'thanks', refId: 1, body: '{"text":"thanks 1"}', attempts: 0, nextAt: at(0).getTime(), sentAt: null });

    const failing = () =>
      store.addThanks({ to: 'x', writer: sato, account: '', ticket: '', message: '', at: at(3), sameSince: at(-57), notification: () => { throw new Error('boom'); } });
    expect(failing).toThrow('boom');
    expect(store.countThanks(['x'])).toEqual(new Map()); // rolled back with its notification
  });

  it('claims, fails with backoff, and sends each notification once', () => {
    give('yamada', sato, 0);
    give('kuroda', sato, 1);
    const first = store.nextNotification()!;
    const t = at(10).getTime();
    expect(store.claimNotification(first.id, t, t + 15_000)).toBe(true);
    expect(store.claimNotification(first.id, t, t + 15_000)).toBe(false);
    store.markNotificationFailed(first.id, 1, t + 1000, 'HTTP 503');
    expect(store.notificationStats()).toEqual({ pending: 2, sent: 0, lastError: 'HTTP 503' });
    expect(store.nextNotification()).toMatchObject({ id: first.id, attempts: 1, nextAt: t + 1000 }); // the oldest stays first
    expect(store.claimNotification(first.id, t + 999, t + 20_000)).toBe(false);
    expect(store.claimNotification(first.id, t + 1000, t + 20_000)).toBe(true);
    store.markNotificationSent(first.id, at(12));
    expect(store.claimNotification(first.id, t + 100_000, t + 200_000)).toBe(false);
    expect(store.nextNotification()?.refId).toBe(2);
    expect(store.notificationStats()).toEqual({ pending: 1, sent: 1, lastError: null });
    // A late failure report for a sent message changes nothing.
    store.markNotificationFailed(first.id, 9, 0, 'late');
    expect(store.notificationStats()).toEqual({ pending: 1, sent: 1, lastError: null });
  });

  it('prunes sent notifications with the audit trail, never pending ones', () => {
    give('yamada', sato, 0);
    give('kuroda', sato, 1);
    const first = store.nextNotification()!;
    store.markNotificationSent(first.id, new Date('2026-01-01T00:00:00Z'));
    store.pruneAudit(90, new Date('2026-06-01T00:00:00Z'));
    expect(store.notificationStats()).toEqual({ pending: 1, sent: 0, lastError: null });
  });
});
