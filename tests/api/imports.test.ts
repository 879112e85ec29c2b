/**
 * CRM imports through the real CLI: `baton check` prints each import's report, `baton serve`
 * answers /v1/context from the exports (one per CRM: tests/fixtures/imports/), logs the report,
 * shows counts at /healthz, reloads when an export changes and keeps the last good data when an
 * export breaks; `baton import --out` writes a file `baton check` accepts.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ContextResponse } from '../../src/shared/context';
import { bearer, REPO, runCli, spawnServe, waitFor, type ServeProcess } from './helpers';

const FIXTURE = join(REPO, 'tests/fixtures/imports');

const run = (args: string[], cwd?: string) => runCli(args, cwd ? { cwd } : {});

const SF = 'tests/fixtures/imports/salesforce';
const REPORT = [
  'tests/fixtures/imports/imports.config.yaml: OK — 5 stages, 10 people, 7 accounts, 9 contacts, 1 token, 0 adapters',
  'imports[0] salesforce tests/fixtures/imports/salesforce/: 6 files, 20 rows → 2 accounts, 3 contacts, 5 hand-offs, 3 people (2 known, 1 new); 8 rows did not map (1 × broken row, 1 × required field empty, 1 × not an email address, 1 × unknown campaign, 1 × unreadable date, 1 × duplicate email, 1 × owner with no user, 1 × unknown account)',
  '  not in the export (skipped): Lead.csv, AccountTeamMember.csv',
  `  ${SF}/Opportunity.csv:6: has 3 columns, the header has 12 (a line break outside quotes, or a cut-off line?)`,
  `  ${SF}/Account.csv:4: account has no Name`,
  `  ${SF}/Contact.csv:7: contact email is not an email address`,
  `  ${SF}/CampaignMember.csv:3: CampaignId 701000000000009AAA is no row of Campaign.csv`,
  `  ${SF}/Opportunity.csv:5: CloseDate "next week" is not a date`,
  `  ${SF}/Contact.csv:6: the same email as a contact of account salesforce-001000000000001AAA (${SF}/Contact.csv:2): an email belongs to one contact, kept the first`,
  `  ${SF}/Account.csv:3: account owner 005000000000009AAA has no row in the user table: the hand-off has no person`,
  `  ${SF}/Contact.csv:5: contact's account 001000000000099AAA is no account of the export`,
  'imports[1] hubspot tests/fixtures/imports/hubspot: 3 files, 8 rows → 2 accounts, 3 contacts, 7 hand-offs, 3 people (1 known, 2 new); every row mapped',
  'imports[2] pipedrive tests/fixtures/imports/pipedrive/: 3 files, 3 rows → 1 account, 1 contact, 4 hand-offs, 2 people (0 known, 2 new); every row mapped',
  'imports[3] zoho tests/fixtures/imports/zoho/: 3 files, 3 rows → 1 account, 1 contact, 4 hand-offs, 2 people (0 known, 2 new); every row mapped',
  'imports[4] csv tests/fixtures/imports/csv/: 3 files, 3 rows → 1 account, 1 contact, 3 hand-offs, 2 people (2 known, 0 new); every row mapped',
  '  not in the export (skipped): users.csv',
];

describe('baton check with imports', () => {
  it('prints the config summary, then each import: counts, missing files, every unmapped row as file:row: why', async () => {
    const r = await run(['check', 'tests/fixtures/imports/imports.config.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual(REPORT);
  });

  it('names the import and the path when an export is missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-imp-'));
    try {
      writeFileSync(join(dir, 'c.yaml'), 'version: 1\norganization: { name: X }\nstages: [ { id: sales, side: before, label: Sales } ]\nimports:\n  - from: hubspot\n    path: nowhere/\n    stages: { deal-owner: sales, source: salez }\n');
      const r = await run(['check', 'c.yaml'], dir);
      expect(r.code).toBe(1);
      expect(r.stderr.trimEnd().split('\n')).toEqual(['c.yaml:7:42 imports[0].stages.source: no stage "salez" (did you mean "sales"?)', 'c.yaml: 1 error']);
      writeFileSync(join(dir, 'c.yaml'), readFileSync(join(dir, 'c.yaml'), 'utf8').replace('source: salez', 'source: sales'));
      const r2 = await run(['check', 'c.yaml'], dir);
      expect(r2.code).toBe(1);
      expect(r2.stderr.trimEnd().split('\n')).toEqual(['c.yaml:6:11 imports[0].path: cannot read the hubspot export nowhere/: no such file or folder', 'c.yaml: 1 error']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Opportunity.csv cut off inside its quoted multi-line note (as a half-copied file ends). */
