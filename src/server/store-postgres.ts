/**
 * The shared store: PostgreSQL, for several instances of the context API behind a load
 * balancer (docs/admin.md, "Several instances"). Driver: `postgres` (porsager), chosen on
 * measured round trips and pipelining (see the commit that added it).
 *
 * Across instances, every guarantee the SQLite store gives one process holds for all of them:
 *  - Migrations: one transaction under a transaction-level advisory lock, so instances that
 *    start together apply each version once (the others wait, then see it applied). Versions
 *    are rows of `baton_migrations`.
 *  - Notes and thanks: one transaction each, committed with synchronous_commit=on (the WAL is
 *    flushed before COMMIT returns) before the HTTP answer. A note written through one instance
 *    is in the next answer of every other (nothing is cached).
 *  - Thanks within the window counted once: the check and the insert run under a
 *    transaction-level advisory lock on (person, ticket), so two instances taking the same
 *    thanks at once are serialised — the second sees the first's row.
 *  - The outbox: a message is taken with a lease (an UPDATE … WHERE next_at <= now, which row
 *    locking makes atomic: one instance gets it, the others see it leased). If the instance
 *    dies mid-send, the lease runs out and another instance sends it.
 *  - The audit trail: batched (store.ts), one multi-row INSERT per batch through its own
 *    connection with synchronous_commit=off — the batch is not waited for on disk, as SQLite's
 *    audit connection runs synchronous=NORMAL.
 *
 * When the database goes away, queries fail fast with StoreUnavailableError (after one failed
 * try, the next second's queries do not wait for a connect); the pool reconnects by itself when
 * it is back. Lookups then go on without notes; writes get 503 (writeback.ts).
 */
import type postgres from 'postgres';
import { silentLogger } from './log';
import {
  AuditBatcher,
  diskFullReason,
  displayStore,
  sameHandoff,
  sameWriter,
  StoreFullError,
  StoreUnavailableError,
  type AuditRow,
  type HandoffRow,
  type LinkRow,
  type LookupEvent,
  type NewHandoff,
  type NewThanks,
  type NoteRow,
  type NotificationStats,
  type OpenStoreOptions,
  type OutboxRow,
  type Store,
  type ThanksRow,
  overThanksLimit,
  type AddThanksResult,
} from './store';

/** int8 (ids, counts) as a JS number: ids stay far below 2^53. */
const int8 = { to: 20, from: [20], serialize: (x: number) => String(x), parse: (x: string) => Number(x) };
type Sql = postgres.Sql<{ int8: number }>;
type Tx = postgres.TransactionSql<{ int8: number }>;

/** Advisory lock key of the migrations (the bigint key space); thanks lock (hash of person, hash of ticket) in the (int, int) space, which does not overlap it. */
const MIGRATION_LOCK = 7_242_811_001;

