/**
 * The fuzzy matcher's ranking (src/server/search.ts) on a table of queries over the demo config
 * (what agents type: a prefix, a name in another script, a typo, an email, a company and a
 * person together), and its rules on a small config of near names: exact over prefix over
 * inside-a-word over one typo, accounts over contacts at equal score, shorter names first.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../../src/server/config';
import { SearchIndex, withinOneEdit } from '../../../src/server/search';

const REPO = join(import.meta.dirname, '../../..');

function index(text: string): SearchIndex {
  const r = parseConfig(text, 'test.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return SearchIndex.build(r.loaded.config.accounts);
}

const demo = index(readFileSync(join(REPO, 'baton.config.yaml'), 'utf8'));
/** The first result as `account:<id>` or `contact:<email>`. */
const top = (ix: SearchIndex, q: string, n = 1) => ix.search(q, n).map((r) => (r.contact ? `contact:${r.contact.email}` : `account:${r.account.id}`));

describe('ranking on the demo config', () => {
  const table: Array<[query: string, first: string, why: string]> = [
    ['lakes', 'account:lakeside', 'a prefix of a word of the name'],
    ['Lakeside Hotels Co., Ltd.', 'account:lakeside', 'the whole name, legal words and punctuation included'],
    ['lakeside hot', 'account:lakeside', 'a word and the prefix of the next'],
    ['レイクサイド', 'account:lakeside', 'an alias'],
    ['れいくさいど', 'account:lakeside', 'the alias in hiragana'],
    ['ﾚｲｸｻｲﾄﾞ', 'account:lakeside', 'the alias in half-width katakana'],
    ['lakside', 'account:lakeside', 'a letter missing'],
    ['Nortwind', 'account:northwind', 'a letter missing, capitalised'],
    ['nrothwind', 'account:northwind', 'two letters swapped'],
    ['north trading', 'account:northwind', 'two words of the name'],
    ['アクメ', 'account:acme', 'a Japanese name without its 株式会社'],
    ['acme', 'account:acme', 'an English alias, above the contacts of the account'],
    ['電機', 'account:minato', 'inside a Japanese name'],
    ['さくら', 'account:sakura', 'hiragana name'],
    ['sakura general', 'account:sakura', 'an English alias of a Japanese account'],
    ['bluepeak.example.io', 'account:bluepeak', 'a second domain'],
    ['someone@tsubasa-bank.example.jp', 'account:tsubasa', 'an unknown address at an account\'s domain'],
    ['aiko', 'contact:aiko.tanaka@acme.example.jp', 'a contact by the local part of the email'],
    ['aiko.tanaka@acme.example.jp', 'contact:aiko.tanaka@acme.example.jp', 'a whole email'],
    ['AIKO.TANAKA@ACME', 'contact:aiko.tanaka@acme.example.jp', 'the start of an email, upper case'],
    ['田中', 'contact:aiko.tanaka@acme.example.jp', 'a family name in kanji'],
    ['愛子', 'contact:aiko.tanaka@acme.example.jp', 'a given name in kanji'],
    ['grace lakeside', 'contact:grace.hill@lakeside-hotels.example.com', 'a person and their company'],
    ['Emma Clark', 'contact:emma.clark@northwind.example.com', 'a full name'],
    ['emma clrak', 'contact:emma.clark@northwind.example.com', 'a full name with a typo'],
  ];
  it.each(table)('%s → %s (%s)', (query, first) => {
    expect(top(demo, query)).toEqual([first]);
  });

  it('finds nothing for what is nowhere, and for an empty query', () => {
    expect(demo.search('zzqqxx', 8)).toEqual([]);
    expect(demo.search('   ', 8)).toEqual([]);
    expect(demo.search('', 8)).toEqual([]);
  });

  it('scores lie in (0, 1], best first, and the limit holds', () => {
    const r = demo.search('a', 50);
    expect(r.length).toBeGreaterThan(3);
    expect(r.every((x) => x.score > 0 && x.score <= 1)).toBe(true);
    expect(r.map((x) => x.score)).toEqual([...r.map((x) => x.score)].sort((a, b) => b - a));
    expect(demo.search('a', 2)).toHaveLength(2);
  });
});

