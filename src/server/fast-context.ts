/**
 * GET /v1/context straight from node:http, without Hono's Request and Response objects: the
 * route every ticket switch calls, so the one whose overhead counts (bench/REPORT.md: the Hono
 * path spent most of a lookup's CPU building web-standard Requests, Headers and Responses).
 * Everything else — other routes, HEAD, a lookup with a body — goes to the Hono app.
 *
 * It is the same route, not a second one: the token check and rate limit (`authorize`), the
 * query (lookup.ts readLookupQuery), the answer (lookup.ts answerLookup), the error shape and
 * the headers are the functions the Hono app uses, and a test compares both ways in, request
 * by request, status, headers and bytes (tests/api/fast-context.test.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getQueryParam } from 'hono/utils/url';
import type { ErrorResponse } from '../shared/context';
import type { Socket } from 'node:net';
import type { Asking, ConnectionToken } from './app';
import type { LoadedConfig, TokenEntry } from './config';
import type { Logger } from './log';
import { answerLookup, readLookupQuery, type LookupAnswer } from './lookup';
import type { Store } from './store';
import type { Writer } from './store';

/** chrome-extension://<id> and moz-extension://<uuid> only. */
export const EXTENSION_ORIGIN = /^(?:chrome|moz)-extension:\/\/[A-Za-z0-9-]+$/;

/** The origin CORS allows for a request's Origin header: the extension's own, else none. */
export const allowedOrigin = (origin: string): string | null => (EXTENSION_ORIGIN.test(origin) ? origin : null);

/** Headers every answer carries. */
export const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' } as const;

/** Headers CORS adds to every answer (hono/cors with app.ts's options). */
export const EXPOSE_HEADERS = 'Retry-After';

/** A lookup's own headers. */
export function contextHeaders(lang: string): Record<string, string> {
  return { 'Cache-Control': 'no-store', 'Content-Language': lang, Vary: 'Authorization, Accept-Language' };
}

export interface ShapedError {
  status: number;
  headers: Record<string, string>;
  body: ErrorResponse;
}

export interface FastPathDeps {
  current: () => LoadedConfig;
  store: Store;
  log: Logger;
  /** The token of a request (401 / 429 as an ApiError), as the /v1/* middleware checks it. */
  authorize: (loaded: LoadedConfig, asking: Asking, found?: (token: TokenEntry) => void) => TokenEntry;
  /** Who asks, from the token and `?author=` (400 as an ApiError for a bad author). */
  caller: (loaded: LoadedConfig, token: TokenEntry, author: string | undefined) => Writer;
  /** An error as app.onError shapes it. */
  shapeError: (err: unknown, method: string, path: string) => ShapedError;
  /** The request's log line, as app.ts's first middleware writes it. */
  logLine: (method: string, path: string, status: number, started: number, token: TokenEntry | undefined, note: string) => void;
}

const PATH = '/v1/context';

/** Per keep-alive connection: the token it presented last (app.ts authorize). */
const connections = new WeakMap<Socket, ConnectionToken>();
function connectionOf(socket: Socket): ConnectionToken {
  let kept = connections.get(socket);
  if (!kept) connections.set(socket, (kept = {}));
  return kept;
}

/**
 * A response's headers as one flat list (writeHead's array form: no header object per answer):
 * content-type, the route's own, CORS's exposed headers, the security headers, the length (the
 * order the Hono route gives them; tests/api/fast-context.test.ts compares both).
 */
function flatHeaders(own: Record<string, string>, bytes: number): Array<string | number> {
  const out: Array<string | number> = ['content-type', 'application/json'];
  for (const k in own) out.push(k, own[k]!);
  out.push('Access-Control-Expose-Headers', EXPOSE_HEADERS);
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) out.push(k, v);
  out.push('content-length', bytes);
  return out;
}

/** A lookup's headers but for its length, per language (built once). */
const answerPrefix = new Map<string, ReadonlyArray<string | number>>();
function answerHeaders(lang: string, bytes: number): Array<string | number> {
  let prefix = answerPrefix.get(lang);
  if (!prefix) {
    const own = contextHeaders(lang);
    own.Vary += ', Origin';
    answerPrefix.set(lang, (prefix = flatHeaders(own, 0).slice(0, -2)));
  }
  const out = prefix.slice();
  out.push('content-length', bytes);
  return out;
}

