/** The import pieces on their own: value readers, decoding, CSV tables, columns, people, the join with YAML, zips. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EMAIL_PATTERN, type AccountConfig } from '../../../src/shared/config';
import { loadConfigFile } from '../../../src/server/config';
import { decode } from '../../../src/server/imports/decode';
import { readExport } from '../../../src/server/imports/files';
import { mergeAccounts } from '../../../src/server/imports/merge';
import type { At } from '../../../src/server/imports/model';
import { PeopleResolver } from '../../../src/server/imports/people';
import { Reporter, reportLines, type ImportReport } from '../../../src/server/imports/report';
import { ImportContext } from '../../../src/server/imports/source';
import { Columns, parseTable, rowsOf, type TableResult } from '../../../src/server/imports/table';
import { ZOHO_KINDS } from '../../../src/server/imports/zoho';
import { cleanDomain, idPart, isEmail, parseDate, parseWholeNumber, personName } from '../../../src/server/imports/values';

const FIXTURES = fileURLToPath(new URL('../../fixtures/imports/', import.meta.url));

describe('values', () => {
  it.each([
    ['2024-06-15', '2024-06-15'],
    ['2024-06-15T09:30:00.000Z', '2024-06-15'],
    ['2024-06-15 09:30', '2024-06-15'],
    ['2024/6/5', '2024-06-05'],
    ['２０２４／０６／１５', '2024-06-15'],
    ['2024年6月15日', '2024-06-15'],
    ['06/15/2024', '2024-06-15'],
    ['15/06/2024', '2024-06-15'],
    ['Jun 15, 2024', '2024-06-15'],
    ['15 June 2024', '2024-06-15'],
    ['2024-02-30', null],
    ['next week', null],
    ['13/13/2024', null],
  ])('parseDate(%j) = %j', (raw, want) => expect(parseDate(raw)).toBe(want));

  it.each([
    ['1,200', 1200],
    ['１，２００', 1200],
    ['1200.0', 1200],
    ['20,000', 20000],
    ['1 200', 1200],
    ['', null],
    ['about 50', null],
  ])('parseWholeNumber(%j) = %j', (raw, want) => expect(parseWholeNumber(raw)).toBe(want));

  it.each([
    ['https://www.Sakura-Logi.example.jp/about?x=1', 'sakura-logi.example.jp'],
    ['http://kitsune-games.example.com:8080', 'kitsune-games.example.com'],
    ['www2.acme.example.com.', 'acme.example.com'],
    ['acme.example.jp', 'acme.example.jp'],
    ['info@acme.example.jp', 'acme.example.jp'],
    ['https://例え.テスト/', '例え.テスト'],
    ['localhost', ''],
    ['not a site', ''],
    ['', ''],
  ])('cleanDomain(%j) = %j', (raw, want) => expect(cleanDomain(raw)).toBe(want));

  it('makes ids of CRM ids; ones with other characters keep apart by a hash', () => {
    expect(idPart('0015g00000SaKuRAAA')).toBe('0015g00000SaKuRAAA');
    expect(idPart('zcrm_123')).toBe('zcrm_123');
    expect(idPart('アクメ')).toMatch(/^[0-9a-f]{8}$/);
    expect(idPart('アクメ')).not.toBe(idPart('ミナト'));
    expect(idPart('A 1')).toMatch(/^A-1-[0-9a-f]{8}$/);
  });

  it('reads emails exactly as the config schema does', () => {
    for (const e of ['a@b.c', 'aiko.tanaka@acme.example.jp', 'x@a.b.', 'x@a..b', 'x@.ab', 'x@ab.', '@a.b', 'a@b', 'a@@b.c', 'a@b@c.d', 'a b@c.d', 'a@b.c ', 'not-an-email', 'a@b.c\t'])
      expect([e, isEmail(e)]).toEqual([e, EMAIL_PATTERN.test(e)]);
  });

  it('puts the family name first for Japanese names only', () => {
    expect(personName('愛子', '田中')).toBe('田中 愛子');
    expect(personName('Aiko', 'Tanaka')).toBe('Aiko Tanaka');
    expect(personName('', 'Tanaka')).toBe('Tanaka');
  });
});

describe('decode', () => {
  // 株式会社 ① 髙 in cp932 (NEC and IBM extensions), then CRLF
  const cp932 = Uint8Array.from([0x8a, 0x94, 0x8e, 0xae, 0x89, 0xef, 0x8e, 0xd0, 0x20, 0x87, 0x40, 0x20, 0xfb, 0xfc, 0x0d, 0x0a]);
  it('detects cp932 when the bytes are not UTF-8', () => {
    expect(decode(cp932)).toEqual({ text: '株式会社 ① 髙\r\n', encoding: 'cp932' });
    expect(decode(cp932, 'shift_jis').text).toBe('株式会社 ① 髙\r\n');
  });
  it('reads UTF-8 with and without BOM, and UTF-16LE with BOM', () => {
    const utf8 = new TextEncoder().encode('会社名,メモ');
    expect(decode(utf8)).toEqual({ text: '会社名,メモ', encoding: 'utf-8' });
    expect(decode(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8]))).toEqual({ text: '会社名,メモ', encoding: 'utf-8 (BOM)' });
    expect(decode(Uint8Array.from([0xff, 0xfe, ...Buffer.from('Id\tName', 'utf16le')]))).toEqual({ text: 'Id\tName', encoding: 'utf-16le (BOM)' });
  });
});

/** A parse result with its table as plain rows (the table itself is packed: table.ts). */
function plain(r: TableResult) {
  if (!r.ok) return r;
  const { file, headers, rowNumbers } = r.table;
  return { ok: true, broken: r.broken, table: { file, headers, rows: rowsOf(r.table), rowNumbers: [...rowNumbers] } };
}

