/**
 * Issue 10's additions to the API, on the demo config (baton.config.yaml), each store engine:
 * `GET /v1/search`; `subject=`/`tags=` on /v1/context and the product area they match; how sure
 * a match is (`match.verify`); the account card; "This is <account>" links (POST/GET/CSV/DELETE,
 * then the requester matches by email); "Hand to sales" through the webhook, delivered once to a
 * real loopback receiver.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app';
import { fixedSource } from '../../src/server/holder';
import { Notifier } from '../../src/server/notify';
import { HandoffResponseSchema, LinkResponseSchema, LinksResponseSchema, SearchResponseSchema, type ContextResponse } from '../../src/shared/context';
import { STORE_KINDS } from '../support/stores';
import { bearer, expectError, freePort, getContext, jsonRequest, loadText, REPO, tempStore, waitFor, WebhookReceiver, type TempStore } from './helpers';

const DEMO = readFileSync(join(REPO, 'baton.config.yaml'), 'utf8');
const TOKEN = { Authorization: 'Bearer baton-demo-token' };
const demo = (extra = '') => loadText(`${DEMO}\n${extra}`, 'baton.config.yaml');

describe.each(STORE_KINDS)('issue 10 API (%s store)', (kind) => {
  let db: TempStore;
  let notifier: Notifier | undefined;
  let receiver: WebhookReceiver | undefined;
  beforeEach(async () => {
    db = await tempStore(kind);
  });
  afterEach(async () => {
    await notifier?.stop();
    notifier = undefined;
    await receiver?.close();
    receiver = undefined;
    await db.cleanup();
  });
  const app = (extra = '') => createApp(demo(extra), db.store);
  const ctx = (a: ReturnType<typeof app>, q: Record<string, string>) => getContext(a, q, TOKEN);

  describe('GET /v1/search', () => {
    it('finds accounts and contacts best first, in the shared shape', async () => {
      const a = app();
      const res = await a.request('/v1/search?q=lakes', { headers: TOKEN });
      expect(res.status).toBe(200);
      const body = v.parse(SearchResponseSchema, await res.json());
      expect(body.results[0]).toMatchObject({ kind: 'account', account: { id: 'lakeside', name: 'Lakeside Hotels Co., Ltd.' } });
      expect(body.results[0]!.score).toBeGreaterThan(0.5);
      const ja = v.parse(SearchResponseSchema, await (await a.request(`/v1/search?q=${encodeURIComponent('レイクサイド')}`, { headers: TOKEN })).json());
      expect(ja.results[0]!.account.id).toBe('lakeside');
      const person = v.parse(SearchResponseSchema, await (await a.request(`/v1/search?q=${encodeURIComponent('田中')}&limit=1`, { headers: TOKEN })).json());
      expect(person.results).toEqual([{ kind: 'contact', account: { id: 'acme', name: '株式会社アクメ' }, contact: { email: 'aiko.tanaka@acme.example.jp', name: '田中 愛子' }, score: expect.any(Number) }]);
    });

    it('needs a token, q, a sane limit; nothing found is an empty list', async () => {
      const a = app();
      await expectError(await a.request('/v1/search?q=acme'), 401, 'unauthorized');
      await expectError(await a.request('/v1/search', { headers: TOKEN }), 400, 'bad_request');
      await expectError(await a.request('/v1/search?q=%20', { headers: TOKEN }), 400, 'bad_request');
      await expectError(await a.request(`/v1/search?q=${'x'.repeat(201)}`, { headers: TOKEN }), 400, 'bad_request');
      await expectError(await a.request('/v1/search?q=acme&limit=0', { headers: TOKEN }), 400, 'bad_request');
      await expectError(await a.request('/v1/search?q=acme&limit=51', { headers: TOKEN }), 400, 'bad_request');
      await expectError(await a.request('/v1/search?q=acme', { method: 'POST', headers: TOKEN }), 405, 'method_not_allowed');
      expect(await (await a.request('/v1/search?q=zzqqxx', { headers: TOKEN })).json()).toEqual({ results: [] });
      const three = v.parse(SearchResponseSchema, await (await a.request('/v1/search?q=a&limit=3', { headers: TOKEN })).json());
      expect(three.results.length).toBeLessThanOrEqual(3);
    });
  });

  describe('GET /v1/context: subject, tags, products', () => {
    it('a ticket about a product area puts its builders first in before and its owner first among the teammates', async () => {
      const a = app();
      const plain = await ctx(a, { email: 'noah.wright@bluepeak.example.com', lang: 'en' });
      const sso = await ctx(a, { email: 'noah.wright@bluepeak.example.com', subject: 'SSO login loops back to the sign-in page', lang: 'en' });
      expect(plain.product).toBeNull();
      expect(sso.product).toEqual({ id: 'sso', name: 'Sign-in & SSO' });
      expect(sso.before.map((h) => h.stage.id)).toEqual(['product', ...plain.before.map((h) => h.stage.id)]);
      expect(sso.before[0]).toMatchObject({ stage: { id: 'product', label: 'Product' }, person: { id: 'kobayashi', title: 'Engineering Lead' }, at: '', note: 'Sign-in & SSO' });
      const mates = sso.after.filter((i) => i.level === 'teammate');
      expect(mates.map((i) => i.person?.id)).toEqual(['okada', ...plain.after.filter((i) => i.level === 'teammate').map((i) => i.person?.id)]);
      expect(mates[0]).toMatchObject({ stage: { id: 'product-owner' }, note: 'Sign-in & SSO' });
    });

    it('matches Japanese subjects, Latin keywords inside Japanese text, tags, and regexes; no match leaves the relay as it is', async () => {
      const a = app();
      const area = async (q: Record<string, string>) => (await ctx(a, { email: 'aiko.tanaka@acme.example.jp', lang: 'ja', ...q })).product?.id ?? null;
      expect(await area({ subject: '管理画面にログインできません' })).toBe('sso');
      expect(await area({ subject: 'SSOでサインインできない' })).toBe('sso');
      expect(await area({ subject: 'Cannot log in since Monday' })).toBe('sso'); // /log ?in\b/i
      expect(await area({ subject: 'ASSOCIATION export' })).toBeNull(); // "SSO" only as a whole Latin word
      expect(await area({ subject: '質問です', tags: 'billing, SSO' })).toBe('sso');
      expect(await area({ subject: 'マネージャー向けダッシュボードの表示' })).toBe('dashboards');
      expect(await area({ subject: 'CSVが文字化けします' })).toBeNull();
      const ja = await ctx(a, { email: 'aiko.tanaka@acme.example.jp', lang: 'ja', subject: 'ログインできない' });
      expect(ja.product).toEqual({ id: 'sso', name: 'ログイン・SSO' });
      expect(ja.before[0]!.person?.title).toBe('開発リーダー');
    });

    it('refuses a subject or tags that are too long', async () => {
      const a = app();
      await expectError(await a.request(`/v1/context?email=a@acme.example.jp&subject=${'x'.repeat(501)}`, { headers: TOKEN }), 400, 'bad_request');
      await expectError(await a.request(`/v1/context?email=a@acme.example.jp&tags=${'x'.repeat(1001)}`, { headers: TOKEN }), 400, 'bad_request');
    });
  });

  describe('match.verify: how sure the match is', () => {
    it('an exact email needs nothing; a company name from a free-mail address (demo #8) says verify, and why', async () => {
      const a = app();
      const exact = await ctx(a, { email: 'kenji.ota@minato-denki.example.jp' });
      expect(exact.match).toEqual({ by: 'email', verify: false, reasons: [] });
      const risky = await ctx(a, { email: 'taro.yamamoto@freemail.example', domain: 'freemail.example', org: 'ミナト電機株式会社' });
      expect(risky.match).toEqual({ by: 'org', verify: true, reasons: ['org', 'freemail'], freemail: 'freemail.example' });
      expect(risky.account?.id).toBe('minato');
      const gmail = await ctx(a, { email: 'someone@gmail.com', org: 'Northwind' });
      expect(gmail.match).toMatchObject({ by: 'org', verify: true, reasons: ['org', 'freemail'], freemail: 'gmail.com' });
      const byDomain = await ctx(a, { email: 'new.person@acme.example.jp' });
      expect(byDomain.match).toEqual({ by: 'domain', verify: false, reasons: [] });
    });

    it('an account the config marks asks for verification with its own words, also on an exact email', async () => {
      const body = await ctx(app(), { email: 'h.matsumoto@tsubasa-bank.example.jp' });
      expect(body.match).toEqual({ by: 'email', verify: true, reasons: ['account'], note: '変更のご依頼は、登録済みの代表電話へ折り返して本人確認してから' });
    });

    it('a free-mail domain an account lists is still a reason to verify', async () => {
      const a = createApp(
        loadText(DEMO.replace('domains: [sorano-hoiku.example.jp]', 'domains: [sorano-hoiku.example.jp, freemail.example]'), 'baton.config.yaml'),
        db.store,
      );
      const body = await getContext(a, { email: 'parent@freemail.example' }, TOKEN);
      expect(body.match).toEqual({ by: 'domain', verify: true, reasons: ['freemail'], freemail: 'freemail.example' });
    });
  });

  it('the account card: plan, renewal, health and open deals when the config has them, nothing when not', async () => {
    const a = app();
    const northwind = await ctx(a, { email: 'emma.clark@northwind.example.com' });
    expect(northwind.account).toMatchObject({
      plan: 'Business',
      renewal: '2026-11-15',
      health: 'watch',
      deals: [{ name: 'Manager dashboards add-on', stage: 'Negotiation', close: '2026-12-18', amount: '$8,400' }],
    });
    const plain = createApp(loadText(DEMO.replace(/\n {4}(plan|renewal|health): .*/g, '').replace(/\n {4}deals:\n( {6}- .*\n)+/g, '\n')), db.store);
    const bare = await getContext(plain, { email: 'emma.clark@northwind.example.com' }, TOKEN);
    expect(Object.keys(bare.account!).sort()).toEqual(['employees', 'id', 'industry', 'name', 'society']);
  });

  describe('"This is <account>": links', () => {
    it('an unknown requester linked to an account matches it by email on the next ticket; the admin lists, exports and removes links', async () => {
      const a = app();
      const before = await ctx(a, { email: 'Alex.Rivera@unknown-startup.example' });
      expect(before.match.by).toBe('none');
      expect(before.leads?.default).toBe('inside-sales');

      const res = await a.request('/v1/links', jsonRequest('POST', { email: 'Alex.Rivera@unknown-startup.example', account: 'bluepeak', name: 'Alex Rivera', ticket: '6' }, TOKEN));
      expect(res.status).toBe(201);
      const { link } = v.parse(LinkResponseSchema, await res.json());
      expect(link).toMatchObject({ email: 'alex.rivera@unknown-startup.example', account: 'bluepeak', name: 'Alex Rivera', ticket: '6', by: '林 直子' });

      const after: ContextResponse = await ctx(a, { email: 'alex.rivera@unknown-startup.example', lang: 'en' });
      expect(after.match).toMatchObject({ by: 'email', verify: false, linked: { by: '林 直子', at: link.at } });
      expect(after.account?.id).toBe('bluepeak');
      expect(after.contact).toEqual({ email: 'alex.rivera@unknown-startup.example', name: 'Alex Rivera', role: '', team: null });
      expect(after.after[0]).toMatchObject({ level: 'contact', label: 'Alex Rivera' });

      const list = v.parse(LinksResponseSchema, await (await a.request('/v1/links', { headers: TOKEN })).json());
      expect(list.links).toEqual([link]);
      const csv = await a.request('/v1/links?format=csv', { headers: TOKEN });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      expect((await csv.text()).split('\r\n')).toEqual([
        'email,account,account_name,name,ticket,linked_by,linked_at',
        `alex.rivera@unknown-startup.example,bluepeak,BluePeak Software Inc.,Alex Rivera,6,林 直子,${link.at}`,
        '',
      ]);

      // Linked again (another account): the newest link wins.
      expect((await a.request('/v1/links', jsonRequest('POST', { email: 'alex.rivera@unknown-startup.example', account: 'northwind' }, TOKEN))).status).toBe(201);
      expect((await ctx(a, { email: 'alex.rivera@unknown-startup.example' })).account?.id).toBe('northwind');

      const del = await a.request(`/v1/links/${encodeURIComponent('ALEX.rivera@unknown-startup.example')}`, { method: 'DELETE', headers: TOKEN });
      expect(await del.json()).toEqual({ deleted: 'alex.rivera@unknown-startup.example' });
      expect((await ctx(a, { email: 'alex.rivera@unknown-startup.example' })).match.by).toBe('none');
      await expectError(await a.request('/v1/links/nobody%40x.example', { method: 'DELETE', headers: TOKEN }), 404, 'not_found');
    });

    it('refuses an unknown account, an email the config lists already, a bad email; a free-mail link still asks to verify', async () => {
      const a = app();
      await expectError(await a.request('/v1/links', jsonRequest('POST', { email: 'x@y.example', account: 'nope' }, TOKEN)), 404, 'not_found');
      const listed = await expectError(await a.request('/v1/links', jsonRequest('POST', { email: 'aiko.tanaka@acme.example.jp', account: 'northwind' }, TOKEN)), 409, 'already_contact');
      expect(listed).toContain('株式会社アクメ');
      await expectError(await a.request('/v1/links', jsonRequest('POST', { email: 'not an email', account: 'acme' }, TOKEN)), 400, 'bad_request');
      await expectError(await a.request('/v1/links', jsonRequest('POST', { account: 'acme' }, TOKEN)), 400, 'bad_request');
      expect((await a.request('/v1/links', jsonRequest('POST', { email: 'taro.yamamoto@freemail.example', account: 'minato' }, TOKEN))).status).toBe(201);
      const body = await ctx(a, { email: 'taro.yamamoto@freemail.example' });
      expect(body.match).toMatchObject({ by: 'email', verify: true, reasons: ['freemail'], freemail: 'freemail.example' });
    });
  });

  describe('"Hand to sales"', () => {
    it('delivers exactly one webhook message to a real receiver, naming the stage\'s people, the requester, the ticket and the note; a repeat within a minute is the same hand-off', async () => {
      receiver = new WebhookReceiver(await freePort());
      await receiver.up();
      const source = fixedSource(demo(`notifications: { webhook: 'http://127.0.0.1:${receiver.port}/hooks/sales' }`));
      notifier = new Notifier(source, db.store, { baseMs: 10 });
      notifier.start();
      const a = createApp(source, db.store, { notifier });
      const body = {
        stage: 'inside-sales',
        note: '30名のスタートアップ。料金とトライアルの相談',
        email: 'alex.rivera@unknown-startup.example',
        name: 'Alex Rivera',
        ticket: '6',
        subject: 'Question about pricing for 30 seats',
        url: 'http://127.0.0.1:8787/demo/tickets/6',
      };
      const res = await a.request('/v1/handoffs', jsonRequest('POST', body, TOKEN));
      expect(res.status).toBe(201);
      const out = v.parse(HandoffResponseSchema, await res.json());
      expect(out.handoff).toMatchObject({ stage: { id: 'inside-sales', label: 'インサイドセールス' }, to: ['伊藤 蓮', 'James Miller'] });
      await waitFor(() => receiver!.delivered.length === 1, 'the hand-off on the webhook');
      expect(receiver.delivered).toEqual([
        {
          text:
            '📨 林 直子 さんからインサイドセールス（伊藤 蓮、James Miller）へ新しいお客様: Alex Rivera &lt;alex.rivera@unknown-startup.example&gt;\n' +
            'チケット 6 「Question about pricing for 30 seats」 http://127.0.0.1:8787/demo/tickets/6\n> 30名のスタートアップ。料金とトライアルの相談',
        },
      ]);
      expect(receiver.requests[0]!.headers['idempotency-key']).toBe(`baton-handoff-${out.handoff.id}`);

      const again = await a.request('/v1/handoffs', jsonRequest('POST', body, TOKEN));
      expect(again.status).toBe(200);
      expect(v.parse(HandoffResponseSchema, await again.json()).handoff.id).toBe(out.handoff.id);
      await waitFor(async () => (await db.store.notificationStats()).sent === 1 && (await db.store.notificationStats()).pending === 0, 'the outbox settled');
      expect(receiver.requests).toHaveLength(1);
    });

    it('needs a webhook, a stage before support with people, a note; a javascript: url is dropped', async () => {
      const none = app();
      const msg = await expectError(await none.request('/v1/handoffs', jsonRequest('POST', { stage: 'inside-sales', note: 'x' }, TOKEN)), 409, 'no_webhook');
      expect(msg).toContain('notifications.webhook');
      const a = app(`notifications: { webhook: 'http://127.0.0.1:9/nothing' }`);
      await expectError(await a.request('/v1/handoffs', jsonRequest('POST', { stage: 'customer-success', note: 'x' }, TOKEN)), 400, 'bad_request');
      await expectError(await a.request('/v1/handoffs', jsonRequest('POST', { stage: 'nope', note: 'x' }, TOKEN)), 400, 'bad_request');
      await expectError(await a.request('/v1/handoffs', jsonRequest('POST', { stage: 'sales', note: '  ' }, TOKEN)), 400, 'bad_request');
      await expectError(await a.request('/v1/handoffs', jsonRequest('POST', { note: 'x' }, TOKEN)), 400, 'bad_request');
      const ok = await a.request('/v1/handoffs', jsonRequest('POST', { stage: 'sales', note: 'x', url: 'javascript:alert(1)' }, TOKEN));
      expect(ok.status).toBe(201);
      const queued = await db.store.nextNotification();
      expect(queued?.kind).toBe('handoff');
      expect(queued?.body).not.toContain('javascript');
    });
  });

  it('every new route needs the token', async () => {
    const a = app();
    for (const [method, path] of [['GET', '/v1/links'], ['POST', '/v1/links'], ['DELETE', '/v1/links/a%40b.example'], ['POST', '/v1/handoffs']] as const) {
      await expectError(await a.request(path, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'POST' ? '{}' : null }), 401, 'unauthorized');
    }
    expect(bearer()).toBeTruthy();
  });
});
