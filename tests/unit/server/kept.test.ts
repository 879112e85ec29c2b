/**
 * The kept answers (kept.ts, lookup.ts) are bounded in bytes, not entries: the total charged never
 * goes over the budget, the oldest entry goes first (never the whole cache at once), a full cache
 * keeps a new key on its second miss only, and a lookup whose parts went gets the same bytes
 * again, built anew.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../../src/server/config';
import { KeptParts } from '../../../src/server/kept';
import { ACCOUNT_ENTRY_BYTES, CONTACT_ENTRY_BYTES, answerLookup, heldBytes, keptAnswers, type LookupQuery } from '../../../src/server/lookup';
import { silentLogger } from '../../../src/server/log';
import type { Store, Writer } from '../../../src/server/store';

const entry = () => ({ keptBytes: 0 });

describe('KeptParts', () => {
  it('never holds more bytes than its budget: the oldest go first, one at a time', () => {
    const kept = new KeptParts<string, { keptBytes: number }>(1000, 100);
    for (let i = 0; i < 50; i++) {
      kept.set(`k${i}`, entry(), 50 + (i % 7) * 40);
      expect(kept.bytes).toBeLessThanOrEqual(1000);
      // The newest are kept, in the order they came: the survivors are the last `size` keys.
      const keys = [...kept.keys()];
      expect(keys).toEqual(Array.from({ length: keys.length }, (_, j) => `k${i - keys.length + 1 + j}`));
      expect(kept.get(`k${i}`)).toBeDefined();
    }
    const sum = [...kept.keys()].reduce((n, k) => n + kept.get(k)!.keptBytes, 0);
    expect(kept.bytes).toBe(sum);
  });

  it('charges an entry again when it grows, letting older ones go; not once it is gone', () => {
    const kept = new KeptParts<string, { keptBytes: number }>(1000, 100);
    const a = entry();
    const b = entry();
    kept.set('a', a, 100);
    kept.set('b', b, 100);
    expect(kept.bytes).toBe(400);
    kept.resize('b', b, 750); // 200 + 850 > 1000: a goes
    expect([...kept.keys()]).toEqual(['b']);
    expect(kept.bytes).toBe(850);
    kept.resize('a', a, 5000); // a is not kept any more: nothing changes
    expect(kept.bytes).toBe(850);
    kept.set('b', entry(), 10); // the same key again: the old one's charge goes with it
    expect(kept.bytes).toBe(110);
    expect(kept.size).toBe(1);
  });

  it('once full, keeps a new key only on its second miss: lookups that come once push nothing out', () => {
    const kept = new KeptParts<string, { keptBytes: number }>(1000, 100);
    for (let i = 0; i < 5; i++) expect(kept.set(`k${i}`, entry(), 100, i + 1)).toBe(true); // 5 × 200: full, nothing went yet
    expect(kept.set('k5', entry(), 100, 6)).toBe(true); // k0 goes: from now on, full
    expect([...kept.keys()]).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    for (let i = 100; i < 150; i++) expect(kept.set(`once${i}`, entry(), 100, i)).toBe(false);
    expect([...kept.keys()]).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    expect(kept.set('twice', entry(), 100, 7)).toBe(false);
    expect(kept.set('twice', entry(), 100, 7)).toBe(true);
    expect([...kept.keys()]).toEqual(['k2', 'k3', 'k4', 'k5', 'twice']);
    expect(kept.bytes).toBe(1000);
  });

  it('does not keep an entry over the whole budget', () => {
    const kept = new KeptParts<string, { keptBytes: number }>(1000, 100);
    kept.set('small', entry(), 100);
    kept.set('huge', entry(), 2000);
    expect(kept.size).toBe(0);
    expect(kept.bytes).toBe(0);
  });
});

/** A config of `n` accounts with 3 contacts each, Japanese and English text. */
function configText(n: number): string {
  const accounts = Array.from({ length: n }, (_, a) =>
    [
      `  - id: a${a}`,
      `    name: 会社 ${a} Inc.`,
      `    domains: [c${a}.example.com]`,
      '    relay:',
      `      - { stage: sales, person: sato, at: 2024-06-15, note: '課題 ${a}' }`,
      '    teams: [ { id: hr, name: 人事部, members: 12 } ]',
      '    contacts:',
      ...[0, 1, 2].map((c) => `      - { email: u${c}@c${a}.example.com, name: User ${a}-${c}, team: hr, role: Admin }`),
    ].join('\n'),
  );
  return [
    'version: 1',
    'organization: { name: Test Vendor, defaultLocale: en }',
    'stages:',
    '  - { id: sales, side: before, label: { en: Sales, ja: セールス } }',
    '  - { id: support, side: self, label: Support }',
    'people:',
    '  - { id: sato, name: 佐藤 健, stage: sales }',
    'accounts:',
    ...accounts,
    'tokens:',
    "  - { name: test, sha256: '4c5dc9b7708905f77f5e5d16316b5dfb425e68cb326dcd55a860e90a7707031e' }",
    '',
  ].join('\n');
}

