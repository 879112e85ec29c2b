/**
 * Holds the config the server answers from, and swaps in a new one when the file, or an export
 * its `imports:` name, changes (an export is reloaded once its files have stopped changing).
 * Requests take `current()` once and keep that object: a swap never changes a request in
 * flight. An invalid file keeps the last good config and is reported (`lastReloadError`).
 *
 * Each change is loaded once: the file must stay the same for `fileSettleMs` (a half-written
 * file is not read), its text is hashed first and a text already tried (loaded or refused) with
 * the same exports is not parsed again (the watch and the poll both see one save). The load runs
 * in a worker with memory and time limits (config-load.ts). A new file with no tokens while the
 * running config has some is refused, loudly: every request would get 401 (a half-copied file
 * that happens to be valid); restart the server to run with no tokens on purpose.
 */
import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { describeCounts, formatConfigError, readConfigText, type ConfigError, type LoadedConfig } from './config';
import { IsolatedLoader } from './config-load';
import { snapshotable, type Snapshots } from './snapshot';
import { exportSignature } from './imports/files';
import { reportLines } from './imports/report';
import { silentLogger, type Logger } from './log';

/** The import reports of a load, in the server log: a summary per import, then its unmapped rows. */
export function logImports(log: Logger, loaded: LoadedConfig): void {
  for (const report of loaded.imports) for (const line of reportLines(report)) log.info(line);
}

/** One signature of every export a config names (see exportSignature). */
async function exportsSignature(paths: readonly string[]): Promise<string> {
  return (await Promise.all(paths.map(exportSignature))).join('||');
}

export interface ReloadError {
  at: string;
  errors: ConfigError[];
}

export type ReloadResult =
  | { ok: true; changed: boolean; hash: string; /** An export changed while it was read: not swapped in, read again once settled. */ settling?: boolean }
  | { ok: false; errors: ConfigError[] };

/** What the app reads the config from. */
export interface ConfigSource {
  current(): LoadedConfig;
  readonly lastReloadError?: ReloadError | null;
}

export function isConfigSource(x: ConfigSource | LoadedConfig): x is ConfigSource {
  return typeof (x as ConfigSource).current === 'function';
}

export interface HolderOptions {
  /** How long the file must stay unchanged (size, mtime, inode) before it is read; default 250 ms. */
  fileSettleMs?: number;
  /** Where reloads run (tests may give one with other limits). */
  loader?: IsolatedLoader;
  /** Where a reloaded config is saved as a snapshot (by the worker, off the serving thread). */
  snapshots?: Snapshots | null;
}

/** The file's size, mtime and inode, or 'missing'. */
async function fileSignature(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
}

export interface WatchOptions {
  debounceMs?: number;
  pollMs?: number;
  /** How long an export's files must stay unchanged before it is read (default 1000 ms). */
  settleMs?: number;
}

export class ConfigHolder implements ConfigSource {
  private loaded: LoadedConfig;
  lastReloadError: ReloadError | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private queued: Promise<ReloadResult> | null = null;
  private readonly loader: IsolatedLoader;
  private readonly fileSettleMs: number;
  private readonly snapshots: Snapshots | null;
  /** The text (and exports) last tried, and what came of it: the same again is not parsed again. */
  private tried: { key: string; result: ReloadResult } | null = null;

  constructor(
    readonly file: string,
    initial: LoadedConfig,
    private readonly log: Logger = silentLogger,
    private readonly displayName = initial.file,
    opts: HolderOptions = {},
  ) {
    this.loaded = initial;
    this.loader = opts.loader ?? new IsolatedLoader();
    this.fileSettleMs = opts.fileSettleMs ?? 250;
    this.snapshots = opts.snapshots ?? null;
  }

  /** Ends the reload worker (a stopped server). */
  close(): void {
    this.loader.close();
  }

  current(): LoadedConfig {
    return this.loaded;
  }

