/**
 * Peers measured side by side: each warmed up, then measured in rounds, the order rotating each
 * round so no peer always runs right after another's load. Per run: what the load generator saw,
 * and the server's CPU time per request from /proc (steadier than requests/s on a busy machine).
 */
import { isDeepStrictEqual } from 'node:util';
import type { LoadGenerator, LoadResult, LoadSpec } from './load';
import { cpuMs, type Proc } from './procs';
import { median, range } from './stats';
import { BENCH_TOKEN, emailOf, type Shape } from './workload';

export interface Peer {
  /** Key in metric ids: bare, real, base, … */
  key: string;
  label: string;
  proc: Proc;
}

export interface Round extends LoadResult {
  /** Server CPU time per answered request, µs. */
  serverCpuUs: number;
  /** Load generator CPU time per answered request, µs. */
  generatorCpuUs: number;
}

export async function measure(gen: LoadGenerator, proc: Proc, spec: Omit<LoadSpec, 'url'>): Promise<Round> {
  const c0 = cpuMs(proc.pid);
  const r = await gen.run({ ...spec, url: proc.url });
  const c1 = cpuMs(proc.pid);
  return { ...r, serverCpuUs: ((c1 - c0) * 1000) / Math.max(1, r.requests), generatorCpuUs: (r.generatorCpuMs * 1000) / Math.max(1, r.requests) };
}

export async function alternate(gen: LoadGenerator, peers: Peer[], spec: Omit<LoadSpec, 'url' | 'seconds'> & { rounds: number; seconds: number; warmupS: number }): Promise<Map<string, Round[]>> {
  const out = new Map<string, Round[]>(peers.map((p) => [p.key, []]));
  for (const p of peers) await gen.run({ ...spec, url: p.proc.url, seconds: spec.warmupS });
  for (let r = 0; r < spec.rounds; r++) {
    for (let k = 0; k < peers.length; k++) {
      const p = peers[(k + r) % peers.length]!;
      out.get(p.key)!.push(await measure(gen, p.proc, spec));
    }
  }
  return out;
}

/** Per-round ratios of two peers (a[i] / b[i]): rounds ran next to each other, so they pair. */
export function paired(a: Round[], b: Round[], f: (r: Round) => number): number[] {
  return a.map((r, i) => f(r) / f(b[i]!));
}

export const of = (rounds: Round[], f: (r: Round) => number) => rounds.map(f);
export const mid = (rounds: Round[], f: (r: Round) => number) => median(rounds.map(f));
export const span = (rounds: Round[], f: (r: Round) => number) => range(rounds.map(f));

/** Fields where two servers' answers to the same lookups differ ([] when they give the same JSON). */
export async function answerDiff(a: Proc, b: Proc, shape: Shape): Promise<string[]> {
  const diffs: string[] = [];
  for (const [acct, c] of [[0, 0], [Math.floor(shape.accounts / 2), 3], [shape.accounts - 1, shape.contactsPer - 1]] as const) {
    const path = `/v1/context?email=${emailOf(acct, c)}`;
    const get = async (p: Proc) => (await (await fetch(p.url + path, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } })).json()) as Record<string, unknown>;
    const [x, y] = await Promise.all([get(a), get(b)]);
    for (const key of new Set([...Object.keys(x), ...Object.keys(y)])) if (!isDeepStrictEqual(x[key], y[key])) diffs.push(`${path}: ${key}`);
  }
  return diffs;
}
