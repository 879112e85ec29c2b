/**
 * The API at 10k and 1M contacts: start time, memory, lookups/s and p99 beside the bare server
 * (100k is the api section). The 1M config is about 140 MB of YAML; budget there: under 600 MB RSS.
 * A quick run does 10k only, on a tiny config.
 */
import { join } from 'node:path';
import { LOAD_HEAD, recordLoad } from './api';
import type { Bench, Section } from './lib/harness';
import { alternate, type Peer } from './lib/peers';
import { rssMb, spawnBare, spawnBaton } from './lib/procs';
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
