/**
 * Issue 11 through app.request() on a real SQLite store: a malformed %-escape is a 400 naming the
 * parameter; /healthz (no token) carries counts only, /v1/status the details; a stage's colour
 * and a hand-off without `at` reach the answer; thanks are limited per writer and day; wrong
 * tokens are throttled by source while other sources go on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, brokenQueryParam } from '../../src/server/app';
import type { ConfigError, LoadedConfig } from '../../src/server/config';
import type { ConfigSource } from '../../src/server/holder';
import { bearer, expectError, FIXTURES, getContext, jsonRequest, loadText, SECOND_TOKEN, tempStore, type TempStore } from './helpers';

const VALID = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8');

let db: TempStore;
let now: number;
beforeEach(async () => {
  db = await tempStore();
  now = Date.parse('2026-05-01T09:00:00Z');
});
afterEach(() => db.cleanup());

/** app.request with the socket address @hono/node-server would give. */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

describe('a malformed %-escape in the query', () => {
  it.each([
    ['/v1/context?email=%E0%A4%A', 'email'],
    ['/v1/context?org=Acme&domain=%', 'domain'],
    ['/v1/context?email=a%40b.example&ticket=%ZZ', 'ticket'],
    ['/v1/accounts/acme/notes?author=%C3', 'author'],
  ])('%s → 400 naming %s', async (path, name) => {
    const app = createApp(loadText(VALID), db.store);
    const message = await expectError(await app.request(path, { headers: bearer() }), 400, 'bad_request');
    expect(message).toContain(`"${name}"`);
    expect(message).toMatch(/broken %-escape/);
  });

  it('well-formed escapes (and +) still decode', async () => {
    const app = createApp(loadText(VALID), db.store);
    expect((await getContext(app, 'email=Aiko.Tanaka%40acme.example.jp')).match.by).toBe('email');
    expect((await getContext(app, 'org=Acme+Corporation')).match.by).toBe('org');
    expect(brokenQueryParam('/x?a=%E3%81%82&b=1+2')).toBeNull();
    expect(brokenQueryParam('/x?%E0=1')).toBe('');
  });
});

describe('/healthz and /v1/status', () => {
  /** A source whose last reload failed with many errors quoting customer data and a path. */
  function failedSource(loaded: LoadedConfig, n: number): ConfigSource {
    const errors: ConfigError[] = Array.from({ length: n }, (_, i) => ({
      file: '/srv/secret/baton.config.yaml',
      line: i + 1,
      col: 1,
      path: `accounts[${i}].contacts[0].email`,
      message: `contact "customer${i}@client.example" is listed twice`,
    }));
    return { current: () => loaded, lastReloadError: { at: '2026-05-01T09:00:00.000Z', errors } };
  }

  it('without a token: status and counts, no error text, value, path or store address, and small', async () => {
    const loaded = loadText(VALID, '/srv/secret/baton.config.yaml');
    const app = createApp(failedSource(loaded, 20_000), db.store);
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeLessThan(2000);
    expect(text).not.toMatch(/customer\d|@|\/srv|secret|baton\.db/);
    expect(JSON.parse(text)).toMatchObject({ status: 'ok', lastReloadError: { at: '2026-05-01T09:00:00.000Z', errors: 20_000 }, store: { kind: 'sqlite', ok: true } });
  });

  it('with a token: the errors (at most 50 of them, with the whole count), bounded in size', async () => {
    const app = createApp(failedSource(loadText(VALID), 20_000), db.store);
    const res = await app.request('/v1/status', { headers: bearer() });
    const text = await res.text();
    const body = JSON.parse(text) as { lastReloadError: { count: number; errors: string[] } };
    expect(body.lastReloadError.count).toBe(20_000);
    expect(body.lastReloadError.errors).toHaveLength(50);
    expect(body.lastReloadError.errors[0]).toBe('/srv/secret/baton.config.yaml:1:1 accounts[0].contacts[0].email: contact "customer0@client.example" is listed twice');
    expect(text.length).toBeLessThan(20_000);
  });
});

describe('the answer carries a stage colour and hand-offs without a date', () => {
  it('stage.color on hand-offs, teammates and self; at: "" when the hand-off has none', async () => {
    const text = VALID.replace("{ id: sales,            side: before, label: { en: Sales, ja: セールス } }", "{ id: sales, side: before, label: { en: Sales, ja: セールス }, color: '#3b82f6' }")
      .replace("{ id: support,          side: self,   label: { en: Support, ja: カスタマーサポート } }", "{ id: support, side: self, label: { en: Support, ja: カスタマーサポート }, color: '#f59e0b' }")
      .replace("- { stage: sales, person: sato, at: 2024-06-15, note: '課題: 若手の離職' }", "- { stage: sales, person: sato, note: '課題: 若手の離職' }");
    const app = createApp(loadText(text), db.store);
    const body = await getContext(app, 'email=aiko.tanaka@acme.example.jp&lang=en');
    const sales = body.before.find((h) => h.stage.id === 'sales')!;
    expect(sales.stage).toEqual({ id: 'sales', label: 'Sales', color: '#3b82f6' });
    expect(sales.at).toBe('');
    expect(body.self).toEqual({ id: 'support', label: 'Support', color: '#f59e0b' });
    expect(body.before.find((h) => h.stage.id === 'marketing')!.stage.color).toBe('');
    expect(body.after.find((i) => i.level === 'teammate')!.stage).toEqual({ id: 'customer-success', label: 'Customer Success', color: '' });
  });
});

