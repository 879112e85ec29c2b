/**
 * Config snapshots: a restart with the same config skips the YAML parse and the checks.
 *
 * After a config has loaded and passed every check (at start, on a reload, or by `baton check`),
 * its validated form is written (as JSON; an account's contacts as their packed text, contacts.ts) to the snapshot folder under a key made of the config
 * text's SHA-256 and the code that checked it (the built server's own bytes, the Node.js version and the schema
 * library's version). The next start reads the text, hashes it and, when a snapshot under that key
 * exists, takes the validated config from it: the same config the checks made from the same bytes,
 * so the same answers. Any other text (one byte changed), another Baton build or a damaged snapshot
 * file means a full load; a snapshot that cannot be read is removed and never an error.
 *
 * Not snapshotted: a config with `imports:` (its meaning is in the export files too; it loads in
 * full each time) and a server run from the TypeScript through tsx (development: the code that
 * checks may change under it). The folder is `.baton/snapshots` in the working directory, beside
 * the default store; BATON_SNAPSHOTS=DIR moves it, BATON_SNAPSHOTS=off turns snapshots off. The
 * files are 0600: they hold what the config holds (token digests, not tokens).
 */
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccountConfig, BatonConfig } from '../shared/config';
import { fromSnapshot, snapshotForm } from './contacts';
import { giveBack } from './pace';
import type { LoadedConfig } from './config';
import { indexBytes, indexFromBytes, searchIndexOf, type SearchIndex } from './search';

/** Bumped when what a snapshot holds changes shape. */
const FORMAT = 3;
/** Snapshots kept per folder (newest first): a few configs or versions side by side, not a growing pile. */
const KEEP = 4;
/** Accounts per write of a snapshot (about 1 ms of work at 10 contacts each). */
const SLICE = 100;
export const DEFAULT_SNAPSHOT_DIR = '.baton/snapshots';

/** The snapshot folder in force, or null when snapshots are off. */
export function snapshotDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | null {
  const given = env.BATON_SNAPSHOTS?.trim();
  if (given === 'off' || given === '0' || given === 'false') return null;
  return resolve(cwd, given || DEFAULT_SNAPSHOT_DIR);
}

let ownCode: string | null | undefined;
/**
 * What identifies the code that validates: the built bundle's bytes, Node.js and valibot versions.
 * null from TypeScript source (tsx): there the code may change at any moment, so no snapshots.
 */
export function codeFingerprint(here: string = import.meta.url): string | null {
  if (ownCode !== undefined && here === import.meta.url) return ownCode;
  let print: string | null = null;
  const file = fileURLToPath(here);
  if (!/\.[cm]?ts$/.test(file)) {
    try {
      const require = createRequire(import.meta.url);
      const entry = require.resolve('valibot'); // …/node_modules/valibot/dist/…: its package.json is not exported
      const pkg = join(entry.slice(0, entry.lastIndexOf(`${sep}valibot${sep}`) + 8), 'package.json');
      const valibot = JSON.parse(readFileSync(pkg, 'utf8')).version as string;
      print = createHash('sha256').update(readFileSync(file)).update(`\0${process.version}\0${valibot}\0${FORMAT}`).digest('hex');
    } catch {
      print = null;
    }
  }
  if (here === import.meta.url) ownCode = print;
  return print;
}

/** A snapshot's first line; then one account a line (`accounts` of them), then {"end": true}. */
interface SnapshotHead {
  format: number;
  key: string;
  accounts: number;
  config: BatonConfig;
}

/**
 * The config of a snapshot file read as lines (Snapshots.write's layout), or null when it is not
 * one of this format under `key`; throws on a line that is not JSON. Only whole lines are decoded,
 * a chunk of the file at a time.
 */
