/**
 * `npm run bench`, CRM import: a Salesforce Data Export of 10,000 accounts, 100,000 contacts,
 * 30,000 opportunities and 100,000 campaign members (generated, Japanese names, quoted notes),
 * served by a fresh server process: time from spawning it to the first /v1/context answer with
 * the imported relay, and the process's peak RSS. Budgets: under 3 s and under 600 MB.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Bench, Section } from './lib/harness';
import { run, spawnBaton, treeRssMb } from './lib/procs';
import { median } from './lib/stats';

/** The export's size; a quick run takes a hundredth of it. */
const FULL = { ACCOUNTS: 10_000, CONTACTS: 100_000, DEALS: 30_000, MEMBERS: 100_000, USERS: 100, CAMPAIGNS: 200 };
let { ACCOUNTS, CONTACTS, DEALS, MEMBERS, USERS, CAMPAIGNS } = FULL;

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(15 - prefix.length + 3, '0')}AAA`;
const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csv = (header: string[], rows: Iterable<string[]>) => {
  const out = [header.join(',')];
  for (const r of rows) out.push(r.map(q).join(','));
  return out.join('\r\n') + '\r\n';
};
function* range(n: number) {
  for (let i = 0; i < n; i++) yield i;
}
const FAMILY = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', '小林', '加藤'];
const GIVEN = ['愛子', '健', '美咲', '翔太', '由美', '大輔', '陽子', '蓮', '花子', '誠'];

/** Writes the generated export into `dir` (the bench's size, or `size` for tests); returns its bytes. */
export function writeExport(dir: string, size: Partial<typeof FULL> = {}): number {
  ({ ACCOUNTS, CONTACTS, DEALS, MEMBERS, USERS, CAMPAIGNS } = { ACCOUNTS, CONTACTS, DEALS, MEMBERS, USERS, CAMPAIGNS, ...size });
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'User.csv': csv(['Id', 'FirstName', 'LastName', 'Email', 'Title'], (function* () {
      for (const u of range(USERS)) yield [id('005', u), GIVEN[u % 10]!, FAMILY[(u >> 1) % 10]!, `user${u}@vendor.example`, u % 3 ? 'Account Executive' : 'Customer Success Manager'];
    })()),
    'Campaign.csv': csv(['Id', 'Name', 'Type', 'OwnerId'], (function* () {
      for (const c of range(CAMPAIGNS)) yield [id('701', c), `ウェビナー第${c}回「若手が辞めない職場」`, 'Webinar', id('005', c % USERS)];
    })()),
    'Account.csv': '\uFEFF' + csv(['Id', 'Name', 'Website', 'NumberOfEmployees', 'Industry', 'OwnerId', 'ParentId', 'Description'], (function* () {
      for (const a of range(ACCOUNTS)) yield [id('001', a), `株式会社サンプル${a}`, `https://www.c${a}.example.jp/`, (30 + (a % 20_000)).toLocaleString('en'), '製造業', id('005', a % USERS), '', ''];
    })()),
    'Contact.csv': '\uFEFF' + csv(['Id', 'AccountId', 'FirstName', 'LastName', 'Email', 'Title', 'Department', 'OwnerId', 'LeadSource', 'CreatedDate'], (function* () {
      for (const c of range(CONTACTS)) yield [id('003', c), id('001', c % ACCOUNTS), GIVEN[c % 10]!, FAMILY[(c >> 3) % 10]!, `u${Math.floor(c / ACCOUNTS)}@c${c % ACCOUNTS}.example.jp`, '管理者', ['人事部', '情報システム部', '総務部'][c % 3]!, id('005', c % USERS), 'Webinar', '2024-04-10T01:00:00.000Z'];
    })()),
    'Opportunity.csv': '\uFEFF' + csv(['Id', 'AccountId', 'Name', 'StageName', 'CloseDate', 'IsWon', 'IsClosed', 'OwnerId', 'NextStep', 'Description', 'CampaignId', 'LeadSource'], (function* () {
      for (const d of range(DEALS)) {
        const won = d % 3 !== 2;
        yield [id('006', d), id('001', d % ACCOUNTS), `サンプル${d % ACCOUNTS} 導入 ${d}`, won ? 'Closed Won' : 'Negotiation', `2024-${String((d % 12) + 1).padStart(2, '0')}-15`, String(won), String(won), id('005', d % USERS), '管理者トレーニング', '課題: 若手の離職, "紙のアンケート"\n年1回では遅い', id('701', d % CAMPAIGNS), 'Webinar'];
      }
    })()),
    'CampaignMember.csv': csv(['Id', 'CampaignId', 'LeadId', 'ContactId', 'FirstRespondedDate'], (function* () {
      for (const m of range(MEMBERS)) yield [id('00v', m), id('701', m % CAMPAIGNS), '', id('003', m % CONTACTS), `2024-0${(m % 9) + 1}-10`];
    })()),
  };
  let bytes = 0;
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    bytes += Buffer.byteLength(text);
  }
  return bytes;
}