/** Each entry moves the schema one version up. Append only; never edit a released one. */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE audit (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at         timestamptz NOT NULL,
    token      text NOT NULL,          -- the token's name in the config, never the token
    account_id text,                   -- null when nothing matched
    match_by   text NOT NULL,
    ticket     text NOT NULL DEFAULT ''
  );
  CREATE INDEX audit_at ON audit (at);

  -- Notes agents leave on an account for whoever takes it next.
  CREATE TABLE notes (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- a sequence: never reused
    account_id    text NOT NULL,
    text          text NOT NULL,
    ticket        text NOT NULL DEFAULT '',
    author        text NOT NULL,       -- display name: the token's person, else the agent's name
    author_person text,                -- people[].id when the token names a person
    token         text NOT NULL,       -- the token's name in the config
    at            timestamptz NOT NULL
  );
  CREATE INDEX notes_account ON notes (account_id, id);

  -- Thanks from an agent to a person on the relay.
  CREATE TABLE thanks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_person   text NOT NULL,         -- people[].id
    from_name   text NOT NULL,
    from_person text,
    token       text NOT NULL,
    account_id  text NOT NULL DEFAULT '',
    ticket      text NOT NULL DEFAULT '',
    message     text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL
  );
  CREATE INDEX thanks_to ON thanks (to_person, ticket, at);

  -- Notifications waiting for the webhook, written in the same transaction as their thanks.
  CREATE TABLE outbox (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind       text NOT NULL,          -- 'thanks'
    ref_id     bigint NOT NULL,        -- thanks.id
    body       text NOT NULL,          -- the JSON posted, built when queued
    created_at timestamptz NOT NULL,
    attempts   integer NOT NULL DEFAULT 0,
    next_at    bigint NOT NULL,        -- epoch ms: not before (retry backoff, or a sender's lease)
    last_error text,
    sent_at    timestamptz             -- set once the webhook answered 2xx
  );
  CREATE INDEX outbox_pending ON outbox (id) WHERE sent_at IS NULL;
  `,
  `
  -- SHA-256 of the key that may delete a note written through a shared token (issue 11).
  ALTER TABLE notes ADD COLUMN delete_key text;
  -- Thanks per writer and day (thanksLimit): by person, or by shared token.
  CREATE INDEX thanks_from_person ON thanks (from_person, at);
  CREATE INDEX thanks_from_token ON thanks (token, at);
  `,
  `
  -- "This is <account>": requester emails agents linked to an account (issue 10).
  CREATE TABLE links (
    email         text PRIMARY KEY,    -- normalised: lower case
    account_id    text NOT NULL,
    name          text NOT NULL DEFAULT '',
    ticket        text NOT NULL DEFAULT '',
    author        text NOT NULL,
    author_person text,
    token         text NOT NULL,
    at            timestamptz NOT NULL
  );

  -- "Hand to sales": unknown requesters handed to a stage's people; each queues an outbox row.
  CREATE TABLE handoffs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stage         text NOT NULL,
    email         text NOT NULL DEFAULT '',
    name          text NOT NULL DEFAULT '',
    org           text NOT NULL DEFAULT '',
    ticket        text NOT NULL DEFAULT '',
    subject       text NOT NULL DEFAULT '',
    url           text NOT NULL DEFAULT '',
    note          text NOT NULL,
    author        text NOT NULL,
    author_person text,
    token         text NOT NULL,
    at            timestamptz NOT NULL
  );
  CREATE INDEX handoffs_recent ON handoffs (stage, email, at);
  `,
];

/**
 * Applies the migrations the database has not seen, in one transaction under an advisory lock:
 * instances starting together wait for each other, and each version is applied once.
 * Returns the schema version; refuses a database written by a newer Baton.
 */
export async function migratePostgres(sql: Sql, migrations: readonly string[] = PG_MIGRATIONS): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK}::bigint)`;
    await tx`CREATE TABLE IF NOT EXISTS baton_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;
    const current = (await tx<{ current: number }[]>`SELECT coalesce(max(version), 0)::int AS current FROM baton_migrations`)[0]!.current;
    if (current > migrations.length) {
      throw new Error(`the store was written by a newer Baton (schema version ${current}; this one knows ${migrations.length})`);
    }
    for (let version = current; version < migrations.length; version++) {
      await tx.unsafe(migrations[version]!).simple();
      await tx`INSERT INTO baton_migrations (version) VALUES (${version + 1})`;
    }
    return migrations.length;
  });
}

/** Why an error means "the database is not there" (a reason without secrets), or null for any other error. */
export function connectionProblem(err: unknown): string | null {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; errors?: unknown[] };
  const code = typeof e?.code === 'string' ? e.code : '';
  const network = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'CONNECTION_CLOSED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT'];
  if (network.includes(code)) return code;
  // 08: connection exception; 57P01–03: the server shuts down, crashed, or is starting; 53300: too many connections.
  if (/^08/.test(code) || ['57P01', '57P02', '57P03', '53300'].includes(code)) return `${code} ${typeof e.message === 'string' ? e.message : ''}`.trim();
  if (Array.isArray(e?.errors) && e.errors.length > 0) return connectionProblem(e.errors[0]);
  return null;
}

/** After a failed query, the next ones fail at once for this long (no connect attempt per request). */
const RETRY_AFTER_MS = 1000;
/** How long ping() waits. */
const PING_TIMEOUT_MS = 1500;

const NOTE_COLUMNS = 'id, account_id AS "accountId", text, ticket, author, author_person AS "authorPerson", token, at';
const THANKS_COLUMNS = 'id, to_person AS "to", from_name AS "from", from_person AS "fromPerson", token, account_id AS account, ticket, message, at';
const LINK_COLUMNS = 'email, account_id AS "accountId", name, ticket, author, author_person AS "authorPerson", token, at';
const HANDOFF_COLUMNS = 'id, stage, email, name, org, ticket, subject, url, note, author, author_person AS "authorPerson", token, at';
const OUTBOX_COLUMNS = 'id, kind, ref_id AS "refId", body, created_at AS "createdAt", attempts, next_at AS "nextAt", last_error AS "lastError", sent_at AS "sentAt"';

type Dated<T> = Omit<T, 'at'> & { at: Date };
const iso = <T extends { at: Date }>(r: T): Omit<T, 'at'> & { at: string } => ({ ...r, at: r.at.toISOString() });
const outboxOut = (r: Omit<OutboxRow, 'createdAt' | 'sentAt'> & { createdAt: Date; sentAt: Date | null }): OutboxRow => ({
  ...r,
  createdAt: r.createdAt.toISOString(),
  sentAt: r.sentAt ? r.sentAt.toISOString() : null,
});

export async function openPostgresStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const { default: postgres } = await import('postgres'); // loaded for a PostgreSQL store only (lazy.ts)
  const log = opts.log ?? silentLogger;
  const where = displayStore(url);
  const common = { onnotice: () => undefined, types: { int8 }, connect_timeout: 5, idle_timeout: 60 } as const;
  const sql: Sql = postgres(url, { ...common, max: 10, connection: { application_name: 'baton' } });
  // The audit trail's own connection: its batches commit without waiting for the WAL flush.
  const auditSql: Sql = postgres(url, { ...common, max: 1, connection: { application_name: 'baton-audit', synchronous_commit: 'off' } });

  let schemaVersion: number;
  let synchronous: string;
  let auditSynchronous: string;
  try {
    schemaVersion = await migratePostgres(sql);
    synchronous = (await sql<{ s: string }[]>`SELECT current_setting('synchronous_commit') AS s`)[0]!.s;
    auditSynchronous = (await auditSql<{ s: string }[]>`SELECT current_setting('synchronous_commit') AS s`)[0]!.s;
  } catch (err) {
    await Promise.all([sql.end({ timeout: 1 }), auditSql.end({ timeout: 1 })]).catch(() => undefined);
    const problem = connectionProblem(err);
    if (problem) throw new StoreUnavailableError(`${where}: ${problem}`);
    throw err;
  }

  let downUntil = 0;
  let downReason = '';
  /** Runs a query; a lost database becomes StoreUnavailableError, and the next RETRY_AFTER_MS fail without trying. */
  async function guard<T>(work: () => Promise<T>): Promise<T> {
    if (Date.now() < downUntil) throw new StoreUnavailableError(downReason);
    try {
      const result = await work();
      downUntil = 0;
      return result;
    } catch (err) {
      const full = diskFullReason(err);
      if (full) throw new StoreFullError(full);
      const problem = connectionProblem(err);
      if (problem === null) throw err;
      if (downUntil === 0) log.warn(`store: ${where} does not answer (${problem}); writes get 503 until it does`);
      downUntil = Date.now() + RETRY_AFTER_MS;
      downReason = problem;
      throw new StoreUnavailableError(problem);
    }
  }

  const audit = new AuditBatcher(
    async (rows: LookupEvent[]) => {
      await guard(
        () => auditSql`
        INSERT INTO audit (at, token, account_id, match_by, ticket)
        SELECT at, token, account_id, match_by, ticket
          FROM unnest(${sql.array(rows.map((e) => e.at!.toISOString()))}::timestamptz[],
                      ${sql.array(rows.map((e) => e.token))}::text[],
                      ${sql.array(rows.map((e) => e.accountId))}::text[],
                      ${sql.array(rows.map((e) => e.matchBy as string))}::text[],
                      ${sql.array(rows.map((e) => (e.ticket ?? '').slice(0, 200)))}::text[])
               WITH ORDINALITY AS r (at, token, account_id, match_by, ticket, n)
         ORDER BY n`,
      );
    },
    log,
    opts.auditFlushMs,
  );

  const noteById = async (tx: Sql | Tx, id: number) =>
    (await tx.unsafe<Dated<NoteRow>[]>(`SELECT ${NOTE_COLUMNS} FROM notes WHERE id = $1`, [id]))[0];

  async function addThanks(t: NewThanks): Promise<AddThanksResult> {
    return sql.begin(async (tx) => {
      const giver = t.writer.person !== null ? `person:${t.writer.person}` : `token:${t.writer.token}`;
      // One writer at a time (its limit), then one person and ticket at a time, across instances:
      // the checks below see every earlier thanks. Always in this order, so two never deadlock.
      // (hashtext is an int4: the bigint lock space it falls in is below MIGRATION_LOCK.)
      if (t.limit) await tx`SELECT pg_advisory_xact_lock(hashtext(${giver})::bigint)`;
      await tx`SELECT pg_advisory_xact_lock(hashtext(${t.to}), hashtext(${t.ticket}))`;
      const recent = await tx.unsafe<Dated<ThanksRow>[]>(
        `SELECT ${THANKS_COLUMNS} FROM thanks WHERE to_person = $1 AND ticket = $2 AND at >= $3 ORDER BY id DESC`,
        [t.to, t.ticket, t.sameSince.toISOString()],
      );
      const same = recent.find((r) => sameWriter({ author: r.from, authorPerson: r.fromPerson, token: r.token }, t.writer));
      if (same) return { created: false, row: iso(same) };
      const w = t.writer;
      if (t.limit) {
        const [given] = await tx.unsafe<{ all: number; toOne: number }[]>(
          `SELECT count(*)::int AS "all", (count(*) FILTER (WHERE to_person = $1))::int AS "toOne" FROM thanks
            WHERE at > $2 AND ${w.person !== null ? 'from_person = $3' : 'from_person IS NULL AND token = $3'}`,
          [t.to, t.limit.since.toISOString(), w.person ?? w.token],
        );
        const over = overThanksLimit(given!, t.limit);
        if (over) return over;
      }
      const [inserted] = await tx.unsafe<Dated<ThanksRow>[]>(
        `INSERT INTO thanks (to_person, from_name, from_person, token, account_id, ticket, message, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${THANKS_COLUMNS}`,
        [t.to, w.name, w.person, w.token, t.account, t.ticket, t.message, t.at.toISOString()],
      );
      const row = iso(inserted!);
      if (t.notification) {
        const n = t.notification(row);
        await tx`INSERT INTO outbox (kind, ref_id, body, created_at, next_at) VALUES (${n.kind}, ${row.id}, ${n.body}, ${t.at.toISOString()}::timestamptz, ${t.at.getTime()}::bigint)`;
      }
      return { created: true, row };
    }) as Promise<AddThanksResult>;
  }

  async function addHandoff(h: NewHandoff): Promise<{ created: boolean; row: HandoffRow }> {
    return sql.begin(async (tx) => {
      // One requester and stage at a time, across instances: the check below sees every earlier hand-off.
      await tx`SELECT pg_advisory_xact_lock(hashtext(${`handoff:${h.stage}`}), hashtext(${h.email}))`;
      const recent = await tx.unsafe<Dated<HandoffRow>[]>(`SELECT ${HANDOFF_COLUMNS} FROM handoffs WHERE stage = $1 AND email = $2 AND at >= $3 ORDER BY id DESC`, [
        h.stage,
        h.email,
        h.sameSince.toISOString(),
      ]);
      const same = recent.find((r) => sameHandoff(iso(r), h));
      if (same) return { created: false, row: iso(same) };
      const w = h.writer;
      const [inserted] = await tx.unsafe<Dated<HandoffRow>[]>(
        `INSERT INTO handoffs (stage, email, name, org, ticket, subject, url, note, author, author_person, token, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${HANDOFF_COLUMNS}`,
        [h.stage, h.email, h.name, h.org, h.ticket, h.subject, h.url, h.note, w.name, w.person, w.token, h.at.toISOString()],
      );
      const row = iso(inserted!);
      const n = h.notification(row);
      await tx`INSERT INTO outbox (kind, ref_id, body, created_at, next_at) VALUES (${n.kind}, ${row.id}, ${n.body}, ${h.at.toISOString()}::timestamptz, ${h.at.getTime()}::bigint)`;
      return { created: true, row };
    }) as Promise<{ created: boolean; row: HandoffRow }>;
  }

  let closed: Promise<void> | undefined;
  return {
    kind: 'postgres',
    path: where,
    schemaVersion,
    synchronous,
    auditSynchronous,
    auditFlushMs: audit.flushMs,
    recordLookup: (e) => audit.push(e),
    flushAudit: () => audit.flush(),
    auditBacklog: () => audit.backlog(),
    async pruneAudit(retentionDays, now = new Date()) {
      await audit.flush();
      const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
      return guard(async () => {
        await sql`DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ${cutoff}::timestamptz`;
        return (await sql`DELETE FROM audit WHERE at < ${cutoff}::timestamptz`).count;
      });
    },
    async recentLookups(limit = 50) {
      await audit.flush();
      const rows = await guard(
        () => sql<Dated<AuditRow>[]>`SELECT at, token, account_id AS "accountId", match_by AS "matchBy", ticket FROM audit ORDER BY id DESC LIMIT ${limit}`,
      );
      return rows.map(iso);
    },
    async countLookups() {
      await audit.flush();
      return (await guard(() => sql<{ n: number }[]>`SELECT count(*)::int AS n FROM audit`))[0]!.n;
    },

    async addNote(n) {
      const [row] = await guard(() =>
        sql.unsafe<Dated<NoteRow>[]>(
          `INSERT INTO notes (account_id, text, ticket, author, author_person, token, at, delete_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${NOTE_COLUMNS}`,
          [n.accountId, n.text, n.ticket, n.writer.name, n.writer.person, n.writer.token, n.at.toISOString(), n.deleteKey ?? null],
        ),
      );
      return iso(row!);
    },
    async listNotes(accountId, limit, before) {
      const rows = await guard(() =>
        sql.unsafe<Dated<NoteRow>[]>(`SELECT ${NOTE_COLUMNS} FROM notes WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, [
          accountId,
          before ?? Number.MAX_SAFE_INTEGER,
          limit,
        ]),
      );
      return rows.map(iso);
    },
    deleteNote: (id, allowed) =>
      guard(
        () =>
          sql.begin(async (tx) => {
            const found = (await tx.unsafe<(Dated<NoteRow> & { deleteKey: string | null })[]>(`SELECT ${NOTE_COLUMNS}, delete_key AS "deleteKey" FROM notes WHERE id = $1 FOR UPDATE`, [id]))[0];
            if (!found) return { deleted: false as const, row: null };
            const { deleteKey, ...rest } = found;
            const row = iso(rest);
            if (!allowed(row, deleteKey)) return { deleted: false as const, row };
            await tx`DELETE FROM notes WHERE id = ${id}`;
            return { deleted: true as const, row };
          }) as Promise<{ deleted: true; row: NoteRow } | { deleted: false; row: NoteRow | null }>,
      ),

    addThanks: (t) => guard(() => addThanks(t)),
    async countThanks(people) {
      if (people.length === 0) return new Map();
      const rows = await guard(
        () => sql<{ id: string; n: number }[]>`SELECT to_person AS id, count(*)::int AS n FROM thanks WHERE to_person = ANY(${sql.array([...people])}::text[]) GROUP BY to_person`,
      );
      return new Map(rows.map((r) => [r.id, r.n]));
    },

    async readForLookup(accountId, people, notes) {
      // Both in one statement: one round trip, one statement per lookup.
      const [row] = await guard(
        () => sql<{ notes: Array<Omit<NoteRow, 'at'> & { at: string }>; thanks: Record<string, number> }[]>`
        SELECT coalesce((SELECT json_agg(n ORDER BY n.id DESC) FROM (
                   SELECT id, account_id AS "accountId", text, ticket, author, author_person AS "authorPerson", token,
                          to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at
                     FROM notes WHERE account_id = ${accountId ?? ''} AND ${accountId !== null} ORDER BY id DESC LIMIT ${notes}) n), '[]') AS notes,
               coalesce((SELECT json_object_agg(to_person, c) FROM (
                   SELECT to_person, count(*)::int AS c FROM thanks WHERE to_person = ANY(${sql.array([...people])}::text[]) GROUP BY to_person) t), '{}') AS thanks`,
      );
      return { notes: row!.notes, thanks: new Map(Object.entries(row!.thanks)) };
    },
    async linkEmail(l) {
      const [row] = await guard(() =>
        sql.unsafe<Dated<LinkRow>[]>(
          `INSERT INTO links (email, account_id, name, ticket, author, author_person, token, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (email) DO UPDATE SET account_id = excluded.account_id, name = excluded.name, ticket = excluded.ticket,
             author = excluded.author, author_person = excluded.author_person, token = excluded.token, at = excluded.at
           RETURNING ${LINK_COLUMNS}`,
          [l.email, l.accountId, l.name, l.ticket, l.writer.name, l.writer.person, l.writer.token, l.at.toISOString()],
        ),
      );
      return iso(row!);
    },
    async findLink(email) {
      const rows = await guard(() => sql.unsafe<Dated<LinkRow>[]>(`SELECT ${LINK_COLUMNS} FROM links WHERE email = $1`, [email]));
      return rows[0] ? iso(rows[0]) : undefined;
    },
    async listLinks() {
      return (await guard(() => sql.unsafe<Dated<LinkRow>[]>(`SELECT ${LINK_COLUMNS} FROM links ORDER BY at DESC, email`))).map(iso);
    },
    async deleteLink(email) {
      return (await guard(() => sql`DELETE FROM links WHERE email = ${email}`)).count > 0;
    },
    addHandoff: (h) => guard(() => addHandoff(h)),

    async nextNotification() {
      const rows = await guard(() => sql.unsafe(`SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT 1`));
      const row = rows[0] as Parameters<typeof outboxOut>[0] | undefined;
      return row ? outboxOut(row) : undefined;
    },
    async claimNotification(id, now, leaseUntil) {
      const r = await guard(() => sql`UPDATE outbox SET next_at = ${leaseUntil}::bigint WHERE id = ${id} AND sent_at IS NULL AND next_at <= ${now}::bigint`);
      return r.count === 1;
    },
    async markNotificationSent(id, at) {
      await guard(() => sql`UPDATE outbox SET sent_at = ${at.toISOString()}::timestamptz, attempts = attempts + 1, last_error = NULL WHERE id = ${id}`);
    },
    async markNotificationFailed(id, attempts, nextAt, error) {
      await guard(() => sql`UPDATE outbox SET attempts = ${attempts}, next_at = ${nextAt}::bigint, last_error = ${error.slice(0, 500)} WHERE id = ${id} AND sent_at IS NULL`);
    },
    async notificationStats() {
      const [row] = await guard(
        () => sql<NotificationStats[]>`
        SELECT count(*) FILTER (WHERE sent_at IS NULL)::int AS pending, count(sent_at)::int AS sent,
               (SELECT last_error FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL ORDER BY id LIMIT 1) AS "lastError"
          FROM outbox`,
      );
      return row!;
    },

    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StoreUnavailableError(`no answer in ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      });
      try {
        downUntil = 0; // a health check always asks the database itself
        await Promise.race([guard(() => sql`SELECT 1`), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      closed ??= (async () => {
        await audit.close();
        await Promise.all([sql.end({ timeout: 5 }), auditSql.end({ timeout: 5 })]);
      })();
      return closed;
    },
  };
}
