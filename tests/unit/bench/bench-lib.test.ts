// The bench's own arithmetic: what counts as a moved number, how a CPU profile is summed, and how a
// profile position in tsx's one-line output finds its TypeScript line.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { placeOf, summarise } from '../../../bench/lib/cpuprofile';
import { moved, type Metric } from '../../../bench/lib/harness';
import { ROOT } from '../../../bench/lib/procs';
import { sourceLine } from '../../../bench/lib/sourcemap';
import { median, percentile, spread } from '../../../bench/lib/stats';

const metric = (value: number, runs?: number[], extra: Partial<Metric> = {}): Metric => ({ id: 'x', label: 'x', unit: 'ms', value, better: 'lower', ...(runs ? { runs } : {}), ...extra });

describe('moved', () => {
  it('takes any change of an exact number (a size) as a move', () => {
    expect(moved(metric(12.3, undefined, { exact: true }), metric(12.4, undefined, { exact: true }))).toBe(true);
    expect(moved(metric(12.3, undefined, { exact: true }), metric(12.3, undefined, { exact: true }))).toBe(false);
  });
  it('needs ranges apart and 10 % between medians when both sides have runs', () => {
    expect(moved(metric(100, [90, 100, 110]), metric(130, [120, 130, 140]))).toBe(true);
    expect(moved(metric(100, [90, 100, 125]), metric(130, [120, 130, 140]))).toBe(false); // overlap
    expect(moved(metric(100, [99, 100, 101]), metric(105, [104, 105, 106]))).toBe(false); // 5 %
  });
  it('needs 25 % for single values', () => {
    expect(moved(metric(100), metric(120))).toBe(false);
    expect(moved(metric(100), metric(130))).toBe(true);
  });
});

describe('stats', () => {
  it('medians, nearest-rank percentiles and spreads', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50)).toBe(5);
    expect(spread([10, 30, 20], 0)).toBe('20 (10–30)');
  });
});

describe('summarise a .cpuprofile', () => {
  // (root) → main → a, main → b → a, and (idle); samples 1 ms apart from t = 1,000,000 µs.
  const url = `file://${ROOT}/src/server/fake.js`;
  const frame = (functionName: string, u = url, lineNumber = 0) => ({ functionName, url: u, lineNumber, columnNumber: 0, scriptId: '1' });
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
      { id: 2, callFrame: frame('main'), children: [3, 4] },
      { id: 3, callFrame: frame('a', url, 9) },
      { id: 4, callFrame: frame('b', `file://${ROOT}/node_modules/hono/dist/compose.js`, 23), children: [6] },
      { id: 5, callFrame: frame('(idle)', '') },
      { id: 6, callFrame: frame('a', url, 9) },
    ],
    startTime: 1_000_000,
    endTime: 1_006_000,
    samples: [3, 3, 6, 4, 5, 5],
    timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
  };
  const file = join(mkdtempSync(join(tmpdir(), 'bench-prof-')), 'p.cpuprofile');
  writeFileSync(file, JSON.stringify(profile));

  it('sums self and inclusive time per function and self time per place, idle apart', () => {
    const s = summarise(file);
    expect(s.totalMs).toBe(6);
    expect(s.idleMs).toBe(2);
    expect(s.busyMs).toBe(4);
    expect(s.self.map((r) => [r.name, r.where, r.ms])).toEqual([
      ['a', 'src/server/fake.js:10', 3],
      ['b', 'hono compose.js:24', 1],
    ]);
    expect(s.self[0]!.pct).toBe(75);
    const inc = Object.fromEntries(s.inclusive.map((r) => [r.name, r.ms]));
    expect(inc).toEqual({ main: 4, a: 3, b: 2 });
    expect(Object.fromEntries(s.places.map((r) => [r.name, r.ms]))).toEqual({ 'src/server/fake.js': 3, hono: 1 });
  });

  it('keeps only the samples inside a window of the clock', () => {
    const s = summarise(file, { fromUs: 1_002_500, toUs: 1_004_500 });
    expect(s.totalMs).toBe(2); // the samples at 1,003,000 (a via b) and 1,004,000 (b)
    expect(Object.fromEntries(s.self.map((r) => [r.name, r.ms]))).toEqual({ a: 1, b: 1 });
  });

  it('names places: packages, our files, Node internals, V8', () => {
    expect(placeOf(`file://${ROOT}/node_modules/@hono/node-server/dist/index.mjs`, 'x')).toBe('@hono/node-server');
    expect(placeOf(`file://${ROOT}/src/server/app.ts`, 'x')).toBe('src/server/app.ts');
    expect(placeOf('node:internal/streams/writable', 'x')).toBe('node:internal/streams');
    expect(placeOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(placeOf('', 'writev')).toBe('(V8 / native)');
  });
});

describe('sourceLine', () => {
  it("finds a function's TypeScript line from its column in tsx's one-line output", () => {
    const path = join(ROOT, 'src', 'server', 'context.ts');
    const source = readFileSync(path, 'utf8');
    const out = transformSync(source, { loader: 'ts', format: 'esm', target: `node${process.versions.node}`, minifyWhitespace: true, keepNames: true });
    const column = out.code.indexOf('function buildContext');
    expect(column).toBeGreaterThan(0);
    const line = source.split('\n').findIndex((l) => l.includes('export function buildContext')) + 1;
    expect(sourceLine(pathToFileURL(path).href, 0, column, 'buildContext')).toBe(line);
  });

  it('says nothing rather than a wrong line when the name is not there', () => {
    const path = join(ROOT, 'src', 'server', 'match.ts');
    expect(sourceLine(pathToFileURL(path).href, 0, 5, 'noSuchFunctionAnywhere')).toBeNull();
  });
});
