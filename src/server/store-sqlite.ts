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
 * its batches go through a second connection to the same file with `synchronous = NORMAL`: a
 * batch committed is in the WAL (the OS's page cache) without an fsync on the event loop; only a
 * power loss or kernel crash can drop the last batches, and never corrupts the file.
 * Why mixing the two is sound: `synchronous` is a per-connection setting; both connections
 * share one WAL (and its locks), and the file only changes at checkpoints, which sync in both
 * modes. A FULL commit fsyncs the whole WAL file after appending its frames, so everything
 * before it — audit rows included — is on disk too: NORMAL commits never weaken a FULL one.
 * (':memory:' is one database per connection, so there the audit uses the main connection.)
 *
 * Checkpoints (copying the WAL back into the file, with an fsync of each) run mostly in a worker
 * thread with its own connection, every CHECKPOINT_EVERY_MS: SQLite's automatic checkpoint runs
 * in whichever connection commits when the WAL reaches 1000 pages, and on the event loop that
 * was a 20–30 ms stall every second or two under load (bench: the p99). A checkpoint changes no
 * data, so it moves no connection's data_version. The worker's checkpoints cannot restart the
 * WAL while audit batches keep coming (frames committed during one are left for the next), so
 * the audit connection still checkpoints itself, at AUDIT_WAL_PAGES: by then the worker has
 * copied nearly everything, and the WAL starts over from its beginning. Should the worker not
 * start, the audit connection checkpoints as SQLite does by default.
 *
 * better-sqlite3 is synchronous: each method does its work before it returns its promise.
 */
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
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

type Db = Database.Database;

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

  // The audit trail's own connection (see the top). Opened after the migrations, so it sees the
  // schema; WAL is a property of the file, set again here only to say so.
  let auditDb = db;
  if (path !== ':memory:') {
    try {
      auditDb = new Database(path);
      auditDb.pragma('journal_mode = WAL');
      auditDb.pragma('synchronous = NORMAL'); // survives a killed process; a power loss may drop the last batches
      auditDb.pragma('busy_timeout = 5000');
    } catch (err) {
      if (auditDb !== db) auditDb.close();
      db.close();
      throw err;
    }
  }

  // A batch goes in as few statements as it can: one INSERT of up to AUDIT_ROWS_PER_INSERT rows
  // (a statement per row cost more than the rows themselves); statements kept per row count.
  const AUDIT_ROWS_PER_INSERT = 64;
  const inserts = new Map<number, Database.Statement>();
  const insertOf = (n: number) => {
    let stmt = inserts.get(n);
    if (!stmt) inserts.set(n, (stmt = auditDb.prepare(`INSERT INTO audit (at, token, account_id, match_by, ticket) VALUES ${Array(n).fill('(?, ?, ?, ?, ?)').join(', ')}`)));
    return stmt;
  };
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
  const insertBatch = auditDb.transaction((rows: LookupEvent[]) => {
    for (let i = 0; i < rows.length; i += AUDIT_ROWS_PER_INSERT) {
      const end = Math.min(rows.length, i + AUDIT_ROWS_PER_INSERT);
      const values: unknown[] = [];
      for (let k = i; k < end; k++) {
        const e = rows[k]!;
        const ticket = e.ticket ?? '';
        values.push(isoOf(e.at!), e.token, e.accountId, e.matchBy, ticket.length > 200 ? ticket.slice(0, 200) : ticket);
      }
      insertOf(end - i).run(values);
    }
  });
  const log = opts.log ?? silentLogger;
  // The checkpoint worker starts with the first audit batch (a store that records no lookups, like most in the tests, needs none).
  let checkpoints: { stop(): Promise<void> } | undefined;
  const audit = new AuditBatcher(
    (rows) => {
      if (path !== ':memory:' && !closed) checkpoints ??= startCheckpoints(path, auditDb, log);
      insertBatch.immediate(rows);
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
  // whenever the file's data_version, read through the audit connection, moves — which it does
  // when any other connection commits: this store's main connection, or another process on the
  // same file. (The audit connection's own batches do not move it.) data_version is read once per
  // turn of the event loop (the lookups answered in one turn are concurrent anyway): what another
  // process committed before a turn began, its lookups see.
  const dataVersion = auditDb.prepare('PRAGMA data_version').pluck();
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
    if (v !== seenVersion) {
      seenVersion = v;
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
  const auditSynchronous = syncOf(auditDb);
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
    readsAtOnce: true,
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
        await checkpoints?.stop();
        // The audit connection first: the last one to close checkpoints the WAL into the file.
        if (auditDb !== db && auditDb.open) auditDb.close();
        if (db.open) db.close();
      })();
      return closed;
    },
  };
}

/** How often the checkpoint worker copies the WAL into the file. */
export const CHECKPOINT_EVERY_MS = 500;
/** With the worker running, the audit connection's own checkpoint (which restarts the WAL) waits for this many pages (16 MB). */
export const AUDIT_WAL_PAGES = 4000;

/**
 * The worker's code (eval: no file to find beside a bundle); better-sqlite3 comes by its resolved
 * URL. Dynamic import() only: eval'd code is CommonJS in a plain process and ESM under a loader
 * such as tsx, and import() works in both.
 */
const CHECKPOINT_WORKER = `
(async () => {
  const { parentPort, workerData } = await import('node:worker_threads');
  const Database = (await import(workerData.module)).default;
  const db = new Database(workerData.path, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  const tick = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch (err) {
      parentPort.postMessage({ error: String((err && err.message) || err) });
    }
  };
  const timer = setInterval(tick, workerData.everyMs);
  parentPort.on('message', () => {
    clearInterval(timer);
    db.close();
    process.exit(0);
  });
  parentPort.postMessage({ ready: true });
})();
`;

/**
 * Starts the checkpoint worker for the file at `path`; until it says it is ready, and if it fails,
 * the audit connection keeps SQLite's automatic checkpoints at 1000 pages. stop() ends it (before the connections close: the
 * last one to close checkpoints the rest).
 */
function startCheckpoints(path: string, auditDb: Db, log: { warn(message: string): void }): { stop(): Promise<void> } {
  const automatic = (on: boolean) => {
    if (auditDb.open) auditDb.pragma(`wal_autocheckpoint = ${on ? 1000 : AUDIT_WAL_PAGES}`);
  };
  let worker: Worker | undefined;
  let lastError = '';
  try {
    worker = new Worker(CHECKPOINT_WORKER, { eval: true, execArgv: [], workerData: { path, module: pathToFileURL(createRequire(import.meta.url).resolve('better-sqlite3')).href, everyMs: CHECKPOINT_EVERY_MS } });
  } catch (err) {
    log.warn(`store: checkpoints stay on the event loop (${(err as Error).message})`);
    return { stop: async () => undefined };
  }
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('message', (m: { ready?: boolean; error?: string }) => {
    if (m.ready) automatic(false);
    else if (m.error && m.error !== lastError) {
      lastError = m.error;
      log.warn(`store: checkpoint failed: ${m.error}`);
    }
  });
  worker.on('error', (err) => {
    automatic(true);
    log.warn(`store: checkpoints back on the event loop (${err.message})`);
  });
  void exited.then(() => automatic(true));
  return {
    stop: async () => {
      worker.ref(); // an unref'd worker would not keep the process up while close() waits for it
      worker.postMessage('stop');
      await exited;
    },
  };
}
