/**
 * What agents write back: notes on an account for whoever takes it next, and thanks to a
 * person on the relay (announced on the config's webhook). Routes:
 *
 *   POST   /v1/accounts/{id}/notes   { text, ticket?, author? }            → 201 { note }
 *   GET    /v1/accounts/{id}/notes?limit=&before=&author=                  → 200 { notes, next }
 *   DELETE /v1/notes/{id}?author=    (or a JSON body { author })           → 200 { deleted }
 *   POST   /v1/thanks                { to, account?, ticket?, message?, from? }
 *                                    → 201 { thanks, total }, or 200 with the same thanks
 *                                      when it repeats one from the last 60 s
 *
 * Who writes: the token's `person` when the config names one (a body's author/from is then
 * ignored; the note or thanks is `verified: true`), else the `author`/`from` the extension sends
 * (the agent's name from the options page), else the token's name — `verified: false`: the
 * server cannot vouch for a name a shared token sends.
 *
 * Who may delete a note: a person token, the notes of its person; anyone else only with the
 * note's delete key — a random secret the 201 of a shared-token note carries once (stored as its
 * SHA-256), sent back as `X-Baton-Delete-Key`. A name alone (`?author=Alice`) deletes nothing.
 *
 * Thanks are limited per writer (its person, else its shared token) per 24 hours: `thanksLimit`
 * in the config (perDay in all, perPersonPerDay to one person); over it, 429 `thanks_limit`.
 *
 * Every write is one transaction, committed durably before the answer goes out (store.ts). When
 * the store does not answer (PostgreSQL down), writes get 503 `store_unavailable` (app.ts) and
 * `/v1/context` still answers from the config, with `notes: []`, thanks counts 0 and
 * `writeBack: "unavailable"` (lookup.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import {
  DELETE_KEY_HEADER,
  NoteRequestSchema,
  THANKS_DEDUPE_MS,
  ThanksRequestSchema,
  type ContextResponse,
  type Note,
  type NoteDeleted,
  type NoteResponse,
  type NotesPage,
  type Person,
  type Thanks,
  type ThanksResponse,
} from '../shared/context';
import type { AppEnv } from './app';
import type { LoadedConfig, TokenEntry } from './config';
import { ApiError } from './errors';
import { thanksMessage, type Notifier } from './notify';
import { sha256Hex } from './security';
import { sameWriter, type NoteRow, type Store, type ThanksRow, type Writer } from './store';
import type { Logger } from './log';

/** The window of thanksLimit: a rolling 24 hours. */
export const THANKS_LIMIT_WINDOW_MS = 86_400_000;

/** Notes `/v1/context` carries. */
export const CONTEXT_NOTES = 5;
export const NOTES_PAGE_DEFAULT = 20;
export const NOTES_PAGE_MAX = 100;
/** How long a lookup waits for its notes and thanks counts before it answers without them. */
export const LOOKUP_STORE_TIMEOUT_MS = 1000;

export interface WriteBackDeps {
  store: Store;
  now: () => number;
  notifier?: Notifier;
}

/** The writer behind a request: the token's person, else the name given, else the token's name. */
export function writerOf(loaded: LoadedConfig, token: TokenEntry, given = ''): Writer {
  if (token.person) return { name: loaded.people.get(token.person)?.name ?? token.person, person: token.person, token: token.name };
  const name = given.trim();
  return { name: name || token.name, person: null, token: token.name };
}

export function noteOut(row: NoteRow, caller?: Writer): Note {
  return {
    id: String(row.id),
    text: row.text,
    ticket: row.ticket,
    author: row.author,
    at: row.at,
    mine: caller ? sameWriter(row, caller) : false,
    verified: row.authorPerson !== null,
  };
}

export function thanksOut(row: ThanksRow): Thanks {
  return { id: String(row.id), to: row.to, from: row.from, account: row.account, ticket: row.ticket, message: row.message, at: row.at, verified: row.fromPerson !== null };
}