function cutInNote(): string {
  const text = readFileSync(join(FIXTURE, 'salesforce', 'Opportunity.csv'), 'utf8');
  return text.slice(0, text.indexOf('倉庫スタッフ'));
}

const person = (id: string, name: string, email = '', title = '', chat = '') => ({ id, name, email, title, chat, thanks: 0 });
const ring = (level: string, label: string, count: number, note = '') => ({ level, label, count, person: null, stage: null, note });

describe('baton serve with imports', () => {
  let dir: string;
  let serving: ServeProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'baton-imports-'));
  });
  afterEach(async () => {
    await serving?.stop();
    serving = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the relay of every CRM, logs the report, shows counts at /healthz, reloads a new export and keeps the last good one on a broken export', async () => {
    const work = join(dir, 'serve');
    cpSync(FIXTURE, work, { recursive: true });
    // Every export in a parse worker, as a large export gets at start and on reload (imports/parse.ts).
    serving = await spawnServe(['--config', join(work, 'imports.config.yaml'), '--port', '0', '--db', join(work, 'baton.db')], { BATON_IMPORT_WORKERS: '1' });
    const { url } = serving;
    const context = async (q: string) => {
      const res = await fetch(`${url}/v1/context?${q}`, { headers: bearer() });
      expect(res.status).toBe(200);
      return (await res.json()) as ContextResponse;
    };
    const health = async () => (await (await fetch(`${url}/v1/status`, { headers: bearer() })).json()) as { config: { hash: string }; imports: Array<Record<string, unknown>>; lastReloadError: { errors: string[] } | null };

    // Salesforce (BOM files, a cp932 Contact.csv, a quoted multi-line note with CRLF inside).
    expect(await context('email=Miho.Takahashi@sakura-logi.example.jp&lang=ja')).toEqual({
      match: { by: 'email', verify: false, reasons: [] },
      product: null,
      organization: { name: 'Test Vendor' },
      self: { id: 'support', label: 'サポート', color: '' },
      notes: [],
      lang: 'ja',
      // The account card from the export: the open renewal opportunity gives the renewal date.
      account: {
        id: 'salesforce-001000000000001AAA', name: '株式会社さくら物流', employees: 2300, industry: '運輸業', society: '',
        renewal: '2025-06-30', deals: [{ name: 'さくら物流 更新', stage: 'Negotiation', close: '2025-06-30', amount: '' }],
      },
      contact: { email: 'miho.takahashi@sakura-logi.example.jp', name: '高橋 美穂', role: '人事部長', team: { name: '人事部', members: 2 } },
      before: [
        { stage: { id: 'marketing', label: 'マーケティング', color: '' }, person: person('salesforce-user-005000000000002AAA', '鈴木 美咲', 'misaki.suzuki@vendor.example', 'Marketing Manager'), at: '2024-04-10', note: 'Webinar · ウェビナー「若手が辞めない職場のつくり方」' },
        { stage: { id: 'sales', label: 'セールス', color: '' }, person: person('sato', '佐藤 健', 'sato@vendor.example', 'AE', 'https://chat.vendor.example/u/sato'), at: '2024-06-15', note: 'さくら物流 全社導入\nNext step: 7月に管理者トレーニング\n課題: 倉庫スタッフの離職率が高い。\n"紙のアンケート"では遅い, と人事部長' },
      ],
      after: [
        ring('contact', '高橋 美穂', 1, '人事部長'),
        ring('team', '人事部', 2),
        ring('company', '株式会社さくら物流', 2300, '運輸業'),
        ring('society', '社会', 0),
        { level: 'teammate', label: 'Olivia Brown', count: 0, person: person('olivia', 'Olivia Brown'), stage: { id: 'customer-success', label: 'カスタマーサクセス', color: '' }, note: 'さくら物流 更新 · Negotiation · 2025-06-30' },
      ],
    });

    // HubSpot, joined with the YAML account by domain: YAML's name, industry and sales hand-off win.
    const emma = await context('email=emma.clark@northwind.example.com&lang=en');
    expect(emma.account).toEqual({
      id: 'northwind', name: 'Northwind Trading', employees: 1340, industry: 'Wholesale trade', society: '',
      // The account card from HubSpot's open deal (its Amount, and as a renewal its close date).
      renewal: '2025-04-01', deals: [{ name: 'Northwind renewal', stage: 'Sales Pipeline · Contract sent', close: '2025-04-01', amount: '12,000' }],
    });
    expect(emma.contact).toEqual({ email: 'emma.clark@northwind.example.com', name: 'Emma Clark', role: 'HR Business Partner', team: null });
    expect(emma.before.map((h) => [h.stage.id, h.person?.name ?? null, h.at, h.note])).toEqual([
      ['marketing', null, '2024-02-12', 'Paid Search · Google Ads'],
      ['inside-sales', 'James Miller', '2024-02-20', ''],
      ['sales', '佐藤 健', '2024-03-21', 'Pain: managers see survey results months too late'],
    ]);
    expect(emma.after.at(-1)).toMatchObject({ level: 'teammate', label: 'Olivia Brown', person: { id: 'olivia' }, note: 'Northwind renewal · Sales Pipeline · Contract sent · 2025-04-01' });
    // An unknown person at an additional domain (www. dropped) finds the account; the company's other name too.
    expect((await context('email=new@nw-trading.example.com')).account?.id).toBe('northwind');
    expect((await context('org=NORTHWIND TRADING LTD')).match.by).toBe('org');
    // A contact with only "Associated Company IDs" (no primary).
    expect((await context('email=liam.patel@northwind.example.com')).contact?.name).toBe('Liam Patel');

    // Pipedrive, Zoho (ids with and without zcrm_), generic CSV.
    const sofie = await context('email=sofie.larsen@fjord-analytics.example.no&lang=en');
    expect(sofie.before.map((h) => [h.stage.id, h.person?.name ?? null, h.at, h.note])).toEqual([
      ['marketing', null, '2024-01-10', 'Partner referral'],
      ['inside-sales', 'Lars Eriksen', '2024-01-09', ''],
      ['sales', 'Ingrid Berg', '2024-02-28', 'Fjord annual plan'],
    ]);
    const chihiro = await context('email=chihiro.aoki@midori-foods.example.jp&lang=en');
    expect(chihiro.account).toEqual({ id: 'zoho-4876000000112001', name: '株式会社みどり食品', employees: 620, industry: '食品', society: '' });
    expect(chihiro.before.map((h) => [h.stage.id, h.person?.id ?? null, h.at, h.note])).toEqual([
      ['marketing', null, '2024-01-15', 'Seminar'],
      ['inside-sales', 'zoho-user-4876000000010002', '2024-01-15', ''],
      ['sales', 'zoho-user-4876000000010001', '2024-03-29', 'みどり食品 導入\nNext step: 4月キックオフ\n工場勤務者もスマホで回答できること'],
    ]);
    const umi = await context('email=reception@umi-clinic.example.jp&lang=ja');
    expect(umi.before.map((h) => [h.stage.id, h.person?.id ?? null, h.at, h.note])).toEqual([
      ['marketing', null, '2024-05-01', 'Referral'],
      ['sales', 'sato', '2024-06-01', 'Umi Clinic plan\n予約システムと連携したい'],
    ]);
    expect(umi.after.at(-1)).toMatchObject({ level: 'teammate', person: { id: 'yamada' } });
    // Rows that did not map are not served.
    expect((await context('email=lonely@nowhere.example.jp')).match.by).toBe('none');

    // The report is in the log; /healthz has counts only.
    await waitFor(() => serving!.out().includes('imports[4] csv'), 'the report in the log');
    // (the server names files by absolute path here: the config is outside its working directory)
    for (const line of REPORT.slice(1)) expect(serving.out()).toContain(line.trim().replaceAll('tests/fixtures/imports/', `${work}/`));
    const h = await health();
    expect(h.imports[0]).toEqual({
      from: 'salesforce', path: 'salesforce/', files: 6, rows: 20, accounts: 2, contacts: 3, handoffs: 5, people: 3,
      missing: ['Lead.csv', 'AccountTeamMember.csv'], unmapped: 8,
      unmappedByKind: { 'broken-row': 1, 'missing-field': 1, 'bad-email': 1, 'unknown-campaign': 1, 'bad-date': 1, 'duplicate-email': 1, 'unknown-user': 1, 'unknown-account': 1 },
    });
    expect(JSON.stringify(h)).not.toMatch(/@/);
    const firstHash = h.config.hash;

    // A new HubSpot export dropped over the old one (written elsewhere, moved in): served once settled.
    const companies = join(work, 'hubspot', 'hubspot-crm-exports-all-companies-2024-11-01.csv');
    writeFileSync(`${companies}.part`, readFileSync(companies, 'utf8').replace('Maple Health', 'Maple Health Group'));
    renameSync(`${companies}.part`, companies);
    await waitFor(async () => (await context('email=noah@maplehealth.example.ca')).account?.name === 'Maple Health Group', 'the new export to be served');
    expect((await health()).config.hash).not.toBe(firstHash);

    // Account.csv gone (a half-copied export): an error, and the last good data keeps serving.
    unlinkSync(join(work, 'salesforce', 'Account.csv'));
    const failed = await waitFor(async () => (await health()).lastReloadError, 'the broken export to be reported');
    expect(failed.errors).toEqual([expect.stringMatching(/imports\.config\.yaml:\d+:11 imports\[0\]\.path: the salesforce export \S*salesforce\/ has no Account\.csv \(files: Campaign\.csv, CampaignMember\.csv, Contact\.csv, Opportunity\.csv, User\.csv\): nothing to import \(still being copied\?\)$/)]);
    expect((await context('email=miho.takahashi@sakura-logi.example.jp')).account?.name).toBe('株式会社さくら物流');
    await waitFor(() => serving!.err().includes('has no Account.csv'), 'the error in the log');

    // Back, but cut short inside a quoted note: file:row, still the last good data.
    cpSync(join(FIXTURE, 'salesforce', 'Account.csv'), join(work, 'salesforce', 'Account.csv'));
    writeFileSync(join(work, 'salesforce', 'Opportunity.csv'), cutInNote());
    await waitFor(async () => /salesforce\/Opportunity\.csv:2 imports\[0\]: a quoted field never closes/.test((await health()).lastReloadError?.errors[0] ?? ''), 'the cut-off file to be reported');
    expect((await context('email=miho.takahashi@sakura-logi.example.jp')).before).toHaveLength(2);

    // Fixed: served again, error cleared.
    cpSync(join(FIXTURE, 'salesforce', 'Opportunity.csv'), join(work, 'salesforce', 'Opportunity.csv'));
    await waitFor(async () => (await health()).lastReloadError === null, 'the fixed export to load');
    expect(serving.out() + serving.err()).not.toContain('miho.takahashi@');
  });
});