describe('thanks per writer and day (thanksLimit)', () => {
  const app = () => createApp(loadText(`${VALID}\nthanksLimit: { perDay: 5, perPersonPerDay: 2 }\n`), db.store, { now: () => now });
  const thank = (a: ReturnType<typeof createApp>, body: object, headers = bearer()) => a.request('/v1/thanks', jsonRequest('POST', body, headers));

  it('to one person: perPersonPerDay, then 429 thanks_limit with a clear message; the next day again', async () => {
    const a = app();
    expect((await thank(a, { to: 'suzuki', ticket: '1' })).status).toBe(201);
    expect((await thank(a, { to: 'suzuki', ticket: '2' })).status).toBe(201);
    expect(await expectError(await thank(a, { to: 'suzuki', ticket: '3' }), 429, 'thanks_limit')).toBe(
      '佐藤 健 has thanked 鈴木 美咲 2 times in the last 24 hours: the limit is 2 (thanksLimit.perPersonPerDay)',
    );
    // Others are not limited by it; nothing was stored by the refusal.
    expect((await thank(a, { to: 'yamada', ticket: '3' })).status).toBe(201);
    expect((await db.store.countThanks(['suzuki'])).get('suzuki')).toBe(2);
    now += 86_400_000;
    expect((await thank(a, { to: 'suzuki', ticket: '3' })).status).toBe(201);
  });

  it('in all: perDay; a shared token is one writer whatever names it sends', async () => {
    const a = app();
    const SECOND = bearer(SECOND_TOKEN);
    const people = ['suzuki', 'sato', 'kuroda', 'yamada', 'suzuki'];
    for (const [i, to] of people.entries()) expect((await thank(a, { to, ticket: String(i), from: `Agent ${i}` }, SECOND)).status).toBe(201);
    expect(await expectError(await thank(a, { to: 'sato', ticket: '9', from: 'Someone new' }, SECOND), 429, 'thanks_limit')).toBe(
      'token "second" has given 5 thanks in the last 24 hours: the limit is 5 (thanksLimit.perDay)',
    );
    // The person token is another writer.
    expect((await thank(a, { to: 'kuroda', ticket: '9' })).status).toBe(201);
  });

  it('the defaults stop a flood: 700 thanks to one person from one token are 10', async () => {
    const a = createApp(loadText(VALID), db.store, { now: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await thank(a, { to: 'sato', ticket: String(i) }, bearer(SECOND_TOKEN))).status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
  });
});

describe('wrong tokens by source address', () => {
  it('after 10 wrong tokens a source waits (429, Retry-After) without its tokens being checked; other sources are not affected', async () => {
    const app = createApp(loadText(VALID), db.store, { now: () => now });
    const who = (token: string, address: string) => app.request('/v1/whoami', { headers: bearer(token) }, from(address));
    for (let i = 0; i < 10; i++) await expectError(await who(`guess-${i}`, '10.0.0.9'), 401, 'unauthorized');
    const res = await who('guess-10', '10.0.0.9');
    expect(await expectError(res, 429, 'too_many_failures')).toMatch(/wrong token from this address: wait 6s/);
    expect(res.headers.get('Retry-After')).toBe('6');
    // Even the right token from there waits: a guess that hits is not told so.
    expect((await who('test-token', '10.0.0.9')).status).toBe(429);
    // Good tokens from elsewhere are not affected.
    expect((await who('test-token', '10.0.0.10')).status).toBe(200);
    expect((await who(SECOND_TOKEN, '127.0.0.1')).status).toBe(200);
    // One more try after Retry-After, then the wait again.
    now += 6_000;
    expect((await who('test-token', '10.0.0.9')).status).toBe(200);
    await expectError(await who('guess-11', '10.0.0.9'), 401, 'unauthorized');
    expect((await who('guess-12', '10.0.0.9')).status).toBe(429);
  });

  it('behind a proxy (trustProxy: true) the source is the last X-Forwarded-For entry', async () => {
    const app = createApp(loadText(`${VALID}\ntrustProxy: true\nauthFailures: { burst: 2, perMinute: 1 }\n`), db.store, { now: () => now });
    const who = (token: string, client: string) => app.request('/v1/whoami', { headers: { ...bearer(token), 'X-Forwarded-For': `1.2.3.4, ${client}` } }, from('127.0.0.1'));
    await who('bad', '203.0.113.7');
    await who('bad', '203.0.113.7');
    expect((await who('test-token', '203.0.113.7')).status).toBe(429);
    expect((await who('test-token', '203.0.113.8')).status).toBe(200);
  });
});
