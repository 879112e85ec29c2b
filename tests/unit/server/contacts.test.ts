import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccountConfig, ContactConfig } from '../../../src/shared/config';
import { contactAt, contactCount, contactIf, contactsOf, forEachEmail, fromSnapshot, isPacked, packAccount, snapshotForm, STARTS_FROM } from '../../../src/server/contacts';
import { parseConfig } from '../../../src/server/config';

const account = (contacts: ContactConfig[], extra: Partial<AccountConfig> = {}): AccountConfig =>
  ({ id: 'acme', name: 'Acme', aliases: [], domains: ['acme.example'], employees: 0, industry: '', society: '', relay: [], next: [], teams: [{ id: 't', name: 'T', members: 0 }], contacts, ...extra }) as AccountConfig;

const people = (n: number): ContactConfig[] =>
  Array.from({ length: n }, (_, i) => {
    const name = i % 3 === 0 ? '' : `田中 ${i}`;
    const role = i % 2 ? 'Admin' : '';
    return (i % 4 === 1 ? { email: `u${i}@acme.example`, name, team: 't', role } : { email: `u${i}@acme.example`, name, role }) as ContactConfig;
  });

describe('packed contacts (contacts.ts)', () => {
  for (const n of [1, STARTS_FROM, STARTS_FROM + 1, 200]) {
    it(`keeps ${n} contacts exactly as they were: read, spread, serialised, one at a time`, () => {
      const plain = account(people(n), { plan: 'Pro' });
      const packed = packAccount(plain);
      expect(isPacked(packed)).toBe(true);
      expect(Object.keys(packed)).toEqual(Object.keys(plain));
      expect(packed).toEqual(plain);
      expect({ ...packed }).toEqual(plain);
      expect(JSON.stringify(packed)).toBe(JSON.stringify(plain));
      expect(structuredClone(packed)).toEqual(plain);
      expect(contactCount(packed)).toBe(n);
      expect(contactsOf(packed)).toEqual(plain.contacts);
      for (let k = 0; k < n; k++) {
        const c = plain.contacts[k]!;
        expect(contactAt(packed, k)).toEqual(c);
        expect('team' in contactAt(packed, k)).toBe('team' in c);
        expect(contactIf(packed, k, c.email)).toEqual(c);
        expect(contactIf(packed, k, `x${c.email}`)).toBeUndefined();
      }
      const emails: Array<[string, number]> = [];
      forEachEmail(packed, (email, k) => emails.push([email, k]));
      expect(emails).toEqual(plain.contacts.map((c, k) => [c.email, k]));
      // A list that cannot be written to: a change to it would be lost with the next read.
      expect(Object.isFrozen(packed.contacts)).toBe(true);
      expect(packAccount(packed)).toBe(packed);
      // A snapshot line holds the packed text, and gives the same account back.
      const line = JSON.stringify(snapshotForm(packed));
      expect(line).not.toContain('"email"');
      const back = fromSnapshot(JSON.parse(line) as Record<string, unknown>);
      expect(isPacked(back)).toBe(true);
      expect(JSON.stringify(back)).toBe(JSON.stringify(plain));
      expect(contactIf(back, n - 1, plain.contacts[n - 1]!.email)).toEqual(plain.contacts[n - 1]);
    });
  }

  it("keeps an import's contacts (their team after their role) as they were", () => {
    const plain = account(people(20).map((c) => (c.team ? { email: c.email, name: c.name, role: c.role, team: c.team } : c)));
    const packed = packAccount(plain);
    expect(isPacked(packed)).toBe(true);
    expect(JSON.stringify(packed)).toBe(JSON.stringify(plain));
    expect(JSON.stringify(contactAt(packed, 1))).toBe(JSON.stringify(plain.contacts[1]));
    // Both orders in one account: left as it is.
    const mixed = account([...plain.contacts, { email: 'z@acme.example', name: '', team: 't', role: '' } as ContactConfig]);
    expect(packAccount(mixed)).toBe(mixed);
  });

  it('checks a slot of the email table against the contact it names', () => {
    const packed = packAccount(account(people(STARTS_FROM + 5)));
    // Another contact's number (as a hash shared by two emails would give): not that email.
    expect(contactIf(packed, 3, 'u4@acme.example')).toBeUndefined();
    expect(contactIf(packed, 4, 'u4@acme.example')?.email).toBe('u4@acme.example');
    // A prefix of an email is not the email.
    expect(contactIf(packed, 1, 'u1@acme.exampl')).toBeUndefined();
    const few = packAccount(account(people(3)));
    expect(contactIf(few, 0, 'u1@acme.exampl')).toBeUndefined();
    expect(contactIf(few, 0, 'u1@acme.example')?.email).toBe('u1@acme.example');
  });

  it.each([
    ['an email not in its normal form', { email: 'Aiko@acme.example', name: '', role: '' }],
    ['a record separator in a name', { email: 'a@acme.example', name: 'A\u001eB', role: '' }],
    ['a unit separator in a role', { email: 'a@acme.example', name: '', role: 'x\u001fy' }],
    ['a field packing does not know', { email: 'a@acme.example', name: '', role: '', phone: '1' }],
    ['an empty team', { email: 'a@acme.example', name: '', team: '', role: '' }],
    ['fields in another order', { email: 'a@acme.example', role: '', name: '' }],
    ['a field missing', { email: 'a@acme.example', name: '' }],
  ])('leaves an account with %s as it is', (_, odd) => {
    const plain = account([...people(2), odd as ContactConfig]);
    expect(packAccount(plain)).toBe(plain);
    expect(isPacked(plain)).toBe(false);
    expect(contactAt(plain, 2)).toBe(plain.contacts[2]);
    expect(packAccount(account([]))).toEqual(account([]));
  });

  it("packs a loaded config's accounts, and the config keeps about a third of the heap it kept unpacked", () => {
    const r = parseConfig(
      'version: 1\norganization: { name: V }\nstages: [ { id: support, side: self, label: S } ]\naccounts:\n  - { id: a, name: A, contacts: [ { email: x@a.example, name: X } ] }\n  - { id: b, name: B, contacts: [ { email: Y@b.example } ] }\n',
      'x.yaml',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.loaded.config.accounts.map(isPacked)).toEqual([true, false]);
    // A child with --expose-gc: 2,000 accounts of 10 contacts. Measured: 267 bytes a contact of
    // heap (config and matching index) before packing, 87 packed.
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(import.meta.dirname, '..', '..', 'fixtures', 'heap', 'contacts.ts')], { encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    const out = JSON.parse(child.stdout) as { perContact: number; packed: number; contacts: number };
    expect(out.contacts).toBe(20_000);
    expect(out.packed).toBe(2000);
    expect(out.perContact).toBeLessThan(150);
  }, 60_000);
});