  /** Re-reads the file. Calls are serialised; calls while one waits share it. */
  reload(): Promise<ReloadResult> {
    if (this.queued) return this.queued;
    const next = this.queue.then(() => {
      this.queued = null;
      return this.load();
    });
    this.queued = next;
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Waits until the file's signature holds still for fileSettleMs (at most 20 rounds). */
  private async settled(): Promise<void> {
    let before = await fileSignature(this.file);
    for (let round = 0; round < 20 && this.fileSettleMs > 0; round++) {
      await new Promise((r) => setTimeout(r, this.fileSettleMs));
      const now = await fileSignature(this.file);
      if (now === before) return;
      before = now;
    }
  }

  private refuse(errors: ConfigError[]): ReloadResult {
    this.lastReloadError = { at: new Date().toISOString(), errors };
    this.log.warn(`config not reloaded, still serving ${this.loaded.hash.slice(0, 12)} — ${errors.length} error(s):`);
    for (const e of errors) this.log.warn(`  ${formatConfigError(e)}`);
    return { ok: false, errors };
  }

  private async load(): Promise<ReloadResult> {
    await this.settled();
    const watched = this.loaded.watch;
    const before = watched.length > 0 ? await exportsSignature(watched) : '';
    const read = await readConfigText(this.file, this.displayName);
    if (!read.ok) return this.refuse(read.errors);
    const textHash = createHash('sha256').update(read.text).digest('hex');
    const key = `${textHash}|${before}`;
    if (this.tried?.key === key) return this.tried.result.ok ? { ok: true, changed: false, hash: this.loaded.hash } : this.tried.result;
    const snapshot = this.snapshots?.target(textHash);
    const result = await this.loader.loadText(read.text, this.file, this.displayName, snapshot);
    if (result.ok && result.loaded.watch.join('\0') === watched.join('\0') && watched.length > 0 && (await exportsSignature(watched)) !== before) {
      this.log.info('an export changed while it was read: not swapped in; it is read again once its files settle');
      return { ok: true, changed: false, hash: this.loaded.hash, settling: true };
    }
    const outcome = this.apply(result);
    this.tried = { key, result: outcome };
    // The worker saved the new config's snapshot: its search index too, once built (warmSearch).
    if (outcome.ok && outcome.changed && snapshot && result.ok && snapshotable(result.loaded.config)) {
      void this.snapshots!.saveSearch(snapshot.key, result.loaded).catch((err: unknown) => this.log.warn(`search index not saved beside the snapshot: ${(err as Error).message}`));
    }
    return outcome;
  }

  private apply(result: Awaited<ReturnType<IsolatedLoader['loadText']>>): ReloadResult {
    if (!result.ok) return this.refuse(result.errors);
    if (result.loaded.counts.tokens === 0 && this.loaded.counts.tokens > 0) {
      return this.refuse([
        {
          file: this.displayName,
          line: 1,
          col: 1,
          path: 'tokens',
          message: `the new file has no tokens while the running config has ${this.loaded.counts.tokens}: every request would get 401, so it is not loaded (a file still being written?). Add tokens:, or restart the server to run with none`,
        },
      ]);
    }
    this.lastReloadError = null;
    if (result.loaded.hash === this.loaded.hash) return { ok: true, changed: false, hash: this.loaded.hash };
    this.loaded = result.loaded;
    this.log.info(`config reloaded ${result.loaded.hash.slice(0, 12)}: ${describeCounts(result.loaded.counts)}`);
    logImports(this.log, result.loaded);
    return { ok: true, changed: true, hash: result.loaded.hash };
  }

  /**
   * Watches the file: fs.watch on its directory (editors replace files by rename), debounced,
   * plus a stat poll in case the watch misses something. Returns a stop function.
   */
  watch(opts: WatchOptions = {}): () => void {
    const debounceMs = opts.debounceMs ?? 150;
    const pollMs = opts.pollMs ?? 1000;
    const name = basename(this.file);
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const schedule = () => {
      if (stopped) return;
      clearTimeout(timer);
      timer = setTimeout(() => void this.reload(), debounceMs);
      timer.unref();
    };

    let watcher: FSWatcher | undefined;
    try {
      watcher = watch(dirname(this.file), { persistent: false }, (_event, filename) => {
        if (!filename || filename.toString() === name) schedule();
      });
      watcher.on('error', () => watcher?.close());
    } catch {
      watcher = undefined; // the poll still runs
    }

    const signature = () => fileSignature(this.file);
    let last: string | undefined;
    void signature().then((s) => (last ??= s));
    const poll = setInterval(() => {
      void signature().then((s) => {
        if (last !== undefined && s !== last) schedule();
        last = s;
      });
    }, pollMs);
    poll.unref();

    // Exports named by imports: a change starts a settle wait (the same signature twice,
    // settleMs apart), then a reload — a half-copied folder is not read as a smaller data set.
    const settleMs = opts.settleMs ?? 1000;
    let exportWatchers: FSWatcher[] = [];
    let watchedKey = '';
    let lastExports: string | undefined;
    let settling: NodeJS.Timeout | undefined;
    const settle = () => {
      if (stopped || settling) return;
      const paths = this.loaded.watch;
      void exportsSignature(paths).then((first) => {
        settling = setTimeout(() => {
          void exportsSignature(paths).then((second) => {
            settling = undefined;
            if (stopped) return;
            if (second !== first) return settle();
            lastExports = second;
            schedule();
          });
        }, settleMs);
        settling.unref();
      });
    };
    const watchExports = () => {
      const key = this.loaded.watch.join('\0');
      if (key === watchedKey) return;
      watchedKey = key;
      for (const w of exportWatchers) w.close();
      exportWatchers = [];
      for (const path of this.loaded.watch) {
        for (const target of [path, dirname(path)]) {
          try {
            const w = watch(target, { persistent: false }, (_e, f) => {
              if (target === path || !f || f.toString() === basename(path)) settle();
            });
            w.on('error', () => w.close());
            exportWatchers.push(w);
          } catch {
            // missing for now: the poll notices when it appears
          }
        }
      }
      void exportsSignature(this.loaded.watch).then((sig) => (lastExports = sig));
    };
    watchExports();
    const exportPoll = setInterval(() => {
      watchExports();
      if (this.loaded.watch.length === 0) return;
      void exportsSignature(this.loaded.watch).then((sig) => {
        if (lastExports !== undefined && sig !== lastExports) settle();
      });
    }, pollMs);
    exportPoll.unref();

    return () => {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(settling);
      clearInterval(poll);
      clearInterval(exportPoll);
      watcher?.close();
      for (const w of exportWatchers) w.close();
    };
  }
}

/** A fixed config as a source (tests, one-off tools). */
export function fixedSource(loaded: LoadedConfig): ConfigSource {
  return { current: () => loaded, lastReloadError: null };
}
