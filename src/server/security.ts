/**
 * Bearer tokens (checked against SHA-256 digests in constant time), the per-token rate limit,
 * and hashing for logs (nothing logs a token or a full email).
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import type { TokenEntry } from './config';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The token entry whose digest matches; every entry is compared, in constant time each. */
export function findToken(tokens: readonly TokenEntry[], presented: string): TokenEntry | undefined {
  const digest = hash('sha256', presented, 'buffer'); // one call, no Hash object: a few µs less per request
  let found: TokenEntry | undefined;
  for (const t of tokens) {
    if (t.digest.length === digest.length && timingSafeEqual(t.digest, digest) && !found) found = t;
  }
  return found;
}

/** The token from `Authorization: Bearer <token>`; undefined when absent or malformed. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = header ? /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header) : null;
  return m?.[1];
}

/** A short, stable stand-in for an email or other identifier in logs. */
export function logHash(value: string): string {
  return `#${sha256Hex(value.trim().toLowerCase()).slice(0, 12)}`;
}

export interface RateDecision {
  ok: boolean;
  /** Whole seconds until one request is allowed again (only when !ok). */
  retryAfter: number;
  remaining: number;
}

/** Token buckets, one per key: `burst` requests at once, refilled at `perSecond`. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  take(key: string, perSecond: number, burst: number, nowMs: number): RateDecision {
    const bucket = this.buckets.get(key) ?? { tokens: burst, at: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.at) / 1000;
    bucket.tokens = Math.min(burst, bucket.tokens + elapsed * perSecond);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true, retryAfter: 0, remaining: Math.floor(bucket.tokens) };
    }
    return { ok: false, retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)), remaining: 0 };
  }
}

/** Most sources AuthFailures remembers; past it, sources that have waited out their failures are forgotten first. */
export const AUTH_FAILURE_SOURCES_MAX = 10_000;

/**
 * Wrong tokens per source address: `burst` failures are free, then one more per 60/perMinute
 * seconds; a source over it waits (`waiting` > 0) before any of its requests is looked at.
 * Good tokens cost nothing here. Memory is bounded (AUTH_FAILURE_SOURCES_MAX sources).
 */
export class AuthFailures {
  /** source → failures still counted (fractional, draining at perMinute/60 per second) and when. */
  private readonly sources = new Map<string, { count: number; at: number }>();

  private drained(source: string, perMinute: number, nowMs: number): { count: number; at: number } | undefined {
    const s = this.sources.get(source);
    if (!s) return undefined;
    s.count = Math.max(0, s.count - ((nowMs - s.at) / 60_000) * perMinute);
    s.at = nowMs;
    if (s.count === 0) this.sources.delete(source);
    return s.count === 0 ? undefined : s;
  }

  /** Seconds `source` must wait before its next request is checked; 0 when it may go on. */
  waiting(source: string, perMinute: number, burst: number, nowMs: number): number {
    if (this.sources.size === 0) return 0;
    const s = this.drained(source, perMinute, nowMs);
    if (!s || s.count <= burst - 1) return 0;
    return Math.max(1, Math.ceil(((s.count - (burst - 1)) * 60) / perMinute));
  }

  fail(source: string, perMinute: number, burst: number, nowMs: number): void {
    const s = this.drained(source, perMinute, nowMs) ?? { count: 0, at: nowMs };
    s.count = Math.min(s.count + 1, burst);
    this.sources.set(source, s);
    if (this.sources.size > AUTH_FAILURE_SOURCES_MAX) {
      for (const key of this.sources.keys()) {
        this.drained(key, perMinute, nowMs);
        if (this.sources.size <= AUTH_FAILURE_SOURCES_MAX * 0.9) break;
      }
      // Still full of sources that keep failing: the oldest entries go (Map keeps insertion order).
      for (const key of this.sources.keys()) {
        if (this.sources.size <= AUTH_FAILURE_SOURCES_MAX) break;
        this.sources.delete(key);
      }
    }
  }
}
