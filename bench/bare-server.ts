/**
 * The limit for Node here: a bare `node:http` server in its own process that answers
 * GET /v1/context?email= with the same JSON the real server gives for the generated organisation
 * (bench/lib/workload.ts), from a Map built at start, and GET /healthz with 200. It checks the
 * bearer token by string comparison and serialises the answer per request (the real server must
 * build each answer with its notes and thanks counts; a pre-serialised string would be a floor
 * no server with per-request data can reach). Nothing else: no routing, no audit, no store.
 *
 *   node --import tsx bench/bare-server.ts PORT ACCOUNTS CONTACTS_PER
 * prints "listening on http://127.0.0.1:PORT" once it answers.
 */
import { createServer } from 'node:http';
import { BENCH_TOKEN, STAGES, emailOf, employeesOf, nextOf, relayOf } from './lib/workload';

const [port = '0', accounts = '100', contactsPer = '10'] = process.argv.slice(2);

const label = new Map<string, string>(STAGES.map((s) => [s.id, s.en]));
const person = (p: number) => ({ id: `p${p}`, name: `Person ${p}`, email: `p${p}@vendor.example`, title: '', chat: '', thanks: 0 });
const ring = (level: string, text: string, count: number, note = '') => ({ level, label: text, count, person: null, stage: null, note });

const records = new Map<string, object>();
for (let a = 0; a < Number(accounts); a++) {
  // What contacts of one account share is built once per account, as a real cache would.
  const account = { id: `a${a}`, name: `Company ${a} Inc.`, employees: employeesOf(a), industry: 'Manufacturing', society: '' };
  const before = relayOf(a).map(([stage, p, at, note]) => ({ stage: { id: stage, label: label.get(stage) }, person: person(p), at, note }));
  const [nextStage, nextPerson, nextNote] = nextOf(a);
  const shared = [
    ring('team', 'HR', 12),
    ring('company', account.name, account.employees, account.industry),
    ring('society', 'Society', 0),
    { level: 'teammate', label: `Person ${nextPerson}`, count: 0, person: person(nextPerson), stage: { id: nextStage, label: label.get(nextStage) }, note: nextNote },
  ];
  for (let c = 0; c < Number(contactsPer); c++) {
    const email = emailOf(a, c);
    const name = `User ${a}-${c}`;
    records.set(email, {
      match: { by: 'email' },
      organization: { name: 'Bench Vendor' },
      self: { id: 'support', label: 'Support' },
      notes: [],
      lang: 'en',
      account,
      contact: { email, name, role: 'Admin', team: { name: 'HR', members: 12 } },
      before,
      after: [ring('contact', name, 1, 'Admin'), ...shared],
    });
  }
}

const AUTH = `Bearer ${BENCH_TOKEN}`;
const NONE = JSON.stringify({ match: { by: 'none' }, account: null, contact: null, before: [], after: [] });
const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  if (path !== '/v1/context') {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"not_found","message":"no route"}}');
    return;
  }
  if (req.headers.authorization !== AUTH) {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":"unauthorized","message":"unknown token"}}');
    return;
  }
  const email = new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('email')?.trim().toLowerCase() ?? '';
  const record = records.get(email);
  const body = record ? JSON.stringify(record) : NONE;
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'content-language': 'en',
    vary: 'Authorization, Accept-Language',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(Number(port), '127.0.0.1', () => {
  const address = server.address() as { port: number };
  process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
