/**
 * Where the time goes: the real server run under `node --cpu-prof` (from the TypeScript through
 * tsx, BATON_TSX=1, so every function keeps its file and line; the code that runs is the same
 * esbuild output as the built server's, only the start adds tsx's loading) on the 100k config — its start (spawn to /healthz 200) and then its time
 * under the load generator (32 connections), both from the one profile, cut by the monotonic clock.
 * Summaries go to the report; the raw profiles to bench/results/profiles/ (not committed; open
 * them in Chromium's DevTools, Performance panel, "Load profile").
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bench, Section } from './lib/harness';
import { CONNECTIONS } from './lib/load';
import { measure } from './lib/peers';
import { spawnBaton } from './lib/procs';
import { monotonicUs, rowsOf, summarise, type ProfileSummary } from './lib/cpuprofile';
import { num } from './lib/stats';

const PROFILE_HEAD = ['share of busy', 'ms', 'function', 'where'];

/** Self time, inclusive time (when `inclusive` > 0) and self time by place, the top `n` of each. */
function tables(b: Bench, s: ProfileSummary, n: number, inclusive: number): void {
  const part = (title: string, head: string[], rows: string[][]) => {
    b.line(title);
    b.line();
    b.table(head, rows);
    b.line();
  };
  part(`Self time (the function itself), top ${n}:`, PROFILE_HEAD, rowsOf(s.self.slice(0, n)));
  if (inclusive > 0) part(`Inclusive time (the function and what it calls), top ${inclusive}:`, PROFILE_HEAD, rowsOf(s.inclusive.slice(0, inclusive)));
  part('Self time by place:', ['share of busy', 'ms', 'place'], s.places.slice(0, n).map((r) => [`${r.pct.toFixed(1)} %`, r.ms.toFixed(0), r.name]));
}

function digest(s: ProfileSummary) {
  return { totalMs: s.totalMs, busyMs: s.busyMs, idleMs: s.idleMs, self: s.self, inclusive: s.inclusive, places: s.places, within: s.within };
}

