/**
 * Start time at 100k contacts: process spawn to the first `/healthz` 200, for `node bin/baton.mjs
 * serve` (the budget: built JavaScript, build/server/, scripts/build-server.mjs), restarting with
 * the same config (from its snapshot, src/server/snapshot.ts) and a first start of it, the previous
 * commit's, `npx baton serve`, and the same from the TypeScript through tsx (BATON_TSX=1, what
 * development runs; tsx's cache warm and off). Rounds alternate. Then what the start is made of:
 * Node itself, loading the server's modules (built, or through tsx), the config load.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Bench, Section } from './lib/harness';
import { freePort, ROOT, run, spawnBaton, spawnServer, treeRssMb, type Proc } from './lib/procs';
import { median, ms, num, spread } from './lib/stats';

interface Starter {
  key: string;
  label: string;
  start(config: string, db: string): Promise<Proc>;
}

const TSX = { ...process.env, BATON_TSX: '1' };
const TSX_NO_CACHE = { ...TSX, TSX_DISABLE_CACHE: '1' };

export const startup: Section = {
  id: 'startup',
  title: 'Start time at 100k contacts: spawn to /healthz 200',
  async run(b: Bench) {
    const cfg = (await b.config('100k'))!;
    const base = await b.base();
    await run(process.execPath, [join(ROOT, 'scripts', 'build-server.mjs'), '--quiet']); // as npm install leaves it
    const serveArgs = async (db: string) => ['serve', '--config', cfg.file, '--port', String(await freePort()), '--db', db, '--quiet'];
    const viaPort = async (command: string, args: string[], env?: NodeJS.ProcessEnv) => spawnServer(command, args, Number(args[args.indexOf('--port') + 1]), env ? { env } : {});
    // A restart with the same config reads its snapshot (src/server/snapshot.ts): prime one, the
    // way the first start of this file leaves it. 'cold' is the first start of a config text.
    const snaps = join(b.tmp, 'startup-snapshots');
    const SNAP = { ...process.env, BATON_SNAPSHOTS: snaps };
    const COLD = { ...process.env, BATON_SNAPSHOTS: 'off' };
    rmSync(snaps, { recursive: true, force: true });
    const primer = await spawnBaton(cfg.file, join(b.tmp, 'startup-prime.db'), { env: SNAP });
    for (const t0 = Date.now(); !(existsSync(snaps) && readdirSync(snaps).some((n) => n.endsWith('.json'))); ) {
      if (Date.now() - t0 > 120_000) throw new Error('no config snapshot written within 120 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    await primer.stop();
    const starters: Starter[] = [
      { key: 'real', label: '`node bin/baton.mjs serve`, restart (the same config: from its snapshot)', start: (c, db) => spawnBaton(c, db, { env: SNAP }) },
      { key: 'cold', label: '`node bin/baton.mjs serve`, first start of this config text (no snapshot: parse and checks)', start: (c, db) => spawnBaton(c, db, { env: COLD }) },
      ...(base ? [{ key: 'base', label: `the same, previous commit (${base.commit.slice(0, 10)})`, start: (c: string, db: string) => spawnBaton(c, db, { tree: base.dir }) }] : []),
      { key: 'npx', label: '`npx baton serve`, restart', start: async (_c, db) => viaPort('npx', ['--no-install', 'baton', ...(await serveArgs(db))], SNAP) },
      { key: 'tsx', label: 'the same from the TypeScript through tsx (`BATON_TSX=1`, development)', start: async (_c, db) => viaPort(process.execPath, [join(ROOT, 'bin', 'baton.mjs'), ...(await serveArgs(db))], TSX) },
      { key: 'tsxNoCache', label: 'the same, tsx cache off (`TSX_DISABLE_CACHE=1`)', start: async (_c, db) => viaPort(process.execPath, [join(ROOT, 'bin', 'baton.mjs'), ...(await serveArgs(db))], TSX_NO_CACHE) },
    ];
    const runs = new Map<string, Array<{ ms: number; rss: number }>>(starters.map((s) => [s.key, []]));
    const rounds = b.rounds(5);
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < starters.length; k++) {
        const s = starters[(k + r) % starters.length]!;
        const p = await s.start(cfg.file, join(b.tmp, `startup-${s.key}-${r}.db`));
        runs.get(s.key)!.push({ ms: p.startMs, rss: treeRssMb(p.pid).peak });
        await p.stop();
      }
    }
    b.line(`${rounds} rounds, the order rotating; each start a fresh process on a fresh SQLite file, on ${cfg.describe}. The clock runs from spawn to the first 200 from /healthz (polled every 10 ms).`);
    b.line();
    b.table(
      ['command', `median (range) of ${rounds}`, 'peak RSS MB (the largest process)'],
      starters.map((s) => {
        const rs = runs.get(s.key)!;
        b.metric({ id: `startup.100k.${s.key}.ms`, label: `start to /healthz 200, ${s.label.replace(/`/g, '')}, 100k`, unit: 'ms', value: median(rs.map((x) => x.ms)), runs: rs.map((x) => x.ms), better: 'lower', workload: cfg.describe });
        return [s.label, `${spread(rs.map((x) => x.ms), 0)} ms`, num(median(rs.map((x) => x.rss)), 0)];
      }),
    );
    b.line();
    const real = median(runs.get('real')!.map((x) => x.ms));
    const cold = median(runs.get('cold')!.map((x) => x.ms));
    const npx = median(runs.get('npx')!.map((x) => x.ms));
    b.budget({ id: 'startup.100k', what: '`node bin/baton.mjs serve` start to serving, 100k contacts (spawn to `/healthz` 200)', now: `${num(real / 1000, 2)} s restarting with the same config (its snapshot); **${num(cold / 1000, 2)} s** for the first start of a config text (parse and checks; \`npx baton\` adds ${num((npx - real) / 1000, 2)} s; through tsx, no snapshots: ${num(median(runs.get('tsx')!.map((x) => x.ms)) / 1000, 2)} s)`, budget: '< 1.5 s', status: real < 1500 ? 'pass' : 'miss', ...(cold >= 1500 ? { note: `the first start of a config text misses it (${num(cold / 1000, 2)} s): its parse and checks, section 1` } : {}) });

    // What a start is made of, without a config: Node alone, then Node + the server's modules.
    const parts: Array<[string, string, string[], NodeJS.ProcessEnv?]> = [
      ['node', '`node -e 0` (Node.js itself)', ['-e', '0']],
      ['modulesBuilt', '`node bin/baton.mjs --help` (every server module, built JS)', [join(ROOT, 'bin', 'baton.mjs'), '--help']],
      ['modulesTsx', 'the same through tsx (`BATON_TSX=1`, cache warm)', [join(ROOT, 'bin', 'baton.mjs'), '--help'], TSX],
      ['modulesTsxNoCache', 'the same, tsx cache off', [join(ROOT, 'bin', 'baton.mjs'), '--help'], TSX_NO_CACHE],
    ];
    const partRuns = new Map<string, number[]>(parts.map((p) => [p[0], []]));
    for (let r = 0; r < b.rounds(5); r++) for (const [key, , args, env] of parts) partRuns.get(key)!.push((await run(process.execPath, args, env ? { env } : {})).ms);
    const med = (k: string) => median(partRuns.get(k)!);
    for (const [key, label] of parts) b.metric({ id: `startup.parts.${key}.ms`, label: label.replace(/`/g, ''), unit: 'ms', value: med(key), runs: partRuns.get(key)!, better: 'lower' });
    const load = b.value('config-load.100k.ms');
    b.line('What the first start of a config text is made of (wall times of whole processes, medians; the config load from the in-process section):');
    b.line();
    b.table(
      ['part', 'median (range)', 'share of the start'],
      [
        [parts[0]![1], `${spread(partRuns.get('node')!, 0)} ms`, `${num((100 * med('node')) / cold, 0)} %`],
        ['loading the server, built JS = `--help` − `node -e 0`', ms(med('modulesBuilt') - med('node')), `${num((100 * (med('modulesBuilt') - med('node'))) / cold, 0)} %`],
        ['what tsx would add (development) = through tsx − built JS', ms(med('modulesTsx') - med('modulesBuilt')), '(not in this start)'],
        ['tsx compiling with its cache off, extra', ms(med('modulesTsxNoCache') - med('modulesTsx')), '(not in this start)'],
        ['config load, in process (section config-load)', load === undefined ? '—' : ms(load), load === undefined ? '—' : `${num((100 * load) / cold, 0)} %`],
        ['the rest (store, listen, first /healthz; the spawn itself)', load === undefined ? '—' : ms(cold - med('modulesBuilt') - load), load === undefined ? '—' : `${num((100 * (cold - med('modulesBuilt') - load)) / cold, 0)} %`],
      ].map((r) => r.map(String)),
    );
    for (const [key, , args] of parts) b.data(`part:${key}`, { args: args.map((a) => a.replace(ROOT, '.')), runs: partRuns.get(key) });
  },
};
