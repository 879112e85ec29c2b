/**
 * Serialised parts of answers kept per config load (lookup.ts), within a byte budget: each entry
 * is charged its strings' UTF-8 length plus a fixed estimate of what keeping it costs besides
 * (its objects, arrays, string headers, its slot in the Map), and the oldest entries go first
 * while the total is over the budget. A budget in bytes, not entries, because what an entry
 * weighs depends on the config (an account with 50 hand-offs keeps ten times the text of one
 * with 4): the memory the server holds for its answers stays what the budget says whatever the
 * config, and a config that fits is kept whole (bench: 100,000 contacts). Oldest first, not
 * least recently used: a hit then costs a Map lookup and nothing else, and lookups spread over a
 * config too large for the budget gain nothing from either (the bench at 1M contacts: random
 * contacts over 100,000 accounts).
 *
 * Once the budget has filled, a new entry is kept only for a key that missed before, recently
 * (`set` with the key's hash; the hashes of misses are remembered in MISSES_REMEMBERED slots,
 * a newer miss taking an older one's). Lookups that come once then do not push out the entries
 * that come back, and do not make entries only to drop them: an entry kept lives long enough to
 * be promoted to the old generation, so one made and dropped per lookup (1M contacts: each
 * lookup a miss) is old-generation garbage until the next full GC.
 *
 * Second misses are not enough when the lookups go round a sequence of keys far larger than the
 * budget (the bench at 1M contacts: about 70,000 accounts asked for in turn every 5 s, room for
 * about 12,000): each key misses every round, every other miss a second one, and what that admits
 * goes, first in first out, before the key comes back, never hit (2.7 KB of old-generation garbage
 * per lookup, measured). So each cache watches what goes: over each EVICTIONS_WATCHED evictions,
 * how many of the entries were hit while kept. When at most a tenth were (EVICTED_HITS_FOR_ALL), it
 * admits only one in ADMIT_ONE_IN of the keys that missed twice, until a window shows hits again.
 * An entry admitted then lives ADMIT_ONE_IN times as many second misses, long enough to outlast a
 * round of such a sequence and be hit (a sample of the keys is kept for good, which is what a
 * sequence larger than the cache can get from it at all); such hits do not count for going back,
 * only a hit that came as early as it would have under full admission (within as many second misses
 * as the cache holds entries): otherwise the longer life that sparse admission gives would turn
 * full admission back on, and its churn with it, every other window. A window, not every eviction:
 * 256 evictions measure the share of hits to about 2 points around a tenth (binomial), and are a
 * small part of either cache's turnover at 1M contacts (12,000 accounts, 110,000 contacts) so the
 * cache turns within a fraction of a round; a tenth because below it nine entries in ten are made
 * only to be dropped, and a hot set (keys that come back within the cache's turnover) keeps it far
 * above, whatever else comes between (the tests: half the lookups over 60 keys, room for 100). One
 * in 16: the garbage drops by as much, while a key that keeps missing still gets in after 16 second
 * misses on average (a deterministic counter, not a random draw: the same lookups admit the same
 * keys), and a window at that rate still ends after 4,096 second misses. A hit stays a Map lookup,
 * a field read and, on an entry's first hit, one write: the entry's `keptAt` (the second miss it
 * came in on, counted) turns into how many came after it until that hit. While it admits so few,
 * a cache holds at most SPARSE_SHARE of its budget (the oldest going as soon as it turns sparse):
 * what it keeps then is a sample hit so rarely that its memory buys nearly nothing (1M contacts:
 * the two caches' 80 MiB budget full, ~100 MB of RSS with the GC's headroom, for under a tenth of
 * the lookups), and a smaller one is hit as often per entry. Nothing of this applies
 * while the budget has room, or for a config that fits (100,000 contacts: the cache never fills,
 * every lookup's parts are kept).
 */

/**
 * A value kept: `keptBytes` is what it was charged (set here; read by the tests); `keptAt`, set
 * here too (make values with 0, so they all have one shape): positive, the count of the second
 * miss it was admitted on, never hit since; negative, -1 less how many came after it until its
 * first hit.
 */
export interface Kept {
  keptBytes: number;
  keptAt: number;
}

/** Slots for the hashes of recent misses, per cache (a power of 2; 256 KB). */
export const MISSES_REMEMBERED = 1 << 16;
/** Evictions per window over which a cache counts the entries hit while kept. */
export const EVICTIONS_WATCHED = 256;
/** More evicted entries hit than this in a window: admit every second miss (a tenth of the window). */
export const EVICTED_HITS_FOR_ALL = 25;
/** Fewer: admit one second miss in this many (a power of 2). */
export const ADMIT_ONE_IN = 16;
/** While it admits one in ADMIT_ONE_IN, a cache holds at most this share of its budget. */
export const SPARSE_SHARE = 0.25;

