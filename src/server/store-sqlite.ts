/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). Schema changes are the
 * MIGRATIONS array, applied in order on open and counted in `PRAGMA user_version` (one process
 * opens the file at a time in practice; a second one waits on SQLite's write lock).
 *
 * Durability: every write of notes, thanks and the outbox is one transaction and
 * `synchronous = FULL`, so when a method resolves, the write is on disk (the WAL is fsynced at
 * each commit). The HTTP layer answers only after that, so a 201 survives a SIGKILL or a power
 * cut right after it. (NORMAL would survive a killed process but not a power loss: it syncs the
 * WAL only at checkpoints.)
 *
 * The audit trail is batched (store.ts: group commit every AUDIT_FLUSH_MS, flushed on close) and
 * its batches are committed by a worker thread (the audit worker) through its own connection to
 * the same file with `synchronous = NORMAL`: the event loop only hands the batch over (inserting
 * the rows cost a few µs per lookup on it, bench section 8), and a batch committed is in the WAL
 * (the OS's page cache) without an fsync; only a power loss or kernel crash can drop the last
 * batches, and never corrupts the file. A flush (close, recentLookups, countLookups, pruneAudit)
 * resolves once the worker committed; a batch the worker could not commit stays buffered and is
 * tried again. Should the worker not start, or fail, the batches go through a connection of their
 * own on this thread.
 * Why mixing the two is sound: `synchronous` is a per-connection setting; both connections
 * share one WAL (and its locks), and the file only changes at checkpoints, which sync in both
 * modes. A FULL commit fsyncs the whole WAL file after appending its frames, so everything
 * before it — audit rows included — is on disk too: NORMAL commits never weaken a FULL one.
 * (':memory:' is one database per connection, so there the audit uses the main connection.)
 *
 * Checkpoints (copying the WAL back into the file, with an fsync of each) run in the audit
 * worker: every CHECKPOINT_EVERY_MS, and as SQLite does by itself in whichever connection commits
 * when the WAL reaches 1000 pages — nearly always the worker's. On the event loop that was a
 * 20–30 ms stall every second or two under load (bench: the p99).
 *
 * What lookups keep in memory (notes, thanks counts) is stamped with lookup_stamp, a number
 * triggers move in every transaction that changes notes or thanks (migration 5): the audit
 * worker's commits move PRAGMA data_version for every other connection, so that cannot be it.
 *
 * better-sqlite3 is synchronous: each method does its work before it returns its promise.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import { silentLogger } from './log';
import {
  AuditBatcher,
  diskFullReason,
  sameHandoff,
  sameWriter,
  StoreFullError,
  type AuditRow,
  type HandoffRow,
  type LinkRow,
  type NewHandoff,
  type LookupEvent,
  type NoteRow,
  type NotificationStats,
  type OpenStoreOptions,
  type OutboxRow,
  type Store,
  type ThanksRow,
  type NewThanks,
  overThanksLimit,
  type AddThanksResult,
} from './store';

// Loaded with require: through import, Node's ESM loader runs its CommonJS lexer over the
// package first (about 20 ms of every start here).
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

type Db = BetterSqlite3.Database;

/** Each entry moves the schema one version up. Append only; never edit a released one. */
export const MIGRATIONS: ReadonlyArray<(db: Db) => void> = [
  (db) => {
    db.exec(`
      CREATE TABLE audit (
        id         INTEGER PRIMARY KEY,
        at         TEXT    NOT NULL,   -- ISO 8601, UTC
        token      TEXT    NOT NULL,   -- the token's name in the config, never the token
        account_id TEXT,               -- null when nothing matched
        match_by   TEXT    NOT NULL,
        ticket     TEXT    NOT NULL DEFAULT ''
      );
      CREATE INDEX audit_at ON audit (at);
    `);
  },
  (db) => {
    db.exec(`
      -- Notes agents leave on an account for whoever takes it next.
      CREATE TABLE notes (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused after a delete
        account_id    TEXT    NOT NULL,
        text          TEXT    NOT NULL,
        ticket        TEXT    NOT NULL DEFAULT '',
        author        TEXT    NOT NULL,   -- display name: the token's person, else the agent's name
        author_person TEXT,               -- people[].id when the token names a person
        token         TEXT    NOT NULL,   -- the token's name in the config
        at            TEXT    NOT NULL    -- ISO 8601, UTC
      );
      CREATE INDEX notes_account ON notes (account_id, id);

      -- Thanks from an agent to a person on the relay.
      CREATE TABLE thanks (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        to_person   TEXT    NOT NULL,     -- people[].id
        from_name   TEXT    NOT NULL,
        from_person TEXT,
        token       TEXT    NOT NULL,
        account_id  TEXT    NOT NULL DEFAULT '',
        ticket      TEXT    NOT NULL DEFAULT '',
        message     TEXT    NOT NULL DEFAULT '',
        at          TEXT    NOT NULL
      );
      CREATE INDEX thanks_to ON thanks (to_person, ticket, at);

      -- Notifications waiting for the webhook, written in the same transaction as their thanks.
      CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT    NOT NULL,      -- 'thanks'
        ref_id     INTEGER NOT NULL,      -- thanks.id
        body       TEXT    NOT NULL,      -- the JSON posted, built when queued
        created_at TEXT    NOT NULL,
        attempts   INTEGER NOT NULL DEFAULT 0,
        next_at    INTEGER NOT NULL,      -- epoch ms: not before (retry backoff, or a sender's lease)
        last_error TEXT,
        sent_at    TEXT                   -- set once the webhook answered 2xx
      );
      CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
    `);
  },
  (db) => {
    db.exec(`
      -- SHA-256 of the key that may delete a note written through a shared token (issue 11).
      ALTER TABLE notes ADD COLUMN delete_key TEXT;
      -- Thanks per writer and day (thanksLimit): by person, or by shared token.
      CREATE INDEX thanks_from_person ON thanks (from_person, at);
      CREATE INDEX thanks_from_token ON thanks (token, at);
    `);
  },
  (db) => {
    db.exec(`
      -- "This is <account>": requester emails agents linked to an account (issue 10).
      CREATE TABLE links (
        email         TEXT PRIMARY KEY,   -- normalised: lower case
        account_id    TEXT NOT NULL,
        name          TEXT NOT NULL DEFAULT '',
        ticket        TEXT NOT NULL DEFAULT '',
        author        TEXT NOT NULL,
        author_person TEXT,
        token         TEXT NOT NULL,
        at            TEXT NOT NULL
      );

      -- "Hand to sales": unknown requesters handed to a stage's people; each queues an outbox row.
      CREATE TABLE handoffs (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        stage         TEXT NOT NULL,
        email         TEXT NOT NULL DEFAULT '',
        name          TEXT NOT NULL DEFAULT '',
        org           TEXT NOT NULL DEFAULT '',
        ticket        TEXT NOT NULL DEFAULT '',
        subject       TEXT NOT NULL DEFAULT '',
        url           TEXT NOT NULL DEFAULT '',
        note          TEXT NOT NULL,
        author        TEXT NOT NULL,
        author_person TEXT,
        token         TEXT NOT NULL,
        at            TEXT NOT NULL
      );
      CREATE INDEX handoffs_recent ON handoffs (stage, email, at);
    `);
  },
  (db) => {
    db.exec(`
      -- What lookups keep in memory (notes, thanks counts) is good while this number holds: every
      -- change of notes or thanks moves it, in the same transaction, from any process. The audit
      -- trail's commits (another thread) leave it alone, which PRAGMA data_version does not.
      CREATE TABLE lookup_stamp (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
      INSERT INTO lookup_stamp (id, n) VALUES (1, 0);
      CREATE TRIGGER notes_insert_stamp AFTER INSERT ON notes BEGIN UPDATE lookup_stamp SET n = n + 1 WHERE id = 1; END;
      CREATE TRIGGER notes_update_stamp AFTER UPDATE ON notes BEGIN UPDATE lookup_stamp SET n = n + 1 WHERE id = 1; END;
      CREATE TRIGGER notes_delete_stamp AFTER DELETE ON notes BEGIN UPDATE lookup_stamp SET n = n + 1 WHERE id = 1; END;
      CREATE TRIGGER thanks_insert_stamp AFTER INSERT ON thanks BEGIN UPDATE lookup_stamp SET n = n + 1 WHERE id = 1; END;
      CREATE TRIGGER thanks_update_stamp AFTER UPDATE ON thanks BEGIN UPDATE lookup_stamp SET n = n + 1 WHERE id = 1; END;
      CREATE TRIGGER thanks_delete_stamp AFTER DELETE ON thanks BEGIN UPDATE lookup_stamp SET n = n + 1 WHERE id = 1; END;
    `);
  },
];

/** Applies the migrations the database has not seen yet, each in its own transaction. */
export function migrate(db: Db, migrations: ReadonlyArray<(db: Db) => void> = MIGRATIONS): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new Error(`the store was written by a newer Baton (schema version ${current}; this one knows ${migrations.length})`);
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      migrations[version]!(db);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return migrations.length;
}

/** Opens (creating if needed) the SQLite store at `path`; ':memory:' for a throwaway one. */
export function openSqliteStore(path: string, opts: OpenStoreOptions = {}): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL'); // a write acknowledged is a write on disk (see the top)
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const schemaVersion = migrate(db);

  const log = opts.log ?? silentLogger;
  // The audit trail's rows, as the worker (or insertAuditRows) takes them: AUDIT_FIELDS values a row.
  // Rows of one batch mostly share their millisecond: its ISO string is made once.
  let isoMs = NaN;
  let isoAt = '';
  const isoOf = (at: Date) => {
    const ms = at.getTime();
    if (ms !== isoMs) {
      isoMs = ms;
      isoAt = at.toISOString();
    }
    return isoAt;
  };
  const flatten = (rows: LookupEvent[]): AuditValue[] => {
    const values: AuditValue[] = [];
    for (const e of rows) {
      const ticket = e.ticket ?? '';
      values.push(isoOf(e.at!), e.token, e.accountId, e.matchBy, ticket.length > 200 ? ticket.slice(0, 200) : ticket);
    }
    return values;
  };
  // Where the batches go: a file's through the audit worker (see the top), started with the first
  // batch (a store that records no lookups, like most in the tests, starts none); ':memory:' and a
  // worker that cannot start or failed, through a connection on this thread.
  let worker: AuditWorker | null | undefined = path === ':memory:' ? null : undefined;
  let local: ((values: AuditValue[]) => void) | undefined;
  const writeHere = (values: AuditValue[]) => {
    if (!local) {
      let conn = db;
      if (path !== ':memory:') {
        conn = new Database(path);
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        localDb = conn;
      }
      local = auditInserter(conn);
    }
    local(values);
  };
  let localDb: Db | undefined;
  const audit = new AuditBatcher(
    (rows) => {
      const values = flatten(rows);
      if (worker === undefined && !closed) worker = startAuditWorker(path, log);
      if (worker && worker.alive()) return worker.write(values);
      writeHere(values);
    },
    log,
    opts.auditFlushMs,
  );
  const prune = db.prepare('DELETE FROM audit WHERE at < ?');
  const pruneSent = db.prepare('DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?');
  const recent = db.prepare('SELECT at, token, account_id AS accountId, match_by AS matchBy, ticket FROM audit ORDER BY id DESC LIMIT ?');
  const count = db.prepare('SELECT count(*) AS n FROM audit');

  const NOTE_COLUMNS = 'id, account_id AS accountId, text, ticket, author, author_person AS authorPerson, token, at';
  const insertNote = db.prepare('INSERT INTO notes (account_id, text, ticket, author, author_person, token, at, delete_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const noteDeleteKey = db.prepare('SELECT delete_key AS k FROM notes WHERE id = ?');
  const noteById = db.prepare(`SELECT ${NOTE_COLUMNS} FROM notes WHERE id = ?`);
  const notesPage = db.prepare(`SELECT ${NOTE_COLUMNS} FROM notes WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?`);
  const removeNote = db.prepare('DELETE FROM notes WHERE id = ?');

  const THANKS_COLUMNS = 'id, to_person AS "to", from_name AS "from", from_person AS fromPerson, token, account_id AS account, ticket, message, at';
  const insertThanks = db.prepare('INSERT INTO thanks (to_person, from_name, from_person, token, account_id, ticket, message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const thanksById = db.prepare(`SELECT ${THANKS_COLUMNS} FROM thanks WHERE id = ?`);
  const recentThanks = db.prepare(`SELECT ${THANKS_COLUMNS} FROM thanks WHERE to_person = ? AND ticket = ? AND at >= ? ORDER BY id DESC`);
  const givenByPerson = db.prepare('SELECT count(*) AS "all", count(*) FILTER (WHERE to_person = ?) AS toOne FROM thanks WHERE from_person = ? AND at > ?');
  const givenByToken = db.prepare('SELECT count(*) AS "all", count(*) FILTER (WHERE to_person = ?) AS toOne FROM thanks WHERE from_person IS NULL AND token = ? AND at > ?');
  const thanksCounts = db.prepare('SELECT to_person AS id, count(*) AS n FROM thanks WHERE to_person IN (SELECT value FROM json_each(?)) GROUP BY to_person');

  const OUTBOX_COLUMNS = 'id, kind, ref_id AS refId, body, created_at AS createdAt, attempts, next_at AS nextAt, last_error AS lastError, sent_at AS sentAt';
  const enqueue = db.prepare('INSERT INTO outbox (kind, ref_id, body, created_at, next_at) VALUES (?, ?, ?, ?, ?)');
  const oldestPending = db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1`);
  const claim = db.prepare('UPDATE outbox SET next_at = ? WHERE id = ? AND sent_at IS NULL AND next_at <= ?');
  const sent = db.prepare('UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?');
  const failed = db.prepare('UPDATE outbox SET attempts = ?, next_at = ?, last_error = ? WHERE id = ? AND sent_at IS NULL');
  const outboxStats = db.prepare(
    `SELECT count(*) FILTER (WHERE sent_at IS NULL) AS pending, count(sent_at) AS sent,
            (SELECT last_error FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL ORDER BY id LIMIT 1) AS lastError
       FROM outbox`,
  );
  const one = db.prepare('SELECT 1 AS ok');

  const LINK_COLUMNS = 'email, account_id AS accountId, name, ticket, author, author_person AS authorPerson, token, at';
  const upsertLink = db.prepare(
    `INSERT INTO links (email, account_id, name, ticket, author, author_person, token, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (email) DO UPDATE SET account_id = excluded.account_id, name = excluded.name, ticket = excluded.ticket,
       author = excluded.author, author_person = excluded.author_person, token = excluded.token, at = excluded.at`,
  );
  const linkByEmail = db.prepare(`SELECT ${LINK_COLUMNS} FROM links WHERE email = ?`);
  const allLinks = db.prepare(`SELECT ${LINK_COLUMNS} FROM links ORDER BY at DESC, email`);
  const removeLink = db.prepare('DELETE FROM links WHERE email = ?');
  const HANDOFF_COLUMNS = 'id, stage, email, name, org, ticket, subject, url, note, author, author_person AS authorPerson, token, at';
  const insertHandoff = db.prepare(
    'INSERT INTO handoffs (stage, email, name, org, ticket, subject, url, note, author, author_person, token, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const handoffById = db.prepare(`SELECT ${HANDOFF_COLUMNS} FROM handoffs WHERE id = ?`);
  const recentHandoffs = db.prepare(`SELECT ${HANDOFF_COLUMNS} FROM handoffs WHERE stage = ? AND email = ? AND at >= ? ORDER BY id DESC`);
  const addHandoff = db.transaction((h: NewHandoff): { created: boolean; row: HandoffRow } => {
    const same = (recentHandoffs.all(h.stage, h.email, h.sameSince.toISOString()) as HandoffRow[]).find((r) => sameHandoff(r, h));
    if (same) return { created: false, row: same };
    const w = h.writer;
    const at = h.at.toISOString();
    const id = Number(insertHandoff.run(h.stage, h.email, h.name, h.org, h.ticket, h.subject, h.url, h.note, w.name, w.person, w.token, at).lastInsertRowid);
    const row = handoffById.get(id) as HandoffRow;
    const n = h.notification(row);
    enqueue.run(n.kind, id, n.body, at, h.at.getTime());
    return { created: true, row };
  });

  // Writes take the write lock up front (BEGIN IMMEDIATE): a check and its write see the same
  // data, also against another process on the same file.
  const addThanks = db.transaction((t: NewThanks): AddThanksResult => {
    const w = t.writer;
    const same = (recentThanks.all(t.to, t.ticket, t.sameSince.toISOString()) as ThanksRow[]).find((r) =>
      sameWriter({ author: r.from, authorPerson: r.fromPerson, token: r.token }, w),
    );
    if (same) return { created: false, row: same };
    if (t.limit) {
      const since = t.limit.since.toISOString();
      const given = (w.person !== null ? givenByPerson.get(t.to, w.person, since) : givenByToken.get(t.to, w.token, since)) as { all: number; toOne: number };
      const over = overThanksLimit(given, t.limit);
      if (over) return over;
    }
    const at = t.at.toISOString();
    const id = Number(insertThanks.run(t.to, w.name, w.person, w.token, t.account, t.ticket, t.message, at).lastInsertRowid);
    const row = thanksById.get(id) as ThanksRow;
    if (t.notification) {
      const n = t.notification(row);
      enqueue.run(n.kind, id, n.body, at, t.at.getTime());
    }
    return { created: true, row };
  });
  const deleteNote = db.transaction((id: number, allowed: (row: NoteRow, deleteKey: string | null) => boolean) => {
    const row = noteById.get(id) as NoteRow | undefined;
    if (!row) return { deleted: false as const, row: null };
    if (!allowed(row, (noteDeleteKey.get(id) as { k: string | null }).k)) return { deleted: false as const, row };
    removeNote.run(id);
    return { deleted: true as const, row };
  });

  const countThanks = (people: readonly string[]) => {
    const rows = thanksCounts.all(JSON.stringify(people)) as { id: string; n: number }[];
    return new Map(rows.map((r) => [r.id, r.n]));
  };

  // What lookups read (an account's latest notes, people's thanks counts), kept in memory while
  // nothing changed: `epoch` moves on every write of notes or thanks through this store, and
  // whenever the file's lookup_stamp moves — which triggers do in every transaction that changes
  // notes or thanks, from any connection: this store's, or another process's on the same file.
  // (The audit worker's batches do not move it; they move PRAGMA data_version, which is why that
  // is not the stamp.) The stamp is read once per turn of the event loop (the lookups answered in
  // one turn are concurrent anyway): what another process committed before a turn began, its
  // lookups see.
  // PRAGMA data_version first: it moves when any other connection committed (the audit worker's
  // every batch too), and is cheaper to read; when it did not, lookup_stamp cannot have either
  // (this store's own writes say so themselves, below).
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  const lookupStamp = db.prepare('SELECT n FROM lookup_stamp WHERE id = 1').pluck();
  let seenStamp: unknown;
  let epoch = 0;
  let seenVersion: unknown;
  let checkedThisTurn = false;
  const nextTurn = () => {
    checkedThisTurn = false;
  };
  const notesCache = new Map<string, readonly NoteRow[]>();
  const thanksCache = new Map<string, number>();
  const CACHE_MAX = 100_000;
  const changed = () => {
    epoch++;
    notesCache.clear();
    thanksCache.clear();
  };
  const current = () => {
    if (checkedThisTurn) return;
    checkedThisTurn = true;
    setImmediate(nextTurn);
    const v = dataVersion.get();
    if (v === seenVersion) return;
    seenVersion = v;
    const n = lookupStamp.get();
    if (n !== seenStamp) {
      seenStamp = n;
      changed();
    }
  };
  const NO_NOTES: readonly NoteRow[] = Object.freeze([]);
  // The whole answer per `people` array (lookup.ts passes the same array for an account each
  // time), while the epoch holds: an unchanged account costs one WeakMap look-up.
  type LookupRead = { notes: readonly NoteRow[]; thanks: Map<string, number>; stamp: number };
  const reads = new WeakMap<readonly string[], { epoch: number; accountId: string | null; limit: number; read: LookupRead }>();
  const readForLookup = (accountId: string | null, people: readonly string[], limit: number): LookupRead => {
    current();
    const kept = reads.get(people);
    if (kept !== undefined && kept.epoch === epoch && kept.accountId === accountId && kept.limit === limit) return kept.read;
    const read = readThrough(accountId, people, limit);
    reads.set(people, { epoch, accountId, limit, read });
    return read;
  };
  const readThrough = (accountId: string | null, people: readonly string[], limit: number): LookupRead => {
    let notes = NO_NOTES;
    if (accountId !== null) {
      const key = `${limit}:${accountId}`;
      const cached = notesCache.get(key);
      if (cached) notes = cached;
      else {
        const rows = notesPage.all(accountId, Number.MAX_SAFE_INTEGER, limit) as NoteRow[];
        notes = rows.length === 0 ? NO_NOTES : rows;
        if (notesCache.size >= CACHE_MAX) notesCache.clear();
        notesCache.set(key, notes);
      }
    }
    const thanks = new Map<string, number>();
    let missing: string[] | undefined;
    for (const p of people) {
      const n = thanksCache.get(p);
      if (n === undefined) (missing ??= []).push(p);
      else if (n > 0) thanks.set(p, n);
    }
    if (missing) {
      const counted = countThanks(missing);
      if (thanksCache.size + missing.length > CACHE_MAX) thanksCache.clear();
      for (const p of missing) {
        const n = counted.get(p) ?? 0;
        thanksCache.set(p, n);
        if (n > 0) thanks.set(p, n);
      }
    }
    return { notes, thanks, stamp: epoch };
  };
  /** A write of notes or thanks: what lookups kept is stale from now on (also when the write failed halfway). */
  const writing = <T>(work: () => T): T => {
    try {
      return work();
    } finally {
      changed();
    }
  };

  const syncOf = (conn: Db) => (['off', 'normal', 'full', 'extra'] as const)[conn.pragma('synchronous', { simple: true }) as number] ?? 'unknown';
  const synchronous = syncOf(db);
  const auditSynchronous = path === ':memory:' ? synchronous : 'normal'; // the worker's connection (or writeHere's) sets NORMAL
  /** Runs synchronous work as the async interface wants it: a throw becomes a rejection (a full disk a StoreFullError). */
  const later = <T>(work: () => T): Promise<T> => {
    try {
      return Promise.resolve(work());
    } catch (err) {
      const full = diskFullReason(err);
      return Promise.reject(full ? new StoreFullError(full) : (err as Error));
    }
  };
  let closed: Promise<void> | undefined;

  return {
    kind: 'sqlite',
    path,
    schemaVersion,
    synchronous,
    auditSynchronous,
    auditFlushMs: audit.flushMs,
    recordLookup: (e) => audit.push(e),
    flushAudit: () => audit.flush(),
    auditBacklog: () => audit.backlog(),
    pruneAudit: (retentionDays, now = new Date()) =>
      audit.flush().then(() => {
        const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
        pruneSent.run(cutoff);
        return prune.run(cutoff).changes;
      }),
    recentLookups: (limit = 50) => audit.flush().then(() => recent.all(limit) as AuditRow[]),
    countLookups: () => audit.flush().then(() => (count.get() as { n: number }).n),

    addNote: (n) =>
      later(() => {
        const id = writing(() =>
          db
            .transaction(() => Number(insertNote.run(n.accountId, n.text, n.ticket, n.writer.name, n.writer.person, n.writer.token, n.at.toISOString(), n.deleteKey ?? null).lastInsertRowid))
            .immediate(),
        );
        return noteById.get(id) as NoteRow;
      }),
    listNotes: (accountId, limit, before) => later(() => notesPage.all(accountId, before ?? Number.MAX_SAFE_INTEGER, limit) as NoteRow[]),
    deleteNote: (id, allowed) => later(() => writing(() => deleteNote.immediate(id, allowed))),

    addThanks: (t) => later(() => writing(() => addThanks.immediate(t))),
    countThanks: (people) => later(() => countThanks(people)),
    readForLookupNow: readForLookup,
    readForLookup: (accountId, people, notes) => later(() => readForLookup(accountId, people, notes)),

    linkEmail: (l) =>
      later(() => {
        db.transaction(() => upsertLink.run(l.email, l.accountId, l.name, l.ticket, l.writer.name, l.writer.person, l.writer.token, l.at.toISOString())).immediate();
        return linkByEmail.get(l.email) as LinkRow;
      }),
    findLink: (email) => later(() => linkByEmail.get(email) as LinkRow | undefined),
    listLinks: () => later(() => allLinks.all() as LinkRow[]),
    deleteLink: (email) => later(() => removeLink.run(email).changes > 0),
    addHandoff: (h) => later(() => addHandoff.immediate(h)),

    nextNotification: () => later(() => oldestPending.get() as OutboxRow | undefined),
    claimNotification: (id, now, leaseUntil) => later(() => claim.run(leaseUntil, id, now).changes === 1),
    markNotificationSent: (id, at) =>
      later(() => {
        sent.run(at.toISOString(), id);
      }),
    markNotificationFailed: (id, attempts, nextAt, error) =>
      later(() => {
        failed.run(attempts, nextAt, error.slice(0, 500), id);
      }),
    notificationStats: () => later(() => outboxStats.get() as NotificationStats),

    ping: () =>
      later(() => {
        one.get();
      }),
    close() {
      closed ??= (async () => {
        await audit.close();
        await worker?.stop();
        // The audit connections first: the last one to close checkpoints the WAL into the file.
        if (localDb?.open) localDb.close();
        if (db.open) db.close();
      })();
      return closed;
    },
  };
}

/** An audit row's values, AUDIT_FIELDS of them: at (ISO), token, account id, match, ticket. */
type AuditValue = string | null;

/**
 * Commits audit rows (AUDIT_FIELDS values each) in one transaction, as few INSERTs as it can: up
 * to 64 rows each (a statement per row cost more than the rows themselves); statements kept per
 * row count. The audit worker runs this same function (its source is put into the worker's code),
 * so it refers to nothing outside itself.
 */
function auditInserter(conn: Db): (values: AuditValue[]) => void {
  const fields = 5;
  const step = 64 * fields;
  const inserts = new Map<number, BetterSqlite3.Statement>();
  const insertOf = (rows: number): BetterSqlite3.Statement => {
    let stmt = inserts.get(rows);
    if (!stmt) inserts.set(rows, (stmt = conn.prepare(`INSERT INTO audit (at, token, account_id, match_by, ticket) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?)').join(', ')}`)));
    return stmt;
  };
  const batch = conn.transaction((values: AuditValue[]) => {
    for (let i = 0; i < values.length; i += step) {
      const chunk = i === 0 && values.length <= step ? values : values.slice(i, i + step);
      insertOf(chunk.length / fields).run(chunk);
    }
  });
  return (values) => {
    batch.immediate(values);
  };
}

/** How often the audit worker copies the WAL into the file. */
export const CHECKPOINT_EVERY_MS = 500;

/**
 * The audit worker's code (eval: no file to find beside a bundle); better-sqlite3 comes by its
 * resolved URL. Dynamic import() only: eval'd code is CommonJS in a plain process and ESM under a
 * loader such as tsx, and import() works in both. (`__name`: tsx's keepNames helper, which the
 * inserter's source may call.)
 */
const AUDIT_WORKER = `
const __name = (f) => f;
const auditInserter = ${auditInserter.toString()};
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const Database = (await import(workerData.module)).default;
  let db;
  let insert;
  try {
    db = new Database(workerData.path, { fileMustExist: true });
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    insert = auditInserter(db);
  } catch (err) {
    parentPort.postMessage({ failed: String((err && err.message) || err) });
    return;
  }
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      parentPort.postMessage({ warn: 'checkpoint failed: ' + String((err && err.message) || err) });
    }
  }, workerData.everyMs);
  parentPort.on('message', (m) => {
    if (m === 'stop') {
      clearInterval(timer);
      db.close();
      process.exit(0);
    }
    try {
      insert(m.values);
      parentPort.postMessage({ id: m.id });
    } catch (err) {
      parentPort.postMessage({ id: m.id, error: String((err && err.message) || err), code: err && err.code });
    }
  });
  parentPort.postMessage({ ready: true });
})();
`;

interface AuditWorker {
  /** False once it failed or stopped: batches then go through a connection on this thread. */
  alive(): boolean;
  /** Resolves when the worker committed the rows; rejects (the rows stay with the AuditBatcher) when it could not. */
  write(values: AuditValue[]): Promise<void>;
  /** Ends it (after the last batch: close() flushes first); its connection closes before the main one. */
  stop(): Promise<void>;
}

/**
 * Starts the audit worker for the file at `path`: it commits the batches it is sent, in the order
 * sent, each before it answers, and copies the WAL into the file every CHECKPOINT_EVERY_MS (its
 * own commits checkpoint too, as SQLite does at 1000 pages — all off the event loop). Null when
 * no worker can be made; a worker that fails later answers its waiting batches with an error.
 * While a batch is in flight the worker keeps the process up (a flush waits for it); idle, not.
 */
function startAuditWorker(path: string, log: { warn(message: string): void }): AuditWorker | null {
  let worker: Worker;
  try {
    worker = new Worker(AUDIT_WORKER, { eval: true, execArgv: [], workerData: { path, module: pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href, everyMs: CHECKPOINT_EVERY_MS } });
  } catch (err) {
    log.warn(`store: audit batches stay on the event loop (${(err as Error).message})`);
    return null;
  }
  worker.unref();
  let alive = true;
  let stopping = false;
  let next = 0;
  let lastWarn = '';
  const waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const fail = (why: string) => {
    if (!alive) return;
    alive = false;
    if (!stopping) log.warn(`store: audit batches back on the event loop (${why})`);
    for (const w of waiting.values()) w.reject(new Error(`the audit worker stopped: ${why}`));
    waiting.clear();
  };
  worker.on('message', (m: { ready?: true; failed?: string; warn?: string; id?: number; error?: string; code?: string }) => {
    if (m.failed !== undefined) return fail(m.failed);
    if (m.warn !== undefined) {
      if (m.warn !== lastWarn) log.warn(`store: ${(lastWarn = m.warn)}`);
      return;
    }
    if (m.id === undefined) return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (waiting.size === 0 && !stopping) worker.unref();
    if (m.error === undefined) w.resolve();
    else w.reject(Object.assign(new Error(m.error), m.code ? { code: m.code } : {}));
  });
  worker.on('error', (err) => fail(err.message));
  void exited.then(() => fail('it exited'));
  return {
    alive: () => alive,
    write: (values) =>
      new Promise<void>((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        worker.ref();
        worker.postMessage({ id, values });
      }),
    stop: async () => {
      stopping = true;
      if (alive) {
        worker.ref(); // an unref'd worker would not keep the process up while close() waits for it
        worker.postMessage('stop');
      }
      await exited;
    },
  };
}