/** A build's `where` from maps of accounts and contacts. */
const whereOf = (accounts: Map<string, At>, contacts: Map<string, At>) => ({ account: (id: string) => accounts.get(id), contact: (email: string) => contacts.get(email) });

describe('parseTable', () => {
  it('reads quoted commas, quotes and line breaks, CRLF, a BOM and empty trailing columns, numbering spreadsheet rows', () => {
    const r = parseTable('\uFEFFId,Note,,\r\n1,"one, ""two""\r\nthree",,\r\n\r\n2,plain,,\r\n', 'x.csv');
    expect(plain(r)).toEqual({ ok: true, broken: [], table: { file: 'x.csv', headers: ['Id', 'Note'], rows: [['1', 'one, "two"\r\nthree', '', ''], ['2', 'plain', '', '']], rowNumbers: [2, 4] } });
  });
  it('reports short rows and rows with extra values, and keeps the others', () => {
    const r = parseTable('a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12,\n', 'y.csv');
    expect(r.ok && rowsOf(r.table)).toEqual([['1', '2', '3'], ['10', '11', '12', '']]);
    expect(r.ok && r.broken).toEqual([
      { row: 3, why: 'has 2 columns, the header has 3 (a line break outside quotes, or a cut-off line?)' },
      { row: 4, why: 'has 4 columns, the header has 3 (an unquoted comma?)' },
    ]);
  });
  it('refuses a file that ends inside a quoted field', () => {
    expect(parseTable('a,b\n1,2\n3,"open\n4,5\n', 'z.csv')).toMatchObject({ ok: false, row: 3 });
  });
  it('reads tab-separated files', () => {
    expect(plain(parseTable('Id\tName\n1\tアクメ\n', 't.tsv'))).toMatchObject({ ok: true, table: { headers: ['Id', 'Name'], rows: [['1', 'アクメ']] } });
  });
});

describe('Columns', () => {
  it('finds fields by header (case, width and spaces ignored); columns: wins over the known headers', () => {
    const t = parseTable('ＲＥＣＯＲＤ  id,Number of Employees,利用者数\n7,20000,3200\n', 'c.csv');
    if (!t.ok) throw new Error('parse');
    const aliases = { id: ['Record ID'], employees: ['Number of Employees'], industry: ['Industry'] } as const;
    const plain = new Columns(t.table, aliases);
    expect([plain.get(0, 'id'), plain.get(0, 'employees'), plain.has('industry')]).toEqual(['7', '20000', false]);
    const mapped = new Columns(t.table, aliases, { 利用者数: 'employees' });
    expect(mapped.get(0, 'employees')).toBe('3200');
  });
});