/**
 * A request URL's query, name → its first value, as Hono's getQueryParam(url) reads it. A URL
 * with nothing to decode or cut (no '%', '+' or '#': the usual lookup, ?email=a@b…) is read into
 * a Map in one pass; any other goes to Hono's own parser, so both give the same values
 * (tests/unit/server/fast-context-query.test.ts compares them). Hono's object for the plain case
 * is an Object.create(null) dictionary, the costliest self time of a lookup in our code
 * (bench --only profile: _getQueryParam 5 % of the main thread).
 */
export function queryOf(url: string): (name: string) => string | undefined {
  if (/[%+#]/.test(url)) {
    const params = getQueryParam(url) as Record<string, string | undefined>;
    return (name) => params[name];
  }
  const found = new Map<string, string>();
  let at = url.indexOf('?', 8);
  while (at !== -1) {
    const next = url.indexOf('&', at + 1);
    let eq = url.indexOf('=', at);
    if (eq > next && next !== -1) eq = -1;
    const name = url.slice(at + 1, eq === -1 ? (next === -1 ? undefined : next) : eq);
    at = next;
    if (name === '' || found.has(name)) continue;
    found.set(name, eq === -1 ? '' : url.slice(eq + 1, next === -1 ? undefined : next));
  }
  return (name) => found.get(name);
}

/** A request header as web Headers.get gives it: repeated values joined with ", ". */
const header = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value);

/** A request listener's first look: true when it answers the request (then the Hono app must not). */
export function contextFastPath(deps: FastPathDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  function send(res: ServerResponse, origin: string | undefined, status: number, headers: Array<string | number>, body: string): void {
    const allowed = origin === undefined ? null : allowedOrigin(origin);
    if (allowed) headers.push('Access-Control-Allow-Origin', allowed);
    res.writeHead(status, headers);
    res.end(body);
  }

  function failed(req: IncomingMessage, res: ServerResponse, err: unknown, started: number, token: TokenEntry | undefined): void {
    const shaped = deps.shapeError(err, 'GET', PATH);
    const body = JSON.stringify(shaped.body);
    send(res, req.headers.origin, shaped.status, flatHeaders({ ...shaped.headers, Vary: 'Origin' }, Buffer.byteLength(body)), body);
    deps.logLine('GET', PATH, shaped.status, started, token, '');
  }

  /** Answers in this turn when the lookup had nothing to wait for (answerLookup gave the answer, not a promise). */
  function answer(req: IncomingMessage, res: ServerResponse, url: string, started: number): void | Promise<void> {
    const h = req.headers;
    let token: TokenEntry | undefined;
    let lang: string;
    let answered: LookupAnswer | Promise<LookupAnswer>;
    try {
      const loaded = deps.current();
      const asking: Asking = { authorization: h.authorization, remoteAddress: req.socket.remoteAddress, forwardedFor: () => header(h['x-forwarded-for']), url, connection: connectionOf(req.socket) };
      token = deps.authorize(loaded, asking, (t) => (token = t));
      // The query read once (Hono's own parser, as c.req.query decodes it: each name's first value):
      // asked name by name, an escaped URL (?email=a%40b…) was read whole again for every name it lacks.
      const param = queryOf(url);
      const q = readLookupQuery(param, h['accept-language'], loaded);
      const caller = deps.caller(loaded, token, param('author'));
      lang = q.lang;
      answered = answerLookup(loaded, deps.store, token, q, caller, deps.log);
    } catch (err) {
      return failed(req, res, err, started, token);
    }
    const ok = (a: LookupAnswer) => {
      send(res, h.origin, 200, answerHeaders(lang, a.bytes), a.json);
      deps.logLine('GET', PATH, 200, started, token, a.logNote);
    };
    if (!(answered instanceof Promise)) return ok(answered);
    return answered.then(ok, (err: unknown) => failed(req, res, err, started, token));
  }

  return (req, res) => {
    if (req.method !== 'GET') return false;
    const url = req.url ?? '';
    if (!url.startsWith(PATH) || (url.length > PATH.length && url.charCodeAt(PATH.length) !== 63)) return false; // 63: '?'
    const h = req.headers;
    if (!h.host || h['content-length'] !== undefined || h['transfer-encoding'] !== undefined) return false;
    const started = performance.now();
    const broke = (err: unknown) => {
      deps.log.error(`GET ${PATH}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end();
    };
    try {
      answer(req, res, url, started)?.catch(broke);
    } catch (err) {
      broke(err);
    }
    return true;
  };
}
