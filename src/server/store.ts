/**
 * The store: what agents write back — notes on accounts, thanks to people — the outbox of
 * notifications a thanks queues for the webhook, and the audit trail (which token looked up
 * which account, when, pruned after `audit.retentionDays`).
 *
 * One interface, one implementation per engine:
 *  - store-sqlite.ts — an embedded SQLite file, the default (one instance, nothing to set up);
 *  - store-postgres.ts — PostgreSQL, shared by several instances behind a load balancer.
 * `openStore(where)` picks by the address: `postgres://…` / `postgresql://…`, else a file path.
 *
 * Durability, both engines: every write of notes, thanks and the outbox is one transaction,
 * committed durably (SQLite synchronous=FULL; PostgreSQL synchronous_commit=on) before the
 * method resolves, and the HTTP layer answers only after that — a 201 survives a SIGKILL.
 *
 * The audit trail is the exception, on purpose: it is one row per GET /v1/context, and a
 * commit per lookup sat in every such request's latency (and, on PostgreSQL, would be a round
 * trip per lookup). `recordLookup` only appends to a buffer; the buffer is committed as one
 * batch every AUDIT_FLUSH_MS (group commit), and on close (SIGTERM, SIGINT). A crash of the
 * process (SIGKILL, OOM) loses at most the lookups of the last window (AUDIT_FLUSH_MS plus one
 * commit); readers through the same store (`recentLookups`, `countLookups`) flush first, so
 * they see their own lookups. docs/admin.md ("The audit trail") says so for admins.
 */
import type { MatchKind } from '../shared/context';
import type { Logger } from './log';

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
  /**
   * Thanks the writer (its person, else its shared token) may have given since `since`: in all,
   * and to this one person. Checked in the same transaction as the insert (one writer at a time).
   */
  limit?: { since: Date; perDay: number; perPersonPerDay: number };
}

/** What addThanks did: a new thanks, the same one again, or nothing because the writer is over a limit. */
export type AddThanksResult =
  | { created: boolean; row: ThanksRow; limited?: undefined }
  | { created: false; row: null; limited: 'perDay' | 'perPersonPerDay'; given: number };

/** A thanks row's count against a limit: the same writer (person, else shared token) since the window start. */
export function overThanksLimit(given: { all: number; toOne: number }, limit: NonNullable<NewThanks['limit']>): AddThanksResult | null {
  if (given.toOne >= limit.perPersonPerDay) return { created: false, row: null, limited: 'perPersonPerDay', given: given.toOne };
  if (given.all >= limit.perDay) return { created: false, row: null, limited: 'perDay', given: given.all };
  return null;
}

/** "This is <account>": an agent linked a requester's email to an account (read by /v1/context). */
export interface LinkRow {
  /** Normalised (lower case). */
  email: string;
  accountId: string;
  /** The requester's name as the desk showed it. */
  name: string;
  ticket: string;
  author: string;
  authorPerson: string | null;
  token: string;
  at: string;
}

/** "Hand to sales": an unknown requester handed to a stage's people (announced on the webhook). */
/** What a hand-off says: to which stage, about whom, on which ticket. */
export interface HandoffFields {
  stage: string;
  email: string;
  name: string;
  org: string;
  ticket: string;
  subject: string;
  url: string;
  note: string;
}

export interface HandoffRow extends HandoffFields {
  id: number;
  author: string;
  authorPerson: string | null;
  token: string;
  at: string;
}

export interface NewHandoff extends HandoffFields {
  writer: Writer;
  at: Date;
  /** The same writer handing the same requester (or ticket) to the same stage at or after this is the same hand-off. */
  sameSince: Date;
  /** The notification queued with it (in the same transaction). */
  notification: (row: HandoffRow) => { kind: string; body: string };
}

/** True when two hand-offs are the same one given twice (a double click, a retry). */
export function sameHandoff(row: HandoffRow, h: Pick<NewHandoff, 'stage' | 'email' | 'ticket' | 'writer'>): boolean {
  return row.stage === h.stage && row.email === h.email && row.ticket === h.ticket && sameWriter(row, h.writer);
}

export interface NotificationStats {
  pending: number;
  sent: number;
  lastError: string | null;
}

/** True when `writer` is the one who wrote a row with these author fields. */
export function sameWriter(row: { author: string; authorPerson: string | null; token: string }, writer: Writer): boolean {
  if (writer.person !== null) return row.authorPerson === writer.person;
  return row.authorPerson === null && row.token === writer.token && row.author === writer.name;
}

export type StoreKind = 'sqlite' | 'postgres';

