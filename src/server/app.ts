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
import type { LoadedConfig, TokenEntry } from './config';
import { formatConfigError } from './config';
import { ApiError, codeForStatus } from './errors';
import { allowedOrigin, contextFastPath, contextHeaders, EXPOSE_HEADERS, SECURITY_HEADERS, type ShapedError } from './fast-context';
import { fixedSource, isConfigSource, type ConfigSource } from './holder';
import { healthOf } from './imports/report';
import { silentLogger, type Logger } from './log';
import { answerLookup, readLookupQuery } from './lookup';
import type { Notifier } from './notify';
import { openApiDocument } from './openapi';
import { bearerToken, findToken, logHash, RateLimiter } from './security';
import { StoreUnavailableError, type Store } from './store';
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

export type AppEnv = { Variables: { loaded: LoadedConfig; token: TokenEntry; logNote: string } };

/** Methods each read-only route answers; the write-back routes bring their own. */
const ROUTE_METHODS: Record<string, string> = {
  '/healthz': 'GET, HEAD',
  '/v1/context': 'GET, HEAD',
  '/v1/adapters': 'GET, HEAD',
  '/v1/whoami': 'GET, HEAD',
  '/v1/openapi.json': 'GET, HEAD',
  ...WRITE_BACK_ROUTES,
};

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

  const logLine = (method: string, path: string, status: number, started: number, token: TokenEntry | undefined, note: string) => {
    if (log.infoEnabled === false) return;
    log.info(`${method} ${path} ${status} ${(performance.now() - started).toFixed(1)}ms${token ? ` token=${token.name}` : ''}${note}`);
  };

  // One snapshot of the config per request (a reload never changes a request in flight), a log line after.
  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('loaded', source.current());
    c.set('logNote', '');
    await next();
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

  // 200 while the config is loaded, also when the store does not answer (lookups still work):
  // then `status` is "degraded" and `store.ok` false, with the reason.
  app.get('/healthz', async (c) => {
    const loaded = c.get('loaded');
    const failed = source.lastReloadError ?? null;
    let problem: string | null = null;
    let stats: Awaited<ReturnType<Store['notificationStats']>> | null = null;
    try {
      await store.ping();
      stats = await store.notificationStats();
    } catch (err) {
      problem = err instanceof StoreUnavailableError ? err.reason : (err as Error).message;
    }
    c.header('Cache-Control', 'no-store');
    return c.json({
      status: problem ? 'degraded' : 'ok',
      config: { file: basename(loaded.file), hash: loaded.hash, loadedAt: loaded.loadedAt, counts: loaded.counts },
      imports: loaded.imports.map(healthOf),
      lastReloadError: failed ? { at: failed.at, errors: failed.errors.map(formatConfigError) } : null,
      store: {
        kind: store.kind,
        at: store.kind === 'sqlite' ? basename(store.path) : store.path,
        ok: problem === null,
        ...(problem ? { error: problem } : {}),
        schemaVersion: store.schemaVersion,
        synchronous: store.synchronous,
        audit: { flushMs: store.auditFlushMs, ...store.auditBacklog() },
      },
      notifications: { webhook: loaded.config.notifications.webhook !== null, ...(stats ?? { pending: null, sent: null, lastError: null }) },
    });
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

  /** Bearer token, then the token's rate limit (the /v1/* middleware, and the lookup's fast path). */
  const authorize = (loaded: LoadedConfig, authorization: string | undefined, found?: (token: TokenEntry) => void): TokenEntry => {
    const presented = bearerToken(authorization);
    const challenge = { 'WWW-Authenticate': 'Bearer realm="baton"' };
    if (!presented) throw new ApiError(401, 'unauthorized', 'missing bearer token: send Authorization: Bearer <token>', challenge);
    const token = findToken(loaded.tokens, presented);
    if (!token) throw new ApiError(401, 'unauthorized', 'unknown token: check the token in the extension settings', challenge);
    found?.(token);
    const { perSecond, burst } = loaded.config.rateLimit;
    const decision = limiter.take(limiterKey(token), perSecond, burst, now());
    if (!decision.ok) {
      throw new ApiError(429, 'rate_limited', `too many requests for token "${token.name}": wait ${decision.retryAfter}s`, {
        'Retry-After': String(decision.retryAfter),
      });
    }
    return token;
  };

  app.use('/v1/*', async (c, next) => {
    authorize(c.get('loaded'), c.req.header('Authorization'), (token) => c.set('token', token)); // the log line names it, also on a 429
    await next();
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

  // Known paths, other methods.
  for (const [path, allow] of Object.entries(ROUTE_METHODS)) {
    app.all(path, () => {
      throw new ApiError(405, 'method_not_allowed', `this route answers ${allow.replace(', HEAD', '')} only`, { Allow: allow });
    });
  }

  app.notFound((c) => c.json(errorBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));

  /** Every error as the API answers it (onError, and the lookup's fast path). */
  const shapeError = (err: unknown, method: string, path: string): ShapedError => {
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
