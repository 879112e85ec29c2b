/**
 * The stores: lookups/s and note writes/s for one SQLite instance, one PostgreSQL instance, and
 * two PostgreSQL instances behind the nginx example of docs/admin.md — each instance a real
 * `node bin/baton.mjs serve` process on the 100k config, PostgreSQL a throwaway cluster with fsync
 * on (as in production), the load from the bench's load generator in its own process.
 */
import { join } from 'node:path';
import { startCluster } from '../scripts/services/postgres';
import { documentedProxyConfig, startNginx, withPorts, type Nginx } from '../scripts/services/nginx';
import type { Bench, Section } from './lib/harness';
import { CONNECTIONS, type LoadResult } from './lib/load';
import { freePort, spawnBaton, type Proc } from './lib/procs';
import { median as med, spread } from './lib/stats';

export const stores: Section = {
  id: 'stores',
  title: 'Stores: one SQLite instance, one PostgreSQL instance, two PostgreSQL instances behind nginx',
  async run(b: Bench) {
    const cfg = (await b.config('100k'))!;
    const gen = b.loadGenerator();
    const seconds = b.seconds(3);
    const rounds = b.rounds(3);
    const cluster = await startCluster({ fsync: true });
    const running: Array<{ stop(): Promise<void> }> = [];
    try {
      const pgUrl = await cluster.createDatabase('bench');
      const scenarios: Array<[string, string, () => Promise<string>]> = [
        ['sqlite', '1 × SQLite', async () => {
          const s = await spawnBaton(cfg.file, join(b.tmp, 'stores-bench.db'));
          running.push(s);
          return s.url;
        }],
        ['postgres', '1 × PostgreSQL', async () => {
          const s = await spawnBaton(cfg.file, pgUrl);
          running.push(s);
          return s.url;
        }],
        ['postgres2', '2 × PostgreSQL behind nginx', async () => {
          const servers: Proc[] = [await spawnBaton(cfg.file, pgUrl), await spawnBaton(cfg.file, pgUrl)];
          running.push(...servers);
          const proxyPort = await freePort();
          const proxy: Nginx = await startNginx(withPorts(documentedProxyConfig(), proxyPort, servers.map((s) => Number(new URL(s.url).port))), proxyPort);
          running.push(proxy);
          return proxy.url;
        }],
      ];
      // All three set up at once, then measured in turns: a slow moment of the machine hits every
      // scenario alike, and the table gives the median and the range.
      const urls: string[] = [];
      for (const [, , start] of scenarios) urls.push(await start());
      const results = scenarios.map(() => ({ lookups: [] as LoadResult[], writes: [] as LoadResult[] }));
      for (const url of urls) await gen.run({ url, shape: cfg.shape, seconds: 1 });
      for (let round = 0; round < rounds; round++) {
        for (const [i, url] of urls.entries()) {
          results[i]!.lookups.push(await gen.run({ url, shape: cfg.shape, seconds }));
          results[i]!.writes.push(await gen.run({ url, shape: cfg.shape, seconds, kind: 'note' }));
        }
      }
      const rows = scenarios.map(([key, label], i) => {
        const r = results[i]!;
        const failed = [...r.lookups, ...r.writes].reduce((n, x) => n + x.failed, 0);
        b.metric({ id: `stores.${key}.lookupsPerSecond`, label: `lookups/s, ${label}`, unit: 'req/s', value: med(r.lookups.map((x) => x.perSecond)), runs: r.lookups.map((x) => x.perSecond), better: 'higher', workload: cfg.describe });
        b.metric({ id: `stores.${key}.writesPerSecond`, label: `note writes/s, ${label}`, unit: 'req/s', value: med(r.writes.map((x) => x.perSecond)), runs: r.writes.map((x) => x.perSecond), better: 'higher', workload: cfg.describe });
        return [label, spread(r.lookups.map((x) => x.perSecond), 0), `${med(r.lookups.map((x) => x.p50)).toFixed(1)} / ${med(r.lookups.map((x) => x.p99)).toFixed(1)} ms`, spread(r.writes.map((x) => x.perSecond), 0), `${med(r.writes.map((x) => x.p50)).toFixed(1)} / ${med(r.writes.map((x) => x.p99)).toFixed(1)} ms`, String(failed)];
      });
      b.table(['store', `lookups/s, median (range) of ${rounds}`, 'lookup p50 / p99', 'note writes/s, median (range)', 'write p50 / p99', 'failed'], rows);
      b.line();
      b.line(
        `${gen.name}, ${CONNECTIONS} connections for ${seconds} s each (after 1 s of warm-up), the three set-ups measured in turn ${rounds} times, on ${cfg.describe}; every instance is its own \`node bin/baton.mjs serve\` process and nginx runs the example of docs/admin.md, all on this machine's cores with the load generator and PostgreSQL (a throwaway cluster, fsync on). A lookup reads the account's notes and the thanks counts from the store and buffers its audit row (group commit every 5 ms); a note write is one transaction committed durably (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on) before its 201. Two instances on one 2-core machine share the same cores (and add nginx's hop), so they cannot be faster than one here: they are for availability, or for instances on separate machines.`,
      );
    } finally {
      while (running.length) await running.pop()!.stop().catch(() => undefined);
      await cluster.destroy();
    }
  },
};
