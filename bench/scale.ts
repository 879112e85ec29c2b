/**
 * The API at 10k and 1M contacts: start time, memory, lookups/s and p99 beside the bare server
 * (100k is the api section). The 1M config is about 140 MB of YAML; budget there: under 600 MB RSS.
 * A quick run does 10k only, on a tiny config.
 */
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LOAD_HEAD, recordLoad } from './api';
import type { Bench, Section } from './lib/harness';
import { alternate, type Peer } from './lib/peers';
import { ROOT, rssMb, run, spawnBare, spawnBaton } from './lib/procs';
import { num } from './lib/stats';

export const scale: Section = {
  id: 'scale',
  title: 'The API at 10k and 1M contacts',
  async run(b: Bench) {
    const gen = b.loadGenerator();
    const sizes = ['10k', '1M'] as const;
    const summary: string[][] = [];
    for (const size of sizes) {
      const cfg = await b.config(size);
      if (!cfg) {
        b.line(`${size}: not in a quick run.`);
        b.line();
        continue;
      }
      // Started one at a time, so the start time and memory of each are its own. The 1M file
      // (138 MiB) is over the default size cap (config.ts CONFIG_LIMITS, 64 MiB): raised for it.
      const env = size === '1M' ? { env: { ...process.env, BATON_CONFIG_MAX_BYTES: String(512 * 2 ** 20) } } : {};
      // As docs/admin.md says to upgrade a server with a config this large: `baton check FILE`
      // first (its snapshot), then the start (from the snapshot: seconds, not a full load's 40 s
      // and 2 GB).
      if (size === '1M') await run(process.execPath, [join(ROOT, 'bin', 'baton.mjs'), 'check', cfg.file], env);
      const real = await spawnBaton(cfg.file, join(b.tmp, `scale-${size}.db`), env);
      const startRss = rssMb(real.pid);
      const bare = await spawnBare(cfg.shape.accounts, cfg.shape.contactsPer);
      const peers: Peer[] = [
        { key: 'bare', label: 'bare node:http', proc: bare },
        { key: 'real', label: 'Baton (this tree)', proc: real },
      ];
      const rounds = b.rounds(3);
      const seconds = b.seconds(5);
      const runs = await alternate(gen, peers, { shape: cfg.shape, rounds, seconds, warmupS: b.seconds(3) });
      b.line(`### ${size} contacts: ${cfg.describe}`);
      b.line();
      b.table(LOAD_HEAD, recordLoad(b, `api.${size}`, cfg.describe, peers, runs));
      b.line();
      const after = rssMb(real.pid);
      b.metric({ id: `startup.${size}.real.ms`, label: `start to /healthz 200, ${size}`, unit: 'ms', value: real.startMs, better: 'lower', workload: cfg.describe });
      b.metric({ id: `rss.${size}.real.peakMb`, label: `Baton peak RSS, ${size}`, unit: 'MB', value: after.peak, better: 'lower', workload: cfg.describe });
      b.metric({ id: `rss.${size}.bare.peakMb`, label: `bare server peak RSS, ${size}`, unit: 'MB', value: rssMb(bare.pid).peak, better: 'lower', workload: cfg.describe });
      summary.push([size, `${num(real.startMs / 1000, 1)} s`, num(startRss.now, 0), num(after.now, 0), num(after.peak, 0), num(rssMb(bare.pid).peak, 0)]);
      if (size === '1M') {
        await heapParts(b, cfg.shape.accounts);
        b.budget({ id: 'rss.1M', what: 'memory at 1M contacts (peak RSS of `baton serve`, start and load)', now: `${num(after.peak, 0)} MB (bare server on the same records: ${num(rssMb(bare.pid).peak, 0)} MB; start ${num(real.startMs / 1000, 1)} s)`, budget: '< 600 MB', status: after.peak < 600 ? 'pass' : 'miss' });
      }
      await real.stop();
      await bare.stop();
    }
    if (summary.length) {
      b.line('Start and memory (one start each):');
      b.line();
      b.table(['contacts', 'spawn to /healthz 200', 'RSS after start MB', 'RSS after the load MB', 'peak RSS MB', 'bare server peak RSS MB'], summary);
    }
    if (b.quick) b.budget({ id: 'rss.1M', what: 'memory at 1M contacts (peak RSS of `baton serve`, start and load)', now: 'not in a quick run', budget: '< 600 MB', status: 'not measured yet' });
  },
};

