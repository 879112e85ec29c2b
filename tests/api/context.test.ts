import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorResponseSchema, type ContextResponse } from '../../src/shared/context';
import { createApp } from '../../src/server/app';
import { bearer, getContext, loadFixture, tempStore, type TempStore } from './helpers';

let db: TempStore;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  db = await tempStore();
  app = createApp(await loadFixture('valid.yaml'), db.store);
});
afterEach(() => db.cleanup());

const context = (query: Record<string, string>, headers: Record<string, string> = {}): Promise<ContextResponse> => getContext(app, query, headers);

describe('GET /v1/context — matching', () => {
  it('matches a contact by email, case-insensitively', async () => {
    const body = await context({ email: 'AIKO.TANAKA@acme.example.JP' });
    expect(body.match.by).toBe('email');
    expect(body.account?.id).toBe('acme');
    expect(body.contact).toEqual({ email: 'Aiko.Tanaka@acme.example.jp', name: '田中 愛子', role: '管理者', team: { name: '人事部', members: 12 } });
  });

  it('falls back to the email domain when the email is not a known contact', async () => {
    const body = await context({ email: 'someone.new@acme.example.jp' });
    expect(body.match.by).toBe('domain');
    expect(body.account?.name).toBe('株式会社アクメ');
    expect(body.contact).toBeNull();
  });

  it('tries the parent domains of an email', async () => {
    const body = await context({ email: 'x@tokyo.branch.acme.example.jp' });
    expect(body.match.by).toBe('domain');
    expect(body.account?.id).toBe('acme');
  });

  it('matches the domain parameter and its parents', async () => {
    expect((await context({ domain: 'northwind.example.com' })).account?.id).toBe('northwind');
    expect((await context({ domain: 'mail.NORTHWIND.example.com' })).match.by).toBe('domain');
    expect((await context({ domain: 'example.com' })).match.by).toBe('none');
  });

  it('tries the domain parameter after an unknown email domain', async () => {
    const body = await context({ email: 'a@gmail.example', domain: 'northwind.example.com' });
    expect(body.match.by).toBe('domain');
    expect(body.account?.id).toBe('northwind');
  });

  it.each([
    ['株式会社アクメ'],
    ['(株)アクメ'],
    ['㈱アクメ'],
    ['アクメ 株式会社'],
    ['ｱｸﾒ'],
    ['ACME CORPORATION'],
    ['Acme Corporation'],
  ])('matches the company name %s', async (org) => {
    const body = await context({ org });
    expect(body.match.by).toBe('org');
    expect(body.account?.id).toBe('acme');
  });

  it('matches English names without legal words and full-width names by their half-width form', async () => {
    expect((await context({ org: 'northwind trading' })).account?.id).toBe('northwind');
    expect((await context({ org: 'NORTHWIND TRADING CO., LTD.' })).account?.id).toBe('northwind');
    expect((await context({ org: 'Gadget Works Inc.' })).account?.id).toBe('gadget');
  });

  it('prefers email over org, and org is tried when email and domain miss', async () => {
    expect((await context({ email: 'emma.clark@northwind.example.com', org: '株式会社アクメ' })).account?.id).toBe('northwind');
    const byOrg = await context({ email: 'who@unknown.example', org: '株式会社アクメ' });
    expect(byOrg.match.by).toBe('org');
  });

  it('answers match none with null account and contact and empty relay', async () => {
    const body = await context({ email: 'stranger@nowhere.example', org: 'Nobody Ltd.' });
    expect(body).toMatchObject({ match: { by: 'none' }, account: null, contact: null, before: [], after: [] });
    expect(body.organization.name).toBe('Test Vendor');
    expect(body.self).toEqual({ id: 'support', label: 'カスタマーサポート', color: '' });
  });
});

