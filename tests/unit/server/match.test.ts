import { describe, expect, it } from 'vitest';
import { isPacked, STARTS_FROM } from '../../../src/server/contacts';
import { buildIndex, emailHit, matchQuery } from '../../../src/server/match';
import { domainToASCII } from 'node:url';
import { asciiDomain, domainAndParents, emailDomain, normalizeCompany, normalizeDomain, normalizeEmail } from '../../../src/server/normalize';
import { parseConfig } from '../../../src/server/config';

describe('normalizeCompany', () => {
  it.each([
    ['株式会社アクメ', 'アクメ'],
    ['アクメ株式会社', 'アクメ'],
    ['(株)アクメ', 'アクメ'],
    ['（株）アクメ', 'アクメ'],
    ['㈱アクメ', 'アクメ'],
    ['ｱｸﾒ', 'アクメ'],
    ['ア ク メ', 'アクメ'],
    ['医療法人さくら会', 'さくら会'],
    ['有限会社 山田商店', '山田商店'],
    ['Northwind Trading Ltd.', 'northwindtrading'],
    ['NORTHWIND TRADING CO., LTD.', 'northwindtrading'],
    ['Ｎｏｒｔｈｗｉｎｄ　Ｔｒａｄｉｎｇ', 'northwindtrading'],
    ['BluePeak Software, Inc.', 'bluepeaksoftware'],
    ['Minato K.K.', 'minato'],
    ['Acme GmbH', 'acme'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeCompany(input)).toBe(expected);
  });

  it('keeps a name made only of legal words rather than emptying it', () => {
    expect(normalizeCompany('The Company Ltd.')).toBe('the');
    expect(normalizeCompany('Company Ltd.')).toBe('companyltd');
  });

  it('does not remove legal words inside other words', () => {
    expect(normalizeCompany('Costco Inc.')).toBe('costco');
    expect(normalizeCompany('Coltd Systems')).toBe('coltdsystems');
  });
});

describe('emails and domains', () => {
  it('normalises emails and domains', () => {
    expect(normalizeEmail('  Aiko.Tanaka@ACME.example.jp ')).toBe('aiko.tanaka@acme.example.jp');
    // The plain-ASCII shortcut gives what trim, NFKC and lower case give, and only for those.
    const slow = (e: string) => { const s = e.trim(); return (/[^\x00-\x7f]/.test(s) ? s.normalize('NFKC') : s).toLowerCase(); };
    for (const e of ['aiko@acme.example.jp', 'A@b.c', 'a@b.c ', '\ta@b.c', 'a b@c.d', 'a@b.c\u00a0', '\ufeffa@b.c', 'ａ@ｂ.ｃ', 'a@例え.jp', 'a\u007f@b.c', 'Z@z.z', '@', '', 'a@B.example', 'x_y+z@q-r.example'])
      expect(normalizeEmail(e), JSON.stringify(e)).toBe(slow(e));
    expect(normalizeDomain('ACME.Example.JP.')).toBe('acme.example.jp');
    expect(normalizeDomain('例え.jp')).toBe('xn--r8jz45g.jp');
    expect(emailDomain('a@b@Sub.Example.com')).toBe('sub.example.com');
    expect(emailDomain('no-at-sign')).toBe('');
  });

  it('lists a domain and its parents down to two labels', () => {
    expect(domainAndParents('a.b.example.co.jp')).toEqual(['a.b.example.co.jp', 'b.example.co.jp', 'example.co.jp', 'co.jp']);
    expect(domainAndParents('example.com')).toEqual(['example.com']);
    expect(domainAndParents('localhost')).toEqual([]);
  });
});

describe('asciiDomain', () => {
  it('is url.domainToASCII, also where it skips the call (plain ASCII) and where it must not (numbers, punycode, Unicode)', () => {
    const names = [
      'acme.example.jp', 'c42.example.jp', 'a-b.co', '-a.example', 'a-.example', 'x.y.z', 'localhost', 'a1', '1a.example',
      'example.123', '1.2.3.4', '0x7f.1', 'example.0x10', '192.168.0.1', 'a.b.c1', 'a..b', '.a', 'a.', 'xn--eckwd4c7c.xn--zckzah', 'xn--zz.example',
      'a.xn--zz', 'アクメ.jp', 'bücher.example', 'a_b.example', 'a b.example', 'a%41.example', 'ｅｘａｍｐｌｅ.jp', 'ex@mple.com', 'a.b-', 'z9.a',
    ];
    for (const n of names) expect(asciiDomain(n), n).toBe(domainToASCII(n));
  });
});