describe('ImportContext', () => {
  it('sorts files into kinds by name (Zoho\'s Accounts_001.csv), else by a header only that kind has', () => {
    const table = (file: string, header: string) => {
      const t = parseTable(`${header}\n1\n`, file);
      if (!t.ok) throw new Error('parse');
      return t.table;
    };
    const tables = [table('Accounts_001.csv', 'Record Id'), table('export (3).csv', 'Deal Owner'), table('notes.csv', 'Note')];
    const ctx = new ImportContext(tables, ZOHO_KINDS, { Plan: 'plan' }, undefined, new Reporter(), (t) => t.file);
    expect([ctx.has('account'), ctx.has('deal'), ctx.has('contact')]).toEqual([true, true, false]);
    expect(ctx.missing).toEqual(['Contacts', 'column "Plan"']);
  });
});

describe('PeopleResolver', () => {
  const people = [
    { id: 'sato', name: '佐藤 健', email: 'Sato@Vendor.example', title: '', chat: '' },
    { id: 'olivia', name: 'Olivia Brown', title: '', chat: '' },
  ];
  it('matches by email, else by name, else makes a person with a stable id', () => {
    const users = new Map([['005A', { id: '005A', name: 'Ken Sato', email: 'sato@vendor.example', title: 'AE' }]]);
    const r = new PeopleResolver(people, users, 'salesforce-');
    expect(r.resolve({ id: '005A' }, 'sales')?.id).toBe('sato');
    expect(r.resolve({ name: 'olivia  brown' }, 'cs')?.id).toBe('olivia');
    expect(r.resolve({ name: '佐藤健' }, 'sales')?.id).toBe('sato');
    const made = r.resolve({ name: 'James Miller' }, 'inside-sales');
    expect(made).toMatchObject({ name: 'James Miller', stage: 'inside-sales' });
    expect(made?.id).toMatch(/^salesforce-user-[0-9a-f]{10}$/);
    expect(new PeopleResolver(people, null, 'salesforce-').resolve({ name: 'James Miller' }, 'x')?.id).toBe(made?.id);
    expect(r.unknownId({ id: '005Z' })).toBe(true);
    // Two CRM users with one name and two emails are two people; the same name without an email is the first.
    const twin1 = r.resolve({ name: 'Yuki Sato', email: 'yuki.sato@vendor.example' }, 'sales');
    const twin2 = r.resolve({ name: 'Yuki Sato', email: 'yuki.sato2@vendor.example' }, 'sales');
    expect(twin1?.id).not.toBe(twin2?.id);
    expect(r.resolve({ name: 'yuki sato' }, 'sales')?.id).toBe(twin1?.id);
    expect([...r.matched].sort()).toEqual(['olivia', 'sato']);
  });
});