export class KeptParts<K, V extends Kept> {
  private readonly entries = new Map<K, V>();
  private total = 0;
  /** True once an entry had to go for the budget: from then on a key is kept on its second miss. */
  private full = false;
  /** Per slot: the hash of the last key that missed there (its top bit set: 0 is an empty slot). */
  private readonly missed = new Int32Array(MISSES_REMEMBERED);
  /** Keys that would be admitted (every set while not full or without a hash; second misses once full), counted. */
  private admissible = 0;
  /** 1: every second miss admitted; ADMIT_ONE_IN: one in so many, the evictions having shown no hits. */
  private oneIn = 1;
  /** Evictions in this window, and of them entries hit early (see above). */
  private evicted = 0;
  private evictedHit = 0;

  /**
   * `maxBytes`: the budget; `entryBytes`: what keeping one entry costs besides its strings'
   * bytes (an estimate, measured: see where each cache is made).
   */
  constructor(
    readonly maxBytes: number,
    readonly entryBytes: number,
  ) {}

  /** Bytes charged now (never over maxBytes once a set or resize returns). */
  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** 1 when every key that missed twice is admitted (once full), ADMIT_ONE_IN when one in so many. */
  get admitsOneIn(): number {
    return this.oneIn;
  }

  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined && value.keptAt > 0) value.keptAt -= this.admissible + 1;
    return value;
  }

  /** The keys, oldest first. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }

  /**
   * Keeps `value` under `key`, charged `bytes` (its strings' bytes) plus entryBytes, as the newest
   * entry; the oldest go while the total is over the budget (this one too when it alone is over
   * it). With the key's `hash`, once the budget has filled: only when the key missed before, and
   * then one in ADMIT_ONE_IN while evictions show no hits (see above); false when it is not kept.
   */
  set(key: K, value: V, bytes: number, hash?: number): boolean {
    if (hash !== undefined && this.full) {
      if (!this.missedBefore(hash)) return false;
      if ((++this.admissible & (this.oneIn - 1)) !== 0) return false;
    } else this.admissible++;
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.keptBytes;
      this.entries.delete(key);
    }
    value.keptBytes = bytes + this.entryBytes;
    value.keptAt = this.admissible;
    this.total += value.keptBytes;
    this.entries.set(key, value);
    this.trim();
    return this.entries.get(key) === value;
  }

  /** Whether the key of this hash missed before (its slot not taken since); remembers it when not. */
  private missedBefore(hash: number): boolean {
    const slot = hash & (MISSES_REMEMBERED - 1);
    const mark = hash | 0x80000000;
    if (this.missed[slot] === mark) {
      this.missed[slot] = 0;
      return true;
    }
    this.missed[slot] = mark;
    return false;
  }

  /**
   * The kept `value`'s strings were built again (or more were added): charged `bytes` plus
   * entryBytes from now on. Nothing happens when `value` is no longer the one kept under `key`
   * (it went meanwhile: a lookup that waited on the store still holds it).
   */
  resize(key: K, value: V, bytes: number): void {
    if (this.entries.get(key) !== value) return;
    this.total += bytes + this.entryBytes - value.keptBytes;
    value.keptBytes = bytes + this.entryBytes;
    this.trim();
  }

  /** The bytes the cache may hold now: its budget, or SPARSE_SHARE of it while admission is sparse. */
  get capBytes(): number {
    return this.oneIn === 1 ? this.maxBytes : Math.floor(this.maxBytes * SPARSE_SHARE);
  }

  private trim(): void {
    while (this.total > this.capBytes) {
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      const [key, value] = oldest.value;
      this.entries.delete(key);
      this.total -= value.keptBytes;
      this.full = true;
      this.watch(value);
    }
  }

  /**
   * Counts an entry evicted, hit or not; at the end of a window, admits every second miss or one
   * in ADMIT_ONE_IN from then on. Hit counts only when the first hit came within as many second
   * misses as the cache holds entries: as early as under full admission (see above).
   */
  private watch(value: V): void {
    if (value.keptAt < 0 && -value.keptAt - 1 <= this.entries.size + 1) this.evictedHit++;
    if (++this.evicted < EVICTIONS_WATCHED) return;
    this.oneIn = this.evictedHit > EVICTED_HITS_FOR_ALL ? 1 : ADMIT_ONE_IN;
    this.evicted = 0;
    this.evictedHit = 0;
    this.trim();
  }
}