async function readLines(chunks: AsyncIterable<Buffer>, key: string): Promise<BatonConfig | null> {
  let head: Partial<SnapshotHead> | null = null;
  let accounts: BatonConfig['accounts'] = [];
  let ended = false;
  const line = (text: string): boolean => {
    if (ended) return false; // anything after the end line
    const value = JSON.parse(text) as unknown;
    if (!head) {
      head = value as Partial<SnapshotHead> | null;
      return !!head && head.format === FORMAT && head.key === key && typeof head.accounts === 'number' && !!head.config && Array.isArray(head.config.accounts);
    }
    if (accounts.length < head.accounts!) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
      // Packed as it is read (contacts.ts: the packed text as written, no contact object made).
      accounts.push(fromSnapshot(value as Record<string, unknown>));
      return true;
    }
    ended = (value as { end?: unknown } | null)?.end === true;
    return ended;
  };
  let rest: Buffer | null = null;
  for await (const chunk of chunks) {
    const bytes: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    const last = bytes.lastIndexOf(0x0a);
    if (last < 0) {
      rest = bytes;
      continue;
    }
    rest = last + 1 < bytes.length ? bytes.subarray(last + 1) : null;
    const lines = bytes.toString('utf8', 0, last).split('\n');
    for (const text of lines) if (!line(text)) return null;
  }
  if (rest || !ended || !head) return null; // cut short (no end line, or a last line without its newline)
  const config = (head as SnapshotHead).config;
  config.accounts = accounts;
  accounts = [];
  return config;
}

/** JSON.stringify's replacer: throws on what JSON.parse would not give back as it was. */
function exactJson(this: unknown, key: string, value: unknown): unknown {
  // `value` is after toJSON (a Date is already its string): the field as it is is this[key].
  const own = (this as Record<string, unknown>)[key];
  if (own instanceof Date || (typeof own === 'object' && own !== null && typeof (own as { toJSON?: unknown }).toJSON === 'function')) throw new Error(`field "${key}" is not plain data`);
  if (value === undefined) throw new Error(`field "${key}" is undefined`);
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`field "${key}" is ${value}`);
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) throw new Error(`field "${key}" is not plain data`);
  }
  if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') throw new Error(`field "${key}" is not plain data`);
  return value;
}

