/**
 * The context API client: the only code that calls the API. 3 s timeout per attempt, one
 * retry with backoff on network errors, answers validated with the shared valibot schemas,
 * and every failure mapped to one LookupErrorKind.
 */
import * as v from 'valibot';
import {
  AdaptersResponseSchema,
  ContextResponseSchema,
  ErrorResponseSchema,
  SearchResponseSchema,
  WhoAmIResponseSchema,
  type ContextQuery,
} from '../shared/context';
import type { LookupError } from '../shared/messages';
import { parseUrl } from '../shared/links';

export interface ApiTarget {
  apiUrl: string;
  token: string;
}

export interface ApiOptions {
  /** Per attempt, in ms. */
  timeoutMs?: number;
  /** Wait before the one retry, in ms. */
  backoffMs?: number;
  /** Retry once on a network error (default true). */
  retry?: boolean;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Default GET; writes (POST, DELETE) send `body` as JSON. */
  method?: string;
  body?: unknown;
  /** More request headers (the token's and the JSON ones always win). */
  headers?: Record<string, string>;
}

export type ApiResult<T> = { ok: true; data: T } | { ok: false; error: LookupError };

export class ApiError extends Error {
  constructor(readonly error: LookupError) {
    super(error.message);
  }
}

const DEFAULTS = { timeoutMs: 3000, backoffMs: 400 };

/** `http(s)://host[:port][/base]` without a trailing slash, or null when not a usable URL. */
export function normalizeApiUrl(raw: string): string | null {
  const s = raw.trim();
  const u = s ? parseUrl(s) : null;
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) return null;
  if (u.username || u.password || u.search || u.hash) return null;
  return (u.origin + u.pathname).replace(/\/+$/, '');
}

export function contextPath(q: ContextQuery): string {
  const p = new URLSearchParams();
  for (const k of ['email', 'domain', 'org', 'ticket', 'subject', 'tags', 'lang', 'author'] as const) {
    const val = q[k]?.trim();
    if (val) p.set(k, val);
  }
  return `/v1/context?${p.toString()}`;
}

function fail(kind: LookupError['kind'], message: string, status?: number): { ok: false; error: LookupError } {
  return { ok: false, error: status === undefined ? { kind, message } : { kind, message, status } };
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    const t = setTimeout(res, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), rej(signal.reason)), { once: true });
  });
}

/** GET `path` from the API (or `opts.method` with `opts.body`) and validate the JSON with `schema`. */
export async function apiGet<S extends v.GenericSchema>(
  target: ApiTarget,
  path: string,
  schema: S,
  opts: ApiOptions = {},
): Promise<ApiResult<v.InferOutput<S>>> {
  const base = normalizeApiUrl(target.apiUrl);
  if (!base || !target.token.trim()) return fail('unconfigured', 'API address or token not set');
  const { timeoutMs, backoffMs } = { ...DEFAULTS, ...opts };
  const doFetch = opts.fetch ?? fetch;
  let res: Response | undefined;
  let lastError = '';
  const attempts = opts.retry === false ? 1 : 2;
  for (let attempt = 0; attempt < attempts && !res; attempt++) {
    if (attempt > 0) await delay(backoffMs, opts.signal);
    const signals = [AbortSignal.timeout(timeoutMs), ...(opts.signal ? [opts.signal] : [])];
    try {
      res = await doFetch(base + path, {
        method: opts.method ?? 'GET',
        headers: { ...opts.headers, Authorization: `Bearer ${target.token.trim()}`, Accept: 'application/json', ...(opts.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
        signal: AbortSignal.any(signals),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      if (opts.signal?.aborted) throw opts.signal.reason;
      lastError = e instanceof Error && e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : String((e as Error)?.message ?? e);
    }
  }
  if (!res) return fail('offline', `Could not reach ${base}: ${lastError}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const parsed = v.safeParse(ErrorResponseSchema, body);
    const msg = parsed.success ? parsed.output.error.message : `HTTP ${res.status}`;
    if (res.status === 401 || res.status === 403) return fail('unauthorized', msg, res.status);
    if (res.status >= 500 || res.status === 429) return fail('server', msg, res.status);
    return fail('bad-response', msg, res.status);
  }
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue?.path?.map((p) => String(p.key)).join('.') ?? '';
    return fail('bad-response', `Unexpected answer from the API${where ? ` at ${where}` : ''}: ${issue?.message ?? 'not JSON'}`);
  }
  return { ok: true, data: parsed.output };
}

export const getContext = (t: ApiTarget, q: ContextQuery, o?: ApiOptions) => apiGet(t, contextPath(q), ContextResponseSchema, o);
export const getWhoAmI = (t: ApiTarget, o?: ApiOptions) => apiGet(t, '/v1/whoami', WhoAmIResponseSchema, o);
export const getAdapters = (t: ApiTarget, o?: ApiOptions) => apiGet(t, '/v1/adapters', AdaptersResponseSchema, o);
export const getSearch = (t: ApiTarget, q: string, limit: number, o?: ApiOptions) =>
  apiGet(t, `/v1/search?${new URLSearchParams({ q, limit: String(limit) })}`, SearchResponseSchema, o);