describe('baton import', () => {
  it('prints the report and writes a config that baton check accepts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'baton-import-out-'));
    try {
      const out = join(dir, 'accounts.yaml');
      const r = await run(['import', '--from', 'zoho', 'tests/fixtures/imports/zoho/', '--stages', 'source=marketing,deal-owner=sales,account-owner=customer-success', '--config', 'tests/fixtures/imports/imports.config.yaml', '--out', out]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trimEnd().split('\n')).toEqual([
        'imports[0] zoho tests/fixtures/imports/zoho/: 3 files, 3 rows → 1 account, 1 contact, 3 hand-offs, 1 person (0 known, 1 new); every row mapped',
        `wrote ${out}: 1 account, 4 people`,
      ]);
      const check = await run(['check', out]);
      expect(check.stdout).toBe(`${out}: OK — 5 stages, 4 people, 1 account, 1 contact, 0 tokens, 0 adapters\n`);
      expect(readFileSync(out, 'utf8')).toContain('{stage: sales, person: zoho-user-4876000000010001, at: \'2024-03-29\', note: "みどり食品 導入\\nNext step: 4月キックオフ\\n工場勤務者もスマホで回答できること"}');

      const bad = await run(['import', '--from', 'dynamics', 'x', '--stages', 'source=marketing']);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('import: --from: should be one of salesforce, hubspot, pipedrive, zoho, csv, not "dynamics"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
