/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). Schema changes are the
 * MIGRATIONS array, applied in order on open and counted in `PRAGMA user_version`; a later
 * issue appends notes and thanks tables there. For now it keeps the audit trail: which token
 * looked up which account, when, pruned after `audit.retentionDays`.
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

export interface Store {
  readonly path: string;
  /** The schema version after migrations (PRAGMA user_version). */
  readonly schemaVersion: number;
  recordLookup(event: LookupEvent): void;
  /** Deletes audit rows older than `retentionDays`; returns how many. */
  pruneAudit(retentionDays: number, now?: Date): number;
  recentLookups(limit?: number): AuditRow[];
  countLookups(): number;
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
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  const schemaVersion = migrate(db);

  const insert = db.prepare('INSERT INTO audit (at, token, account_id, match_by, ticket) VALUES (?, ?, ?, ?, ?)');
  const prune = db.prepare('DELETE FROM audit WHERE at < ?');
  const recent = db.prepare('SELECT at, token, account_id AS accountId, match_by AS matchBy, ticket FROM audit ORDER BY id DESC LIMIT ?');
  const count = db.prepare('SELECT count(*) AS n FROM audit');

  return {
    path,
    schemaVersion,
    recordLookup(e) {
      insert.run((e.at ?? new Date()).toISOString(), e.token, e.accountId, e.matchBy, (e.ticket ?? '').slice(0, 200));
    },
    pruneAudit(retentionDays, now = new Date()) {
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
      return prune.run(cutoff).changes;
    },
    recentLookups(limit = 50) {
      return recent.all(limit) as AuditRow[];
    },
    countLookups() {
      return (count.get() as { n: number }).n;
    },
    close() {
      if (db.open) db.close();
    },
  };
}
