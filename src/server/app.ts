/**
 * The context API as a Hono app: `createApp(config, store)`. Tests drive it with
 * `app.request()`; serve.ts puts it on a port. Every error leaves through one onError as
 * `{ "error": { "code", "message" } }`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AdaptersResponse, ErrorResponse, WhoAmIResponse } from '../shared/context';
import { decodeOrNull } from '../shared/links';
import type { LoadedConfig, TokenEntry } from './config';
import { formatConfigError } from './config';
import { ApiError, codeForStatus } from './errors';
import { allowedOrigin, contextFastPath, contextHeaders, EXPOSE_HEADERS, SECURITY_HEADERS, type ShapedError } from './fast-context';
import { fixedSource, isConfigSource, type ConfigSource } from './holder';
import { healthOf } from './imports/report';
import { LEAD_ROUTES, registerLeads } from './leads';
import { silentLogger, type Logger } from './log';
import { answerLookup, readLookupQuery } from './lookup';
import type { Notifier } from './notify';
import { openApiDocument } from './openapi';
import { warmSearch } from './search';
import { AuthFailures, bearerToken, findToken, RateLimiter } from './security';
import { StoreFullError, StoreUnavailableError, type Store } from './store';
import { authorParam, callerOf, registerWriteBack, WRITE_BACK_ROUTES, writerOf } from './writeback';

export interface AppOptions {
  log?: Logger;
  /** Clock for the rate limiter, in ms (tests). */
  now?: () => number;
  /** Served as static files under /demo/, without auth. */
  demoDir?: string;
  /** Largest request body accepted, in bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /** Sends queued notifications; a new thanks wakes it. Without one, thanks queue until a server runs one. */
  notifier?: Notifier;
}

const errorBody = (code: string, message: string): ErrorResponse => ({ error: { code, message } });

export type AppEnv = {
  Variables: { loaded: LoadedConfig; token: TokenEntry; logNote: string };
  /** @hono/node-server's bindings (absent under app.request() unless a test passes them). */
  Bindings: { incoming?: { socket?: { remoteAddress?: string } } };
};

/** The first query parameter with a malformed %-escape (`?email=%E0%A4%A`): its name, '' for a broken name; null when all decode. */
export function brokenQueryParam(url: string): string | null {
  const q = url.indexOf('?');
  if (q < 0 || url.indexOf('%', q) < 0) return null; // the usual case: nothing to decode
  for (const part of url.slice(q + 1).split('&')) {
    if (!part.includes('%')) continue;
    const eq = part.indexOf('=');
    const name = decodeOrNull((eq < 0 ? part : part.slice(0, eq)).replace(/\+/g, ' '));
    if (name === null) return '';
    if (eq >= 0 && decodeOrNull(part.slice(eq + 1).replace(/\+/g, ' ')) === null) return name;
  }
  return null;
}

/** Most reload errors /v1/status lists (the count is always whole). */
export const STATUS_MAX_ERRORS = 50;

/** Methods each read-only route answers; the write-back routes bring their own. */
const ROUTE_METHODS: Record<string, string> = {
  '/healthz': 'GET, HEAD',
  '/v1/context': 'GET, HEAD',
  '/v1/adapters': 'GET, HEAD',
  '/v1/whoami': 'GET, HEAD',
  '/v1/status': 'GET, HEAD',
  '/v1/openapi.json': 'GET, HEAD',
  ...WRITE_BACK_ROUTES,
  ...LEAD_ROUTES,
};

/** What authorize looks at in a request. */
export interface Asking {
  authorization: string | undefined;
  /** The peer's address (the socket's). */
  remoteAddress: string | undefined;
  /** X-Forwarded-For (read only when the config trusts a proxy). */
  forwardedFor: () => string | undefined;
  /** The request URL or path with its query (for broken %-escapes). */
  url: string;
  /** The connection's last accepted token (keep-alive: the next request with the same header skips the hash). */
  connection?: ConnectionToken;
}

/**
 * What a connection presented last and which token it was, for this config's tokens. Compared
 * with `===` only against what the same connection sent before, so it tells the client nothing
 * about any token it did not send; a wrong token is never kept (the failure throttle sees each).
 */
export interface ConnectionToken {
  authorization?: string;
  tokens?: readonly TokenEntry[];
  token?: TokenEntry;
}