/** Writes `file` whole (0600) through a temporary file renamed at the end: a reader sees all of it or none; a failed write leaves nothing. */
async function writeWhole(file: string, fill: (out: FileHandle) => Promise<void>): Promise<void> {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const out = await open(tmp, 'w', 0o600);
  try {
    await fill(out);
    await out.close();
    await rename(tmp, file);
  } catch (err) {
    await out.close().catch(() => {});
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Whether a checked config is snapshotted: not with imports: (its meaning is in the export files too). */
export function snapshotable(config: BatonConfig): boolean {
  return config.imports.length === 0;
}

export class Snapshots {
  /**
   * @param dir the folder (created when the first snapshot is written)
   * @param code the code fingerprint (codeFingerprint()); null turns the store off
   */
  constructor(
    readonly dir: string,
    private readonly code: string | null = codeFingerprint(),
  ) {}

  /** The store for this process: off (null) without a folder or without built code. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): Snapshots | null {
    const dir = snapshotDir(env);
    const code = codeFingerprint();
    return dir && code ? new Snapshots(dir, code) : null;
  }

  /**
   * The key for a config: its text's SHA-256 and the code. Not the file's name or folder: a
   * checked config holds no path (imports: are never snapshotted; `store:` and the like are
   * resolved against the config's folder when used), so `baton check FILE` and `baton serve
   * --config ./FILE` share one snapshot.
   */
  key(textHash: string): string {
    return createHash('sha256').update(`${this.code}\0${textHash}`).digest('hex').slice(0, 40);
  }

  /** What the config worker needs to save the config of this text (WorkerRequest.snapshot). */
  target(textHash: string): { dir: string; key: string } {
    return { dir: this.dir, key: this.key(textHash) };
  }

  private file(key: string): string {
    return join(this.dir, `${key}.json`);
  }

  /**
   * The validated config kept under `key`, or null (none, another format, damaged or cut short:
   * removed). Read a slice of the file at a time, one account a line (see write): no string of
   * the whole file (at a million contacts 143 MB of JSON, a 280 MB string) is ever made.
   */
  async read(key: string): Promise<BatonConfig | null> {
    const file = this.file(key);
    let stream;
    try {
      stream = createReadStream(file, { highWaterMark: 1 << 20 });
      await new Promise<void>((ok, fail) => stream!.once('open', () => ok()).once('error', fail));
    } catch {
      stream?.destroy();
      return null;
    }
    try {
      const got = await readLines(stream, key);
      if (got) return got;
    } catch {
      // damaged or cut short: fall through
    } finally {
      stream.destroy();
    }
    await rm(file, { force: true }).catch(() => {});
    await rm(this.searchFile(key), { force: true }).catch(() => {});
    return null;
  }

  /**
   * Writes `config` under `key` (beside, then renamed over: a reader never sees half a file); keeps
   * the newest few. JSON, as JSON.parse reads it back faster than v8.deserialize (bench/REPORT.md):
   * a config that JSON would not give back exactly (an undefined field, a number that is not
   * finite, anything but plain objects, arrays, strings, numbers, booleans and null) is refused.
   */
  /**
   * @param share the part of the thread's time the write may take (the serving thread saves its
   *   start's load with 0.25: a million contacts take longer to save, lookups keep their pace)
   */
  async write(key: string, config: BatonConfig, { share = 1 }: { share?: number } = {}): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = this.file(key);
    // Written a slice of accounts at a time, one account a line (read back the same way): no string
    // of the whole config (280 MB of UTF-16 at a million contacts), and a server that saves its
    // start's load answers between slices. The first line is the config with its accounts empty
    // (in their place: the fields keep their order) and their count; the last says the file ends.
    const { accounts } = config;
    const head = JSON.stringify({ format: FORMAT, key, accounts: accounts.length, config: { ...config, accounts: [] } } satisfies SnapshotHead, exactJson);
    await writeWhole(file, async (out) => {
      await out.write(`${head}\n`);
      for (let i = 0; i < accounts.length; i += SLICE) {
        const t0 = performance.now();
        const part = accounts.slice(i, i + SLICE).map((a) => `${JSON.stringify(snapshotForm(a), exactJson)}\n`);
        const took = performance.now() - t0;
        await out.write(part.join(''));
        // On the serving thread, at most `share` of its time: a pause after each slice.
        if (share < 1) await giveBack(took, share);
      }
      await out.write(`${JSON.stringify({ end: true })}\n`);
    });
    await this.prune(file);
  }

  private searchFile(key: string): string {
    return join(this.dir, `${key}.search`);
  }

  /**
   * Saves the search index of the config snapshotted under `key` beside it (search.ts
   * indexBytes: its typed arrays as they are), so a start from the snapshot reads it instead of
   * building it. Written whole to a temporary file, then renamed: a reader sees all or nothing.
   */
  async writeSearch(key: string, index: SearchIndex): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeWhole(this.searchFile(key), async (out) => {
      await out.writev(indexBytes(index, key));
    });
  }

  /**
   * Saves the search index of `loaded` (the config snapshotted under `key`) once it is built: the
   * one a search uses (searchIndexOf: built now at full pace when `awaited`, else at warmSearch's
   * share, or taken as it is when built or read already).
   */
  async saveSearch(key: string, loaded: LoadedConfig, awaited = false): Promise<void> {
    await this.writeSearch(key, await searchIndexOf(loaded, awaited));
  }

  /** The search index saved under `key` for these accounts (the snapshot's), or null (none, or not one for them: removed). */
  async readSearch(key: string, accounts: readonly AccountConfig[]): Promise<SearchIndex | null> {
    const file = this.searchFile(key);
    const bytes = await readFile(file).catch(() => null);
    if (!bytes) return null;
    try {
      const index = indexFromBytes(bytes, key, accounts);
      if (index) return index;
    } catch {
      // damaged: fall through
    }
    await rm(file, { force: true }).catch(() => {});
    return null;
  }

  private async prune(keep: string): Promise<void> {
    const all = await readdir(this.dir);
    // A write cut short (the process stopped while writing) leaves its .tmp: gone after a minute.
    for (const n of all.filter((n) => n.endsWith('.tmp'))) {
      const path = join(this.dir, n);
      if ((await stat(path).then((s) => s.mtimeMs, () => Date.now())) < Date.now() - 60_000) await rm(path, { force: true }).catch(() => {});
    }
    // A search index whose snapshot is gone (removed as damaged, or pruned by another process).
    for (const n of all.filter((n) => n.endsWith('.search') && !all.includes(n.replace(/\.search$/, '.json')))) await rm(join(this.dir, n), { force: true }).catch(() => {});
    const names = all.filter((n) => n.endsWith('.json'));
    if (names.length <= KEEP) return;
    const dated = await Promise.all(
      names.map(async (n) => {
        const path = join(this.dir, n);
        return { path, mtime: await stat(path).then((s) => s.mtimeMs, () => 0) };
      }),
    );
    dated.sort((a, b) => b.mtime - a.mtime);
    for (const old of dated.slice(KEEP)) {
      if (old.path === keep) continue;
      await rm(old.path, { force: true }).catch(() => {});
      await rm(old.path.replace(/\.json$/, '.search'), { force: true }).catch(() => {});
    }
  }
}