export const profiles: Section = {
  id: 'profile',
  title: 'Profiles: where the time of GET /v1/context and of the start goes',
  async run(b: Bench) {
    const cfg = (await b.config('100k'))!;
    const gen = b.loadGenerator();
    const dir = join(b.tmp, 'profiles');
    mkdirSync(dir, { recursive: true });
    const spawnedUs = monotonicUs();
    const server = await spawnBaton(cfg.file, join(b.tmp, 'profile.db'), { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`], env: { ...process.env, BATON_TSX: '1' } });
    const readyUs = monotonicUs();
    // Long enough to ask for most accounts once: the profile is of lookups, not of each account's first answer.
    await gen.run({ url: server.url, shape: cfg.shape, seconds: b.seconds(12) });
    const fromUs = monotonicUs();
    const seconds = b.seconds(10);
    const loadRun = await measure(gen, server, { shape: cfg.shape, seconds });
    const toUs = monotonicUs();
    await server.stop();

    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread; the other is
    // the module-hooks thread tsx's loader runs on.
    const main = files.find((f) => f.split('.')[4] === '0');
    if (!main) throw new Error(`no main-thread profile in ${files.join(', ') || '(none)'}: did the server exit cleanly?`);
    const hooks = files.find((f) => f !== main);
    const underLoad = summarise(join(dir, main), { fromUs, toUs });
    const start = summarise(join(dir, main), { fromUs: spawnedUs, toUs: readyUs });
    const hooksStart = hooks ? summarise(join(dir, hooks), { fromUs: spawnedUs, toUs: readyUs }) : null;
    // The windows on the profile's own clock (µs from its start), to cut the saved profiles again.
    const t0 = (JSON.parse(readFileSync(join(dir, main), 'utf8')) as { startTime: number }).startTime;
    b.data('windowsUs', { start: [spawnedUs - t0, readyUs - t0], load: [fromUs - t0, toUs - t0] });
    b.data('underLoad', digest(underLoad));
    b.data('start', digest(start));
    if (hooksStart) b.data('startHooksThread', digest(hooksStart));

    if (!b.quick) {
      const keep = join(b.root, 'bench', 'results', 'profiles');
      mkdirSync(keep, { recursive: true });
      copyFileSync(join(dir, main), join(keep, 'serve-100k-main.cpuprofile'));
      if (hooks) copyFileSync(join(dir, hooks), join(keep, 'serve-100k-hooks-thread.cpuprofile'));
    }

    const busyShare = (100 * underLoad.busyMs) / Math.max(underLoad.totalMs, 1);
    b.line(`### Under load: ${num(loadRun.perSecond, 0)} lookups/s with the profiler on (${gen.name}, ${CONNECTIONS} connections, ${seconds} s), main thread ${num(busyShare, 0)} % busy`);
    b.line();
    // Named costs of one lookup (inclusive, µs of main-thread time per lookup, profiler on); the names are the
    // libraries' own (a row drops out when a version renames its function).
    const perLookup = (ms: number) => (ms * 1000) / Math.max(1, loadRun.requests); // every request of the run falls inside the window
    const costs: Array<[string, string]> = [
      ['get body', "a full Web Request (undici, AbortSignal, stream) built because hono's bodyLimit reads `c.req.raw.body`, on GETs too"],
      ['set res', "Hono's `c.res =` copying a Response made early (cors sets a header on `c.res` before the handler)"],
      ['responseViaResponseObject', '@hono/node-server writing the Web Response to the socket (includes the write syscall)'],
      ['writev', 'the write syscall itself (the bare server pays it too)'],
      ['answer', 'the fast path (src/server/fast-context.ts): one lookup from node:http request to response'],
      ['answerLookup', 'the lookup itself (src/server/lookup.ts): match, store read, answer, audit row'],
      ['readForLookup', "the store's notes and thanks counts (SQLite: kept in memory while lookup_stamp holds)"],
      ['serialiseParts', "an account's answer serialised again (first lookup, or the store changed)"],
      ['spliceAnswer', 'the per-request parts joined to the kept ones'],
      ['writeBatch', 'the audit trail: group commits of lookup rows (SQLite: handing the batch to the audit worker; the commit is off this thread)'],
      ['buildContext', 'building the answer object'],
      ['json', "Hono's c.json (JSON.stringify and a Response)"],
      ['findToken', 'SHA-256 of the bearer token, compared in constant time'],
      ['logHash', 'SHA-256 of the email for the log line (skipped with --quiet)'],
      ['matchQuery', 'matching'],
      ['(garbage collector)', 'garbage collection'],
    ];
    b.line('Named costs of one lookup (inclusive; they overlap where one calls another):');
    b.line();
    b.table(
      ['function', 'what it is', 'share of busy', 'µs per lookup'],
      costs
        .map(([name, what]) => [name, what, underLoad.byName.get(name) ?? 0] as const)
        .filter(([, , v]) => v > 0)
        .map(([name, what, v]) => [`\`${name}\``, what, `${((100 * v) / underLoad.busyMs).toFixed(1)} %`, num(perLookup(v), 0)]),
    );
    b.line();
    tables(b, underLoad, 12, 12);
    // The config load's parts: our functions by name, the libraries by place (any frame of theirs on the stack).
    const fn = (n: string) => [`\`${n}\``, start.byName.get(n) ?? 0] as const;
    const lib = (place: string, what: string) => [`${what} (in ${place})`, start.within.find((r) => r.name === place)?.ms ?? 0] as const;
    const startRows = [fn('loadConfigFile'), lib('js-yaml', 'YAML parse'), fn('safeParse'), fn('crossCheck'), fn('prepare'), fn('buildIndex'), fn('openStore'), ['(garbage collector)', start.places.find((r) => r.name === '(garbage collector)')?.ms ?? 0] as const, lib('node:internal/modules', 'loading modules')].filter(([, v]) => v > 0);
    b.line(`### The start: ${num(start.totalMs, 0)} ms from spawn to /healthz 200 on the main thread's clock, ${num(start.busyMs, 0)} ms busy, ${num(start.idleMs, 0)} ms idle (through tsx, BATON_TSX=1, so lines map to the TypeScript — the built server skips tsx's share, see the startup section; waiting: for tsx's module hooks thread${hooksStart ? `, busy ${num(hooksStart.busyMs, 0)} ms in this window` : ''}, and for I/O)`);
    b.line();
    b.table(['function (inclusive)', 'ms', 'share of the start'], startRows.map(([n, v]) => [n, v.toFixed(0), `${((100 * v) / Math.max(start.totalMs, 1)).toFixed(0)} %`]));
    b.line();
    tables(b, start, 10, 0);
    b.line(`The V8 sampling profiler adds its own cost (compare the lookups/s above with the api section's). Lines of our TypeScript come from compiling it again as tsx does (bench/lib/sourcemap.ts; a file is left without lines rather than given wrong ones). The full summaries are in latest.json${b.quick ? '' : '; the raw profiles in bench/results/profiles/ (not committed)'}.`);
  },
};
