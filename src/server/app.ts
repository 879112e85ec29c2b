/**
 * The context API as a Hono app: `createApp(config, store)`. Tests drive it with
 * `app.request()`; serve.ts puts it on a port. Every error leaves through one onError as
 * `{ "error": { "code", "message" } }`.
 */
import { basename } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AdaptersResponse, ErrorResponse, WhoAmIResponse } from '../shared/context';
import { decodeOrNull } from '../shared/links';
import type { LoadedConfig, TokenEntry } from './config';
import { formatConfigError } from './config';
import { buildContext, isLocale, localeFromAcceptLanguage } from './context';
import { ApiError, codeForStatus } from './errors';
import { fixedSource, isConfigSource, type ConfigSource } from './holder';
import { healthOf } from './imports/report';
import { LEAD_ROUTES, linkedMatch, registerLeads } from './leads';
import { silentLogger, type Logger } from './log';
import { matchQuery } from './match';
import type { Notifier } from './notify';
import { openApiDocument } from './openapi';
import { parseTags } from './products';
import { warmSearch } from './search';
import { AuthFailures, bearerToken, findToken, logHash, RateLimiter } from './security';
import { StoreFullError, StoreUnavailableError, type Store } from './store';
import { addWriteBack, callerOf, registerWriteBack, WRITE_BACK_ROUTES } from './writeback';

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

/** Longest accepted value per query parameter. */
const QUERY_LIMITS = { email: 320, domain: 253, org: 200, ticket: 200, subject: 500, tags: 1000 } as const;

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

/** chrome-extension://<id> and moz-extension://<uuid> only. */
const EXTENSION_ORIGIN = /^(?:chrome|moz)-extension:\/\/[A-Za-z0-9-]+$/;