/** True when `presented` is the key whose SHA-256 (hex) is `stored` (constant time). */
function deleteKeyMatches(stored: string | null, presented: string | undefined): boolean {
  if (!stored || !presented || presented.length > 200) return false;
  const a = Buffer.from(sha256Hex(presented), 'hex');
  const b = Buffer.from(stored, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The JSON body as an object; 415 for another content type, 400 for bad JSON. */
export async function jsonObject(c: Context<AppEnv>, optional = false): Promise<Record<string, unknown>> {
  const type = c.req.header('Content-Type');
  const text = await c.req.text();
  if (optional && text.trim() === '') return {};
  if (type !== undefined && !/^application\/json\s*(?:;|$)/i.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
  }
  if (text.trim() === '') throw new ApiError(400, 'bad_request', 'the body is empty: send a JSON object');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, 'bad_request', `the body is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError(400, 'bad_request', 'the body should be a JSON object');
  return body as Record<string, unknown>;
}

export function parse<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (!result.success) throw new ApiError(400, 'bad_request', result.issues.map((i) => i.message).join('; '));
  return result.output;
}

/** A whole number in [min, max] from the query, or `fallback` when absent. */
export function intParam(c: Context<AppEnv>, name: string, min: number, max: number, fallback?: number): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ApiError(400, 'bad_request', `${name} should be a whole number from ${min} to ${max}, not ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return n;
}

function accountOr404(loaded: LoadedConfig, id: string) {
  const account = loaded.config.accounts.find((a) => a.id === id);
  if (!account) throw new ApiError(404, 'not_found', `no account "${id}" in the config`);
  return account;
}

/** The `?author=` a caller identifies with (tokens without a person), checked like a body's. */
export function authorParam(value: string | undefined): string {
  return parse(NoteRequestSchema.entries.author, value) as string;
}

function queryAuthor(c: Context<AppEnv>): string {
  return authorParam(c.req.query('author'));
}

/** The caller as a writer, with `?author=` for tokens without a person. */
export function callerOf(c: Context<AppEnv>): Writer {
  return writerOf(c.get('loaded'), c.get('token'), queryAuthor(c));
}

/** Paths and methods the write-back routes answer (for 405s). */
export const WRITE_BACK_ROUTES: Record<string, string> = {
  '/v1/accounts/:id/notes': 'GET, HEAD, POST',
  '/v1/notes/:id': 'DELETE',
  '/v1/thanks': 'POST',
};

export function registerWriteBack(app: Hono<AppEnv>, deps: WriteBackDeps): void {
  const { store, now } = deps;

  app.post('/v1/accounts/:id/notes', async (c) => {
    const loaded = c.get('loaded');
    const account = accountOr404(loaded, c.req.param('id'));
    const req = parse(NoteRequestSchema, await jsonObject(c));
    const writer = writerOf(loaded, c.get('token'), req.author);
    // A shared token's writer gets a key to delete this note later (a person token needs none).
    const deleteKey = writer.person === null ? randomBytes(24).toString('base64url') : undefined;
    const row = await store.addNote({
      accountId: account.id,
      text: req.text,
      ticket: req.ticket,
      writer,
      at: new Date(now()),
      ...(deleteKey ? { deleteKey: sha256Hex(deleteKey) } : {}),
    });
    c.set('logNote', ` account=${account.id} note=${row.id}`);
    const out: NoteResponse = { note: noteOut(row, writer), ...(deleteKey ? { deleteKey } : {}) };
    return c.json(out, 201);
  });

  app.get('/v1/accounts/:id/notes', async (c) => {
    const account = accountOr404(c.get('loaded'), c.req.param('id'));
    const limit = intParam(c, 'limit', 1, NOTES_PAGE_MAX, NOTES_PAGE_DEFAULT)!;
    const before = intParam(c, 'before', 1, Number.MAX_SAFE_INTEGER);
    const caller = callerOf(c);
    const rows = await store.listNotes(account.id, limit + 1, before);
    const page = rows.slice(0, limit);
    const out: NotesPage = { notes: page.map((r) => noteOut(r, caller)), next: rows.length > limit ? String(page[page.length - 1]!.id) : null };
    c.header('Cache-Control', 'no-store');
    return c.json(out);
  });

  app.delete('/v1/notes/:id', async (c) => {
    const raw = c.req.param('id');
    const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
    const body = await jsonObject(c, true);
    const given = c.req.query('author') !== undefined ? queryAuthor(c) : (parse(NoteRequestSchema.entries.author, body.author) as string);
    const caller = writerOf(c.get('loaded'), c.get('token'), given);
    const key = c.req.header(DELETE_KEY_HEADER) ?? (typeof body.deleteKey === 'string' ? body.deleteKey : undefined);
    // A person token: its person's notes. Anyone (a shared token above all): with the note's key.
    const allowed = (row: NoteRow, stored: string | null) => (caller.person !== null && row.authorPerson === caller.person) || deleteKeyMatches(stored, key);
    const result = Number.isNaN(id) ? { deleted: false as const, row: null } : await store.deleteNote(id, allowed);
    if (!result.row) throw new ApiError(404, 'not_found', `no note "${raw}"`);
    if (!result.deleted) {
      throw new ApiError(
        403,
        'forbidden',
        result.row.authorPerson
          ? `only ${result.row.author}'s own token can delete this note`
          : `this note was written through a shared token: only its delete key (${DELETE_KEY_HEADER}, given when it was written) can delete it${key ? ', and the key sent is not it' : ''}`,
      );
    }
    c.set('logNote', ` note=${id} deleted`);
    const out: NoteDeleted = { deleted: String(id) };
    return c.json(out);
  });

  app.post('/v1/thanks', async (c) => {
    const body = await jsonObject(c);
    const loaded = c.get('loaded');
    const req = parse(ThanksRequestSchema, body);
    if (!loaded.people.has(req.to)) throw new ApiError(404, 'not_found', `no person "${req.to}" in the config`);
    if (req.account) accountOr404(loaded, req.account);
    const writer = writerOf(loaded, c.get('token'), req.from);
    const at = new Date(now());
    const webhook = loaded.config.notifications.webhook;
    const { perDay, perPersonPerDay } = loaded.config.thanksLimit;
    const result = await store.addThanks({
      to: req.to,
      writer,
      account: req.account,
      ticket: req.ticket,
      message: req.message,
      at,
      sameSince: new Date(at.getTime() - THANKS_DEDUPE_MS),
      ...(webhook ? { notification: (row: ThanksRow) => ({ kind: 'thanks', body: JSON.stringify(thanksMessage(loaded, row)) }) } : {}),
      limit: { since: new Date(at.getTime() - THANKS_LIMIT_WINDOW_MS), perDay, perPersonPerDay },
    });
    if (result.row === null) {
      const who = writer.person !== null ? writer.name : `token "${writer.token}"`;
      const message =
        result.limited === 'perPersonPerDay'
          ? `${who} has thanked ${loaded.people.get(req.to)?.name ?? req.to} ${result.given} times in the last 24 hours: the limit is ${perPersonPerDay} (thanksLimit.perPersonPerDay)`
          : `${who} has given ${result.given} thanks in the last 24 hours: the limit is ${perDay} (thanksLimit.perDay)`;
      c.set('logNote', ` to=${req.to} thanks limited (${result.limited})`);
      throw new ApiError(429, 'thanks_limit', message);
    }
    if (result.created && webhook) deps.notifier?.kick();
    c.set('logNote', ` to=${req.to} thanks=${result.row.id}${result.created ? '' : ' repeated'}`);
    const out: ThanksResponse = { thanks: thanksOut(result.row), total: (await store.countThanks([req.to])).get(req.to) ?? 0 };
    return c.json(out, result.created ? 201 : 200);
  });
}
