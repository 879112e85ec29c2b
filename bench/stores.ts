/**
 * `npm run bench`, the stores: lookups/s and note writes/s for one SQLite instance, one
 * PostgreSQL instance, and two PostgreSQL instances behind the nginx example of docs/admin.md —
 * each instance a real `node bin/baton.mjs serve` process on the bench's big config, PostgreSQL a
 * throwaway cluster with fsync on (as in production), the load from this process: C requests in
 * flight on keep-alive connections for a fixed time, after a warm-up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCluster } from '../scripts/services/postgres';
import { documentedProxyConfig, startNginx, withPorts, type Nginx } from '../scripts/services/nginx';

const ROOT = join(import.meta.dirname, '..');
const CONNECTIONS = 32;
const SECONDS = Number(process.env.BENCH_STORE_SECONDS ?? 3);
const ROUNDS = 3;

interface Serve {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

function serve(config: string, store: string, port: number): Promise<Serve> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/baton.mjs'), 'serve', '--config', config, '--port', String(port), '--store', store, '--quiet'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m)
        resolve({
          child,
          url: m[1]!,
          stop: async () => {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

interface LoadResult {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/** C requests in flight for `seconds`; each `next(i)` says what the i-th request is. */
async function load(base: string, next: (i: number) => { method: 'GET' | 'POST'; path: string; body?: string }, token: string, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const u = new URL(base);
  const one = (i: number) =>
    new Promise<number>((resolve) => {
      const r = next(i);
      const req = request(
        {
          agent,
          host: u.hostname,
          port: u.port,
          method: r.method,
          path: r.path,
          headers: { authorization: `Bearer ${token}`, ...(r.body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(r.body) } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end(r.body);
    });
  let i = 0;
  const run = async (until: number, lat: number[] | null, errors: { n: number }) => {
    while (performance.now() < until) {
      const t = performance.now();
      const status = await one(i++);
      if (status < 200 || status >= 300) errors.n++;
      lat?.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, () => run(performance.now() + 1000, null, { n: 0 }))); // warm-up
  const lat: number[] = [];
  const errors = { n: 0 };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, () => run(t0 + seconds * 1000, lat, errors)));
  const dt = (performance.now() - t0) / 1000;
  agent.destroy();
  const sorted = lat.sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { perSecond: lat.length / dt, p50: at(0.5), p99: at(0.99), errors: errors.n };
}

export async function benchStores(line: (s?: string) => void, configFile: string, tmp: string, token: string, accounts: number): Promise<void> {
  line('## Stores: one SQLite instance, one PostgreSQL instance, two PostgreSQL instances behind nginx');
  line();
  const lookup = (i: number) => ({ method: 'GET' as const, path: `/v1/context?email=u${i % 10}@c${(i * 7919) % accounts}.example.com` });
  const write = (i: number) => ({ method: 'POST' as const, path: `/v1/accounts/a${(i * 7919) % accounts}/notes`, body: JSON.stringify({ text: `bench note ${i}`, ticket: String(i) }) });

  const cluster = await startCluster({ fsync: true });
  const running: Array<{ stop(): Promise<void> }> = [];
  const rows: string[] = [];
  try {
    const pgUrl = await cluster.createDatabase('bench');
    const scenarios: Array<[string, () => Promise<string>]> = [
      ['1 × SQLite', async () => {
        const s = await serve(configFile, join(tmp, 'stores-bench.db'), await freePort());
        running.push(s);
        return s.url;
      }],
      ['1 × PostgreSQL', async () => {
        const s = await serve(configFile, pgUrl, await freePort());
        running.push(s);
        return s.url;
      }],
      ['2 × PostgreSQL behind nginx', async () => {
        const ports = [await freePort(), await freePort()];
        const servers = await Promise.all(ports.map((p) => serve(configFile, pgUrl, p)));
        running.push(...servers);
        const proxyPort = await freePort();
        const proxy: Nginx = await startNginx(withPorts(documentedProxyConfig(), proxyPort, ports), proxyPort);
        running.push(proxy);
        return proxy.url;
      }],
    ];
    // All three set up at once, then measured in turns, ROUNDS times: a slow moment of the machine
    // hits every scenario alike, and the table gives the median and the range.
    const urls: string[] = [];
    for (const [, start] of scenarios) urls.push(await start());
    const results = scenarios.map(() => ({ lookups: [] as LoadResult[], writes: [] as LoadResult[] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, url] of urls.entries()) {
        results[i]!.lookups.push(await load(url, lookup, token, SECONDS));
        results[i]!.writes.push(await load(url, write, token, SECONDS));
      }
    }
    const mid = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const rate = (rs: LoadResult[]) => {
      const xs = rs.map((r) => Math.round(r.perSecond));
      return `${mid(xs).toLocaleString('en')} (${Math.min(...xs).toLocaleString('en')}–${Math.max(...xs).toLocaleString('en')})`;
    };
    const lat = (rs: LoadResult[]) => `${mid(rs.map((r) => r.p50)).toFixed(1)} / ${mid(rs.map((r) => r.p99)).toFixed(1)} ms`;
    for (const [i, [label]] of scenarios.entries()) {
      const r = results[i]!;
      const errors = [...r.lookups, ...r.writes].reduce((n, x) => n + x.errors, 0);
      rows.push(`| ${label} | ${rate(r.lookups)} | ${lat(r.lookups)} | ${rate(r.writes)} | ${lat(r.writes)} | ${errors} |`);
      console.log(rows.at(-1));
    }
  } finally {
    while (running.length) await running.pop()!.stop().catch(() => undefined);
    await cluster.destroy();
  }
  line(`| store | lookups/s, median (range) of ${ROUNDS} | lookup p50 / p99 | note writes/s, median (range) | write p50 / p99 | non-2xx |`);
  line('|---|---|---|---|---|---|');
  for (const r of rows) line(r);
  line();
  line(
    `${CONNECTIONS} requests in flight from the bench process for ${SECONDS} s each (after 1 s of warm-up), the three set-ups measured in turn ${ROUNDS} times, on the config of section 1; every instance is its own \`node bin/baton.mjs serve\` process and nginx runs the example of docs/admin.md, all on this machine's ${cpus().length} cores with the load generator and PostgreSQL (a throwaway cluster, fsync on). A lookup reads the account's notes and the thanks counts from the store and buffers its audit row (group commit every 5 ms); a note write is one transaction committed durably (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on) before its 201. Two instances on one 2-core machine share the same cores (and add nginx's hop), so they cannot be faster than one here: they are for availability, or for instances on separate machines.`,
  );
  line();
}
