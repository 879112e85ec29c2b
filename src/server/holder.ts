/**
 * Holds the config the server answers from, and swaps in a new one when the file changes.
 * Requests take `current()` once and keep that object: a swap never changes a request in
 * flight. An invalid file keeps the last good config and is reported (`lastReloadError`).
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { describeCounts, formatConfigError, loadConfigFile, type ConfigError, type LoadedConfig } from './config';
import { silentLogger, type Logger } from './log';

export interface ReloadError {
  at: string;
  errors: ConfigError[];
}

export type ReloadResult = { ok: true; changed: boolean; hash: string } | { ok: false; errors: ConfigError[] };

/** What the app reads the config from. */
export interface ConfigSource {
  current(): LoadedConfig;
  readonly lastReloadError?: ReloadError | null;
}

export function isConfigSource(x: ConfigSource | LoadedConfig): x is ConfigSource {
  return typeof (x as ConfigSource).current === 'function';
}

export interface WatchOptions {
  debounceMs?: number;
  pollMs?: number;
}

export class ConfigHolder implements ConfigSource {
  private loaded: LoadedConfig;
  lastReloadError: ReloadError | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private queued: Promise<ReloadResult> | null = null;

  constructor(
    readonly file: string,
    initial: LoadedConfig,
    private readonly log: Logger = silentLogger,
    private readonly displayName = initial.file,
  ) {
    this.loaded = initial;
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

  private async load(): Promise<ReloadResult> {
    const result = await loadConfigFile(this.file, this.displayName);
    if (!result.ok) {
      this.lastReloadError = { at: new Date().toISOString(), errors: result.errors };
      this.log.warn(`config not reloaded, still serving ${this.loaded.hash.slice(0, 12)} — ${result.errors.length} error(s):`);
      for (const e of result.errors) this.log.warn(`  ${formatConfigError(e)}`);
      return { ok: false, errors: result.errors };
    }
    this.lastReloadError = null;
    if (result.loaded.hash === this.loaded.hash) return { ok: true, changed: false, hash: this.loaded.hash };
    this.loaded = result.loaded;
    this.log.info(`config reloaded ${result.loaded.hash.slice(0, 12)}: ${describeCounts(result.loaded.counts)}`);
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

    const signature = async () => {
      try {
        const s = await stat(this.file);
        return `${s.mtimeMs}:${s.size}:${s.ino}`;
      } catch {
        return 'missing';
      }
    };
    let last: string | undefined;
    void signature().then((s) => (last ??= s));
    const poll = setInterval(() => {
      void signature().then((s) => {
        if (last !== undefined && s !== last) schedule();
        last = s;
      });
    }, pollMs);
    poll.unref();

    return () => {
      stopped = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    };
  }
}

/** A fixed config as a source (tests, one-off tools). */
export function fixedSource(loaded: LoadedConfig): ConfigSource {
  return { current: () => loaded, lastReloadError: null };
}