export function createApp(config: ConfigSource | LoadedConfig, store: Store, opts: AppOptions = {}): Hono<AppEnv> {
  const source = isConfigSource(config) ? config : fixedSource(config);
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? Date.now;
  const limiter = new RateLimiter();
  const app = new Hono<AppEnv>();
  // A write that found the disk full: /healthz says so until a write succeeds again.
  let storeFull: { at: string; reason: string } | null = null;

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
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    const token = c.get('token');
    log.info(
      `${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - started).toFixed(1)}ms${token ? ` token=${token.name}` : ''}${c.get('logNote')}`,
    );
  });

  app.use(
    '*',
    cors({
      origin: (origin) => (EXTENSION_ORIGIN.test(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type'],
      exposeHeaders: ['Retry-After'],
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
  const sourceOf = (c: Context<AppEnv>): string => {
    const direct = c.env?.incoming?.socket?.remoteAddress ?? 'local';
    if (!c.get('loaded').config.trustProxy) return direct;
    const forwarded = c.req.header('X-Forwarded-For');
    // The proxy appends the address it saw: the last entry is the one it vouches for.
    const last = forwarded?.split(',').pop()?.trim();
    return last || direct;
  };

  // Bearer token, then the token's rate limit.
  app.use('/v1/*', async (c, next) => {
    const challenge = { 'WWW-Authenticate': 'Bearer realm="baton"' };
    const { burst: failBurst, perMinute } = c.get('loaded').config.authFailures;
    const from = sourceOf(c);
    const waiting = failures.waiting(from, perMinute, failBurst, now());
    if (waiting > 0) {
      throw new ApiError(429, 'too_many_failures', `too many requests with a wrong token from this address: wait ${waiting}s`, { 'Retry-After': String(waiting) });
    }
    const presented = bearerToken(c.req.header('Authorization'));
    if (!presented) throw new ApiError(401, 'unauthorized', 'missing bearer token: send Authorization: Bearer <token>', challenge);
    const token = findToken(c.get('loaded').tokens, presented);
    if (!token) {
      failures.fail(from, perMinute, failBurst, now());
      throw new ApiError(401, 'unauthorized', 'unknown token: check the token in the extension settings', challenge);
    }
    c.set('token', token);
    const { perSecond, burst } = c.get('loaded').config.rateLimit;
    const decision = limiter.take(token.digest.toString('hex'), perSecond, burst, now());
    if (!decision.ok) {
      throw new ApiError(429, 'rate_limited', `too many requests for token "${token.name}": wait ${decision.retryAfter}s`, {
        'Retry-After': String(decision.retryAfter),
      });
    }
    const broken = brokenQueryParam(c.req.url);
    if (broken !== null) {
      throw new ApiError(400, 'bad_request', `${broken ? `the query parameter ${JSON.stringify(broken.slice(0, 40))}` : 'a query parameter name'} has a broken %-escape (like %E0%A4%A): encode it with encodeURIComponent`);
    }
    await next();
  });

  app.get('/v1/status', async (c) => {
    c.header('Cache-Control', 'no-store');
    return c.json(await health(c.get('loaded'), true));
  });

  app.get('/v1/context', async (c) => {
    const q: Record<string, string | undefined> = {};
    for (const [name, max] of Object.entries(QUERY_LIMITS)) {
      const value = c.req.query(name);
      if (value !== undefined && value.length > max) throw new ApiError(400, 'bad_request', `${name} is longer than ${max} characters`);
      q[name] = value?.trim() || undefined;
    }
    const langParam = c.req.query('lang');
    if (langParam !== undefined && langParam !== '' && !isLocale(langParam)) {
      throw new ApiError(400, 'bad_request', 'lang must be ja or en');
    }
    if (!q.email && !q.domain && !q.org) {
      throw new ApiError(400, 'bad_request', 'give at least one of email, domain, org');
    }
    const loaded = c.get('loaded');
    const lang = (isLocale(langParam) ? langParam : undefined) ?? localeFromAcceptLanguage(c.req.header('Accept-Language')) ?? loaded.config.organization.defaultLocale;
    let match = matchQuery(loaded.index, q);
    // An email the config does not list but an agent linked to an account ("This is <account>").
    const link = match.by !== 'email' && q.email ? await linkedMatch(loaded, store, q.email, log) : null;
    if (link) match = link.match;
    const extras = { email: q.email, domain: q.domain, subject: q.subject, tags: parseTags(q.tags), linked: link?.linked };
    const body = await addWriteBack(buildContext(loaded, match, lang, extras), store, callerOf(c), log);

    const token = c.get('token');
    try {
      store.recordLookup({ token: token.name, accountId: match.account?.id ?? null, matchBy: match.by, ticket: q.ticket ?? '' });
    } catch (err) {
      log.error(`audit write failed: ${(err as Error).message}`);
    }
    c.set('logNote', ` match=${match.by}${match.account ? ` account=${match.account.id}` : ''}${q.email ? ` email=${logHash(q.email)}` : ''}`);
    c.header('Cache-Control', 'no-store');
    c.header('Content-Language', lang);
    c.header('Vary', 'Authorization, Accept-Language', { append: true });
    return c.json(body);
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

  app.onError((err, c) => {
    if (err instanceof StoreFullError) {
      if (!storeFull) log.error(`store: ${err.message}; writes get 507 until there is room`);
      storeFull ??= { at: new Date(now()).toISOString(), reason: err.reason };
      return c.json(errorBody('store_full', `${err.message}: nothing was changed; the admin must free space on the store's disk`), 507);
    }
    if (err instanceof StoreUnavailableError) {
      const write = c.req.method !== 'GET' && c.req.method !== 'HEAD';
      c.header('Retry-After', '1');
      return c.json(errorBody('store_unavailable', `${err.message}${write ? ': nothing was changed' : ''}; try again in a moment`), 503);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      const code = err instanceof ApiError ? err.code : codeForStatus(status);
      if (err instanceof ApiError) for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(errorBody(code, err.message || code.replace(/_/g, ' ')), status);
    }
    log.error(`${c.req.method} ${c.req.path}: ${(err as Error).stack ?? String(err)}`);
    return c.json(errorBody('internal', 'internal error'), 500);
  });

  return app;
}