/** The newest config snapshot (the server's: ROOT/.baton/snapshots) of a config with `accounts` accounts. */
function snapshotOf(accounts: number): string | null {
  const dir = join(ROOT, '.baton', 'snapshots');
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return null;
  }
  const head = (file: string) => {
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      const n = readSync(fd, buf, 0, buf.length, 0);
      const line = buf.toString('utf8', 0, n).split('\n')[0]!;
      return (/"accounts":(\d+),"config"/.exec(line)?.[1] ?? '') === String(accounts);
    } finally {
      closeSync(fd);
    }
  };
  const mine = files.map((f) => join(dir, f)).filter(head);
  mine.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return mine[0] ?? null;
}

/** Where the heap of the 1M config goes (bench/heap-parts.ts, a process of its own, from the server's snapshot). */
async function heapParts(b: Bench, accounts: number): Promise<void> {
  const file = snapshotOf(accounts);
  if (!file) {
    b.line('Where the heap goes: no snapshot of this config to measure it from.');
    b.line();
    return;
  }
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench', 'heap-parts.ts'), file]);
  const p = JSON.parse(stdout) as { accounts: number; contacts: number; configMb: number; matchMb: number; matchBuffersMb: number; searchMb: number; searchBuffersMb: number };
  const total = p.configMb + p.matchMb + p.matchBuffersMb + p.searchMb + p.searchBuffersMb;
  b.metric({ id: 'heap.1M.configMb', label: "the 1M config's objects (heap after GC)", unit: 'MB', value: p.configMb, better: 'lower' });
  b.metric({ id: 'heap.1M.indexesMb', label: 'the match and search indexes of the 1M config (heap and ArrayBuffers)', unit: 'MB', value: p.matchMb + p.matchBuffersMb + p.searchMb + p.searchBuffersMb, better: 'lower' });
  b.line('Where the memory of the 1M config goes (bench/heap-parts.ts: the server\'s own snapshot of it read as the server reads it, then the indexes it builds, in a process of its own, the heap in use after a full GC at each step):');
  b.line();
  b.table(
    ['part', 'MB'],
    [
      [`the config: ${num(p.accounts, 0)} accounts and ${num(p.contacts, 0)} contacts, each account's contacts packed in one string (src/server/contacts.ts)`, num(p.configMb, 0)],
      ['the match index (domain, company → account): heap', num(p.matchMb, 0)],
      ['the match index: its email table (typed arrays)', num(p.matchBuffersMb, 0)],
      ['the search index (/v1/search): heap', num(p.searchMb, 0)],
      ['the search index: its typed arrays (ArrayBuffers)', num(p.searchBuffersMb, 0)],
      ['**in all**', `**${num(total, 0)}**`],
    ],
  );
  b.line();
  b.line(
    `Beside these the server holds the kept answers (src/server/lookup.ts: at most 80 MiB, and a quarter of that while their evictions show no hits, src/server/kept.ts), Node.js itself with its code (about 50 MB of RSS for an empty process here), SQLite's page cache, and what V8 lets the heap grow past what its last full GC left (25 % for a heap this large, with one full GC right after the start's load: src/server/heap.ts). The search index is not built at this start: \`baton check\` saved it beside the snapshot (src/server/snapshot.ts), and the start reads it as it is. Before the contacts were packed (src/server/contacts.ts) and the search index kept its terms in one pool, these parts were 426 MB (228 MB of contact objects and config, 37 MB of match index, 160 MB of search index) and the peak RSS 861 MB.`,
  );
  b.line();
}
