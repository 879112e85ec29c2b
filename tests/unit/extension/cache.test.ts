/** The cache's freshness rules: fresh 5 min, usable 24 h, per lookup key, survives memory loss. */
import { describe, expect, it } from 'vitest';
import { ContextCache, FRESH_MS, USABLE_MS, cacheKey, freshness } from '../../../src/background/cache';
import type { ContextResponse } from '../../../src/shared/context';
import { MemoryArea } from './helpers';

const answer = (name: string): ContextResponse => ({
  match: { by: 'email' },
  organization: { name: 'Hibiki Survey' },
  self: null,
  account: { id: name, name, employees: 1, industry: '', society: '' },
  contact: null,
  before: [],
  after: [],
  notes: [],
  lang: 'en',
});

describe('freshness', () => {
  it('is fresh under 5 minutes, stale until 24 hours, then expired', () => {
    const e = { data: answer('a'), fetchedAt: 1_000_000 };
    expect(freshness(e, 1_000_000)).toBe('fresh');
    expect(freshness(e, 1_000_000 + FRESH_MS - 1)).toBe('fresh');
    expect(freshness(e, 1_000_000 + FRESH_MS)).toBe('stale');
    expect(freshness(e, 1_000_000 + USABLE_MS - 1)).toBe('stale');
    expect(freshness(e, 1_000_000 + USABLE_MS)).toBe('expired');
    expect(freshness(e, 999_000)).toBe('stale'); // clock went back
  });
});

describe('cacheKey', () => {
  it('folds case, width and spaces; keeps languages apart; ignores the ticket', () => {
    expect(cacheKey({ email: 'Aiko@ACME.example ' })).toBe(cacheKey({ email: 'aiko@acme.example' }));
    expect(cacheKey({ org: 'ＡＣＭＥ' })).toBe(cacheKey({ org: 'acme' }));
    expect(cacheKey({ email: 'a@b.example', lang: 'ja' })).not.toBe(cacheKey({ email: 'a@b.example', lang: 'en' }));
    expect(cacheKey({ email: 'a@b.example', ticket: '1' })).toBe(cacheKey({ email: 'a@b.example', ticket: '2' }));
  });
});

describe('ContextCache', () => {
  it('serves what it stored with its freshness and drops it after 24 hours', async () => {
    let now = 5_000;
    const area = new MemoryArea();
    const cache = new ContextCache(area, () => now);
    await cache.put('k', answer('acme'));
    expect((await cache.get('k'))?.freshness).toBe('fresh');
    now += FRESH_MS;
    expect((await cache.get('k'))?.freshness).toBe('stale');
    now += USABLE_MS;
    expect(await cache.get('k')).toBeNull();
    expect(area.data.size).toBe(0);
  });

  it('outlives the service worker: a new cache reads storage', async () => {
    const area = new MemoryArea();
    await new ContextCache(area, () => 1).put('k', answer('acme'));
    const again = await new ContextCache(area, () => 2).get('k');
    expect(again?.entry.data.account?.name).toBe('acme');
  });

  it('clear() forgets every answer but nothing else in storage', async () => {
    const area = new MemoryArea();
    await area.set({ token: 'keep me' });
    const cache = new ContextCache(area, () => 1);
    await cache.put('a', answer('a'));
    await cache.put('b', answer('b'));
    await cache.clear();
    expect(await cache.get('a')).toBeNull();
    expect([...area.data.keys()]).toEqual(['token']);
  });

  it('prune() drops expired entries', async () => {
    let now = 0;
    const area = new MemoryArea();
    const cache = new ContextCache(area, () => now);
    await cache.put('old', answer('old'));
    now = USABLE_MS + 1;
    await cache.put('new', answer('new'));
    await cache.prune();
    expect([...area.data.keys()]).toEqual(['cache:new']);
  });
});