function load(n: number): LoadedConfig {
  const r = parseConfig(configText(n), 'kept.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('; '));
  return r.loaded;
}

const store = {
  readForLookupNow: () => ({ notes: [], thanks: new Map(), stamp: 1 }),
  readForLookup: async () => ({ notes: [], thanks: new Map(), stamp: 1 }),
  recordLookup: () => undefined,
} as unknown as Store;
const caller: Writer = { name: 'Mika', person: null, token: 'test' };
const ask = (email: string, lang: 'en' | 'ja' = 'en'): LookupQuery => ({ email, domain: undefined, org: undefined, ticket: undefined, lang });

async function lookup(loaded: LoadedConfig, q: LookupQuery): Promise<string> {
  return (await answerLookup(loaded, store, loaded.tokens[0]!, q, caller, silentLogger)).json;
}

describe('the kept answers of a config load', () => {
  it('stay within their byte budgets over lookups of every contact, the oldest going first', async () => {
    const loaded = load(60);
    // Room for about 10 accounts' parts and 40 contacts' (each is a few hundred bytes of JSON).
    const one = load(1);
    await lookup(one, ask('u0@c0.example.com'));
    const k1 = keptAnswers(one);
    const budget = { accountBytes: 10 * k1.accounts.bytes, contactBytes: 40 * k1.contacts.bytes };
    const { accounts, contacts } = keptAnswers(loaded, budget);
    const asked: string[] = [];
    for (const lang of ['en', 'ja'] as const) {
      for (let a = 0; a < 60; a++) {
        for (let c = 0; c < 3; c++) {
          await lookup(loaded, ask(`u${c}@c${a}.example.com`, lang));
          expect(accounts.bytes).toBeLessThanOrEqual(budget.accountBytes);
          expect(contacts.bytes).toBeLessThanOrEqual(budget.contactBytes);
        }
        if (!asked.includes(`${lang}::a${a}`)) asked.push(`${lang}::a${a}`);
        // The accounts kept are the last ones asked for, in order: none newer went before an older one.
        const keys = [...accounts.keys()];
        expect(keys).toEqual(asked.slice(asked.length - keys.length));
      }
    }
    expect(accounts.size).toBeGreaterThan(3);
    expect(accounts.size).toBeLessThan(60);
    expect(contacts.size).toBeGreaterThan(10);
    expect(contacts.size).toBeLessThan(180);
    // What is charged is the strings' bytes plus the estimate per entry, summed exactly.
    let total = 0;
    for (const key of accounts.keys()) {
      const parts = accounts.get(key)!;
      expect(parts.keptBytes).toBeGreaterThan(ACCOUNT_ENTRY_BYTES + 100);
      total += parts.keptBytes;
    }
    expect(accounts.bytes).toBe(total);
    total = 0;
    for (const key of contacts.keys()) {
      const own = contacts.get(key)!;
      expect(own.keptBytes).toBe(CONTACT_ENTRY_BYTES + heldBytes(own.contact) + heldBytes(own.rings));
      total += own.keptBytes;
    }
    expect(contacts.bytes).toBe(total);
  });

  it('let a contact go one at a time, not all at once', async () => {
    const loaded = load(20);
    const one = load(1);
    await lookup(one, ask('u0@c0.example.com'));
    const { contacts } = keptAnswers(loaded, { accountBytes: 2 ** 30, contactBytes: 10 * keptAnswers(one).contacts.bytes });
    let most = 0;
    for (let a = 0; a < 20; a++) {
      for (let c = 0; c < 3; c++) {
        await lookup(loaded, ask(`u${c}@c${a}.example.com`));
        most = Math.max(most, contacts.size);
        if (a * 3 + c >= most) expect(contacts.size).toBeGreaterThanOrEqual(most - 1); // never emptied
      }
    }
    expect(most).toBeGreaterThanOrEqual(8);
    expect(most).toBeLessThanOrEqual(10);
  });

  it('answer a lookup whose parts went with the same bytes as when they were kept', async () => {
    const loaded = load(30);
    const one = load(1);
    await lookup(one, ask('u0@c0.example.com'));
    const { accounts, contacts } = keptAnswers(loaded, { accountBytes: 3 * keptAnswers(one).accounts.bytes, contactBytes: 3 * keptAnswers(one).contacts.bytes });
    const first = new Map<string, string>();
    for (const lang of ['en', 'ja'] as const) for (let a = 0; a < 30; a++) first.set(`${lang} ${a}`, await lookup(loaded, ask(`u1@c${a}.example.com`, lang)));
    expect(accounts.get('en::a0')).toBeUndefined(); // long gone
    expect(contacts.size).toBeLessThan(30);
    for (const lang of ['en', 'ja'] as const) {
      for (let a = 0; a < 30; a++) {
        const again = await lookup(loaded, ask(`u1@c${a}.example.com`, lang));
        expect(again, `${lang} a${a}`).toBe(first.get(`${lang} ${a}`));
        expect(await lookup(loaded, ask(`u1@c${a}.example.com`, lang)), `${lang} a${a}, kept`).toBe(again);
      }
    }
  });
});