describe('mergeAccounts', () => {
  const yaml = (a: Partial<AccountConfig> & { id: string; name: string }): AccountConfig => ({ aliases: [], domains: [], employees: 0, industry: '', society: '', relay: [], next: [], teams: [], contacts: [], ...a });
  const order = new Map([['marketing', 0], ['sales', 1], ['cs', 2]]);
  it('joins by domain, the YAML winning field by field and by stage; drops what another account has', () => {
    const base = [
      yaml({ id: 'acme', name: '株式会社アクメ', domains: ['acme.example.jp'], society: 'ものづくり', relay: [{ stage: 'sales', person: 'sato', at: '2024-06-15', note: '課題: 若手の離職' }], contacts: [{ email: 'aiko@acme.example.jp', name: '田中 愛子', role: '' }] }),
      yaml({ id: 'other', name: 'Other', domains: ['other.example.com'], contacts: [{ email: 'x@other.example.com', name: '', role: '' }] }),
    ];
    const incoming = yaml({
      id: 'hubspot-1', name: 'Acme Corporation', domains: ['acme.example.jp', 'acme-group.example.com', 'other.example.com'], employees: 1200, industry: '製造業',
      relay: [{ stage: 'marketing', at: '2024-04-10', note: 'Webinar' }, { stage: 'sales', person: 'dan', at: '2024-06-01', note: 'CRM note' }],
      next: [{ stage: 'cs', person: 'yamada', note: '' }],
      teams: [{ id: 'team-1', name: '人事部', members: 2 }],
      contacts: [{ email: 'AIKO@acme.example.jp', name: 'Aiko', role: '管理者', team: 'team-1' }, { email: 'mori@acme.example.jp', name: '森', role: '', team: 'team-1' }, { email: 'x@other.example.com', name: 'X', role: '' }],
    });
    const report = new Reporter();
    const at = { file: 'companies.csv', row: 2 };
    const out = mergeAccounts(base, { accounts: [incoming], where: whereOf(new Map([['hubspot-1', at]]), new Map([['x@other.example.com', { file: 'contacts.csv', row: 4 }]])), report }, order);
    expect(out).toHaveLength(2);
    expect(out[0]).toEqual({
      id: 'acme', name: '株式会社アクメ', aliases: ['Acme Corporation'], domains: ['acme.example.jp', 'acme-group.example.com'], employees: 1200, industry: '製造業', society: 'ものづくり',
      relay: [{ stage: 'marketing', at: '2024-04-10', note: 'Webinar' }, { stage: 'sales', person: 'sato', at: '2024-06-15', note: '課題: 若手の離職' }],
      next: [{ stage: 'cs', person: 'yamada', note: '' }],
      teams: [{ id: 'team-1', name: '人事部', members: 2 }],
      contacts: [{ email: 'aiko@acme.example.jp', name: '田中 愛子', role: '管理者', team: 'team-1' }, { email: 'mori@acme.example.jp', name: '森', role: '', team: 'team-1' }],
    });
    expect(out[1]).toBe(base[1]);
    expect(report.unmapped).toEqual([
      { file: 'companies.csv', row: 2, kind: 'duplicate-domain', why: 'domain other.example.com belongs to account other: left there' },
      { file: 'contacts.csv', row: 4, kind: 'duplicate-email', why: 'the same email as a contact of account other: an email belongs to one contact, kept that one' },
    ]);
  });
  it('joins by id, else by company name; keeps an unmatched account as it is', () => {
    const base = [yaml({ id: 'salesforce-001', name: 'Pinned' }), yaml({ id: 'minato', name: 'ミナト電機株式会社' })];
    const incoming = [yaml({ id: 'salesforce-001', name: 'From CRM', industry: 'x' }), yaml({ id: 'salesforce-002', name: 'ミナト電機' }), yaml({ id: 'salesforce-003', name: 'New Co' })];
    const out = mergeAccounts(base, { accounts: incoming, where: whereOf(new Map(), new Map()), report: new Reporter() }, order);
    expect(out.map((a) => [a.id, a.name, a.aliases, a.industry])).toEqual([
      ['salesforce-001', 'Pinned', ['From CRM'], 'x'],
      ['minato', 'ミナト電機株式会社', [], ''],
      ['salesforce-003', 'New Co', [], ''],
    ]);
  });
});

describe('report lines', () => {
  it('lists the first 20 unmapped rows and counts the rest', () => {
    const r = new Reporter();
    for (let i = 0; i < 23; i++) r.add('Contact.csv', i + 2, i < 21 ? 'unknown-account' : 'bad-date', `row ${i}`);
    const report: ImportReport = { index: 0, from: 'salesforce', path: 'x/', written: 'x/', files: [{ name: 'x/Contact.csv', rows: 23, encoding: 'utf-8' }], missing: [], rows: 23, made: { accounts: 0, contacts: 0, handoffs: 0, people: 0, peopleMatched: 0, peopleMade: 0 }, unmapped: r.unmapped, unmappedByKind: r.byKind, unmappedTotal: r.total };
    const lines = reportLines(report);
    expect(lines[0]).toBe('imports[0] salesforce x/: 1 file, 23 rows → 0 accounts, 0 contacts, 0 hand-offs, 0 people; 23 rows did not map (21 × unknown account, 2 × unreadable date)');
    expect(lines).toHaveLength(22);
    expect(lines[20]).toBe('  Contact.csv:21: row 19');
    expect(lines[21]).toBe('  … and 3 more rows (first 20 listed)');
  });
});

