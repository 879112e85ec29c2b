/**
 * Config loads that cannot hurt the server: a reload (and `baton check`) parses, validates and
 * imports in a worker thread with a memory limit (resourceLimits) and a time limit (terminated
 * when over it), so the thread that answers requests never stalls on a file and never dies of
 * one — a worker that dies or runs out of time is a reload error, and the last good config keeps
 * serving. The worker posts the validated config as plain data (structured clone); the indexes
 * and maps are built here (prepare()). The worker stays warm for the next reload and exits
 * after a while idle.
 *
 * The first load at start runs in the calling thread (there is no last good config to protect,
 * and a worker would add its start and the clone to the time to serving); it has the same
 * size, alias and error bounds (config.ts CONFIG_LIMITS), only not the memory and time limits.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImportReport } from './imports/report';
import type { BatonConfig } from '../shared/config';
import type { Snapshots } from './snapshot';
import { prepare, readConfigText, type ConfigError, type LoadResult } from './config';
import { workerEntryFor, workerExecArgv } from './workers';

export interface WorkerRequest {
  id: number;
  text: string;
  path: string;
  displayName: string;
  /** Save a config that passes (and is snapshotable) as a snapshot under this key, before the reply. */
  snapshot?: { dir: string; key: string } | undefined;
}

export type WorkerReply =
  | { id: number; ok: true; config: BatonConfig; file: string; hash: string; imports: ImportReport[]; watch: string[] }
  | { id: number; ok: false; errors: ConfigError[] }
  | { id: number; ok: false; crash: string };

export interface IsolationLimits {
  /** The worker's old-generation heap, in MiB (its whole memory is about this plus ~50 MiB). */
  maxHeapMb: number;
  /** How long one load may take before the worker is terminated. */
  timeoutMs: number;
  /** A warm worker exits after this long without a load. */
  idleMs: number;
}

/** Defaults: the 100,000-contact bench file takes about 3 s and 300 MiB of heap to load. */
export const DEFAULT_ISOLATION: IsolationLimits = { maxHeapMb: 2048, timeoutMs: 60_000, idleMs: 30_000 };

/** The limits in force: BATON_CONFIG_HEAP_MB and BATON_CONFIG_TIMEOUT_MS override the defaults. */
export function isolationLimits(env: NodeJS.ProcessEnv = process.env): IsolationLimits {
  const num = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
  };
  return {
    maxHeapMb: num(env.BATON_CONFIG_HEAP_MB, DEFAULT_ISOLATION.maxHeapMb),
    timeoutMs: num(env.BATON_CONFIG_TIMEOUT_MS, DEFAULT_ISOLATION.timeoutMs),
    idleMs: DEFAULT_ISOLATION.idleMs,
  };
}

/** The config worker's entry (workers.ts: config-worker.mjs from source, config-worker.js built). */
export function workerEntry(here: string = import.meta.url): URL {
  return workerEntryFor('config-worker', here);
}

const fileError = (displayName: string, message: string): ConfigError => ({ file: displayName, line: 1, col: 1, path: '', message });

/** One worker, reused between loads; loads run one at a time (the holder serialises them). */
export class IsolatedLoader {
  private worker: Worker | null = null;
  private idle: NodeJS.Timeout | undefined;
  private next = 1;

  constructor(private readonly limits: IsolationLimits = isolationLimits()) {}

  private spawn(): Worker {
    const worker = new Worker(workerEntry(), {
      execArgv: workerExecArgv(),
      resourceLimits: { maxOldGenerationSizeMb: this.limits.maxHeapMb },
      stdout: false,
      stderr: false,
    });
    worker.unref();
    return worker;
  }

  /** Reads (size-capped) and loads `path` in the worker; with `snapshots`, a config that passes is saved as one (`baton check`). */
  async loadFile(path: string, displayName = path, snapshots?: Snapshots | null): Promise<LoadResult> {
    const read = await readConfigText(path, displayName);
    if (!read.ok) return read;
    const snapshot = snapshots?.target(createHash('sha256').update(read.text).digest('hex'));
    return this.loadText(read.text, path, displayName, snapshot);
  }

  /** Loads text read from `path` in the worker; never rejects: a dead or late worker is an error result. */
  loadText(text: string, path: string, displayName = path, snapshot?: WorkerRequest['snapshot']): Promise<LoadResult> {
    clearTimeout(this.idle);
    const worker = (this.worker ??= this.spawn());
    worker.ref(); // a load in flight keeps the process alive (baton check has nothing else); idle, it does not
    const id = this.next++;
    return new Promise<LoadResult>((done) => {
      let settled = false;
      const finish = (result: LoadResult, kill: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (kill) {
          if (this.worker === worker) this.worker = null;
          void worker.terminate();
        } else {
          worker.unref();
          this.idle = setTimeout(() => this.close(), this.limits.idleMs);
          this.idle.unref();
        }
        done(result);
      };
      const onMessage = (reply: WorkerReply) => {
        if (reply.id !== id) return;
        if (reply.ok) {
          finish({ ok: true, loaded: prepare(reply.config, reply.file, reply.hash, reply.imports, reply.watch) }, false);
        } else if ('crash' in reply) {
          finish({ ok: false, errors: [fileError(displayName, `the config could not be loaded: ${reply.crash.split('\n')[0]}`)] }, true);
        } else {
          finish({ ok: false, errors: reply.errors }, false);
        }
      };
      const onError = (err: Error & { code?: string }) => {
        const why =
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? `loading it needed more than the ${this.limits.maxHeapMb} MiB a config may use (BATON_CONFIG_HEAP_MB raises it)`
            : `the loader stopped: ${err.message}`;
        finish({ ok: false, errors: [fileError(displayName, why)] }, true);
      };
      const onExit = (code: number) => finish({ ok: false, errors: [fileError(displayName, `the loader stopped (exit code ${code})`)] }, true);
      const timer = setTimeout(
        () => finish({ ok: false, errors: [fileError(displayName, `loading it took longer than ${Math.round(this.limits.timeoutMs / 1000)} s: stopped (BATON_CONFIG_TIMEOUT_MS raises it)`)] }, true),
        this.limits.timeoutMs,
      );
      timer.unref();
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ id, text, path: resolve(path), displayName, snapshot } satisfies WorkerRequest);
    });
  }

  /** Ends the worker (the holder's stop, idle). */
  close(): void {
    clearTimeout(this.idle);
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
  }
}
