/**
 * The kept answers (kept.ts, lookup.ts) are bounded in bytes, not entries: the total charged never
 * goes over the budget, the oldest entry goes first (never the whole cache at once), a full cache
 * keeps a new key on its second miss only, and a lookup whose parts went gets the same bytes
 * again, built anew.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../../src/server/config';
import { KeptParts, MISSES_REMEMBERED, SPARSE_SHARE, type Kept } from '../../../src/server/kept';
import { hashOf } from '../../../src/server/search';
import { ACCOUNT_ENTRY_BYTES, CONTACT_ENTRY_BYTES, answerLookup, heldBytes, keptAnswers, type LookupQuery } from '../../../src/server/lookup';
import { silentLogger } from '../../../src/server/log';
import type { Store, Writer } from '../../../src/server/store';

const entry = (): Kept => ({ keptBytes: 0, keptAt: 0 });

type Cache = Pick<KeptParts<string, Kept>, 'get' | 'set'>;

/** Lookups of `key(cycle, n)` for n < perCycle, `cycles` times, each a get then, on a miss, a set with the key's hash. */
function drive(kept: Cache, cycles: number, key: (cycle: number, n: number) => string, perCycle: number) {
  let hits = 0;
  let admitted = 0;
  let lastCycleAdmitted = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    lastCycleAdmitted = 0;
    for (let n = 0; n < perCycle; n++) {
      const k = key(cycle, n);
      if (kept.get(k)) hits++;
      else if (kept.set(k, entry(), 100, hashOf(k))) {
        admitted++;
        lastCycleAdmitted++;
      }
    }
  }
  return { hits, admitted, lastCycleAdmitted };
}

/** Today's admission before it adapted (FIFO, a new key kept on its second miss once full), to compare with. */
class ReferenceKept implements Cache {
  private readonly entries = new Map<string, Kept>();
  private total = 0;
  private full = false;
  private readonly missed = new Int32Array(MISSES_REMEMBERED);
  constructor(
    private readonly maxBytes: number,
    private readonly entryBytes: number,
  ) {}
  get(key: string): Kept | undefined {
    return this.entries.get(key);
  }
  set(key: string, value: Kept, bytes: number, hash: number): boolean {
    if (this.full) {
      const slot = hash & (MISSES_REMEMBERED - 1);
      const mark = hash | 0x80000000;
      if (this.missed[slot] !== mark) {
        this.missed[slot] = mark;
        return false;
      }
      this.missed[slot] = 0;
    }
    value.keptBytes = bytes + this.entryBytes;
    this.total += value.keptBytes;
    this.entries.set(key, value);
    while (this.total > this.maxBytes) {
      const [k, v] = this.entries.entries().next().value!;
      this.entries.delete(k);
      this.total -= v.keptBytes;
      this.full = true;
    }
    return this.entries.get(key) === value;
  }
}

describe('KeptParts', () => {
  it('never holds more bytes than its budget: the oldest go first, one at a time', () => {
    const kept = new KeptParts<string, Kept>(1000, 100);
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
    const kept = new KeptParts<string, Kept>(1000, 100);
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
    const kept = new KeptParts<string, Kept>(1000, 100);
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

  it('once full and churning (entries go before any hit), admits only a few of the keys that missed twice', () => {
    // 100 entries' room, a repeating sequence of 2,000 distinct keys: each key misses again a cycle
    // later, long after an entry made on its second miss would have gone (FIFO, 100 entries).
    const run = (kept: Cache) => drive(kept, 40, (cycle, n) => `k${n % 2000}`, 2000);
    const cache = new KeptParts<string, Kept>(20_000, 100);
    const now = run(cache);
    const before = run(new ReferenceKept(20_000, 100));
    expect(before.admitted).toBeGreaterThan(35_000); // every second miss: half the lookups
    expect(before.hits).toBeLessThan(before.admitted / 10); // most entries made go before a hit
    // Sparse admission once the evictions show no hits: about 1 in 16, the first cycles aside.
    expect(now.admitted).toBeLessThan(before.admitted / 8);
    // Sparse, it holds a quarter of its budget: a sample that lives long enough to last a cycle
    // and be hit, a fraction of what the full budget's sample got (measured: 570 hits, 2,015 with
    // the whole budget, of 80,000 lookups).
    expect(cache.bytes).toBeLessThanOrEqual(20_000 * SPARSE_SHARE);
    expect(cache.capBytes).toBe(20_000 * SPARSE_SHARE);
    expect(now.hits).toBeGreaterThan(before.hits / 8);
    // Sparse for good: the hits of entries that lived 16 times longer do not bring full admission back.
    expect(now.lastCycleAdmitted).toBeLessThan(2000 / 2 / 8);
  });

  it('keeps admitting every second miss for a hot set hit while kept, at the same hit rate as before', () => {
    // Half the lookups over 60 hot keys (room for 100 entries), half a repeating sequence of 2,000
    // cold keys (each missing twice a cycle, never hit): evicted entries are often hot ones, hit.
    const key = (_: number, n: number) => (n % 2 === 0 ? `hot${(n * 7) % 60}` : `cold${(n >> 1) % 2000}`);
    const now = drive(new KeptParts<string, Kept>(20_000, 100), 20, key, 4000);
    const before = drive(new ReferenceKept(20_000, 100), 20, key, 4000);
    expect(before.hits).toBeGreaterThan(10_000);
    expect(now.hits).toBe(before.hits);
    expect(now.admitted).toBe(before.admitted);
  });

  it('goes back to admitting every second miss once evicted entries show hits again', () => {
    const kept = new KeptParts<string, Kept>(20_000, 100);
    drive(kept, 20, (_, n) => `k${n % 2000}`, 2000);
    expect(kept.admitsOneIn).toBe(16);
    const key = (_: number, n: number) => (n % 2 === 0 ? `hot${(n * 7) % 60}` : `cold${(n >> 1) % 2000}`);
    const reference = new ReferenceKept(20_000, 100);
    drive(reference, 5, key, 4000); // the hot set warmed up, as in the cache
    expect(kept.capBytes).toBe(20_000 * SPARSE_SHARE);
    const a = drive(kept, 20, key, 4000);
    expect(kept.admitsOneIn).toBe(1);
    expect(kept.capBytes).toBe(20_000); // the whole budget again
    const b = drive(reference, 20, key, 4000);
    // What the sparse cycles cost until then: a few cycles' hits, not the run's.
    expect(a.hits).toBeGreaterThan(b.hits * 0.8);
  });

  it('does not keep an entry over the whole budget', () => {
    const kept = new KeptParts<string, Kept>(1000, 100);
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
