/**
 * The search index without a forward index (src/server/search.ts): a word checked against one
 * entry derives the contact's terms again (contactTerms), and first asks mayMatch whether any of
 * them can match. mayMatch must never say no where a term matches (else results would change):
 * checked here on names and emails of every kind (ASCII, capitals, accents, full-width, kana,
 * kanji, mixed) against words that match them or nearly (prefixes, one edit, whole terms) and
 * words that do not. And what the built index keeps: no array per (entry, term) pair beside its
 * postings.
 */
import { describe, expect, it } from 'vitest';
import { contactFlags, contactTerms, mayMatch, SearchIndex, termScore, type Field } from '../../../src/server/search';
import type { AccountConfig, ContactConfig } from '../../../src/shared/config';

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const NAMES = ['Grace Hill', 'grace hill', 'José García', 'Zoë Müller', 'ＴＡＮＡＫＡ Aiko', '田中 愛子', 'さくら たろう', 'やまだ', 'ﾀﾛｳ', 'Aiko 田中', '佐藤ken', "O'Brien-Smith", 'Li', 'Ann Lee', 'K. K. Lo', 'Émile', 'Mia  Noah', '', 'X Æ A-12', 'ミナト電機'];
const EMAILS = ['grace.hill@lakeside.example.com', 'Grace.Hill@Lakeside.example.com', ' aiko.tanaka3@acme.example.jp ', 'josé@café.example', 'AIKO@ACME.JP', 'li@x.io', 'o_brien+tag@mail.example.org', 'ＡＩＫＯ@acme.jp', 'ann.lee@lee.co'];
const FIELD_FUZZY: readonly boolean[] = [true, true, false, true, false, false];

/** The words to try against a contact: pieces of its own terms, a letter changed, added, removed or swapped, and others. */
function wordsFor(terms: string[], r: () => number): string[] {
  const out = new Set(['a', 'e', 'zz', 'lee', 'hill', 'tanaka', 'aiko', 'acme', 'example', '田中', 'タロウ', 'ken', 'kenx', 'grac', 'hilx']);
  for (const t of terms) {
    for (let n = 1; n <= t.length; n++) out.add(t.slice(0, n));
    for (let k = 0; k <= t.length; k++) {
      out.add(t.slice(0, k) + t.slice(k + 1));
      out.add(t.slice(0, k) + 'q' + t.slice(k + 1));
      out.add(t.slice(0, k) + 'z' + t.slice(k));
      if (k + 1 < t.length) out.add(t.slice(0, k) + t[k + 1] + t[k] + t.slice(k + 2));
    }
    if (t.length > 2) out.add(t.slice(1, 1 + Math.ceil(r() * (t.length - 1))));
  }
  return [...out].filter(Boolean);
}

describe('mayMatch: a contact none of whose terms can match a word', () => {
  it('never says no where a term of the contact matches', () => {
    const r = random(5);
    let no = 0;
    let checked = 0;
    for (const name of NAMES) {
      for (const email of EMAILS) {
        const contact = { name, email } as ContactConfig;
        const terms: string[] = [];
        const fields: Field[] = [];
        contactTerms(contact, (t, f) => {
          if (t) terms.push(t), fields.push(f);
        });
        const flags = contactFlags(contact);
        for (const w of wordsFor(terms, r)) {
          const cjk = /[^\x00-\x7f]/.test(w);
          const matches = terms.some((t, i) => termScore(w, t, FIELD_FUZZY[fields[i]!]!, cjk) > 0);
          const may = mayMatch(name, email, w, flags, !cjk);
          checked++;
          if (!may) no++;
          if (matches && !may) expect({ name, email, w, may }).toEqual({ name, email, w, may: true });
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000);
    expect(no).toBeGreaterThan(checked / 4); // it does say no, often
  });
});

describe('what the built index keeps', () => {
  it('no forward index: no typed array of a pair (entry, term) beside the postings', () => {
    const accounts = Array.from({ length: 200 }, (_, a) => ({
      id: `a${a}`,
      name: `Company ${a} Trading`,
      aliases: [],
      domains: [`c${a}.example.com`],
      contacts: Array.from({ length: 10 }, (_, c) => ({ email: `user${c}.family${a}@c${a}.example.com`, name: `User${c} Family${a}` })),
    })) as unknown as AccountConfig[];
    const index = SearchIndex.build(accounts);
    const r = index.retained();
    expect(r.postings).toBeGreaterThan(2000 * 8);
    // Beside the terms, the postings (4 bytes each, 4 more a term where each starts) and the entries
    // (5 bytes each): under a byte a posting (a forward index, a term and a field a pair, is 5).
    const rest = r.arrayBytes - r.termBytes - r.fuzzyBytes - r.postings * 4 - (r.terms + 1) * 4 - index.size * 5;
    expect(rest).toBeGreaterThan(0);
    expect(rest).toBeLessThan(r.postings);
  });

  it('no string a term: the terms in one pool of bytes (a byte a character of Latin text, two of other), with where each starts', () => {
    const accounts = Array.from({ length: 100 }, (_, a) => ({
      id: `a${a}`,
      name: a % 2 ? `Company ${a} Trading` : `ミナト電機${a}`,
      aliases: [],
      domains: [`c${a}.example.com`],
      contacts: Array.from({ length: 10 }, (_, c) => ({ email: `user${c}.family${a}@c${a}.example.com`, name: a % 2 ? `User${c} Family${a}` : `田中 愛子${c}` })),
    })) as unknown as AccountConfig[];
    const index = SearchIndex.build(accounts);
    const r = index.retained();
    expect(r.terms).toBeGreaterThan(2500);
    // The strings kept: the keys of the domains' map, not one a term (nor a key of the fuzzy matcher's deletions).
    expect(r.strings).toBeLessThan(r.terms / 2);
    // The pool: the terms' characters (under 30 a term here), 4 bytes where each starts.
    expect(r.termBytes).toBeLessThan(r.terms * (30 + 4));
    // Found from it: whole, by prefix, inside a Japanese term (the suffixes: places in the pool), one edit away.
    expect(index.search('ミナト電機10', 1)[0]?.account.id).toBe('a10');
    expect(index.search('family4', 1)[0]?.account.id).toBe('a4');
    expect(index.search('電機', 5).map((x) => x.kind)).toEqual(['account', 'account', 'account', 'account', 'account']);
    expect(index.search('Tradnig 13', 1)[0]?.account.id).toBe('a13');
  });
});