export interface Store {
  readonly kind: StoreKind;
  /** Where it is, for logs and /healthz: the SQLite file, or the PostgreSQL URL without its password. */
  readonly path: string;
  /** The schema version after migrations. */
  readonly schemaVersion: number;
  /** How notes, thanks and the outbox commit: 'full' (SQLite) or 'on' (PostgreSQL synchronous_commit): synced before it resolves. */
  readonly synchronous: string;
  /** How the audit batches commit: 'normal' (SQLite; 'full' for ':memory:') or 'off' (PostgreSQL synchronous_commit). */
  readonly auditSynchronous: string;
  /** The group commit's window: buffered lookups are committed at most this many ms after they were recorded. */
  readonly auditFlushMs: number;

  /** Buffers one audit row; committed with the next batch (see the top). Never waits, never throws for the store. */
  recordLookup(event: LookupEvent): void;
  /** Commits what recordLookup buffered so far. */
  flushAudit(): Promise<void>;
  /** Lookups buffered and not yet committed; lookups dropped because the store did not answer for long. */
  auditBacklog(): { pending: number; dropped: number };
  /** Deletes audit rows older than `retentionDays` (and notifications sent before then); returns how many lookups. */
  pruneAudit(retentionDays: number, now?: Date): Promise<number>;
  recentLookups(limit?: number): Promise<AuditRow[]>;
  countLookups(): Promise<number>;

  /** `deleteKey`: the SHA-256 (hex) of the key that may delete the note (shared tokens), kept beside it. */
  addNote(note: { accountId: string; text: string; ticket: string; writer: Writer; at: Date; deleteKey?: string }): Promise<NoteRow>;
  /** An account's notes, newest first; `before` is a note id (the page after it). */
  listNotes(accountId: string, limit: number, before?: number): Promise<NoteRow[]>;
  /** Deletes a note if `allowed` says so for the stored row (and its delete key's SHA-256, if any), in one transaction. */
  deleteNote(id: number, allowed: (row: NoteRow, deleteKey: string | null) => boolean): Promise<{ deleted: true; row: NoteRow } | { deleted: false; row: NoteRow | null }>;

  /** Records a thanks (and queues its notification) unless the same one was given since `sameSince` — also when several instances take it at once — or the writer is over `limit`. */
  addThanks(t: NewThanks): Promise<AddThanksResult>;
  /** Thanks received, for each of `people` that has any. */
  countThanks(people: readonly string[]): Promise<Map<string, number>>;
  /** readForLookup without a promise, for a store that reads at once (SQLite): nothing to wait for, or to time out. Throws where readForLookup rejects. */
  readonly readForLookupNow?: (accountId: string | null, people: readonly string[], notes: number) => { notes: readonly NoteRow[]; thanks: Map<string, number>; stamp?: number };
  /**
   * What a lookup shows of the store, read at once (PostgreSQL: one query): the account's latest
   * `notes` notes and the people's thanks counts. `stamp`, when given, is the same value as long
   * as no note or thanks changed in the store (by this process or any other): a caller may keep
   * what it built from an earlier answer with the same stamp (lookup.ts). The rows and the thanks
   * map are shared between calls: read them, never change them.
   */
  readForLookup(accountId: string | null, people: readonly string[], notes: number): Promise<{ notes: readonly NoteRow[]; thanks: Map<string, number>; stamp?: number }>;

  /** Links a requester's email to an account (replacing an earlier link of that email). */
  linkEmail(link: { email: string; accountId: string; name: string; ticket: string; writer: Writer; at: Date }): Promise<LinkRow>;
  /** The link of a (normalised) email, if any. */
  findLink(email: string): Promise<LinkRow | undefined>;
  /** Every link, newest first (the admin's export). */
  listLinks(): Promise<LinkRow[]>;
  deleteLink(email: string): Promise<boolean>;
  /** Records a hand-off and queues its notification, unless the same one was given since `sameSince`. */
  addHandoff(h: NewHandoff): Promise<{ created: boolean; row: HandoffRow }>;

  /** The oldest notification not sent yet (due or not). */
  nextNotification(): Promise<OutboxRow | undefined>;
  /** Takes a due notification for sending until `leaseUntil` (ms); false if it is not due or another sender holds it. */
  claimNotification(id: number, now: number, leaseUntil: number): Promise<boolean>;
  markNotificationSent(id: number, at: Date): Promise<void>;
  markNotificationFailed(id: number, attempts: number, nextAt: number, error: string): Promise<void>;
  notificationStats(): Promise<NotificationStats>;

  /** Resolves when the store answers a trivial query; rejects (StoreUnavailableError) when it does not. */
  ping(): Promise<void>;
  /** Commits the audit buffer, then closes. */
  close(): Promise<void>;
}

/** The store does not answer (PostgreSQL down or unreachable): writes are refused with 503, lookups go on without notes. */
export class StoreUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`the store does not answer (${reason})`);
    this.name = 'StoreUnavailableError';
  }
}