describe('GET /v1/context — the relay', () => {
  it('lists the hand-offs before support, oldest first, with people and notes', async () => {
    const body = await context({ email: 'aiko.tanaka@acme.example.jp', lang: 'en' });
    expect(body.before.map((h) => h.stage.id)).toEqual(['marketing', 'sales', 'product']);
    const sales = body.before[1]!;
    expect(sales).toEqual({
      stage: { id: 'sales', label: 'Sales', color: '' },
      person: { id: 'sato', name: '佐藤 健', email: 'sato@vendor.example', title: 'Account Executive', chat: 'https://chat.vendor.example/u/sato', thanks: 0 },
      at: '2024-06-15',
      note: '課題: 若手の離職',
    });
    expect(body.before[2]).toMatchObject({ person: null, at: '2024-06', note: '' });
  });

  it('builds after as contact → team → company → society → teammates', async () => {
    const body = await context({ email: 'aiko.tanaka@acme.example.jp', lang: 'ja' });
    expect(body.after.map((i) => i.level)).toEqual(['contact', 'team', 'company', 'society', 'teammate']);
    expect(body.after.map((i) => [i.label, i.count])).toEqual([
      ['田中 愛子', 1],
      ['人事部', 12],
      ['株式会社アクメ', 1200],
      ['地域のものづくりを支える', 0],
      ['山田 花子', 0],
    ]);
    const teammate = body.after[4]!;
    expect(teammate.person?.id).toBe('yamada');
    expect(teammate.person?.chat).toBe('mailto:yamada@vendor.example');
    expect(teammate.stage?.id).toBe('customer-success');
    expect(teammate.note).toBe('2025年3月に更新');
    expect(body.after.slice(0, 4).every((i) => i.person === null)).toBe(true);
  });

  it('leaves out contact and team rings when only the company matched, and names society generically', async () => {
    const body = await context({ domain: 'northwind.example.com', lang: 'en' });
    expect(body.after.map((i) => i.level)).toEqual(['company', 'society', 'teammate']);
    expect(body.after[1]!.label).toBe('Society');
    const ja = await context({ domain: 'northwind.example.com', lang: 'ja' });
    expect(ja.after[1]!.label).toBe('社会');
  });

  it('a contact without a team has no team ring', async () => {
    const body = await context({ email: 'nobody@acme.example.jp' });
    expect(body.match.by).toBe('email');
    expect(body.contact?.team).toBeNull();
    expect(body.after.map((i) => i.level)).toEqual(['contact', 'company', 'society', 'teammate']);
    expect(body.after[0]!.label).toBe('nobody@acme.example.jp');
  });
});

describe('GET /v1/context — language', () => {
  it('labels in the lang parameter', async () => {
    const en = await context({ email: 'aiko.tanaka@acme.example.jp', lang: 'en' });
    const ja = await context({ email: 'aiko.tanaka@acme.example.jp', lang: 'ja' });
    expect(en.lang).toBe('en');
    expect(ja.lang).toBe('ja');
    expect(en.before[0]!.stage.label).toBe('Marketing');
    expect(ja.before[0]!.stage.label).toBe('マーケティング');
    expect(en.self?.label).toBe('Support');
    expect(ja.self?.label).toBe('カスタマーサポート');
  });

  it('falls back to the other language, or one label for both', async () => {
    const ja = await context({ email: 'aiko.tanaka@acme.example.jp', lang: 'ja' });
    expect(ja.after[4]!.stage?.label).toBe('Customer Success'); // only `en` given
    expect(ja.before[2]!.stage.label).toBe('Product'); // `label: Product`
  });

  it('follows Accept-Language when there is no lang parameter', async () => {
    const res = await app.request('/v1/context?email=aiko.tanaka@acme.example.jp', {
      headers: { ...bearer(), 'Accept-Language': 'fr-FR, en-GB;q=0.8, ja;q=0.5' },
    });
    const body = (await res.json()) as ContextResponse;
    expect(body.lang).toBe('en');
    expect(res.headers.get('content-language')).toBe('en');
    expect(res.headers.get('vary')).toMatch(/Accept-Language/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(body.before[1]!.stage.label).toBe('Sales');
  });

  it('uses organization.defaultLocale otherwise', async () => {
    const body = await context({ email: 'aiko.tanaka@acme.example.jp' }, { 'Accept-Language': 'de' });
    expect(body.lang).toBe('ja');
    expect(body.before[1]!.stage.label).toBe('セールス');
  });
});

describe('GET /v1/context — bad requests', () => {
  it.each([
    ['', 'give at least one of email, domain, org'],
    ['ticket=12', 'give at least one of email, domain, org'],
    ['email=%20%20', 'give at least one of email, domain, org'],
    ['email=a@b.example&lang=fr', 'lang must be ja or en'],
    [`org=${'x'.repeat(201)}`, 'org is longer than 200 characters'],
    [`email=${'x'.repeat(321)}`, 'email is longer than 320 characters'],
  ])('?%s → 400', async (query, message) => {
    const res = await app.request(`/v1/context?${query}`, { headers: bearer() });
    expect(res.status).toBe(400);
    const body = v.parse(ErrorResponseSchema, await res.json());
    expect(body.error).toEqual({ code: 'bad_request', message });
  });
});

describe('GET /v1/context — audit trail', () => {
  it('records which token looked up which account, with the ticket', async () => {
    await context({ email: 'aiko.tanaka@acme.example.jp', ticket: 'T-42' });
    await context({ org: 'nobody at all' });
    const rows = await db.store.recentLookups(10);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ token: 'test', accountId: 'acme', matchBy: 'email', ticket: 'T-42' });
    expect(rows[0]).toMatchObject({ token: 'test', accountId: null, matchBy: 'none', ticket: '' });
    expect(Date.parse(rows[0]!.at)).not.toBeNaN();
  });

  it('does not record refused requests', async () => {
    await app.request('/v1/context?email=aiko.tanaka@acme.example.jp', { headers: bearer('wrong') });
    await app.request('/v1/context', { headers: bearer() });
    expect(await db.store.countLookups()).toBe(0);
  });
});
