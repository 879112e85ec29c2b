/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). Schema changes are the
 * MIGRATIONS array, applied in order on open and counted in `PRAGMA user_version`.
 *
 * It keeps what agents write back — notes on accounts, thanks to people — and the outbox of
 * notifications a thanks queues for the webhook, plus the audit trail (which token looked up
 * which account, when, pruned after `audit.retentionDays`).
 *
 * Durability: every write of notes, thanks and the outbox is one transaction and
 * `synchronous = FULL`, so when a method returns, the write is on disk (the WAL is fsynced at
 * each commit). The HTTP layer answers only after that, so a 201 survives a SIGKILL or a power
 * cut right after it. (NORMAL would survive a killed process but not a power loss: it syncs the
 * WAL only at checkpoints.)
 *
 * The audit trail is the exception, on purpose: it is one row per GET /v1/context, and an
 * fsync per lookup sat in every such request's latency (bench/REPORT.md). Audit rows go through
 * a second connection to the same file with `synchronous = NORMAL`. Each row is still committed
 * before the answer — no in-memory buffer, nothing to flush on close, nothing a crash of the
 * process loses (a commit is in the WAL, in the OS's page cache); only a power loss or kernel
 * crash can drop the last rows, and never corrupts the file. Chosen over buffering rows and
 * flushing on a timer: no timer, no shutdown flush, no window in which a SIGKILL loses rows.
 * Why mixing the two is sound: `synchronous` is a per-connection setting; both connections
 * share one WAL (and its locks), and the file only changes at checkpoints, which sync in both
 * modes. A FULL commit fsyncs the whole WAL file after appending its frames, so everything
 * before it — audit rows included — is on disk too: NORMAL commits never weaken a FULL one.
 * (':memory:' is one database per connection, so there the audit uses the main connection.)
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { MatchKind } from '../shared/context';

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
];

export interface LookupEvent {
  token: string;
  accountId: string | null;
  matchBy: MatchKind;
  ticket?: string;
  at?: Date;
}

export interface AuditRow {
  at: string;
  token: string;
  accountId: string | null;
  matchBy: MatchKind;
  ticket: string;
}

/** Who writes a note or a thanks: the token's person, else the name the agent gave, else the token's name. */
export interface Writer {
  /** Display name. */
  name: string;
  /** people[].id when the token names a person. */
  person: string | null;
  /** The token's name in the config. */
  token: string;
}

export interface NoteRow {
  id: number;
  accountId: string;
  text: string;
  ticket: string;
  author: string;
  authorPerson: string | null;
  token: string;
  at: string;
}

export interface ThanksRow {
  id: number;
  to: string;
  from: string;
  fromPerson: string | null;
  token: string;
  account: string;
  ticket: string;
  message: string;
  at: string;
}

export interface OutboxRow {
  id: number;
  kind: string;
  refId: number;
  body: string;
  createdAt: string;
  attempts: number;
  nextAt: number;
  lastError: string | null;
  sentAt: string | null;
}

export interface NewThanks {
  to: string;
  writer: Writer;
  account: string;
  ticket: string;
  message: string;
  at: Date;
  /** A thanks from the same writer to the same person for the same ticket at or after this is the same thanks. */
  sameSince: Date;
  /** The notification to queue with a new thanks (built from the row); none when no webhook is configured. */
  notification?: (row: ThanksRow) => { kind: string; body: string };
}

/** True when `writer` is the one who wrote a row with these author fields. */
export function sameWriter(row: { author: string; authorPerson: string | null; token: string }, writer: Writer): boolean {
  if (writer.person !== null) return row.authorPerson === writer.person;
  return row.authorPerson === null && row.token === writer.token && row.author === writer.name;
}

export interface Store {
  readonly path: string;
  /** The schema version after migrations (PRAGMA user_version). */
  readonly schemaVersion: number;
  /** PRAGMA synchronous as set for notes, thanks and the outbox: 'full' (every commit synced before it returns). */
  readonly synchronous: string;
  /** PRAGMA synchronous of the audit trail's connection: 'normal' (see the top; 'full' for ':memory:'). */
  readonly auditSynchronous: string;
  /** Commits one audit row (through the audit connection) before it returns. */
  recordLookup(event: LookupEvent): void;
  /** Deletes audit rows older than `retentionDays` (and notifications sent before then); returns how many lookups. */
  pruneAudit(retentionDays: number, now?: Date): number;
  recentLookups(limit?: number): AuditRow[];
  countLookups(): number;

  addNote(note: { accountId: string; text: string; ticket: string; writer: Writer; at: Date }): NoteRow;
  /** An account's notes, newest first; `before` is a note id (the page after it). */
  listNotes(accountId: string, limit: number, before?: number): NoteRow[];
  /** Deletes a note if `allowed` says so for the stored row, in one transaction. */
  deleteNote(id: number, allowed: (row: NoteRow) => boolean): { deleted: true; row: NoteRow } | { deleted: false; row: NoteRow | null };

  /** Records a thanks (and queues its notification) unless the same one was given since `sameSince`. */
  addThanks(t: NewThanks): { created: boolean; row: ThanksRow };
  /** Thanks received, for each of `people` that has any. */
  countThanks(people: readonly string[]): Map<string, number>;

  /** The oldest notification not sent yet (due or not). */
  nextNotification(): OutboxRow | undefined;
  /** Takes a due notification for sending until `leaseUntil` (ms); false if it is not due or taken. */
  claimNotification(id: number, now: number, leaseUntil: number): boolean;
  markNotificationSent(id: number, at: Date): void;
  markNotificationFailed(id: number, attempts: number, nextAt: number, error: string): void;
  notificationStats(): { pending: number; sent: number; lastError: string | null };

  close(): void;
}

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