/** The store's disk is full (SQLITE_FULL, ENOSPC, PostgreSQL 53100 disk_full): writes get 507 `store_full`, nothing was changed. */
export class StoreFullError extends Error {
  constructor(readonly reason: string) {
    super(`the store's disk is full (${reason})`);
    this.name = 'StoreFullError';
  }
}

/** The reason when `err` says the disk (or the database's space) is full, else null. */
export function diskFullReason(err: unknown): string | null {
  const e = err as { code?: unknown; errno?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return code;
  // PostgreSQL: 53100 disk_full; 53200 out_of_memory is not ours to name here.
  if (code === '53100') return '53100 disk_full';
  // SQLite reports a failed write of its journal on a full file system as an I/O error.
  if (code.startsWith('SQLITE_IOERR') && /ENOSPC|disk is full|database or disk is full/i.test(String((err as Error).message))) return code;
  return null;
}

/** Group commit: buffered lookups are written at most this long after they were recorded. */
export const AUDIT_FLUSH_MS = 5;
/** A batch is written at once when it reaches this many rows. */
export const AUDIT_BATCH_ROWS = 1000;
/** While the store does not answer, at most this many lookups wait in memory; older ones are dropped (and counted). */
export const AUDIT_MAX_PENDING = 50_000;

/**
 * The audit trail's group commit, for both engines: rows wait in memory for at most `flushMs`,
 * then `write` commits them in one transaction. A failed write keeps the rows (up to
 * AUDIT_MAX_PENDING, oldest dropped first) and tries again a second later.
 */
export class AuditBatcher {
  private rows: LookupEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private dropped = 0;
  private failing = false;

  constructor(
    private readonly write: (rows: LookupEvent[]) => Promise<void> | void,
    private readonly log: Logger,
    readonly flushMs = AUDIT_FLUSH_MS,
  ) {}

  push(event: LookupEvent): void {
    this.rows.push(event.at ? event : { ...event, at: new Date() });
    this.trim();
    if (this.rows.length >= AUDIT_BATCH_ROWS && !this.failing) this.schedule(0);
    else this.schedule(this.failing ? 1000 : this.flushMs);
  }

  /** Drops the oldest rows beyond AUDIT_MAX_PENDING, counting them. */
  private trim(): void {
    const over = this.rows.length - AUDIT_MAX_PENDING;
    if (over <= 0) return;
    this.rows.splice(0, over);
    this.dropped += over;
  }

  backlog(): { pending: number; dropped: number } {
    return { pending: this.rows.length, dropped: this.dropped };
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return; // one is set already, at most flushMs away
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, ms);
    this.timer.unref();
  }

  /** Writes everything buffered now (after a write in flight). Rejects when the write fails; the rows stay buffered. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.rows.length === 0) return;
    const batch = this.rows.splice(0, AUDIT_BATCH_ROWS);
    const writing = this.writeBatch(batch);
    this.writing = writing;
    try {
      await writing;
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
    if (this.rows.length > 0) await this.flush();
  }

  private async writeBatch(batch: LookupEvent[]): Promise<void> {
    try {
      await this.write(batch);
      if (this.failing) this.log.info(`audit: the store answers again; ${this.rows.length} buffered lookup(s) follow`);
      this.failing = false;
    } catch (err) {
      this.rows.unshift(...batch);
      this.trim();
      if (!this.failing) this.log.error(`audit write failed, keeping ${this.rows.length} lookup(s) in memory: ${(err as Error).message}`);
      this.failing = true;
      this.schedule(1000);
      throw err;
    }
  }

  /** Stops the timer and writes what is left (once; a failure is logged, not thrown). */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
    } catch (err) {
      this.log.error(`audit: ${this.rows.length} lookup(s) not written at close: ${(err as Error).message}`);
    } finally {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

/** True for a PostgreSQL address. */
export function isPostgresUrl(where: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(where);
}

/** An address as it may be shown: a PostgreSQL URL without its password (and without query parameters, which may hold one). */
export function displayStore(where: string): string {
  if (!isPostgresUrl(where)) return where;
  try {
    const u = new URL(where);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `postgres://${user}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable address)';
  }
}

export interface OpenStoreOptions {
  log?: Logger;
  /** The audit trail's group-commit window (tests may change it). */
  auditFlushMs?: number;
}

/** Opens (creating and migrating if needed) the store at `where`: a `postgres://` URL, a file path, or ':memory:'. */
export async function openStore(where: string, opts: OpenStoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(where)) {
    const { openPostgresStore } = await import('./store-postgres');
    return openPostgresStore(where, opts);
  }
  const { openSqliteStore } = await import('./store-sqlite');
  return openSqliteStore(where, opts);
}
