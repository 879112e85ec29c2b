/**
 * `npm run bench`: measures what the product promises on speed and size, and writes the numbers
 * to bench/REPORT.md. Nothing here is a pass/fail test; it records numbers on this machine.
 *
 *  1. Config load (js-yaml parse + valibot validation + matching index) on a generated config of
 *     10,000 accounts and 100,000 contacts (about the 12 MB file the stack was chosen on).
 *  2. Matching: lookups per second by email, domain and company name on that index.
 *  3. The real HTTP server (startServer on loopback): sequential GET /v1/context latency.
 *  4. What a desk page loads: gzip size of each built content-script file.
 *  Stores (bench/stores.ts): lookups/s and note writes/s, one SQLite instance, one PostgreSQL
 *     instance, two PostgreSQL instances behind nginx.
 *  5. CRM import: a generated Salesforce Data Export to a served relay (bench/import.ts).
 *  Soak (bench/soak.ts): 50 agents for 10 minutes with config reloads every 30 s, one broken.
 *
 * `npm run bench -- --quick`: the same on a small config, a 30 s soak, nothing written to
 * bench/REPORT.md (a smoke test).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { parseConfig } from '../src/server/config';
import { matchQuery } from '../src/server/match';
import { startServer } from '../src/server/serve';
import { benchStores } from './stores';
import { importBench } from './import';
import { searchBench } from './search';
import { soak } from './soak';

const root = join(import.meta.dirname, '..');
const tmp = join(root, 'bench', 'tmp');
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });

const DEMO_TOKEN = 'baton-demo-token';
const DEMO_SHA = '2362adfeaefe35347843230fafda7b3877e958666bb3108f4b6d3c62fd50da3b';
const QUICK = process.argv.includes('--quick');
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? (QUICK ? 1_000 : 10_000));
const CONTACTS_PER = 10;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 2 : 0)} ms`;

function bigConfig(): string {
  const out: string[] = [
    'version: 1',
    'organization: { name: Bench Vendor, defaultLocale: en }',
    'stages:',
    '  - { id: marketing, side: before, label: { en: Marketing, ja: マーケティング } }',
    '  - { id: sales, side: before, label: { en: Sales, ja: セールス } }',
    '  - { id: support, side: self, label: { en: Support, ja: サポート } }',
    '  - { id: success, side: after, label: { en: Customer Success, ja: カスタマーサクセス } }',
    'people:',
  ];
  for (let p = 0; p < 50; p++) out.push(`  - { id: p${p}, name: Person ${p}, email: p${p}@vendor.example, stage: ${['marketing', 'sales', 'success'][p % 3]} }`);
  out.push('accounts:');
  for (let a = 0; a < ACCOUNTS; a++) {
    out.push(
      `  - id: a${a}`,
      `    name: Company ${a} Inc.`,
      `    domains: [c${a}.example.com]`,
      `    employees: ${30 + (a % 20_000)}`,
      '    industry: Manufacturing',
      '    relay:',
      `      - { stage: marketing, person: p${a % 50}, at: 2024-04-10, note: 'webinar' }`,
      `      - { stage: sales, person: p${(a + 1) % 50}, at: 2024-06-15, note: 'Problem: attrition of young staff' }`,
      '    next:',
      `      - { stage: success, person: p${(a + 2) % 50}, note: renewal }`,
      '    teams: [ { id: hr, name: HR, members: 12 } ]',
      '    contacts:',
    );
    for (let c = 0; c < CONTACTS_PER; c++) out.push(`      - { email: u${c}@c${a}.example.com, name: User ${a}-${c}, team: hr, role: Admin }`);
  }
  out.push('tokens:', `  - { name: bench, sha256: '${DEMO_SHA}' }`, 'rateLimit: { perSecond: 100000, burst: 100000 }');
  return out.join('\n') + '\n';
}

const report: string[] = [];
const line = (s = '') => {
  report.push(s);
  console.log(s);
};

line('# Baton benchmark report');
line();
line(`Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}. Produced by \`npm run bench\` (bench/run.ts); numbers from this machine, not targets.`);
line();

// 1. Config load
const text = bigConfig();
const file = join(tmp, 'big.config.yaml');
writeFileSync(file, text);
const loadTimes: number[] = [];
let loaded: Extract<ReturnType<typeof parseConfig>, { ok: true }>['loaded'] | undefined;
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const r = parseConfig(text, 'big.config.yaml');
  loadTimes.push(performance.now() - t);
  if (!r.ok) throw new Error(`bench config invalid: ${JSON.stringify(r.errors.slice(0, 3))}`);
  loaded = r.loaded;
}
line('## 1. Config load (parse, validate, index)');
line();
line(`| file | accounts | contacts | median of 3 | runs |`);
line(`|---|---|---|---|---|`);
line(`| ${(text.length / 2 ** 20).toFixed(1)} MB | ${ACCOUNTS.toLocaleString('en')} | ${(ACCOUNTS * CONTACTS_PER).toLocaleString('en')} | ${ms(median(loadTimes))} | ${loadTimes.map(ms).join(', ')} |`);
line();

// 2. Matching
line('## 2. Matching (in process, on that index)');
line();
line('| rule | lookups | per lookup | lookups/s |');
line('|---|---|---|---|');
const N = 200_000;
const kinds: Array<[string, (i: number) => { email?: string; domain?: string; org?: string }, string]> = [
  ['email', (i) => ({ email: `U${i % CONTACTS_PER}@C${i % ACCOUNTS}.example.com` }), 'email'],
  ['domain (unknown contact, sub-domain)', (i) => ({ email: `new@mail.c${i % ACCOUNTS}.example.com` }), 'domain'],
  ['company name (full-width, legal words)', (i) => ({ org: `ＣＯＭＰＡＮＹ ${i % ACCOUNTS} Inc.` }), 'org'],
  ['no match', (i) => ({ email: `x${i}@nowhere.example` }), 'none'],
];
for (const [label, q, expect] of kinds) {
  const probe = matchQuery(loaded!.index, q(7));
  if (probe.by !== expect) throw new Error(`bench: ${label} matched by ${probe.by}, expected ${expect}`);
  const t = performance.now();
  for (let i = 0; i < N; i++) matchQuery(loaded!.index, q(i));
  const dt = performance.now() - t;
  line(`| ${label} | ${N.toLocaleString('en')} | ${((dt * 1000) / N).toFixed(2)} µs | ${Math.round(N / (dt / 1000)).toLocaleString('en')} |`);
}
line();

// 3. HTTP
line('## 3. HTTP: GET /v1/context on the real server (loopback, sequential, keep-alive)');
line();
const server = await startServer({ configPath: file, port: 0, host: '127.0.0.1', dbPath: join(tmp, 'bench.db'), quiet: true });
try {
  const lat: number[] = [];
  const REQ = 2_000;
  for (let i = 0; i < 100; i++) await (await fetch(`${server.url}/v1/context?email=u1@c${i}.example.com`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } })).arrayBuffer();
  const t0 = performance.now();
  for (let i = 0; i < REQ; i++) {
    const t = performance.now();
    const res = await fetch(`${server.url}/v1/context?email=u${i % 10}@c${i % ACCOUNTS}.example.com&lang=ja`, { headers: { authorization: `Bearer ${DEMO_TOKEN}` } });
    const body = (await res.json()) as { match: { by: string } };
    if (res.status !== 200 || body.match.by !== 'email') throw new Error(`bench: HTTP ${res.status} ${JSON.stringify(body)}`);
    lat.push(performance.now() - t);
  }
  const total = performance.now() - t0;
  line('| requests | p50 | p95 | p99 | requests/s |');
  line('|---|---|---|---|---|');
  line(`| ${REQ.toLocaleString('en')} | ${ms(pct(lat, 50))} | ${ms(pct(lat, 95))} | ${ms(pct(lat, 99))} | ${Math.round(REQ / (total / 1000)).toLocaleString('en')} |`);
  line();
  line('Each request buffers its audit row, committed to SQLite in batches every 5 ms (group commit, through the audit connection with synchronous=NORMAL; notes and thanks FULL).');
  line();
} finally {
  await server.close();
}

// 4. Sizes
line('## 4. What a desk page loads (gzip)');
line();
const dist = join(tmp, 'dist');
execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--out', dist, '--quiet'], { cwd: root, stdio: 'inherit' });
line('| file | raw | gzip |');
line('|---|---|---|');
for (const browser of ['chrome', 'firefox']) {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : p.endsWith('.js') ? [p] : [];
    });
  const contentDir = join(dist, browser);
  const files = walk(contentDir).filter((f) => /content/.test(relative(contentDir, f)));
  for (const f of files.sort()) {
    const buf = readFileSync(f);
    line(`| ${browser}/${relative(contentDir, f)} | ${(buf.length / 1024).toFixed(1)} KB | ${(gzipSync(buf, { level: 9 }).length / 1024).toFixed(1)} KB |`);
  }
}
line();
line('In panel mode (the default) a hosted desk\'s page loads its own desk entry only; loopback and granted origins load content/all.js (every adapter\'s recogniser) and, on a ticket page, that desk\'s reader (content/adapters/<id>.js). In inline mode a ticket page also loads content/inline.js (the host of the extension\'s frame). The relay renders in extension pages, never in the desk page.');

line();
await benchStores(line, file, tmp, DEMO_TOKEN, ACCOUNTS);

// 5. CRM import
await importBench(line, tmp, median(loadTimes));

// 6. Search
await searchBench(line);

// Soak
const soaked = await soak(line, join(tmp, 'soak'), { quick: QUICK });

if (!QUICK) writeFileSync(join(root, 'bench', 'REPORT.md'), report.join('\n') + '\n');
rmSync(tmp, { recursive: true, force: true });
console.log(QUICK ? '\nquick run: bench/REPORT.md left as it was' : '\nwrote bench/REPORT.md');
if (soaked.failed > 0) process.exitCode = 1;