/** A token's rate-limit bucket: its digest in hex (the same across reloads), worked out once per entry. */
const limiterKeys = new WeakMap<TokenEntry, string>();
function limiterKey(token: TokenEntry): string {
  let key = limiterKeys.get(token);
  if (key === undefined) limiterKeys.set(token, (key = token.digest.toString('hex')));
  return key;
}

/** The node:http fast path of each app createApp made (nodeListener). */
const fastPaths = new WeakMap<Hono<AppEnv>, (req: IncomingMessage, res: ServerResponse) => boolean>();

/**
 * The app as a node:http request listener: GET /v1/context through its fast path
 * (fast-context.ts), everything else through Hono (@hono/node-server). `fast: false` sends
 * everything through Hono (tests compare the two).
 */
export function nodeListener(app: Hono<AppEnv>, opts: { fast?: boolean; hostname?: string } = {}): (req: IncomingMessage, res: ServerResponse) => void {
  const hono = getRequestListener(app.fetch, opts.hostname === undefined ? {} : { hostname: opts.hostname });
  const fast = opts.fast === false ? undefined : fastPaths.get(app);
  return fast ? (req, res) => void (fast(req, res) || hono(req, res)) : (req, res) => void hono(req, res);
}

export function createApp(config: ConfigSource | LoadedConfig, store: Store, opts: AppOptions = {}): Hono<AppEnv> {
  const source = isConfigSource(config) ? config : fixedSource(config);
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const limiter = new RateLimiter();
  const app = new Hono<AppEnv>();
  // A write that found the disk full: /healthz says so until a write succeeds again.
  let storeFull: { at: string; reason: string } | null = null;

  const logLine = (method: string, path: string, status: number, started: number, token: TokenEntry | undefined, note: string) => {
    if (log.infoEnabled === false) return;
    log.info(`${method} ${path} ${status} ${(performance.now() - started).toFixed(1)}ms${token ? ` token=${token.name}` : ''}${note}`);
  };

  // One snapshot of the config per request (a reload never changes a request in flight), a log line after.
  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('loaded', source.current());
    c.set('logNote', '');
    warmSearch(c.get('loaded')); // a new config's search index is built off this request
    await next();
    if (storeFull && c.req.method !== 'GET' && c.req.method !== 'HEAD' && c.res.status < 300 && c.get('token')) {
      log.info('store: writes succeed again (the disk has room)');
      storeFull = null;
    }
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.header(k, v);
    logLine(c.req.method, c.req.path, c.res.status, started, c.get('token'), c.get('logNote'));
  });

  app.use(
    '*',
    cors({
      origin: allowedOrigin,
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: [EXPOSE_HEADERS],
      maxAge: 600,
    }),
  );

  app.use(
    '*',
    bodyLimit({
      maxSize: opts.maxBodyBytes ?? 64 * 1024,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `request body over ${opts.maxBodyBytes ?? 64 * 1024} bytes`);
      },
    }),
  );

  /**
   * What /healthz (no token: status and counts only — no error texts, paths, addresses or
   * values) and /v1/status (a token: the details) say. 200 while the config is loaded, also
   * when the store does not answer (lookups still work): then `status` is "degraded".
   */
  async function health(loaded: LoadedConfig, detail: boolean) {
    const failed = source.lastReloadError ?? null;
    let problem: string | null = null;
    let stats: Awaited<ReturnType<Store['notificationStats']>> | null = null;
    try {
      await store.ping();
      stats = await store.notificationStats();
    } catch (err) {
      problem = err instanceof StoreUnavailableError ? err.reason : (err as Error).message;
    }
    const storeProblem = problem !== null ? 'unavailable' : storeFull ? 'full' : null;
    const common = {
      status: storeProblem ? 'degraded' : 'ok',
      store: { kind: store.kind, ok: storeProblem === null, ...(storeProblem ? { problem: storeProblem } : {}) },
    };
    const notifications = { webhook: loaded.config.notifications.webhook !== null, ...(stats ?? { pending: null, sent: null, lastError: null }) };
    const storeInfo = { schemaVersion: store.schemaVersion, synchronous: store.synchronous, audit: { flushMs: store.auditFlushMs, ...store.auditBacklog() } };
    if (!detail) {
      return {
        status: common.status,
        config: { hash: loaded.hash, loadedAt: loaded.loadedAt, counts: loaded.counts },
        imports: loaded.imports.map((r) => {
          const { path: _path, ...counts } = healthOf(r); // the path may be absolute: /v1/status has it
          return counts;
        }),
        lastReloadError: failed ? { at: failed.at, errors: failed.errors.length } : null,
        store: { ...common.store, ...storeInfo },
        notifications: { webhook: notifications.webhook, pending: notifications.pending, sent: notifications.sent, failing: notifications.lastError !== null },
      };
    }
    return {
      status: common.status,
      config: { file: basename(loaded.file), hash: loaded.hash, loadedAt: loaded.loadedAt, counts: loaded.counts },
      imports: loaded.imports.map(healthOf),
      lastReloadError: failed
        ? { at: failed.at, count: failed.errors.length, errors: failed.errors.slice(0, STATUS_MAX_ERRORS).map(formatConfigError) }
        : null,
      store: {
        ...common.store,
        at: store.kind === 'sqlite' ? basename(store.path) : store.path,
        ...(problem ? { error: problem } : storeFull ? { error: storeFull.reason, since: storeFull.at } : {}),
        ...storeInfo,
      },
      notifications,
    };
  }

  app.get('/healthz', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await health(c.get('loaded'), false));
  });

  if (opts.demoDir) {
    const root = opts.demoDir;
    app.get('/', (c) => c.redirect('/demo/'));
    app.get('/demo', (c) => c.redirect('/demo/'));
    app.use('/demo/*', serveStatic({ root, rewriteRequestPath: (p) => p.replace(/^\/demo/, '') || '/' }));
    // The demo desk routes on the client (/demo/tickets/3): a deep link or a reload on a path
    // with no file behind it and no file extension gets the desk's index.html.
    app.get('/demo/*', serveStatic({ root, rewriteRequestPath: (p) => (/\.[A-Za-z0-9]+$/.test(p) ? p.replace(/^\/demo/, '') : '/index.html') }));
  }

  // Wrong tokens, by source: after `authFailures.burst` of them a source waits (429) — without
  // its tokens being checked, so guessing gets nowhere; other sources are not affected.
  const failures = new AuthFailures();
  const sourceOf = (loaded: LoadedConfig, asking: Asking): string => {
    const direct = asking.remoteAddress ?? 'local';
    if (!loaded.config.trustProxy) return direct;
    // The proxy appends the address it saw: the last entry is the one it vouches for.
    const last = asking.forwardedFor()?.split(',').pop()?.trim();
    return last || direct;
  };

  /**
   * Who may ask (the /v1/* middleware, and the lookup's fast path): the source's wrong-token
   * throttle, the bearer token, the token's rate limit, then a well-formed query. Throws the
   * ApiError the request gets; `found` hears of the token as soon as it is known (the log line).
   */
  const authorize = (loaded: LoadedConfig, asking: Asking, found?: (token: TokenEntry) => void): TokenEntry => {
    const challenge = { 'WWW-Authenticate': 'Bearer realm="baton"' };
    const { burst: failBurst, perMinute } = loaded.config.authFailures;
    const from = sourceOf(loaded, asking);
    const waiting = failures.waiting(from, perMinute, failBurst, now());
    if (waiting > 0) {
      throw new ApiError(429, 'too_many_failures', `too many requests with a wrong token from this address: wait ${waiting}s`, { 'Retry-After': String(waiting) });
    }
    const kept = asking.connection;
    let token = kept?.token !== undefined && kept.tokens === loaded.tokens && kept.authorization === asking.authorization ? kept.token : undefined;
    if (!token) {
      const presented = bearerToken(asking.authorization);
      if (!presented) throw new ApiError(401, 'unauthorized', 'missing bearer token: send Authorization: Bearer <token>', challenge);
      token = findToken(loaded.tokens, presented);
      if (!token) {
        failures.fail(from, perMinute, failBurst, now());
        throw new ApiError(401, 'unauthorized', 'unknown token: check the token in the extension settings', challenge);
      }
      if (kept) {
        kept.authorization = asking.authorization;
        kept.tokens = loaded.tokens;
        kept.token = token;
      }
    }
    found?.(token);
    const { perSecond, burst } = loaded.config.rateLimit;
    const decision = limiter.take(limiterKey(token), perSecond, burst, now());
    if (!decision.ok) {
      throw new ApiError(429, 'rate_limited', `too many requests for token "${token.name}": wait ${decision.retryAfter}s`, {
        'Retry-After': String(decision.retryAfter),
      });
    }
    const broken = brokenQueryParam(asking.url);
    if (broken !== null) {
      throw new ApiError(400, 'bad_request', `${broken ? `the query parameter ${JSON.stringify(broken.slice(0, 40))}` : 'a query parameter name'} has a broken %-escape (like %E0%A4%A): encode it with encodeURIComponent`);
    }
    return token;
  };

  app.use('/v1/*', async (c, next) => {
    const asking: Asking = {
      authorization: c.req.header('Authorization'),
      remoteAddress: c.env?.incoming?.socket?.remoteAddress,
      forwardedFor: () => c.req.header('X-Forwarded-For'),
      url: c.req.url,
    };
    authorize(c.get('loaded'), asking, (token) => c.set('token', token)); // the log line names it, also on a 429
    await next();
  });

  app.get('/v1/status', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await health(c.get('loaded'), true));
  });

  // GET /v1/context: also answered by the fast path (fast-context.ts), with the same functions.
  app.get('/v1/context', async (c) => {
    const loaded = c.get('loaded');
    const q = readLookupQuery((name) => c.req.query(name), c.req.header('Accept-Language'), loaded);
    const answered = await answerLookup(loaded, store, c.get('token'), q, callerOf(c), log);
    c.set('logNote', answered.logNote);
    return c.body(answered.json, 200, { 'Content-Type': 'application/json', ...contextHeaders(q.lang) });
  });

  app.get('/v1/adapters', (c) => {
    const body: AdaptersResponse = { adapters: c.get('loaded').config.adapters };
    return c.json(body);
  });

  app.get('/v1/whoami', (c) => {
    const token = c.get('token');
    const body: WhoAmIResponse = {
      organization: { name: c.get('loaded').config.organization.name },
      token: { name: token.name, person: token.person },
    };
    return c.json(body);
  });

  app.get('/v1/openapi.json', (c) => c.json(openApiDocument));

  registerWriteBack(app, { store, now, ...(opts.notifier ? { notifier: opts.notifier } : {}) });
  registerLeads(app, { store, now, ...(opts.notifier ? { notifier: opts.notifier } : {}) });

  // Known paths, other methods.
  for (const [path, allow] of Object.entries(ROUTE_METHODS)) {
    app.all(path, () => {
      throw new ApiError(405, 'method_not_allowed', `this route answers ${allow.replace(', HEAD', '')} only`, { Allow: allow });
    });
  }

  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  /** Every error as the API answers it (onError, and the lookup's fast path). */
  const shapeError = (err: unknown, method: string, path: string): ShapedError => {
    if (err instanceof StoreFullError) {
      if (!storeFull) log.error(`store: ${err.message}; writes get 507 until there is room`);
      storeFull ??= { at: new Date(now()).toISOString(), reason: err.reason };
      return { status: 507, headers: {}, body: errorBody('store_full', `${err.message}: nothing was changed; the admin must free space on the store's disk`) };
    }
    if (err instanceof StoreUnavailableError) {
      const write = method !== 'GET' && method !== 'HEAD';
      return { status: 503, headers: { 'Retry-After': '1' }, body: errorBody('store_unavailable', `${err.message}${write ? ': nothing was changed' : ''}; try again in a moment`) };
    }
    if (err instanceof HTTPException) {
      const code = err instanceof ApiError ? err.code : codeForStatus(err.status);
      return { status: err.status, headers: err instanceof ApiError ? err.headers : {}, body: errorBody(code, err.message || code.replace(/_/g, ' ')) };
    }
    log.error(`${method} ${path}: ${(err as Error).stack ?? String(err)}`);
    return { status: 500, headers: {}, body: errorBody('internal', 'internal error') };
  };

  app.onError((err, c) => {
    const shaped = shapeError(err, c.req.method, c.req.path);
    for (const [k, v] of Object.entries(shaped.headers)) c.header(k, v);
    return c.json(shaped.body, shaped.status as ContentfulStatusCode);
  });

  fastPaths.set(
    app,
    contextFastPath({
      current: () => source.current(),
      store,
      log,
      authorize,
      caller: (loaded, token, author) => writerOf(loaded, token, authorParam(author)),
      shapeError,
      logLine,
    }),
  );
  return app;
}