describe('matchQuery', () => {
  const text = `version: 1
organization: { name: V }
stages: [ { id: support, side: self, label: S } ]
accounts:
  - id: acme
    name: 株式会社アクメ
    aliases: [Acme Corp.]
    domains: [acme.example.jp]
    contacts: [ { email: Aiko@acme.example.jp } ]
  - id: acme-lab
    name: アクメ研究所
    domains: [lab.acme.example.jp, 例え.jp]
`;
  const r = parseConfig(text, 'x');
  if (!r.ok) throw new Error('fixture should load');
  const index = buildIndex(r.loaded.config);

  it('indexes emails, domains and names without scanning', () => {
    expect([...index.byEmail.keys()]).toEqual(['aiko@acme.example.jp']);
    expect([...index.byDomain.keys()].sort()).toEqual(['acme.example.jp', 'lab.acme.example.jp', 'xn--r8jz45g.jp']);
    expect([...index.byOrg.keys()].sort()).toEqual(['acme', 'アクメ', 'アクメ研究所']);
  });

  it.each([
    [{ email: 'AIKO@ACME.EXAMPLE.JP' }, 'email', 'acme'],
    [{ email: 'x@acme.example.jp' }, 'domain', 'acme'],
    [{ email: 'x@deep.lab.acme.example.jp' }, 'domain', 'acme-lab'],
    [{ email: 'x@other.acme.example.jp' }, 'domain', 'acme'],
    [{ email: 'x@例え.jp' }, 'domain', 'acme-lab'],
    [{ domain: 'LAB.acme.example.jp' }, 'domain', 'acme-lab'],
    [{ domain: 'https://www.acme.example.jp/path' }, 'domain', 'acme'],
    [{ domain: 'someone@acme.example.jp' }, 'domain', 'acme'],
    [{ org: 'ACME CORP' }, 'org', 'acme'],
    [{ org: '㈱アクメ' }, 'org', 'acme'],
    [{ email: 'x@gmail.example', domain: 'nowhere.example', org: 'アクメ研究所' }, 'org', 'acme-lab'],
    [{ email: 'x@gmail.example' }, 'none', null],
    [{ org: '   ' }, 'none', null],
  ] as const)('%j → %s %s', (query, by, account) => {
    const m = matchQuery(index, query);
    expect(m.by).toBe(by);
    expect(m.account?.id ?? null).toBe(account);
    expect(m.contact !== null).toBe(by === 'email');
  });
});

describe('emails of accounts with few and with many contacts, packed or not', () => {
  // Packed accounts (contacts.ts) with up to STARTS_FROM contacts are searched for the email; with
  // more, the table's contact number is checked. An account with an email not in its normal form
  // (Mixed.Case) is not packed. All must find every contact.
  const contacts = (n: number, domain: string, mixed: boolean) =>
    Array.from({ length: n }, (_, i) => `      - { email: ${mixed && i % 3 === 0 ? 'Mixed.Case' : 'user'}${i}@${domain}${i % 2 ? ', name: User ' + i : ''}${i % 4 === 1 ? ', team: t' : ''} }`).join('\n');
  const account = (id: string, n: number, mixed = false) =>
    `  - id: ${id}\n    name: ${id} Inc.\n    domains: [${id}.example]\n    teams: [ { id: t, name: T } ]\n    contacts:\n${contacts(n, `${id}.example`, mixed)}\n`;
  const text = `version: 1
organization: { name: V }
stages: [ { id: support, side: self, label: Support } ]
accounts:
${account('few', STARTS_FROM)}${account('many', STARTS_FROM + 1)}${account('mixed', STARTS_FROM + 1, true)}`;
  const r = parseConfig(text, 'x');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const index = buildIndex(r.loaded.config);

  it('finds each contact by its email, in any case', () => {
    for (const account of r.loaded.config.accounts) {
      for (const contact of account.contacts) {
        for (const asked of [contact.email, contact.email.toUpperCase()]) {
          const m = matchQuery(index, { email: asked });
          expect(m.by, asked).toBe('email');
          expect(m.account, asked).toBe(account);
          expect(m.contact, asked).toEqual(contact);
          expect(emailHit(index, normalizeEmail(asked))).toEqual({ account, contact });
        }
      }
    }
    expect(emailHit(index, 'nobody@few.example')).toBeUndefined();
    expect(matchQuery(index, { email: 'nobody@few.example' }).by).toBe('domain');
  });

  it('packs the accounts whose emails are in normal form', () => {
    expect(r.loaded.config.accounts.map(isPacked)).toEqual([true, true, false]);
    expect(index.byEmail.size).toBe(STARTS_FROM + 2 * (STARTS_FROM + 1));
  });
});
