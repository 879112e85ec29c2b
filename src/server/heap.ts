/**
 * How far V8 lets the heap grow past what a full GC left, for a server that holds a large config.
 *
 * V8 sets the next full GC's threshold at a factor of the heap that survived the last one, the
 * factor chosen by its own measure of GC and program speed: for a process that holds a million
 * contacts (about 330 MB of live heap) it is 2 to 4, so a sustained load (a lookup leaves some
 * old-generation garbage: an answer's parts kept and later dropped, a store read) grows the
 * process by hundreds of MB before a full GC gives any back (bench/REPORT.md, 1M contacts: 994 MB
 * peak with the default, about 800 MB bounded). A heap that large is the config's, long-lived
 * and already paid for: a full GC costs about the same whenever it runs, so running it after 25 %
 * of growth rather than 100–300 % costs more collections, not more work each, and keeps the
 * memory the process takes near what it holds. Small heaps (100,000 contacts: about 40 MB) keep V8's own
 * factor: collections there are cheap either way and the memory is small.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * From this much heap in use after the config load, the growth is bounded: 128 MiB, since the
 * contacts are packed (contacts.ts) a million contacts' load leaves about 165 MB (it was over 330).
 */
export const LARGE_HEAP_BYTES = 128 * 2 ** 20;
/**
 * The bound: the next full GC when the heap has grown 25 % past what the last one left. Measured
 * at 1M contacts (6 rounds of 5 s under wrk from the snapshot start): peak RSS 1,236 MB with V8's
 * own factor and still growing, 839 MB at 25 %, 820 MB at 10 %; p99 12-17 ms, 16-22 ms and
 * 26-56 ms (each full GC marks the ~400 MB the config keeps alive: at 10 % they come too often).
 */
export const HEAP_GROWING_PERCENT = 25;

/** The growth percent for a heap of `usedBytes` (0: V8's own factor). */
export function heapGrowingPercent(usedBytes: number): number {
  return usedBytes >= LARGE_HEAP_BYTES ? HEAP_GROWING_PERCENT : 0;
}

/**
 * Sets V8's heap growth for the heap in use now (after a config load); returns the percent set.
 * A large heap is then collected once, at once: V8 reads the growth at each full GC's new
 * threshold, and the threshold in force was set during the load, by V8's own factor, over the
 * load's garbage (at a million contacts the snapshot's lines: the heap grew from about 220 to 315
 * MB under the first seconds of lookups before a full GC, the start's peak RSS 636 MB). Collected
 * here, the next full GC comes at 25 % over what the config keeps.
 */
export function boundHeapGrowth(usedBytes = process.memoryUsage().heapUsed): number {
  const percent = heapGrowingPercent(usedBytes);
  // Read by V8 at every full GC's new threshold: it takes effect at the next one (and 0 gives
  // the choice back to V8).
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  if (percent > 0) fullGc();
  return percent;
}

/**
 * A full GC now. Node has no call for it without --expose-gc on its command line (which `npx
 * baton` cannot give): the flag set at run time exposes gc() to contexts made after it, so one is
 * made to take it from (the server's own global never has it).
 */
export function fullGc(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}
