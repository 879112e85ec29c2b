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

/**
 * Where two servers' answers to the same lookups differ ([] when they give the same bytes): the
 * JSON fields that differ, else "bytes" (same values, other order or spacing), and the headers
 * whose names or values differ (Date and Keep-Alive aside).
 */
export async function answerDiff(a: Proc, b: Proc, shape: Shape): Promise<string[]> {
  const diffs: string[] = [];
  const pairs: Array<readonly [number, number] | null> = [[0, 0], [Math.floor(shape.accounts / 2), 3], [shape.accounts - 1, shape.contactsPer - 1], null];
  for (const pair of pairs) {
    const path = `/v1/context?email=${pair ? emailOf(pair[0], pair[1]) : 'nobody@unknown.example'}`;
    const get = async (p: Proc) => {
      const r = await fetch(p.url + path, { headers: { authorization: `Bearer ${BENCH_TOKEN}` } });
      const headers = [...r.headers].filter(([k]) => k !== 'date' && k !== 'keep-alive' && k !== 'connection');
      return { text: await r.text(), headers: new Map(headers) };
    };
    const [x, y] = await Promise.all([get(a), get(b)]);
    if (x.text === y.text) {
      // same bytes
    } else {
      const [jx, jy] = [JSON.parse(x.text) as Record<string, unknown>, JSON.parse(y.text) as Record<string, unknown>];
      const keys = [...new Set([...Object.keys(jx), ...Object.keys(jy)])].filter((key) => !isDeepStrictEqual(jx[key], jy[key]));
      diffs.push(...(keys.length ? keys.map((key) => `${path}: ${key}`) : [`${path}: bytes`]));
    }
    for (const key of new Set([...x.headers.keys(), ...y.headers.keys()])) if (x.headers.get(key) !== y.headers.get(key)) diffs.push(`${path}: header ${key}`);
  }
  return diffs;
}
