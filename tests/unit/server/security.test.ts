import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearerToken, findToken, logHash, RateLimiter, sha256Hex } from '../../../src/server/security';
import { localeFromAcceptLanguage } from '../../../src/server/context';
import { closest, didYouMean, editDistance } from '../../../src/server/suggest';

const entry = (name: string, token: string) => ({ name, person: null, digest: createHash('sha256').update(token).digest() });

describe('tokens', () => {
  const tokens = [entry('a', 'alpha-token'), entry('b', 'beta-token')];

  it('finds the token whose sha256 matches', () => {
    expect(findToken(tokens, 'beta-token')?.name).toBe('b');
    expect(findToken(tokens, 'alpha-token')?.name).toBe('a');
    expect(findToken(tokens, 'gamma-token')).toBeUndefined();
    expect(findToken(tokens, '')).toBeUndefined();
    expect(findToken([], 'alpha-token')).toBeUndefined();
  });

  it('reads Bearer headers strictly', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer   abc  ')).toBe('abc');
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('hashes like `npx baton hash-token`', () => {
    expect(sha256Hex('baton-demo-token')).toBe('2362adfeaefe35347843230fafda7b3877e958666bb3108f4b6d3c62fd50da3b');
  });

  it('log hashes are short, stable and case-insensitive, and hide the value', () => {
    const h = logHash('Aiko.Tanaka@acme.example.jp');
    expect(h).toMatch(/^#[0-9a-f]{12}$/);
    expect(logHash('aiko.tanaka@ACME.example.jp')).toBe(h);
    expect(h).not.toContain('aiko');
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then refills at the rate, per key', () => {
    const rl = new RateLimiter();
    const t0 = 10_000;
    for (let i = 0; i < 4; i++) expect(rl.take('k', 2, 4, t0).ok).toBe(true);
    const denied = rl.take('k', 2, 4, t0);
    expect(denied).toEqual({ ok: false, retryAfter: 1, remaining: 0 });
    expect(rl.take('other', 2, 4, t0).ok).toBe(true);
    expect(rl.take('k', 2, 4, t0 + 499).ok).toBe(false);
    expect(rl.take('k', 2, 4, t0 + 1000).ok).toBe(true);
    // Never more than the burst, however long the pause.
    const later = t0 + 3_600_000;
    let allowed = 0;
    while (rl.take('k', 2, 4, later).ok) allowed++;
    expect(allowed).toBe(4);
  });

  it('says how long to wait at slow rates', () => {
    const rl = new RateLimiter();
    expect(rl.take('k', 0.1, 1, 0).ok).toBe(true);
    expect(rl.take('k', 0.1, 1, 0).retryAfter).toBe(10);
    expect(rl.take('k', 0.1, 1, 4_000).retryAfter).toBe(6);
  });
});

describe('Accept-Language', () => {
  it.each([
    ['ja,en;q=0.9', 'ja'],
    ['en-US,en;q=0.9,ja;q=0.8', 'en'],
    ['fr, ja;q=0.3, en;q=0.5', 'en'],
    ['ja-JP', 'ja'],
    ['en;q=0, ja;q=0.1', 'ja'],
    ['de, fr', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %s', (header, expected) => {
    expect(localeFromAcceptLanguage(header)).toBe(expected);
  });
});

describe('did you mean', () => {
  it('suggests close ids only', () => {
    expect(didYouMean('kurodaa', ['kuroda', 'sato'])).toBe(' (did you mean "kuroda"?)');
    expect(closest('Sato', ['sato'])).toBe('sato');
    expect(closest('slaes', ['sales', 'support'])).toBe('sales');
    expect(didYouMean('marketing', ['sales', 'support'])).toBe('');
    expect(editDistance('abc', 'acb')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});
