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
 */

/** A value kept: `keptBytes` is what it was charged (set here; read by the tests). */
export interface Kept {
  keptBytes: number;
}

/** Slots for the hashes of recent misses, per cache (a power of 2; 256 KB). */
export const MISSES_REMEMBERED = 1 << 16;

export class KeptParts<K, V extends Kept> {
  private readonly entries = new Map<K, V>();
  private total = 0;
  /** True once an entry had to go for the budget: from then on a key is kept on its second miss. */
  private full = false;
  /** Per slot: the hash of the last key that missed there (its top bit set: 0 is an empty slot). */
  private readonly missed = new Int32Array(MISSES_REMEMBERED);

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

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** The keys, oldest first. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }

  /**
   * Keeps `value` under `key`, charged `bytes` (its strings' bytes) plus entryBytes, as the newest
   * entry; the oldest go while the total is over the budget (this one too when it alone is over
   * it). With the key's `hash`, once the budget has filled: only when the key missed before
   * (see above); false when it is not kept.
   */
  set(key: K, value: V, bytes: number, hash?: number): boolean {
    if (hash !== undefined && this.full && !this.missedBefore(hash)) return false;
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.keptBytes;
      this.entries.delete(key);
    }
    value.keptBytes = bytes + this.entryBytes;
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

  private trim(): void {
    while (this.total > this.maxBytes) {
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      const [key, value] = oldest.value;
      this.entries.delete(key);
      this.total -= value.keptBytes;
      this.full = true;
    }
  }
}
