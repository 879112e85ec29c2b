/**
 * The bench's frame: runs the sections in order (a section that crashes is reported and the run
 * goes on), gives each a Bench to record into, and writes, in one run, bench/results/latest.json
 * (every number, the machine, versions, the commit) and bench/REPORT.md (the machine, load
 * averages, the budgets with pass/miss, before/after, then each section's tables).
 *
 *   npm run bench                     every section, writes bench/REPORT.md and bench/results/latest.json
 *   npm run bench -- --quick          a smoke run: tiny configs, short loads, no 1M case; writes to
 *                                     --out (default $TMPDIR/baton-bench-quick); fails only when a section crashes
 *   npm run bench -- --only api,startup   some sections only (written to --out too)
 *   npm run bench -- --base REF       the before/after peer (default: see lib/base.ts)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { prepareBase, type BaseTree } from './base';
import { autocannonGenerator, ensureWrk, wrkGenerator, type LoadGenerator } from './load';
import { ROOT, stopAll } from './procs';
import { num } from './stats';
import { CONTACTS_PER, writeConfig, type Shape } from './workload';

export type SizeName = '10k' | '100k' | '1M';

export interface Metric {
  /** Stable key across runs, e.g. `api.100k.real.lookupsPerSecond`. */
  id: string;
  label: string;
  unit: string;
  /** The median of `runs` (or the one value). */
  value: number;
  runs?: number[];
  better: 'lower' | 'higher';
  /** Repeatable to the unit (sizes): any change is a move. Otherwise it must leave both runs' spreads. */
  exact?: boolean;
  /** What was measured: numbers are compared across runs only when this matches. */
  workload?: string;
}

export type BudgetStatus = 'pass' | 'miss' | 'not measured yet';

export interface Budget {
  id: string;
  what: string;
  now: string;
  budget: string;
  status: BudgetStatus;
  /** Why a row is not measured, or what a miss is about. */
  note?: string;
}

export interface ConfigFile {
  file: string;
  shape: Shape;
  bytes: number;
  contacts: number;
  /** "10,000 accounts × 10 contacts, 4 hand-offs each" */
  describe: string;
}

export interface Bench {
  readonly quick: boolean;
  readonly root: string;
  /** This run's scratch directory (removed at the end). */
  readonly tmp: string;
  /** Markdown into the current section. */
  line(s?: string): void;
  table(head: string[], rows: Array<Array<string | number>>): void;
  /** Records a number for latest.json and the before/after comparison; returns its value. */
  metric(m: Metric): number;
  /** A number recorded earlier in this run. */
  value(id: string): number | undefined;
  budget(b: Budget): void;
  /** Raw figures of the current section for latest.json. */
  data(key: string, value: unknown): void;
  /** A warning shown at the top of the report. */
  warn(s: string): void;
  /** `full` rounds/seconds in a full run, fewer in a quick one. */
  rounds(full: number): number;
  seconds(full: number): number;
  /** The generated config of a size (made once per run); null when the mode skips that size. */
  config(size: SizeName): Promise<ConfigFile | null>;
  loadGenerator(): LoadGenerator;
  setLoadGenerator(g: LoadGenerator): void;
  /** The before/after peer: the previous commit's tree, or null (and why) when it cannot be had. */
  base(): Promise<BaseTree | null>;
  /** "1.2, 0.9, 0.7" */
  loadavg(): string;
}

export interface Section {
  id: string;
  title: string;
  run(b: Bench): Promise<void>;
}

/** Shapes per size; a quick run shrinks them to seconds of work and skips 1M. */
const SHAPES: Record<'full' | 'quick', Record<SizeName, Shape | null>> = {
  full: { '10k': { accounts: 1_000, contactsPer: CONTACTS_PER }, '100k': { accounts: 10_000, contactsPer: CONTACTS_PER }, '1M': { accounts: 100_000, contactsPer: CONTACTS_PER } },
  quick: { '10k': { accounts: 20, contactsPer: CONTACTS_PER }, '100k': { accounts: 200, contactsPer: CONTACTS_PER }, '1M': null },
};

const la = () => loadavg().map((x) => x.toFixed(1)).join(', ');

function git(args: string[]): string | null {
  const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux';
  } catch {
    return process.platform;
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'missing';
  }
}

interface SectionRecord {
  id: string;
  title: string;
  lines: string[];
  ms: number;
  loadavgAtStart: string;
  crashed?: string;
  data: Record<string, unknown>;
}

