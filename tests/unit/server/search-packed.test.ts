/**
 * The search index built packed (src/server/search.ts: entries, term ids and fields in typed
 * arrays, no Map of the terms) answers exactly as the index did before it
 * (tests/unit/server/search-before.ts, the code at 1f87a9a): the same results, byte for byte, for
 * thousands of queries of every kind (names, prefixes, typos, emails, Japanese infixes, several
 * words, one letter, nothing) at several limits, on the demo config and on a generated one with
 * shared names (postings cut at their bound), emails that fold, contacts without names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/server/config';
import { SearchIndex } from '../../../src/server/search';
import type { AccountConfig } from '../../../src/shared/config';
import { SearchIndex as Before } from './search-before';

const REPO = join(import.meta.dirname, '../../..');

/** A small deterministic random source (the same data and queries every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const GIVEN = ['Aiko', 'Grace', 'Emma', 'Hiroshi', 'José', 'Zoë', 'Liam', 'Noah', 'Olivia', 'Sakura', '愛子', '太郎', 'さくら', 'ﾀﾛｳ', 'Ünal', 'Mia'];
const FAMILY = ['Tanaka', 'Hill', 'Clark', 'Suzuki', 'García', 'Müller', 'Smith', '田中', '鈴木', 'やまだ', 'O’Brien', 'Lakeside'];
const COMPANY = ['Lakeside Hotels', 'ミナト電機', 'Northwind Trading', 'Acme', 'アクメ', 'さくら総合', 'Bluepeak', 'Tsubasa Bank', 'Café Crème', 'Nordström'];
const LEGAL = ['Inc.', 'Co., Ltd.', '株式会社', 'GmbH', ''];

function generated(count = 300): AccountConfig[] {
  const r = random(13);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: count }, (_, a) => {
    const base = `${pick(COMPANY)} ${a % 7 === 0 ? '' : a}`.trim();
    const domain = `${base.toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'co'}${a}.example.${pick(['com', 'jp', 'io'])}`;
    const contacts = Array.from({ length: 1 + Math.floor(r() * 8) }, (_, c) => {
      const given = pick(GIVEN);
      const family = pick(FAMILY);
      const local = `${given}.${family}`.normalize('NFKD').replace(/[^A-Za-z.]/g, '') || `user${c}`;
      const email = c % 5 === 4 ? `${local.toUpperCase()}@${domain}` : `${local.toLowerCase()}${c}@${domain}`;
      return { email: c % 9 === 8 ? ` ${email} ` : email, name: c % 6 === 5 ? '' : `${given} ${family}` };
    });
    return {
      id: `a${a}`,
      name: `${pick(LEGAL) === '株式会社' ? '株式会社' : ''}${base} ${pick(LEGAL)}`.trim(),
      aliases: a % 3 === 0 ? [pick(COMPANY), `${pick(GIVEN)} Group`] : [],
      domains: a % 4 === 0 ? [domain, `www.${domain}`] : [domain],
      contacts,
    } as unknown as AccountConfig;
  });
}

/** Queries from the data: whole names, prefixes, one edit off, emails, insides of Japanese, pairs of words, junk. */
function queriesFor(accounts: readonly AccountConfig[]): string[] {
  const r = random(7);
  const out = new Set<string>(['', ' ', 'a', 'e', 'x', 'zz', 'zzqqxx', '@', '.', 'inc', 'co', '株式会社', 'example', 'example.com', 'someone@lakeside-hotels.example.com']);
  const edits = (w: string) => {
    if (w.length < 2) return [];
    const k = Math.floor(r() * (w.length - 1));
    return [w.slice(0, k) + w.slice(k + 1), w.slice(0, k) + w[k + 1] + w[k] + w.slice(k + 2), w.slice(0, k) + 'x' + w.slice(k + 1), w.slice(0, k) + 'q' + w.slice(k)];
  };
  const texts: string[] = [];
  for (const a of accounts) {
    texts.push(a.name, ...a.aliases, ...a.domains);
    for (const c of a.contacts) texts.push(c.email, c.name ?? '', `${c.name ?? ''} ${a.name.split(' ')[0]}`);
  }
  for (const t of texts) {
    if (r() > 0.25) continue;
    out.add(t);
    out.add(t.toUpperCase());
    for (const w of t.split(/[\s@.]+/).filter(Boolean)) {
      for (let n = 1; n <= Math.min(w.length, 6); n++) out.add(w.slice(0, n));
      for (const e of edits(w)) out.add(e);
      if (/[^\x00-\x7f]/.test(w) && w.length > 2) out.add(w.slice(1, 3));
    }
    const at = t.indexOf('@');
    if (at > 0) {
      out.add(t.slice(0, at + 3));
      out.add(`nobody${t.slice(at)}`);
    }
  }
  return [...out];
}

function compare(accounts: readonly AccountConfig[], queries: readonly string[]): number {
  const now = SearchIndex.build(accounts);
  const was = Before.build(accounts);
  expect(now.size).toBe(was.size);
  let results = 0;
  for (const q of queries) {
    for (const limit of [1, 8, 50]) {
      const a = JSON.stringify(now.search(q, limit));
      const b = JSON.stringify(was.search(q, limit));
      if (a !== b) expect({ q, limit, now: a }).toEqual({ q, limit, now: b });
      results += a.length > 2 ? 1 : 0;
    }
  }
  return results;
}

describe('the packed search index answers as the index before it', () => {
  it('on the demo config', () => {
    const parsed = parseConfig(readFileSync(join(REPO, 'baton.config.yaml'), 'utf8'), 'baton.config.yaml');
    if (!parsed.ok) throw new Error('the demo config loads');
    const accounts = parsed.loaded.config.accounts;
    const queries = queriesFor(accounts);
    expect(queries.length).toBeGreaterThan(300);
    expect(compare(accounts, queries)).toBeGreaterThan(queries.length); // most queries find something
  });

  it('on a generated config of 300 accounts with shared names, emails that fold, contacts without names', async () => {
    const accounts = generated();
    const queries = queriesFor(accounts);
    expect(queries.length).toBeGreaterThan(2000);
    expect(compare(accounts, queries)).toBeGreaterThan(queries.length);
    // Built a slice at a time (as the server does): the same index.
    const sliced = await SearchIndex.buildAsync(accounts, 0.01);
    const whole = SearchIndex.build(accounts);
    for (const q of queries.slice(0, 500)) expect(JSON.stringify(sliced.search(q, 8))).toBe(JSON.stringify(whole.search(q, 8)));
  }, 30_000);

  it('on 6,000 accounts: its lists of entries and terms run over many chunks (of 65,536)', () => {
    const accounts = generated(6000);
    expect(accounts.reduce((n, a) => n + a.contacts.length, 0)).toBeGreaterThan(20_000); // over 200,000 term pairs
    const queries = queriesFor(accounts).filter((_, i) => i % 40 === 0);
    expect(queries.length).toBeGreaterThan(500);
    expect(compare(accounts, queries)).toBeGreaterThan(queries.length);
  }, 60_000);
});
