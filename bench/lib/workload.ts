/**
 * The generated organisation every API section measures: `accounts` accounts with
 * `contactsPer` contacts each, 4 hand-offs before support and one teammate after, 50 people.
 * One description serves three readers: the YAML config the real server loads, the records the
 * bare server answers from (bench/bare-server.ts), and the load generators' request paths.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const BENCH_TOKEN = 'baton-demo-token';
export const BENCH_TOKEN_SHA = '2362adfeaefe35347843230fafda7b3877e958666bb3108f4b6d3c62fd50da3b';
export const PEOPLE = 50;
export const CONTACTS_PER = 10;

export interface Shape {
  accounts: number;
  contactsPer: number;
}

export const STAGES = [
  { id: 'marketing', side: 'before', en: 'Marketing', ja: 'マーケティング' },
  { id: 'inside-sales', side: 'before', en: 'Inside Sales', ja: 'インサイドセールス' },
  { id: 'sales', side: 'before', en: 'Sales', ja: 'セールス' },
  { id: 'onboarding', side: 'before', en: 'Onboarding', ja: 'オンボーディング' },
  { id: 'support', side: 'self', en: 'Support', ja: 'サポート' },
  { id: 'success', side: 'after', en: 'Customer Success', ja: 'カスタマーサクセス' },
] as const;

/** The 4 hand-offs of account `a`, oldest first: [stage, person index, date, note]. */
export function relayOf(a: number): Array<[string, number, string, string]> {
  return [
    ['marketing', a % PEOPLE, '2024-04-10', 'webinar'],
    ['inside-sales', (a + 1) % PEOPLE, '2024-05-02', 'first call'],
    ['sales', (a + 2) % PEOPLE, '2024-06-15', 'Problem: attrition of young staff'],
    ['onboarding', (a + 3) % PEOPLE, '2024-07-01', 'admin training done'],
  ];
}
export const nextOf = (a: number): [string, number, string] => ['success', (a + 4) % PEOPLE, 'renewal'];
export const employeesOf = (a: number) => 30 + (a % 20_000);
export const emailOf = (a: number, c: number) => `u${c}@c${a}.example.com`;

/** The i-th lookup of a run: spread over every account (7919 is prime). Mirrored in lib/load.ts's Lua. */
export const lookupPath = (shape: Shape, i: number) => `/v1/context?email=${emailOf((i * 7919) % shape.accounts, i % shape.contactsPer)}`;

const head = (organization: string) => [
  'version: 1',
  `organization: { name: ${organization}, defaultLocale: en }`,
  'stages:',
  ...STAGES.map((s) => `  - { id: ${s.id}, side: ${s.side}, label: { en: ${s.en}, ja: ${s.ja} } }`),
  'people:',
  ...Array.from({ length: PEOPLE }, (_, p) => `  - { id: p${p}, name: Person ${p}, email: p${p}@vendor.example, stage: ${['marketing', 'inside-sales', 'sales', 'onboarding', 'success'][p % 5]} }`),
  'accounts:',
];

function accountYaml(a: number, contactsPer: number): string {
  const out = [
    `  - id: a${a}`,
    `    name: Company ${a} Inc.`,
    `    domains: [c${a}.example.com]`,
    `    employees: ${employeesOf(a)}`,
    '    industry: Manufacturing',
    '    relay:',
    ...relayOf(a).map(([stage, p, at, note]) => `      - { stage: ${stage}, person: p${p}, at: ${at}, note: '${note}' }`),
    '    next:',
    `      - { stage: ${nextOf(a)[0]}, person: p${nextOf(a)[1]}, note: ${nextOf(a)[2]} }`,
    '    teams: [ { id: hr, name: HR, members: 12 } ]',
    '    contacts:',
  ];
  for (let c = 0; c < contactsPer; c++) out.push(`      - { email: ${emailOf(a, c)}, name: User ${a}-${c}, team: hr, role: Admin }`);
  return out.join('\n') + '\n';
}

const tail = () => `tokens:\n  - { name: bench, sha256: '${BENCH_TOKEN_SHA}' }\nrateLimit: { perSecond: 10000000, burst: 10000000 }\n`;

/**
 * Writes the config to `file` in 1 MB chunks (the 1M-contact file is about 140 MB); resolves with
 * its size in bytes. `organization` varies the file for a reload.
 */
export async function writeConfig(file: string, shape: Shape, organization = 'Bench Vendor'): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  const write = async (s: string) => {
    bytes += Buffer.byteLength(s);
    if (!out.write(s)) await once(out, 'drain');
  };
  await write(head(organization).join('\n') + '\n');
  let chunk = '';
  for (let a = 0; a < shape.accounts; a++) {
    chunk += accountYaml(a, shape.contactsPer);
    if (chunk.length > 1 << 20) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk + tail());
  out.end();
  await once(out, 'close');
  return bytes;
}