export interface Results {
  schema: 1;
  at: string;
  mode: 'full' | 'quick' | 'partial';
  git: { commit: string | null; dirty: boolean; base: Omit<BaseTree, 'dir'> | { unavailable: string } | null };
  machine: { cpus: number; model: string; memGiB: number; os: string; kernel: string };
  versions: Record<string, string>;
  loadavg: { start: string; end: string };
  metrics: Record<string, Metric>;
  budgets: Budget[];
  sections: Record<string, Omit<SectionRecord, 'lines'>>;
}

/** Did a number move beyond its noise between two runs? */
export function moved(before: Metric, after: Metric): boolean {
  if (!Number.isFinite(before.value) || !Number.isFinite(after.value)) return false;
  if (before.exact || after.exact) return Math.abs(after.value - before.value) >= 0.05;
  const rel = Math.abs(after.value - before.value) / Math.max(Math.abs(before.value), 1e-9);
  const [b0, b1] = [Math.min(...(before.runs ?? [before.value])), Math.max(...(before.runs ?? [before.value]))];
  const [a0, a1] = [Math.min(...(after.runs ?? [after.value])), Math.max(...(after.runs ?? [after.value]))];
  const apart = a0 > b1 || a1 < b0;
  // With spreads on both sides: they must not overlap and differ by 10 %; single values by 25 %.
  return before.runs && after.runs && before.runs.length > 1 && after.runs.length > 1 ? apart && rel > 0.1 : rel > 0.25;
}

const fmtMetric = (m: Metric) => `${num(m.value)} ${m.unit}`;
const change = (b: Metric, a: Metric) => {
  const rel = (a.value - b.value) / Math.abs(b.value || 1);
  const better = (a.value > b.value) === (a.better === 'higher');
  return `${rel >= 0 ? '+' : ''}${(rel * 100).toFixed(0)} % (${better ? 'better' : 'worse'})`;
};

