/**
 * An export's files → tables: decode (decode.ts) and parse (table.ts) each file, in worker threads
 * when the export is large, so the files parse side by side on the machine's cores while the
 * server thread waits (a 31 MB Salesforce export: 10,000 accounts, 100,000 contacts). A worker
 * posts a table back as one string and two transferred buffers (table.ts), so receiving it costs
 * the server thread a copy of the text, not a string per cell. Small exports parse in this thread:
 * starting a worker costs more than they do.
 *
 * The result is the same either way (tests/unit/server/imports-parse.test.ts): each file's table,
 * broken rows and encoding, or the first file's error in the export's order.
 */
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { isMainThread, resourceLimits, Worker } from 'node:worker_threads';
import { decode, type Encoding } from './decode';
import { parseTable, type Broken, type Table } from './table';
import { workerEntryFor, workerExecArgv } from '../workers';

/** One export file as read (files.ts). */
export interface FileBytes {
  display: string;
  bytes: Uint8Array;
}

export type ParsedFile =
  | { ok: true; table: Table; broken: Broken[]; encoding: string; sha256: Uint8Array }
  | { ok: false; row: number; message: string };

/** Below this many bytes in all, an export parses in the server thread. */
export const PARALLEL_MIN_BYTES = 2 * 2 ** 20;

export interface ParseOptions {
  encoding?: Encoding;
  /** Worker threads: 0 parses here; undefined chooses by size and the machine's cores. */
  workers?: number;
}

/** Decodes and parses one file (here, or in a worker: parse-worker.ts). */
export function parseFile(file: FileBytes, encoding: Encoding = 'auto'): ParsedFile {
  const sha256 = createHash('sha256').update(file.bytes).digest();
  let text: string;
  let used: string;
  try {
    ({ text, encoding: used } = decode(file.bytes, encoding));
  } catch (err) {
    return { ok: false, row: 1, message: (err as Error).message };
  }
  const parsed = parseTable(text, file.display);
  if (!parsed.ok) return { ok: false, row: parsed.row, message: parsed.message };
  return { ok: true, table: parsed.table, broken: parsed.broken, encoding: used, sha256 };
}

/** BATON_IMPORT_WORKERS=N: N parse workers for every export (0: none); unset, chosen by size. */
function envWorkers(): number | undefined {
  const raw = process.env.BATON_IMPORT_WORKERS;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 && n <= 16 ? n : undefined;
}

/**
 * How many worker threads an export gets: none when it is small or one file; else one per core
 * besides this thread's (which parses too), at most one per file and three.
 */
export function workersFor(files: readonly FileBytes[], asked: number | undefined = envWorkers()): number {
  if (asked !== undefined) return Math.min(asked, files.length);
  const total = files.reduce((n, f) => n + f.bytes.byteLength, 0);
  if (total < PARALLEL_MIN_BYTES || files.length < 2) return 0;
  return Math.min(availableParallelism() - 1, files.length - 1, 3);
}

/** The parse worker's entry (workers.ts: parse-worker.mjs from source, parse-worker.js built). */
export function parseWorkerEntry(here: string = import.meta.url): URL {
  return workerEntryFor('parse-worker', here);
}

/** A request to a parse worker and its reply. */
export interface ParseRequest {
  index: number;
  file: FileBytes;
  encoding: Encoding;
}
export type ParseReply = { index: number; parsed: ParsedFile } | { index: number; crash: string };

/**
 * Every file parsed, in the files' order. With workers, this thread parses too: each parser (a
 * worker, or this thread between its files) takes the largest file left, so they finish together.
 */
export async function parseFiles(files: readonly FileBytes[], opts: ParseOptions = {}): Promise<ParsedFile[]> {
  const encoding = opts.encoding ?? 'auto';
  const workers = workersFor(files, opts.workers);
  if (workers === 0) return files.map((f) => parseFile(f, encoding));

  const out: ParsedFile[] = new Array(files.length);
  const queue = files.map((_, i) => i).sort((a, b) => files[b]!.bytes.byteLength - files[a]!.bytes.byteLength);
  const pool: Worker[] = [];
  let failed: Error | null = null;
  let pending = files.length;
  let wake: (() => void) | null = null;
  const settle = () => {
    wake?.();
    wake = null;
  };
  const give = (w: Worker) => {
    const index = queue.shift();
    if (index !== undefined) w.postMessage({ index, file: files[index]!, encoding } satisfies ParseRequest);
  };
  const fail = (err: Error) => {
    failed ??= err;
    settle();
  };
  try {
    for (let n = 0; n < workers; n++) {
      // In the config worker (a reload), the parse workers run under its memory limits too.
      const w = new Worker(parseWorkerEntry(), { stdout: false, stderr: false, execArgv: workerExecArgv(), ...(isMainThread ? {} : { resourceLimits }) });
      pool.push(w);
      w.on('message', (reply: ParseReply) => {
        if ('crash' in reply) return fail(new Error(`the parser failed on ${files[reply.index]!.display}: ${reply.crash}`));
        out[reply.index] = reply.parsed;
        pending--;
        give(w);
        settle();
      });
      w.on('error', (err) => fail(new Error(`the parser failed: ${err.message}`)));
      w.on('exit', (code) => {
        if (pending > 0) fail(new Error(`the parser stopped (exit code ${code}) before every file was read`));
      });
      give(w);
    }
    for (;;) {
      if (failed) throw failed;
      // Between its own files this thread takes the workers' replies (and gives them the next).
      await new Promise<void>((resolve) => setImmediate(resolve));
      const index = queue.shift();
      if (index === undefined) break;
      out[index] = parseFile(files[index]!, encoding);
      pending--;
    }
    while (pending > 0 && !failed) await new Promise<void>((resolve) => (wake = resolve));
    if (failed) throw failed;
  } finally {
    for (const w of pool) void w.terminate();
  }
  return out;
}
