/**
 * `npm run bench`, search (issue 10): `GET /v1/search` in process (app.request(): routing, the
 * token, the rate limiter and JSON included; no socket) over 10,000 accounts and 100,000
 * contacts with names like real ones (English and Japanese company names sharing words, people
 * sharing family names, first.last@ emails), so common words have long posting lists. Queries an
 * agent types: prefixes, whole names, two words, typos, a person with their company, emails, a
 * domain, kana, and one- and two-letter starts. Also the index's build time and heap.
 * Budget: p99 under 2 ms. The floor row (GET /v1/whoami through the same app) shows what any
 * in-process request costs on this machine at that moment.
 */
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/server/app';
import { parseConfig, type LoadedConfig } from '../src/server/config';
import { SearchIndex, searchIndexOf } from '../src/server/search';
import { openStore } from '../src/server/store';

const ACCOUNTS = 10_000;
const CONTACTS_PER = 10;
const TOKEN = 'baton-demo-token';
const TOKEN_SHA = '2362adfeaefe35347843230fafda7b3877e958666bb3108f4b6d3c62fd50da3b';

const EN_A = ['North', 'Blue', 'Lake', 'River', 'Sun', 'Green', 'Silver', 'Star', 'Pine', 'Harbor', 'Summit', 'Bright', 'Iron', 'Oak', 'Cedar', 'Maple', 'Golden', 'Eagle', 'Coast', 'Valley'];
const EN_B = ['wind', 'peak', 'side', 'stone', 'field', 'gate', 'bridge', 'wood', 'view', 'point', 'crest', 'light', 'works', 'line', 'dale'];
const EN_C = ['Trading', 'Software', 'Hotels', 'Logistics', 'Foods', 'Health', 'Systems', 'Partners', 'Retail', 'Energy', 'Media', 'Labs'];
const EN_D = ['Inc.', 'Co., Ltd.', 'LLC', 'Corporation', 'GmbH', ''];
const JA_A = ['ミナト', 'さくら', 'つばさ', 'ひかり', 'アクメ', 'みらい', 'あおば', 'やまと', 'ソラノ', 'こだま', 'ほくと', 'いずみ'];
const JA_B = ['電機', '物流', '銀行', '製作所', '商事', '保育', '病院', '食品', 'ホテルズ', '建設', '薬品', 'システム'];
const FIRST = ['aiko', 'ken', 'misaki', 'sho', 'yumi', 'daisuke', 'yoko', 'ren', 'hanako', 'makoto', 'emma', 'liam', 'noah', 'olivia', 'ava', 'james', 'grace', 'lucas', 'mia', 'ethan'];
const LAST = ['tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe', 'yamamoto', 'nakamura', 'kobayashi', 'kato', 'clark', 'patel', 'wright', 'chen', 'hill', 'brown', 'miller', 'kim', 'turner', 'lopez'];
const LAST_JA = ['田中', '佐藤', '鈴木', '高橋', '伊藤', '渡辺', '山本', '中村', '小林', '加藤'];
const FIRST_JA = ['愛子', '健', '美咲', '翔', '由美', '大輔', '陽子', '蓮', '花子', '誠'];

/** The bench's config: account i has a name made of shared words (and a number when the words repeat), one domain, ten contacts. */
export function searchConfig(): string {
  const out = ['version: 1', 'organization: { name: Bench Vendor }', 'stages: [ { id: support, side: self, label: Support } ]', 'accounts:'];
  const seen = new Set<string>();
  for (let a = 0; a < ACCOUNTS; a++) {
    const ja = a % 4 === 3;
    let name = ja
      ? `${JA_A[a % JA_A.length]}${JA_B[(a >> 2) % JA_B.length]}${a % 8 === 3 ? '株式会社' : ''}`
      : `${EN_A[a % EN_A.length]}${EN_B[(a >> 3) % EN_B.length]} ${EN_C[(a >> 1) % EN_C.length]} ${EN_D[a % EN_D.length]}`.trim();
    if (seen.has(name.replace(/ .*/, ''))) name = ja ? `${name.replace('株式会社', '')}${a}` : name.replace(' ', ` ${a} `);
    seen.add(name.replace(/ .*/, ''));
    out.push(`  - id: a${a}`, `    name: '${name}'`, `    domains: [c${a}.example.com]`, '    contacts:');
    for (let c = 0; c < CONTACTS_PER; c++) {
      const k = a * CONTACTS_PER + c;
      const first = FIRST[k % FIRST.length]!;
      const last = LAST[(k >> 3) % LAST.length]!;
      const person = ja ? `${LAST_JA[(k >> 3) % LAST_JA.length]} ${FIRST_JA[k % FIRST_JA.length]}` : `${first[0]!.toUpperCase()}${first.slice(1)} ${last[0]!.toUpperCase()}${last.slice(1)}`;
      out.push(`      - { email: ${first}.${last}${c}@c${a}.example.com, name: ${person} }`);
    }
  }
  out.push('tokens:', `  - { name: bench, sha256: '${TOKEN_SHA}' }`, 'rateLimit: { perSecond: 1000000, burst: 1000000 }');
  return out.join('\n') + '\n';
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}
const ms = (x: number) => `${x.toFixed(x < 10 ? 3 : 0)} ms`;