describe('zip exports', () => {
  it('reads the CSVs of a Data Export zip (in a folder inside it, attachments skipped) like the folder', async () => {
    const zip = join(FIXTURES, 'salesforce-export.zip');
    const read = await readExport(zip, 'salesforce-export.zip');
    expect(read.ok && read.files.map((f) => f.display)).toEqual(
      ['Account.csv', 'Campaign.csv', 'CampaignMember.csv', 'Contact.csv', 'Opportunity.csv', 'User.csv'].map((n) => `salesforce-export.zip:WE_00D5g000004ABCD_1/${n}`),
    );
    const dir = mkdtempSync(join(tmpdir(), 'baton-zip-'));
    try {
      const config = readFileSync(join(FIXTURES, 'imports.config.yaml'), 'utf8');
      const one = (path: string) => config.replace(/imports:[\s\S]*?accounts:/, `imports:\n  - from: salesforce\n    path: ${path}\n    stages: { source: marketing, deal-owner: sales }\naccounts:`);
      writeFileSync(join(dir, 'zip.yaml'), one(zip));
      writeFileSync(join(dir, 'folder.yaml'), one(join(FIXTURES, 'salesforce/')));
      const [a, b] = [await loadConfigFile(join(dir, 'zip.yaml')), await loadConfigFile(join(dir, 'folder.yaml'))];
      if (!a.ok || !b.ok) throw new Error('should load');
      expect(a.loaded.config.accounts).toEqual(b.loaded.config.accounts);
      // Half a zip (still being copied) is an error, not a smaller data set.
      const bytes = readFileSync(zip);
      writeFileSync(join(dir, 'half.zip'), bytes.subarray(0, bytes.length >> 1));
      writeFileSync(join(dir, 'half.yaml'), one(join(dir, 'half.zip')));
      const half = await loadConfigFile(join(dir, 'half.yaml'), 'half.yaml');
      expect(half.ok).toBe(false);
      expect(!half.ok && half.errors[0]?.message).toMatch(/^cannot read the salesforce export .*half\.zip: not a readable zip .*still being copied\?$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the demo CRM config (BATON_CONFIG=demo/crm.config.yaml npm start)', () => {
  it('loads its Salesforce and Shift_JIS HubSpot exports, and the demo desk tickets find their accounts', async () => {
    const r = await loadConfigFile(fileURLToPath(new URL('../../../demo/crm.config.yaml', import.meta.url)), 'crm.config.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.loaded.imports.map((i) => [i.from, i.made.accounts, i.unmappedTotal])).toEqual([['salesforce', 4, 1], ['hubspot', 2, 0]]);
    expect(r.loaded.imports[1]!.files.map((f) => f.encoding)).toEqual(['cp932', 'cp932', 'cp932']);
    const { matchQuery } = await import('../../../src/server/match');
    const acme = matchQuery(r.loaded.index, { email: 'aiko.tanaka@acme.example.jp' });
    expect(acme.account?.relay.map((h) => h.stage)).toEqual(['product']);
    expect(acme.account?.next.map((n) => n.person)).toEqual(['yamada']);
    expect(matchQuery(r.loaded.index, { email: 'kenji.ota@minato-denki.example.jp' }).account?.relay.map((h) => [h.stage, h.person])).toEqual([
      ['marketing', undefined],
      ['inside-sales', 'salesforce-user-0055g00000ItO02AAB'],
      ['sales', 'hubspot-user-f8124dbff8'],
    ]);
    expect(matchQuery(r.loaded.index, { org: 'ミナト電機' }).by).toBe('org');
  });
});

describe('the matching index of an import', () => {
  it('is the index buildIndex makes, with or without accounts of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-index-'));
    try {
      const { buildIndex, emailHit } = await import('../../../src/server/match');
      const head = readFileSync(join(FIXTURES, 'imports.config.yaml'), 'utf8').split('\nimports:')[0]!;
      const salesforce = `\nimports:\n  - { from: salesforce, path: ${JSON.stringify(join(FIXTURES, 'salesforce'))}, stages: { source: marketing, lead-owner: inside-sales, deal-owner: sales, account-owner: customer-success } }\n`;
      const hubspot = `  - { from: hubspot, path: ${JSON.stringify(join(FIXTURES, 'hubspot'))}, stages: { source: marketing, deal-owner: sales } }\n`;
      const own = 'accounts:\n  - { id: own, name: Own Co, domains: [own.example], contacts: [{ email: a@own.example }] }\n';
      for (const [name, text] of [['alone', head + salesforce], ['two imports', head + salesforce + hubspot], ['with accounts', head + salesforce + own]] as const) {
        writeFileSync(join(dir, 'c.yaml'), text);
        const r = await loadConfigFile(join(dir, 'c.yaml'), 'c.yaml');
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
        const wantIndex = buildIndex(r.loaded.config);
        const want = wantIndex.byEmail;
        const got = r.loaded.index.byEmail;
        expect([...got.keys()], name).toEqual([...want.keys()]);
        expect(got.size, name).toBeGreaterThan(2);
        for (const email of want.keys()) {
          expect(emailHit(r.loaded.index, email)!.account, email).toBe(emailHit(wantIndex, email)!.account);
          expect(emailHit(r.loaded.index, email)!.contact, email).toEqual(emailHit(wantIndex, email)!.contact);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