export async function runBench(all: Section[], argv = process.argv.slice(2)): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, only: { type: 'string' }, base: { type: 'string' }, out: { type: 'string' } } });
  const quick = values.quick ?? false;
  const only = values.only?.split(',').map((s) => s.trim());
  const sections = only ? all.filter((s) => only.includes(s.id)) : all;
  if (only && sections.length !== only.length) throw new Error(`--only: no section ${only.filter((o) => !all.some((s) => s.id === o)).join(', ')} (there are: ${all.map((s) => s.id).join(', ')})`);
  const mode: Results['mode'] = quick ? 'quick' : only ? 'partial' : 'full';
  const outDir = values.out ?? (mode === 'full' ? join(ROOT, 'bench') : join(tmpdir(), `baton-bench-${mode}`));
  const jsonFile = mode === 'full' && !values.out ? join(ROOT, 'bench', 'results', 'latest.json') : join(outDir, 'latest.json');
  const tmp = join(ROOT, 'bench', 'tmp', `run-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });

  const startedAt = new Date().toISOString();
  const loadStart = la();
  const metrics: Record<string, Metric> = {};
  const budgets: Budget[] = [];
  const warnings: string[] = [];
  const records: SectionRecord[] = [];
  const configs = new Map<SizeName, Promise<ConfigFile | null>>();
  let current: SectionRecord | undefined;
  let generator: LoadGenerator | undefined;
  let base: Promise<BaseTree | null> | undefined;
  let baseInfo: Results['git']['base'] = null;

  const bench: Bench = {
    quick,
    root: ROOT,
    tmp,
    line: (s = '') => {
      current!.lines.push(s);
      console.log(s);
    },
    table: (head, rows) => {
      bench.line(`| ${head.join(' | ')} |`);
      bench.line(`|${head.map(() => '---').join('|')}|`);
      for (const r of rows) bench.line(`| ${r.join(' | ')} |`);
    },
    metric: (m) => {
      metrics[m.id] = m;
      return m.value;
    },
    value: (id) => metrics[id]?.value,
    budget: (b) => {
      const i = budgets.findIndex((x) => x.id === b.id);
      if (i >= 0) budgets[i] = b;
      else budgets.push(b);
    },
    data: (key, value) => {
      current!.data[key] = value;
    },
    warn: (s) => {
      warnings.push(s);
      console.warn(`warning: ${s}`);
    },
    rounds: (full) => (quick ? 1 : full),
    seconds: (full) => (quick ? 1 : full),
    config: (size) => {
      let p = configs.get(size);
      if (!p) {
        p = (async () => {
          const shape = SHAPES[quick ? 'quick' : 'full'][size];
          if (!shape) return null;
          const file = join(tmp, `config-${size}.yaml`);
          const bytes = await writeConfig(file, shape);
          const contacts = shape.accounts * shape.contactsPer;
          return { file, shape, bytes, contacts, describe: `${num(shape.accounts, 0)} accounts × ${shape.contactsPer} contacts (${num(contacts, 0)}), 4 hand-offs each, ${(bytes / 2 ** 20).toFixed(1)} MB of YAML` };
        })();
        configs.set(size, p);
      }
      return p;
    },
    loadGenerator: () => {
      if (!generator) {
        const wrk = ensureWrk((s) => console.log(s));
        generator = wrk ? wrkGenerator(wrk, tmp) : autocannonGenerator();
        if (!wrk) warnings.push('wrk could not be installed: the load came from autocannon, which takes more CPU from the server (see the load generator section)');
      }
      return generator;
    },
    setLoadGenerator: (g) => {
      generator = g;
    },
    base: () => {
      base ??= prepareBase(join(tmp, 'base'), values.base).then(
        (b) => {
          if ('unavailable' in b) {
            baseInfo = { unavailable: b.unavailable };
            warnings.push(`no before/after peer in this run: ${b.unavailable}`);
            return null;
          }
          const { dir: _dir, ...info } = b;
          baseInfo = info;
          return b;
        },
        (err: unknown) => {
          baseInfo = { unavailable: (err as Error).message };
          warnings.push(`no before/after peer in this run: ${(err as Error).message}`);
          return null;
        },
      );
      return base;
    },
    loadavg: la,
  };

  const stopOnSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  for (const s of sections) {
    current = { id: s.id, title: s.title, lines: [], ms: 0, loadavgAtStart: la(), data: {} };
    records.push(current);
    console.log(`\n== ${s.title} (load average ${current.loadavgAtStart})`);
    const t0 = performance.now();
    try {
      await s.run(bench);
    } catch (err) {
      current.crashed = (err as Error).stack ?? String(err);
      bench.line();
      bench.line(`**This section crashed:** \`${(err as Error).message.split('\n')[0]}\``);
      console.error(err);
    } finally {
      await stopAll();
    }
    current.ms = performance.now() - t0;
  }

  const results: Results = {
    schema: 1,
    at: startedAt,
    mode,
    git: { commit: git(['rev-parse', 'HEAD']), dirty: (git(['status', '--porcelain', '--', 'src', 'bin', 'bench', 'scripts', 'package.json', 'package-lock.json']) ?? '') !== '', base: baseInfo },
    machine: { cpus: cpus().length, model: cpus()[0]?.model.trim() ?? 'cpu', memGiB: Math.round(totalmem() / 2 ** 30), os: osName(), kernel: release() },
    versions: {
      node: process.version,
      npm: spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout?.trim() || 'unknown',
      ...(generator ? { [generator.name]: generator.version } : {}),
      ...Object.fromEntries(['hono', '@hono/node-server', 'better-sqlite3', 'js-yaml', 'valibot', 'tsx', 'esbuild', 'postgres', 'vite'].map((p) => [p, packageVersion(p)])),
    },
    loadavg: { start: loadStart, end: la() },
    metrics,
    budgets,
    sections: Object.fromEntries(records.map(({ lines: _l, ...r }) => [r.id, r])),
  };

  // Before/after against the last committed run (the results file as HEAD has it).
  let previous: Results | null = null;
  const committed = git(['show', `HEAD:${relative(ROOT, join(ROOT, 'bench', 'results', 'latest.json'))}`]);
  if (committed) {
    try {
      previous = JSON.parse(committed) as Results;
    } catch {
      previous = null;
    }
  }

  const out: string[] = [];
  const o = (s = '') => out.push(s);
  o('# Baton benchmark report');
  o();
  o(`\`npm run bench${quick ? ' -- --quick' : ''}\` (bench/run.ts), ${startedAt}, ${mode} run, commit ${results.git.commit?.slice(0, 10) ?? 'unknown'}${results.git.dirty ? ' with uncommitted changes' : ''}. Every number is in bench/results/latest.json.`);
  if (mode !== 'full') o(`**${mode} run: numbers from tiny configs or some sections only; budgets are not judged.**`);
  o();
  o('| machine | |');
  o('|---|---|');
  o(`| CPU | ${results.machine.cpus} × ${results.machine.model}, ${results.machine.memGiB} GiB |`);
  o(`| OS | ${results.machine.os}, Linux ${results.machine.kernel} |`);
  o(`| Node.js | ${results.versions.node}, npm ${results.versions.npm} |`);
  o(`| load generator | ${generator ? `${generator.name} ${generator.version}` : 'none used'} |`);
  o(`| packages | ${['hono', '@hono/node-server', 'better-sqlite3', 'js-yaml', 'valibot', 'tsx'].map((p) => `${p} ${results.versions[p]}`).join(', ')} |`);
  o(`| load average (1, 5, 15 min) | ${loadStart} at the start, ${results.loadavg.end} at the end |`);
  o();
  o(`This machine is shared: other sessions run tests on the same ${results.machine.cpus} cores, so a load average above ${results.machine.cpus} means the bench got less than the whole machine. Peers are measured in alternating rounds within one run (the same slow moment hits each alike); the tables give the median and the range. CPU time per request (from /proc) is steadier than requests/s under such noise.`);
  for (const w of warnings) o(`\n> warning: ${w}`);
  o();
  o('## Budgets');
  o();
  o('| | now | budget | |');
  o('|---|---|---|---|');
  for (const b of budgets) o(`| ${b.what} | ${b.now} | ${b.budget} | ${mode === 'full' || b.status === 'not measured yet' ? (b.status === 'pass' ? '**pass**' : b.status === 'miss' ? '**miss**' : b.status) : `(${b.status}, not judged)`}${b.note ? ` — ${b.note}` : ''} |`);
  o();

  o('## Before / after');
  o();
  const baseMetrics = Object.values(metrics).filter((m) => m.id.includes('.base.'));
  const info = results.git.base;
  if (info && 'commit' in info) {
    o(`In this run, side by side: **before** = ${info.commit.slice(0, 10)} (${info.why}), **after** = this tree${results.git.dirty ? ' (with its uncommitted changes)' : ''}.${info.dependenciesDiffer ? ' Its package-lock.json differs from this tree\'s: it ran on this tree\'s node_modules.' : ''}`);
    o();
    const pairs = baseMetrics.map((m) => [m, metrics[m.id.replace('.base.', '.real.')]] as const).filter((p): p is readonly [Metric, Metric] => p[1] !== undefined);
    if (pairs.length) {
      o('| number | before | after | change | moved beyond the noise? |');
      o('|---|---|---|---|---|');
      for (const [b, a] of pairs) o(`| ${a.label} | ${fmtMetric(b)} | ${fmtMetric(a)} | ${change(b, a)} | ${moved(b, a) ? 'yes' : 'no'} |`);
    }
  } else {
    o(`No previous commit was measured in this run${info && 'unavailable' in info ? `: ${info.unavailable}` : ''}.`);
  }
  o();
  if (previous) {
    const moves = Object.values(metrics)
      .map((m) => [previous!.metrics[m.id], m] as const)
      .filter((p): p is readonly [Metric, Metric] => p[0] !== undefined && p[0].workload === p[1].workload && moved(p[0], p[1]));
    o(`Against the last committed run (bench/results/latest.json at HEAD: ${previous.at}, commit ${previous.git.commit?.slice(0, 10) ?? '?'}, load average ${previous.loadavg.start} at its start): ${moves.length ? `${moves.length} number(s) moved beyond their noise.` : 'no number moved beyond its noise.'}`);
    if (moves.length) {
      o();
      o('| number | then | now | change |');
      o('|---|---|---|---|');
      for (const [b, a] of moves) o(`| ${a.label} | ${fmtMetric(b)} | ${fmtMetric(a)} | ${change(b, a)} |`);
    }
  } else {
    o('No committed bench/results/latest.json to compare with (the first run of this report format).');
  }
  o();
  o('Noise rule: a number moved when the two runs\' ranges do not overlap and the medians differ by more than 10 % (single values: 25 %); sizes move by any 0.1 KB.');

  records.forEach((r, i) => {
    o();
    o(`## ${i + 1}. ${r.title}`);
    o();
    o(`_Load average at the start of this section: ${r.loadavgAtStart}; took ${(r.ms / 1000).toFixed(0)} s._`);
    o();
    for (const l of r.lines) o(l);
  });

  mkdirSync(outDir, { recursive: true });
  mkdirSync(join(jsonFile, '..'), { recursive: true });
  writeFileSync(join(outDir, 'REPORT.md'), out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n');
  writeFileSync(jsonFile, JSON.stringify(results, null, 2) + '\n');
  rmSync(tmp, { recursive: true, force: true });
  const crashed = records.filter((r) => r.crashed);
  console.log(`\nwrote ${relative(process.cwd(), join(outDir, 'REPORT.md')) || 'REPORT.md'} and ${relative(process.cwd(), jsonFile)}`);
  if (crashed.length) console.error(`${crashed.length} section(s) crashed: ${crashed.map((r) => r.id).join(', ')}`);
  else console.log(`${records.length} section(s) ran`);
  return crashed.length ? 1 : 0;
}