/** What agents type, over the bench config's names. */
export function queries(loaded: LoadedConfig): string[] {
  const out: string[] = [];
  const accounts = loaded.config.accounts;
  for (let i = 0; i < 300; i++) {
    const a = accounts[(i * 7919) % accounts.length]!;
    const c = a.contacts[i % a.contacts.length]!;
    const word = a.name.split(/\s+/)[0]!;
    const typo = word.length > 4 ? word.slice(0, 2) + word[3] + word[2] + word.slice(4) : word;
    out.push(
      word.slice(0, 4), // a prefix many names share
      a.name,
      typo,
      `${word} ${a.name.split(/\s+/)[1] ?? ''}`.trim(),
      c.name,
      `${c.name.split(' ')[0]} ${word}`, // a person and their company
      c.email.slice(0, c.email.indexOf('@') + 3),
      c.email,
      a.domains[0]!,
      `someone@${a.domains[0]}`,
      'たなか',
      'ta',
      'a',
    );
  }
  return out;
}

export async function searchBench(line: (s?: string) => void): Promise<void> {
  const parsed = parseConfig(searchConfig(), 'search.yaml');
  if (!parsed.ok) throw new Error(`bench: search config invalid: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const loaded = parsed.loaded;
  const contacts = loaded.counts.contacts;
  line('## Search: GET /v1/search in process');
  line();

  global.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const builds: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    SearchIndex.build(loaded.config.accounts);
    builds.push(performance.now() - t);
  }
  const index = await searchIndexOf(loaded); // the one requests use (built a slice at a time)
  global.gc?.();
  const heap = (process.memoryUsage().heapUsed - heap0) / 2 ** 20;

  const store = await openStore(':memory:');
  try {
    const app = createApp(loaded, store);
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const ask = async (path: string) => {
      const res = await app.request(path, { headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`bench: ${path} ${res.status}`);
    };
    const probe = index.search(loaded.config.accounts[42]!.name, 1)[0];
    if (probe?.account.id !== 'a42') throw new Error(`bench: search for "${loaded.config.accounts[42]!.name}" found ${JSON.stringify(probe)}`);
    const qs = queries(loaded);
    for (const q of qs.slice(0, 500)) await ask(`/v1/search?q=${encodeURIComponent(q)}`); // warm up
    const lat: number[] = [];
    const direct: number[] = [];
    const floor: number[] = [];
    for (const q of qs) {
      let t = performance.now();
      await ask(`/v1/search?q=${encodeURIComponent(q)}&limit=8`);
      lat.push(performance.now() - t);
      t = performance.now();
      index.search(q, 8);
      direct.push(performance.now() - t);
      t = performance.now();
      await ask('/v1/whoami');
      floor.push(performance.now() - t);
    }
    const row = (what: string, xs: number[]) => line(`| ${what} | ${xs.length.toLocaleString('en')} | ${ms(pct(xs, 50))} | ${ms(pct(xs, 95))} | ${ms(pct(xs, 99))} | ${ms(Math.max(...xs))} |`);
    line(
      `${loaded.counts.accounts.toLocaleString('en')} accounts, ${contacts.toLocaleString('en')} contacts; index built in ${ms(Math.min(...builds))} (runs: ${builds.map(ms).join(', ')}), about ${heap.toFixed(0)} MB of heap${global.gc ? '' : ' (without --expose-gc: rough)'}.`,
    );
    line();
    line('| what | queries | p50 | p95 | p99 | max |');
    line('|---|---|---|---|---|---|');
    row("app.request('/v1/search?q=…&limit=8')", lat);
    row('SearchIndex.search only', direct);
    row("floor: app.request('/v1/whoami')", floor);
    line();
    line('Queries: the first 4 letters of a name (shared by a tenth of the accounts), a whole name, a typo (two letters swapped), two words, a person, a person and their company, the start of an email and a whole one, a domain, an unknown address at a domain, kana, two letters, one letter. Work per query word is bounded (at most 200 dictionary terms and 1,000 postings), whatever the data.');
    line();
  } finally {
    await store.close();
  }
}
