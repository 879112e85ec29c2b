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
 * ignored), else the `author`/`from` the extension sends (the agent's name from the options
 * page), else the token's name. Only the writer may delete a note: same person, or — for
 * tokens without a person — same token and same name.
 *
 * Every write is one transaction, committed durably before the answer goes out (store.ts). When
 * the store does not answer (PostgreSQL down), writes get 503 `store_unavailable` (app.ts) and
 * `/v1/context` still answers from the config, with `notes: []`, thanks counts 0 and
 * `writeBack: "unavailable"` (lookup.ts).
 */
import type { Context, Hono } from 'hono';
import * as v from 'valibot';
import {
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
import { sameWriter, type NoteRow, type Store, type ThanksRow, type Writer } from './store';
import type { Logger } from './log';

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
  return { id: String(row.id), text: row.text, ticket: row.ticket, author: row.author, at: row.at, mine: caller ? sameWriter(row, caller) : false };
}

export function thanksOut(row: ThanksRow): Thanks {
  return { id: String(row.id), to: row.to, from: row.from, account: row.account, ticket: row.ticket, message: row.message, at: row.at };
}

/** The JSON body as an object; 415 for another content type, 400 for bad JSON. */
async function jsonObject(c: Context<AppEnv>, optional = false): Promise<Record<string, unknown>> {
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

function parse<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, input, { abortPipeEarly: true });
  if (!result.success) throw new ApiError(400, 'bad_request', result.issues.map((i) => i.message).join('; '));
  return result.output;
}

/** A whole number in [min, max] from the query, or `fallback` when absent. */
function intParam(c: Context<AppEnv>, name: string, min: number, max: number, fallback?: number): number | undefined {
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
    const row = await store.addNote({ accountId: account.id, text: req.text, ticket: req.ticket, writer, at: new Date(now()) });
    c.set('logNote', ` account=${account.id} note=${row.id}`);
    const out: NoteResponse = { note: noteOut(row, writer) };
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
    const result = Number.isNaN(id) ? { deleted: false as const, row: null } : await store.deleteNote(id, (row) => sameWriter(row, caller));
    if (!result.row) throw new ApiError(404, 'not_found', `no note "${raw}"`);
    if (!result.deleted) {
      throw new ApiError(403, 'forbidden', `only the note's author can delete it (written by ${result.row.author}${result.row.authorPerson ? '' : ` with token "${result.row.token}"`})`);
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
    const result = await store.addThanks({
      to: req.to,
      writer,
      account: req.account,
      ticket: req.ticket,
      message: req.message,
      at,
      sameSince: new Date(at.getTime() - THANKS_DEDUPE_MS),
      ...(webhook ? { notification: (row: ThanksRow) => ({ kind: 'thanks', body: JSON.stringify(thanksMessage(loaded, row)) }) } : {}),
    });
    if (result.created && webhook) deps.notifier?.kick();
    c.set('logNote', ` to=${req.to} thanks=${result.row.id}${result.created ? '' : ' repeated'}`);
    const out: ThanksResponse = { thanks: thanksOut(result.row), total: (await store.countThanks([req.to])).get(req.to) ?? 0 };
    return c.json(out, result.created ? 201 : 200);
  });
}