const CHILD = (tree: string) => `
const t0 = performance.now();
const c0 = process.cpuUsage();
const { startServer } = await import(${JSON.stringify(pathToFileURL(join(tree, 'src/server/serve.ts')).href)});
const [config, db] = process.argv.slice(-2);
const server = await startServer({ configPath: config, port: 0, dbPath: db, quiet: true });
const loaded = performance.now();
const cpu = process.cpuUsage(c0);
const res = await fetch(server.url + '/v1/context?email=u3@c42.example.jp', { headers: { authorization: 'Bearer baton-demo-token' } });
const body = await res.json();
const answered = performance.now();
if (res.status !== 200 || body.before.length < 2) throw new Error('bench: no relay ' + JSON.stringify(body).slice(0, 300));
const health = await (await fetch(server.url + '/healthz')).json();
process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, startMs: loaded - t0, answerMs: answered - t0, handoffs: body.before.length, imports: health.imports, maxRssKb: process.resourceUsage().maxRSS }) + '\\n');
await server.close();
`;

interface ChildResult {
  wallMs: number;
  startMs: number;
  cpuMs: number;
  answerMs: number;
  handoffs: number;
  maxRssKb: number;
  imports: Array<{ rows: number; accounts: number; contacts: number; handoffs: number; people: number; unmapped: number }>;
}

function runChild(config: string, db: string, tree: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD(tree), config, db], { cwd: tree, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n') && !(child as { answeredAt?: number }).answeredAt) (child as { answeredAt?: number }).answeredAt = performance.now();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench import child exited ${code}`));
      const r = JSON.parse(out.trim()) as Omit<ChildResult, 'wallMs'>;
      resolve({ ...r, wallMs: ((child as { answeredAt?: number }).answeredAt ?? performance.now()) - started });
    });
  });
}

/**
 * The server as `npx baton serve` runs it (node bin/baton.mjs serve: built JavaScript): spawn to
 * the first /v1/context answer with the imported relay (/healthz answers once the import is in),
 * and the process's peak RSS.
 */
async function runServe(config: string, db: string, tree: string): Promise<{ wallMs: number; rssMb: number }> {
  const t0 = performance.now();
  const server = await spawnBaton(config, db, { tree });
  try {
    const res = await fetch(`${server.url}/v1/context?email=u3@c42.example.jp`, { headers: { authorization: 'Bearer baton-demo-token' } });
    const body = (await res.json()) as { before?: unknown[] };
    const wallMs = performance.now() - t0;
    if (res.status !== 200 || (body.before?.length ?? 0) < 2) throw new Error(`bench: no relay from ${tree}: ${JSON.stringify(body).slice(0, 300)}`);
    return { wallMs, rssMb: treeRssMb(server.pid).peak };
  } finally {
    await server.stop();
  }
}

