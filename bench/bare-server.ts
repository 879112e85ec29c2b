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
import { BENCH_TOKEN, PEOPLE, STAGES, emailOf, employeesOf, nextOf, relayOf } from './lib/workload';

const [port = '0', accounts = '100', contactsPer = '10'] = process.argv.slice(2);

const label = new Map<string, string>(STAGES.map((s) => [s.id, s.en]));
const stage = (id: string) => ({ id, label: label.get(id), color: '' });
const person = (p: number) => ({ id: `p${p}`, name: `Person ${p}`, email: `p${p}@vendor.example`, title: '', chat: '', thanks: 0 });
const ring = (level: string, text: string, count: number, note = '') => ({ level, label: text, count, person: null, stage: null, note });

const records = new Map<string, object>();
for (let a = 0; a < Number(accounts); a++) {
  // What contacts of one account share is built once per account, as a real cache would.
  const account = { id: `a${a}`, name: `Company ${a} Inc.`, employees: employeesOf(a), industry: 'Manufacturing', society: '' };
  const before = relayOf(a).map(([id, p, at, note]) => ({ stage: stage(id), person: person(p), at, note }));
  const [nextStage, nextPerson, nextNote] = nextOf(a);
  const shared = [
    ring('team', 'HR', 12),
    ring('company', account.name, account.employees, account.industry),
    ring('society', 'Society', 0),
    { level: 'teammate', label: `Person ${nextPerson}`, count: 0, person: person(nextPerson), stage: stage(nextStage), note: nextNote },
  ];
  for (let c = 0; c < Number(contactsPer); c++) {
    const email = emailOf(a, c);
    const name = `User ${a}-${c}`;
    records.set(email, {
      match: { by: 'email', verify: false, reasons: [] },
      organization: { name: 'Bench Vendor' },
      self: stage('support'),
      notes: [],
      lang: 'en',
      product: null,
      account,
      contact: { email, name, role: 'Admin', team: { name: 'HR', members: 12 } },
      before,
      after: [ring('contact', name, 1, 'Admin'), ...shared],
    });
  }
}

const AUTH = `Bearer ${BENCH_TOKEN}`;
// No match: the stages before support with their people, for "Hand to sales" (Baton's default stage for this config: inside-sales).
const STAGE_OF = ['marketing', 'inside-sales', 'sales', 'onboarding', 'success'];
const leads = {
  stages: STAGES.filter((s) => s.side === 'before').map((s) => ({
    id: s.id,
    label: s.en,
    people: Array.from({ length: PEOPLE }, (_, p) => p)
      .filter((p) => STAGE_OF[p % STAGE_OF.length] === s.id)
      .map((p) => ({ id: `p${p}`, name: `Person ${p}` })),
  })),
  default: 'inside-sales',
};
const NONE = JSON.stringify({ match: { by: 'none', verify: false, reasons: [] }, organization: { name: 'Bench Vendor' }, self: stage('support'), notes: [], lang: 'en', account: null, contact: null, before: [], after: [], product: null, leads });
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
  // The real server's headers, in its order.
  res.writeHead(200, {
    'content-type': 'application/json',
    'Cache-Control': 'no-store',
    'Content-Language': 'en',
    Vary: 'Authorization, Accept-Language, Origin',
    'Access-Control-Expose-Headers': 'Retry-After',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'content-length': Buffer.byteLength(body),
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