/** Opens (creating if needed) the store at `path`; ':memory:' for a throwaway one. */
export function openStore(path: string): Store {
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
      auditDb.pragma('synchronous = NORMAL'); // survives a killed process; a power loss may drop the last rows
      auditDb.pragma('busy_timeout = 5000');
    } catch (err) {
      if (auditDb !== db) auditDb.close();
      db.close();
      throw err;
    }
  }

  const insert = auditDb.prepare('INSERT INTO audit (at, token, account_id, match_by, ticket) VALUES (?, ?, ?, ?, ?)');
  const prune = db.prepare('DELETE FROM audit WHERE at < ?');
  const pruneSent = db.prepare('DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?');
  const recent = db.prepare('SELECT at, token, account_id AS accountId, match_by AS matchBy, ticket FROM audit ORDER BY id DESC LIMIT ?');
  const count = db.prepare('SELECT count(*) AS n FROM audit');

  const NOTE_COLUMNS = 'id, account_id AS accountId, text, ticket, author, author_person AS authorPerson, token, at';
  const insertNote = db.prepare('INSERT INTO notes (account_id, text, ticket, author, author_person, token, at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const noteById = db.prepare(`SELECT ${NOTE_COLUMNS} FROM notes WHERE id = ?`);
  const notesPage = db.prepare(`SELECT ${NOTE_COLUMNS} FROM notes WHERE account_id = ? AND id < ? ORDER BY id DESC LIMIT ?`);
  const removeNote = db.prepare('DELETE FROM notes WHERE id = ?');

  const THANKS_COLUMNS = 'id, to_person AS "to", from_name AS "from", from_person AS fromPerson, token, account_id AS account, ticket, message, at';
  const insertThanks = db.prepare('INSERT INTO thanks (to_person, from_name, from_person, token, account_id, ticket, message, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const thanksById = db.prepare(`SELECT ${THANKS_COLUMNS} FROM thanks WHERE id = ?`);
  const recentThanks = db.prepare(`SELECT ${THANKS_COLUMNS} FROM thanks WHERE to_person = ? AND ticket = ? AND at >= ? ORDER BY id DESC`);
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

  // Writes take the write lock up front (BEGIN IMMEDIATE): a check and its write see the same data.
  const addThanks = db.transaction((t: NewThanks): { created: boolean; row: ThanksRow } => {
    const w = t.writer;
    const same = (recentThanks.all(t.to, t.ticket, t.sameSince.toISOString()) as ThanksRow[]).find((r) =>
      sameWriter({ author: r.from, authorPerson: r.fromPerson, token: r.token }, w),
    );
    if (same) return { created: false, row: same };
    const at = t.at.toISOString();
    const id = Number(insertThanks.run(t.to, w.name, w.person, w.token, t.account, t.ticket, t.message, at).lastInsertRowid);
    const row = thanksById.get(id) as ThanksRow;
    if (t.notification) {
      const n = t.notification(row);
      enqueue.run(n.kind, id, n.body, at, t.at.getTime());
    }
    return { created: true, row };
  });
  const deleteNote = db.transaction((id: number, allowed: (row: NoteRow) => boolean) => {
    const row = noteById.get(id) as NoteRow | undefined;
    if (!row) return { deleted: false as const, row: null };
    if (!allowed(row)) return { deleted: false as const, row };
    removeNote.run(id);
    return { deleted: true as const, row };
  });

  const syncOf = (conn: Db) => (['off', 'normal', 'full', 'extra'] as const)[conn.pragma('synchronous', { simple: true }) as number] ?? 'unknown';
  const synchronous = syncOf(db);
  const auditSynchronous = syncOf(auditDb);

  return {
    path,
    schemaVersion,
    synchronous,
    auditSynchronous,
    recordLookup(e) {
      insert.run((e.at ?? new Date()).toISOString(), e.token, e.accountId, e.matchBy, (e.ticket ?? '').slice(0, 200));
    },
    pruneAudit(retentionDays, now = new Date()) {
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
      pruneSent.run(cutoff);
      return prune.run(cutoff).changes;
    },
    recentLookups(limit = 50) {
      return recent.all(limit) as AuditRow[];
    },
    countLookups() {
      return (count.get() as { n: number }).n;
    },

    addNote(n) {
      const id = db.transaction(() => Number(insertNote.run(n.accountId, n.text, n.ticket, n.writer.name, n.writer.person, n.writer.token, n.at.toISOString()).lastInsertRowid)).immediate();
      return noteById.get(id) as NoteRow;
    },
    listNotes(accountId, limit, before) {
      return notesPage.all(accountId, before ?? Number.MAX_SAFE_INTEGER, limit) as NoteRow[];
    },
    deleteNote: (id, allowed) => deleteNote.immediate(id, allowed),

    addThanks: (t) => addThanks.immediate(t),
    countThanks(people) {
      const rows = thanksCounts.all(JSON.stringify(people)) as { id: string; n: number }[];
      return new Map(rows.map((r) => [r.id, r.n]));
    },

    nextNotification() {
      return oldestPending.get() as OutboxRow | undefined;
    },
    claimNotification(id, now, leaseUntil) {
      return claim.run(leaseUntil, id, now).changes === 1;
    },
    markNotificationSent(id, at) {
      sent.run(at.toISOString(), id);
    },
    markNotificationFailed(id, attempts, nextAt, error) {
      failed.run(attempts, nextAt, error.slice(0, 500), id);
    },
    notificationStats() {
      return outboxStats.get() as { pending: number; sent: number; lastError: string | null };
    },

    close() {
      // The audit connection first: the last one to close checkpoints the WAL into the file.
      if (auditDb !== db && auditDb.open) auditDb.close();
      if (db.open) db.close();
    },
  };
}
