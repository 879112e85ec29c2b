/**
 * The soak (issue 11): 50 simulated agents against a real `node bin/baton.mjs serve` process for
 * 10 minutes — lookups, notes, thanks, note pages — while the config is rewritten every 30 s
 * (saved the way editors save: written beside it, renamed over), once with a broken file. It
 * counts every request that did not get the answer it should (a network error, a 5xx, a status
 * the request does not expect), and samples the server's RSS every 5 s: it should stay flat.
 *
 *   node --import tsx bench/soak.ts            10 minutes (npm run bench runs it too)
 *   node --import tsx bench/soak.ts --quick    30 s, reloads every 5 s (a smoke test)
 *
 * Half the agents have a token that names their person, half share one token (and send their
 * name). The load comes from this process; the server's RSS is read from /proc.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { sha256Hex } from '../src/server/security';
import type { Bench, Section } from './lib/harness';

const ROOT = join(import.meta.dirname, '..');

export interface SoakOptions {
  quick?: boolean;
  agents?: number;
  seconds?: number;
  reloadEverySeconds?: number;
}

interface Result {
  requests: number;
  failed: number;
  failures: Map<string, number>;
  byKind: Map<string, { n: number; ms: number[] }>;
  rss: Array<{ t: number; kb: number }>;
  reloads: { good: number; bad: number; seenBad: boolean; recovered: boolean };
}

const ACCOUNTS = 500;
const PEOPLE = 30;

function configText(agents: number, generation: number): string {
  const out = [
    '# The soak config: rewritten every 30 s (generation in the organisation name).',
    'version: 1',
    `organization: { name: Soak Vendor ${generation}, defaultLocale: en }`,
    'stages:',
    "  - { id: marketing, side: before, label: Marketing, color: '#3b82f6' }",
    '  - { id: sales, side: before, label: Sales }',
    '  - { id: support, side: self, label: Support }',
    '  - { id: success, side: after, label: Customer Success }',
    'people:',
  ];
  for (let p = 0; p < PEOPLE; p++) out.push(`  - { id: p${p}, name: Person ${p}, email: p${p}@vendor.example, stage: ${['marketing', 'sales', 'success'][p % 3]} }`);
  out.push('accounts:');
  for (let a = 0; a < ACCOUNTS; a++) {
    out.push(
      `  - id: a${a}`,
      `    name: Company ${a} (gen ${generation})`,
      `    domains: [c${a}.example.com]`,
      `    employees: ${30 + a}`,
      '    relay:',
      `      - { stage: marketing, person: p${a % PEOPLE}, at: 2024-04-10, note: webinar }`,
      `      - { stage: sales, person: p${(a + 1) % PEOPLE}, at: 2024-06-15, note: 'Problem: attrition' }`,
      '    next:',
      `      - { stage: success, person: p${(a + 2) % PEOPLE} }`,
      '    teams: [ { id: hr, name: HR, members: 12 } ]',
      '    contacts:',
    );
    for (let c = 0; c < 4; c++) out.push(`      - { email: u${c}@c${a}.example.com, name: User ${a}-${c}, team: hr }`);
  }
  out.push('tokens:');
  for (let i = 0; i < agents / 2; i++) out.push(`  - { name: agent-${i}, sha256: '${sha256Hex(`soak-agent-${i}`)}', person: p${i % PEOPLE} }`);
  out.push(`  - { name: shared-desk, sha256: '${sha256Hex('soak-shared')}' }`);
  out.push('rateLimit: { perSecond: 1000, burst: 1000 }', 'thanksLimit: { perDay: 100000, perPersonPerDay: 100000 }');
  return out.join('\n') + '\n';
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

export async function soak(line: (s?: string) => void, dir: string, opts: SoakOptions = {}): Promise<Result> {
  const quick = opts.quick ?? false;
  const agents = opts.agents ?? 50;
  const seconds = opts.seconds ?? (quick ? 30 : 600);
  const reloadEvery = opts.reloadEverySeconds ?? (quick ? 5 : 30);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'soak.config.yaml');
  let generation = 0;
  writeFileSync(file, configText(agents, generation));

  const child = spawn(process.execPath, [join(ROOT, 'bin/baton.mjs'), 'serve', '--config', file, '--port', '0', '--db', join(dir, 'soak.db'), '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });

  const result: Result = { requests: 0, failed: 0, failures: new Map(), byKind: new Map(), rss: [], reloads: { good: 0, bad: 0, seenBad: false, recovered: false } };
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  const fail = (why: string) => {
    result.failed++;
    result.failures.set(why, (result.failures.get(why) ?? 0) + 1);
  };

  async function call(kind: string, path: string, token: string, init: RequestInit, ok: number[]): Promise<unknown> {
    const t = performance.now();
    result.requests++;
    try {
      const res = await fetch(`${url}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...(init.headers as Record<string, string> | undefined) } });
      const body = (await res.json()) as unknown;
      const k = result.byKind.get(kind) ?? { n: 0, ms: [] };
      k.n++;
      k.ms.push(performance.now() - t);
      result.byKind.set(kind, k);
      if (!ok.includes(res.status)) fail(`${kind} ${res.status} ${JSON.stringify(body).slice(0, 120)}`);
      return body;
    } catch (e) {
      fail(`${kind} ${(e as Error).message}`);
      return null;
    }
  }

  async function agent(i: number): Promise<void> {
    const person = i % 2 === 0;
    const token = person ? `soak-agent-${i / 2}` : 'soak-shared';
    const name = `Agent ${i}`;
    let n = 0;
    while (performance.now() < deadline) {
      n++;
      const a = (i * 7919 + n * 104729) % ACCOUNTS;
      const r = (i * 31 + n * 17) % 100;
      if (r < 70) {
        await call('lookup', `/v1/context?email=u${n % 4}@c${a}.example.com&ticket=${i}-${n}${person ? '' : `&author=${encodeURIComponent(name)}`}`, token, {}, [200]);
      } else if (r < 85) {
        await call('note', `/v1/accounts/a${a}/notes`, token, { method: 'POST', body: JSON.stringify({ text: `soak note ${i}-${n}`, ticket: `${i}-${n}`, author: name }) }, [201]);
      } else if (r < 95) {
        await call('thanks', '/v1/thanks', token, { method: 'POST', body: JSON.stringify({ to: `p${(a + i) % PEOPLE}`, account: `a${a}`, ticket: `${i}-${n}`, from: name }) }, [200, 201]);
      } else {
        await call('notes page', `/v1/accounts/a${a}/notes?limit=20`, token, {}, [200]);
      }
      // An agent reads the answer before the next ticket: 0.5–1.5 s.
      await new Promise((res) => setTimeout(res, 500 + ((i * 13 + n * 7) % 1000)));
    }
  }

  const sampler = setInterval(() => {
    try {
      result.rss.push({ t: (performance.now() - t0) / 1000, kb: rssKb(child.pid!) });
    } catch {
      /* exited */
    }
  }, 5000);

  // Config reloads every reloadEvery s; the third one is broken (a person who does not exist), the next fixes it.
  const badAt = 3;
  let reloads = 0;
  const reloader = setInterval(() => {
    reloads++;
    generation++;
    let text = configText(agents, generation);
    const bad = reloads === badAt;
    if (bad) text = text.replace('person: p1, at: 2024-06-15', 'person: nobody, at: 2024-06-15');
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
    if (bad) result.reloads.bad++;
    else result.reloads.good++;
    void (async () => {
      // What the server says a few seconds later.
      await new Promise((r) => setTimeout(r, Math.min(3000, (reloadEvery * 1000) / 2)));
      try {
        const h = (await (await fetch(`${url}/healthz`)).json()) as { lastReloadError: unknown };
        if (bad && h.lastReloadError) result.reloads.seenBad = true;
        if (!bad && reloads === badAt + 1 && h.lastReloadError === null) result.reloads.recovered = true;
      } catch (e) {
        fail(`healthz ${(e as Error).message}`);
      }
    })();
  }, reloadEvery * 1000);

  await Promise.all(Array.from({ length: agents }, (_, i) => agent(i)));
  clearInterval(reloader);
  clearInterval(sampler);
  await new Promise((r) => setTimeout(r, 3100));
  const finalName = ((await (await fetch(`${url}/v1/whoami`, { headers: { Authorization: 'Bearer soak-shared' } })).json()) as { organization: { name: string } }).organization.name;
  child.kill('SIGTERM');
  await exited;

  const rss = result.rss.map((s) => s.kb / 1024);
  const firstMinute = rss.slice(0, Math.max(1, Math.round(rss.length / 10)));
  const lastMinute = rss.slice(-Math.max(1, Math.round(rss.length / 10)));
  line(`## Soak: ${agents} agents, ${seconds >= 60 ? `${seconds / 60} minutes` : `${seconds} s`}, config reloads every ${reloadEvery} s (one broken)${quick ? ' — quick mode' : ''}`);
  line();
  line('A real `baton serve` process (SQLite store), the load from the bench process; each agent waits 0.5–1.5 s between requests (70% lookups, 15% notes, 10% thanks, 5% note pages); half the agents have a person token, half share one token.');
  line();
  line('| requests | failed | lookups p50 / p99 | notes p50 / p99 | thanks p50 / p99 | reloads (good / bad) | broken reload reported, then cleared | RSS first 10% → last 10% (max) |');
  line('|---|---|---|---|---|---|---|---|');
  const lat = (k: string) => {
    const x = result.byKind.get(k);
    return x ? `${median(x.ms).toFixed(1)} / ${pct(x.ms, 99).toFixed(1)} ms` : '—';
  };
  line(
    `| ${result.requests.toLocaleString('en')} | ${result.failed} | ${lat('lookup')} | ${lat('note')} | ${lat('thanks')} | ${result.reloads.good} / ${result.reloads.bad} | ${result.reloads.seenBad ? 'yes' : 'no'}, ${result.reloads.recovered ? 'yes' : 'no'} | ${median(firstMinute).toFixed(0)} → ${median(lastMinute).toFixed(0)} MB (${Math.max(...rss).toFixed(0)}) |`,
  );
  line();
  line(`RSS samples (MB, every 5 s): ${rss.map((x) => x.toFixed(0)).join(' ')}`);
  line();
  line(`Last config served: "${finalName}" (generation ${generation}${generation === badAt ? ', the broken one: the one before it kept serving' : ''}).`);
  if (result.failed > 0) line(`Failures: ${[...result.failures].map(([k, n]) => `${n} × ${k}`).join('; ')}`);
  line();
  return result;
}

// Run by itself: node --import tsx bench/soak.ts [--quick]
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const dir = join(ROOT, 'bench', 'tmp', 'soak');
  rmSync(dir, { recursive: true, force: true });
  const r = await soak((s = '') => console.log(s), dir, { quick: process.argv.includes('--quick') });
  rmSync(dir, { recursive: true, force: true });
  if (r.failed > 0) process.exitCode = 1;
}

/** The soak as a bench section (bench/run.ts): a request that did not get its answer fails the run. */
export const soakSection: Section = {
  id: 'soak',
  title: 'Soak: 50 agents, config reloads (one broken), RSS over time',
  async run(b: Bench) {
    const result = await soak(b.line, join(b.tmp, 'soak'), { quick: b.quick });
    b.metric({ id: 'soak.failed', label: 'soak: requests without the answer they should get', unit: 'requests', value: result.failed, better: 'lower', exact: true });
    if (result.failed > 0) throw new Error(`soak: ${result.failed} of ${result.requests} requests failed`);
  },
};
