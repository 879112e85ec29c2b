/**
 * Reads a V8 .cpuprofile (`node --cpu-prof`) and sums where the time went: self time and
 * inclusive time per function, and self time per place (a package, a file of ours, Node's
 * internals, V8's garbage collector). Optionally only the samples inside a window of the
 * monotonic clock (V8's profile timestamps and process.hrtime are both CLOCK_MONOTONIC here), so
 * one profile of a server gives its start and its time under load separately.
 */
import { readFileSync } from 'node:fs';
import { ROOT } from './procs';
import { sourceLine } from './sourcemap';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  where: string;
  ms: number;
  /** Share of the busy time (all samples but (idle)), %. */
  pct: number;
}

export interface ProfileSummary {
  /** Milliseconds covered by the samples taken (in the window). */
  totalMs: number;
  idleMs: number;
  busyMs: number;
  self: Row[];
  inclusive: Row[];
  places: Row[];
  /** Inclusive time per place: samples with any frame of that place on the stack (js-yaml = parsing YAML). */
  within: Row[];
  /** Inclusive ms of functions by exact name (e.g. parseConfig), for the report's arithmetic. */
  byName: Map<string, number>;
}

/** µs now on the clock V8's profiles use. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** "node_modules/hono/dist/compose.js" → "hono"; "…/src/server/app.ts" → "src/server/app.ts"; "node:internal/http" → "node:internal/http". */
export function placeOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(V8 / native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1]!;
  const mine = `file://${ROOT}/`;
  if (url.startsWith(mine)) return url.slice(mine.length);
  if (url.startsWith('node:')) return url.replace(/^(node:internal\/[^/]+).*$/, '$1');
  return url;
}

/** "src/server/app.ts:123" (our TypeScript, through its source map), "hono compose.js:24", "node:events:347". */
function shortWhere(f: CallFrame): string {
  if (!f.url) return '';
  const place = placeOf(f.url, '');
  const file = f.url.replace(/^file:\/\//, '').split('/').pop() ?? '';
  const at = place === file || place.endsWith(file) ? place : `${place} ${file}`;
  if (/\.tsx?$/.test(f.url)) {
    const line = sourceLine(f.url, f.lineNumber, f.columnNumber, f.functionName);
    return line === null ? at : `${at}:${line}`;
  }
  return `${at}:${f.lineNumber + 1}`;
}

export function summarise(file: string, window?: { fromUs: number; toUs: number }, top = 15): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keys = new Map<number, string>();
  const key = (n: ProfileNode) => {
    let k = keys.get(n.id);
    if (k === undefined) keys.set(n.id, (k = `${n.callFrame.functionName || '(anonymous)'}\u0000${shortWhere(n.callFrame)}`));
    return k;
  };

  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const places = new Map<string, number>();
  const within = new Map<string, number>();
  const byName = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let t = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    // A sample stands for the time until the next one.
    const weight = (p.timeDeltas[i + 1] ?? p.timeDeltas[i] ?? 0) / 1000;
    if (window && (t < window.fromUs || t > window.toUs)) continue;
    const node = byId.get(p.samples[i]!)!;
    total += weight;
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idle += weight;
      continue;
    }
    self.set(key(node), (self.get(key(node)) ?? 0) + weight);
    const place = placeOf(node.callFrame.url, name || '(anonymous)');
    places.set(place, (places.get(place) ?? 0) + weight);
    const seen = new Set<string>();
    const names = new Set<string>();
    const inPlaces = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === '(root)') break;
      seen.add(key(n));
      names.add(n.callFrame.functionName);
      inPlaces.add(placeOf(n.callFrame.url, n.callFrame.functionName || '(anonymous)'));
    }
    for (const k of inPlaces) within.set(k, (within.get(k) ?? 0) + weight);
    for (const k of seen) inclusive.set(k, (inclusive.get(k) ?? 0) + weight);
    for (const k of names) byName.set(k, (byName.get(k) ?? 0) + weight);
  }
  const busy = total - idle;
  const rows = (m: Map<string, number>, keyed = true): Row[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, ms]) => {
        const [name, where = ''] = keyed ? k.split('\u0000') : [k, ''];
        return { name: name!, where, ms, pct: (100 * ms) / Math.max(busy, 1e-9) };
      });
  return { totalMs: total, idleMs: idle, busyMs: busy, self: rows(self), inclusive: rows(inclusive), places: rows(places, false), within: rows(within, false), byName };
}

/** Markdown table rows: "| 12.3 % | 45 ms | name | where |". */
export function rowsOf(rows: Row[]): string[][] {
  return rows.map((r) => [`${r.pct.toFixed(1)} %`, `${r.ms.toFixed(0)} ms`, `\`${r.name.replace(/\|/g, '\\|')}\``, r.where]);
}