export const crmImport: Section = {
  id: 'import',
  title: 'CRM import: a Salesforce Data Export to a served relay',
  async run(b: Bench) {
    if (b.quick) ({ ACCOUNTS, CONTACTS, DEALS, MEMBERS, USERS, CAMPAIGNS } = { ACCOUNTS: 100, CONTACTS: 1_000, DEALS: 300, MEMBERS: 1_000, USERS: 100, CAMPAIGNS: 200 });
    else ({ ACCOUNTS, CONTACTS, DEALS, MEMBERS, USERS, CAMPAIGNS } = FULL);
    const dir = join(b.tmp, 'import');
    const bytes = writeExport(join(dir, 'salesforce'));
    const config = join(dir, 'crm.config.yaml');
    writeFileSync(config, [
      'version: 1',
      'organization: { name: Bench Vendor }',
      'stages:',
      '  - { id: marketing, side: before, label: Marketing }',
      '  - { id: sales, side: before, label: Sales }',
      '  - { id: support, side: self, label: Support }',
      '  - { id: success, side: after, label: Customer Success }',
      'imports:',
      '  - { from: salesforce, path: salesforce/, stages: { source: marketing, deal-owner: sales, account-owner: success } }',
      "tokens: [ { name: bench, sha256: '2362adfeaefe35347843230fafda7b3877e958666bb3108f4b6d3c62fd50da3b' } ]",
      '',
    ].join('\n'));
    // This tree and the previous commit's (bench/lib/base.ts), rounds alternating: each through
    // tsx in one process (the in-process split) and as `node bin/baton.mjs serve` (what admins run).
    const base = await b.base();
    await run(process.execPath, [join(b.root, 'scripts', 'build-server.mjs'), '--quiet']); // as npm install leaves it
    if (base && existsSync(join(base.dir, 'scripts', 'build-server.mjs'))) await run(process.execPath, [join(base.dir, 'scripts', 'build-server.mjs'), '--quiet']); // (older commits start through tsx)
    const runs: ChildResult[] = [];
    const baseRuns: ChildResult[] = [];
    const serves: Array<{ wallMs: number; rssMb: number }> = [];
    const baseServes: Array<{ wallMs: number; rssMb: number }> = [];
    for (let i = 0; i < b.rounds(3); i++) {
      runs.push(await runChild(config, join(dir, `bench-${i}.db`), b.root));
      serves.push(await runServe(config, join(dir, `serve-${i}.db`), b.root));
      if (base) {
        baseRuns.push(await runChild(config, join(dir, `base-${i}.db`), base.dir));
        baseServes.push(await runServe(config, join(dir, `base-serve-${i}.db`), base.dir));
      }
    }
    const med = (f: (r: ChildResult) => number) => median(runs.map(f));
    const r = runs[0]!.imports[0]!;
    const workload = `${ACCOUNTS} accounts, ${CONTACTS} contacts, ${DEALS} opportunities, ${MEMBERS} campaign members`;
    const m = (id: string, label: string, unit: string, f: (r: ChildResult) => number) => b.metric({ id: `import.${id}`, label, unit, value: med(f), runs: runs.map(f), better: 'lower', workload });
    m('firstAnswerMs', 'CRM import: spawn (through tsx) → first answer with the imported relay', 'ms', (x) => x.wallMs);
    m('startMs', 'CRM import: startServer in process', 'ms', (x) => x.startMs);
    m('cpuMs', 'CRM import: CPU time of the start', 'ms', (x) => x.cpuMs);
    m('peakRssMb', 'CRM import: peak RSS (through tsx)', 'MB', (x) => x.maxRssKb / 1024);
    const serveMetric = (id: string, label: string, unit: string, list: typeof serves, f: (r: (typeof serves)[number]) => number) =>
      b.metric({ id: `import.${id}`, label, unit, value: median(list.map(f)), runs: list.map(f), better: 'lower', workload });
    const wall = serveMetric('serveFirstAnswerMs', 'CRM import: spawn `node bin/baton.mjs serve` → first answer with the imported relay', 'ms', serves, (x) => x.wallMs);
    const rss = serveMetric('servePeakRssMb', 'CRM import: peak RSS of `node bin/baton.mjs serve`', 'MB', serves, (x) => x.rssMb);
    if (base) {
      serveMetric('base.serveFirstAnswerMs', `CRM import, previous commit (${base.commit.slice(0, 10)}): spawn → first answer`, 'ms', baseServes, (x) => x.wallMs);
      b.metric({ id: 'import.base.startMs', label: `CRM import, previous commit: startServer in process`, unit: 'ms', value: median(baseRuns.map((x) => x.startMs)), runs: baseRuns.map((x) => x.startMs), better: 'lower', workload });
      b.metric({ id: 'import.base.cpuMs', label: `CRM import, previous commit: CPU time of the start`, unit: 'ms', value: median(baseRuns.map((x) => x.cpuMs)), runs: baseRuns.map((x) => x.cpuMs), better: 'lower', workload });
    }
    b.line(`Generated export: ${ACCOUNTS.toLocaleString('en')} accounts, ${CONTACTS.toLocaleString('en')} contacts, ${DEALS.toLocaleString('en')} opportunities, ${MEMBERS.toLocaleString('en')} campaign members, ${USERS} users, ${CAMPAIGNS} campaigns: ${(bytes / 2 ** 20).toFixed(1)} MB of CSV (BOM, CRLF, quoted multi-line notes). Made: ${r.accounts.toLocaleString('en')} accounts, ${r.contacts.toLocaleString('en')} contacts, ${r.handoffs.toLocaleString('en')} hand-offs, ${r.people} people; ${r.unmapped} rows unmapped.`);
    b.line();
    const list = (xs: number[], unit: string) => `${median(xs).toFixed(0)} ${unit} | ${xs.map((x) => x.toFixed(0)).join(', ')} ${unit}`;
    b.line(`| measure | median of ${runs.length} | runs | budget |`);
    b.line('|---|---|---|---|');
    b.line(`| spawn \`node bin/baton.mjs serve\` (built JavaScript, as \`npx baton serve\`) → first /v1/context answer with the imported relay | ${list(serves.map((x) => x.wallMs), 'ms')} | < 3,000 ms |`);
    b.line(`| peak RSS of that server | ${list(serves.map((x) => x.rssMb), 'MB')} | < 600 MB |`);
    if (base) {
      b.line(`| the same, previous commit ${base.commit.slice(0, 10)} (${base.why}) | ${list(baseServes.map((x) => x.wallMs), 'ms')} | |`);
      b.line(`| its peak RSS | ${list(baseServes.map((x) => x.rssMb), 'MB')} | |`);
    }
    b.line(`| spawn \`node --import tsx\` + startServer → first /v1/context answer (the TypeScript through tsx) | ${med((x) => x.wallMs).toFixed(0)} ms | ${runs.map((x) => x.wallMs.toFixed(0)).join(', ')} ms | |`);
    b.line(`| in the process: startServer (read, decode, parse, import, index) | ${med((x) => x.startMs).toFixed(0)} ms | ${runs.map((x) => x.startMs.toFixed(0)).join(', ')} ms | |`);
    b.line(`| CPU time of that (user + system, all threads) | ${med((x) => x.cpuMs).toFixed(0)} ms | ${runs.map((x) => x.cpuMs.toFixed(0)).join(', ')} ms | |`);
    b.line(`| peak RSS of that process | ${(med((x) => x.maxRssKb) / 1024).toFixed(0)} MB | ${runs.map((x) => (x.maxRssKb / 1024).toFixed(0)).join(', ')} MB | |`);
    if (base) {
      b.line(`| previous commit: startServer in process | ${list(baseRuns.map((x) => x.startMs), 'ms')} | |`);
      b.line(`| previous commit: CPU time of that | ${list(baseRuns.map((x) => x.cpuMs), 'ms')} | |`);
    }
    b.line();
    const yamlMs = b.value('config-load.100k.ms');
    if (yamlMs !== undefined && !b.quick) b.line(`For scale, in this same run: the config-load section loads 10,000 accounts and 100,000 contacts from YAML in ${yamlMs.toFixed(0)} ms; the import's in-process load is ${(med((x) => x.startMs) / yamlMs).toFixed(2)}× that.`);
    b.line();
    b.line('The budget row is the server as admins start it (`npx baton serve` runs bin/baton.mjs, which runs the built JavaScript of build/server/); the tsx rows add loading tsx and compiling the TypeScript at start, and give the in-process time. Rounds alternate this tree and the previous commit.');
    b.budget({ id: 'import.firstAnswer', what: 'CRM import (10,000 accounts, 100,000 contacts): spawn `node bin/baton.mjs serve` → first answer with the imported relay', now: `${wall.toFixed(0)} ms`, budget: '< 3,000 ms', status: wall < 3000 ? 'pass' : 'miss' });
    b.budget({ id: 'import.rss', what: 'CRM import: peak RSS of the server', now: `${rss.toFixed(0)} MB`, budget: '< 600 MB', status: rss < 600 ? 'pass' : 'miss' });
  },
};