describe('ranking rules', () => {
  const ix = index(`version: 1
organization: { name: T }
stages: [ { id: support, side: self, label: Support } ]
accounts:
  - { id: nova, name: Nova }
  - { id: novak, name: Novak Logistics }
  - { id: novalis, name: Novalis GmbH }
  - { id: inova, name: イノバ株式会社, aliases: [株式会社スーパーノバ] }
  - { id: nava, name: Nava }
  - id: people
    name: People Inc.
    contacts:
      - { email: nova@people.example, name: Nova Lee }
`);

  it('exact beats prefix; at the same score an account comes before a contact', () => {
    const r = ix.search('nova', 10).map((x) => x.contact?.email ?? x.account.id);
    expect(r[0]).toBe('nova');
    expect(r.indexOf('nova')).toBeLessThan(r.indexOf('novak'));
    // "nova" is the exact first name and the exact local part of the contact: it comes before
    // the accounts that only start with "nova".
    expect(r.indexOf('nova@people.example')).toBeLessThan(r.indexOf('novak'));
  });

  it('a longer part of the word typed scores higher; shorter names first among equals', () => {
    const r = ix.search('nov', 10).map((x) => x.account.id);
    expect(r.indexOf('novak')).toBeLessThan(r.indexOf('novalis'));
    const scores = Object.fromEntries(ix.search('novali', 10).map((x) => [x.account.id, x.score]));
    expect(scores.novalis).toBeGreaterThan(ix.search('nov', 10).find((x) => x.account.id === 'novalis')!.score);
  });

  it('prefix beats inside-a-word, which beats one typo', () => {
    const prefix = ix.search('イノ', 5)[0]!;
    const inside = ix.search('ノバ', 5).find((x) => x.account.id === 'inova')!;
    const typo = ix.search('nava', 5).find((x) => x.account.id === 'nova')!;
    expect(prefix.account.id).toBe('inova');
    expect(prefix.score).toBeGreaterThan(inside.score);
    expect(inside.score).toBeGreaterThan(typo.score);
    // The exact name still wins over its one-letter neighbour.
    expect(ix.search('nava', 5)[0]!.account.id).toBe('nava');
  });

  it('all words must match', () => {
    expect(ix.search('nova logistics', 5).map((x) => x.account.id)).toEqual(['novak']);
    expect(ix.search('nova zebra', 5)).toEqual([]);
  });
});

describe('withinOneEdit', () => {
  it.each([
    ['lakeside', 'lakeside', true],
    ['lakside', 'lakeside', true],
    ['lakeside', 'lakesides', true],
    ['lakezide', 'lakeside', true],
    ['laeksdie', 'lakeside', false],
    ['alkeside', 'lakeside', true],
    ['lakesied', 'lakeside', true],
    ['lake', 'lakeside', false],
    ['abcd', 'abdc', true],
    ['abcd', 'badc', false],
  ])('%s ~ %s: %s', (a, b, want) => {
    expect(withinOneEdit(a, b)).toBe(want);
    expect(withinOneEdit(b, a)).toBe(want);
  });
});

describe('building in slices', () => {
  it('sortInSteps is a stable sort, as Array.prototype.sort', async () => {
    const { sortInSteps } = await import('../../../src/server/search');
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const n of [0, 1, 2, 4095, 4096, 4097, 20_000, 33_333]) {
      const items = Array.from({ length: n }, (_, i) => [String(Math.floor(rnd() * n / 3)), i] as const);
      const cmp = (a: readonly [string, number], b: readonly [string, number]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
      const steps = sortInSteps([...items], cmp);
      let r = steps.next();
      while (!r.done) r = steps.next();
      expect(r.value, String(n)).toEqual([...items].sort(cmp));
    }
  });

  it('buildAsync gives the event loop back while it indexes and sorts, and gives the index build() gives', async () => {
    const accounts = Array.from({ length: 300 }, (_, a) => `  - id: a${a}\n    name: 株式会社サンプル${a} Holdings\n    domains: [c${a}.example.jp]\n    contacts:\n${Array.from({ length: 20 }, (_, c) => `      - { email: user${c}.n${a}@c${a}.example.jp, name: 佐藤 健${c} }`).join('\n')}`).join('\n');
    const r = parseConfig(`version: 1\norganization: { name: T }\nstages: [ { id: support, side: self, label: Support } ]\naccounts:\n${accounts}\n`, 'big.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await SearchIndex.buildAsync(r.loaded.config.accounts, 0);
    done = true;
    // A turn at least per account, and more for the sorts of its 12,000+ terms.
    expect(turns).toBeGreaterThan(300 + 3);
    const whole = SearchIndex.build(r.loaded.config.accounts);
    for (const q of ['サンプル12', 'user3', 'c42.example.jp', '佐藤', 'holdngs', 'n299@c299', 'さんぷる7']) expect(sliced.search(q, 8), q).toEqual(whole.search(q, 8));
  });

  it('buildAsync at a share below 1 pauses after each slice for its part of the time (a build ahead of any search leaves lookups half the thread)', async () => {
    const accounts = Array.from({ length: 60 }, (_, a) => `  - id: a${a}\n    name: Company ${a}\n    domains: [c${a}.example.com]\n    contacts:\n${Array.from({ length: 10 }, (_, c) => `      - { email: u${c}@c${a}.example.com, name: User ${a} ${c} }`).join('\n')}`).join('\n');
    const r = parseConfig(`version: 1\norganization: { name: T }\nstages: [ { id: support, side: self, label: Support } ]\naccounts:\n${accounts}\n`, 'some.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const pauses = (share: number) => {
      const delays: number[] = [];
      const real = globalThis.setTimeout;
      const spy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((fn: () => void, ms?: number) => (delays.push(ms ?? 0), real(fn, 0))) as typeof setTimeout);
      return SearchIndex.buildAsync(r.loaded.config.accounts, 0, () => share).then((ix) => (spy.mockRestore(), { ix, delays }));
    };
    const half = await pauses(0.5);
    const full = await pauses(1);
    expect(half.delays.length).toBeGreaterThan(60); // a pause after each slice (each step, at sliceMs 0)
    expect(half.delays.every((ms) => ms >= 0)).toBe(true);
    expect(half.delays.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(full.delays.length).toBe(0); // share 1: setImmediate only
    expect(half.ix.search('user 12 3', 4)).toEqual(full.ix.search('user 12 3', 4));
  });
});
