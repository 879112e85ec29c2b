/**
 * Answers cached per lookup key, stale-while-revalidate: fresh for 5 minutes (served without
 * asking the API), then stale but usable for 24 hours (served at once, marked stale, while a
 * refresh runs; kept when the API cannot be reached), then gone. Kept in memory and in
 * storage.local (so it outlives the service worker and a restart), cleared when settings change.
 */
import type { ContextQuery, ContextResponse } from '../shared/context';
import { foldQueryText } from '../shared/query';

export const FRESH_MS = 5 * 60_000;
export const USABLE_MS = 24 * 60 * 60_000;
const PREFIX = 'cache:';
const MAX_ENTRIES = 300;

/** The part of storage.local the cache uses (webextension-polyfill's StorageArea fits). */
export interface KeyValueArea {
  get(keys: string | string[] | null): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
  remove(keys: string | string[]): Promise<void>;
}

export interface CacheEntry {
  data: ContextResponse;
  fetchedAt: number;
}

export type Freshness = 'fresh' | 'stale' | 'expired';

export function freshness(entry: CacheEntry, now: number): Freshness {
  const age = now - entry.fetchedAt;
  if (age < 0) return 'stale'; // clock moved back: usable, but ask again
  if (age < FRESH_MS) return 'fresh';
  if (age < USABLE_MS) return 'stale';
  return 'expired';
}

/** One key per question asked: the same customer asked in the same language shares it. */
export function cacheKey(q: ContextQuery): string {
  // The subject and tags pick the product area whose team leads the relay: part of the question.
  return JSON.stringify([foldQueryText(q.email), foldQueryText(q.domain), foldQueryText(q.org), q.lang ?? '', ...(q.subject || q.tags ? [foldQueryText(q.subject), foldQueryText(q.tags)] : [])]);
}

export class ContextCache {
  private memory = new Map<string, CacheEntry>();

  constructor(
    private area: KeyValueArea,
    private now: () => number = Date.now,
  ) {}

  /** The usable entry for `key` with its freshness, or null (missing or older than 24 h). */
  async get(key: string): Promise<{ entry: CacheEntry; freshness: Freshness } | null> {
    let entry = this.memory.get(key);
    if (!entry) {
      const stored = (await this.area.get(PREFIX + key))[PREFIX + key] as CacheEntry | undefined;
      if (stored && typeof stored.fetchedAt === 'number' && stored.data) {
        entry = stored;
        this.memory.set(key, entry);
      }
    }
    if (!entry) return null;
    const f = freshness(entry, this.now());
    if (f === 'expired') {
      await this.delete(key);
      return null;
    }
    return { entry, freshness: f };
  }

  /** Whether a usable answer for `key` is in memory now (get() then answers without storage). */
  has(key: string): boolean {
    const entry = this.memory.get(key);
    return !!entry && freshness(entry, this.now()) !== 'expired';
  }

  async put(key: string, data: ContextResponse): Promise<CacheEntry> {
    const { entry, written } = this.store(key, data);
    await written;
    return entry;
  }

  /**
   * put() in its two steps: the entry, in memory at once (get() answers from it), and its write
   * to storage (a round trip to the browser a fresh answer need not wait for).
   */
  store(key: string, data: ContextResponse): { entry: CacheEntry; written: Promise<void> } {
    const entry = { data, fetchedAt: this.now() };
    this.memory.set(key, entry);
    const written = (async () => {
      await this.area.set({ [PREFIX + key]: entry });
      if (this.memory.size > MAX_ENTRIES) await this.prune();
    })();
    return { entry, written };
  }

  async delete(key: string): Promise<void> {
    this.memory.delete(key);
    await this.area.remove(PREFIX + key);
  }

  /**
   * Rewrite cached answers in place (after a write-back: a new note, a thanks count), keeping
   * their age. `fn` returns the new answer, or null to leave an entry as it is.
   */
  async update(fn: (data: ContextResponse) => ContextResponse | null): Promise<void> {
    const all = await this.area.get(null);
    const changed: Record<string, CacheEntry> = {};
    for (const [k, e] of Object.entries(all)) {
      if (!k.startsWith(PREFIX) || !(e as CacheEntry)?.data) continue;
      const data = fn((e as CacheEntry).data);
      if (!data) continue;
      changed[k] = { data, fetchedAt: (e as CacheEntry).fetchedAt };
      this.memory.set(k.slice(PREFIX.length), changed[k]);
    }
    if (Object.keys(changed).length) await this.area.set(changed);
  }

  /** Drop every cached answer (settings changed: another API or token). */
  async clear(): Promise<void> {
    this.memory.clear();
    const all = await this.area.get(null);
    const keys = Object.keys(all).filter((k) => k.startsWith(PREFIX));
    if (keys.length) await this.area.remove(keys);
  }

  /** Drop expired entries, then the oldest beyond MAX_ENTRIES. */
  async prune(): Promise<void> {
    const all = await this.area.get(null);
    const now = this.now();
    const entries = Object.entries(all)
      .filter(([k]) => k.startsWith(PREFIX))
      .map(([k, e]) => [k, e as CacheEntry] as const)
      .sort((a, b) => b[1].fetchedAt - a[1].fetchedAt);
    const drop = entries.filter(([, e], i) => i >= MAX_ENTRIES || freshness(e, now) === 'expired').map(([k]) => k);
    for (const k of drop) this.memory.delete(k.slice(PREFIX.length));
    if (drop.length) await this.area.remove(drop);
  }
}
