import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdaptersResponseSchema, WhoAmIResponseSchema } from '../../src/shared/context';
import { createApp } from '../../src/server/app';
import type { LoadedConfig } from '../../src/server/config';
import { MIGRATIONS } from '../../src/server/store-sqlite';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bearer, expectError, FIXTURES, loadFixture, loadText, SECOND_TOKEN, tempStore, TOKEN, type TempStore } from './helpers';

let db: TempStore;
let loaded: LoadedConfig;
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  db = await tempStore();
  loaded = await loadFixture('valid.yaml');
  app = createApp(loaded, db.store);
});
afterEach(() => db.cleanup());

describe('auth', () => {
  it.each(['/v1/context?email=a@b.example', '/v1/adapters', '/v1/whoami', '/v1/openapi.json'])('%s without a token → 401', async (path) => {
    const res = await app.request(path);
    expect(await expectError(res, 401, 'unauthorized')).toMatch(/missing bearer token/);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="baton"');
  });

  it.each([
    ['a wrong token', 'Bearer not-the-token'],
    ['the hash instead of the token', `Bearer ${'4c5dc9b7708905f77f5e5d16316b5dfb425e68cb326dcd55a860e90a7707031e'}`],
    ['a token with a suffix', `Bearer ${TOKEN}x`],
  ])('%s → 401', async (_what, header) => {
    const res = await app.request('/v1/whoami', { headers: { Authorization: header } });
    expect(await expectError(res, 401, 'unauthorized')).toMatch(/unknown token/);
  });

  it.each(['Basic dGVzdA==', TOKEN, 'Bearer', 'Bearer a b'])('a malformed header %j → 401', async (header) => {
    const res = await app.request('/v1/whoami', { headers: { Authorization: header } });
    await expectError(res, 401, 'unauthorized');
  });

  it('accepts every configured token (hashes in any case) and the scheme in any case', async () => {
    expect((await app.request('/v1/whoami', { headers: bearer(SECOND_TOKEN) })).status).toBe(200);
    expect((await app.request('/v1/whoami', { headers: { Authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  });
});

describe('GET /v1/whoami', () => {
  it('names the organization, the token and its person', async () => {
    const res = await app.request('/v1/whoami', { headers: bearer() });
    expect(res.status).toBe(200);
    expect(v.parse(WhoAmIResponseSchema, await res.json())).toEqual({ organization: { name: 'Test Vendor' }, token: { name: 'test', person: 'sato' } });
    const second = v.parse(WhoAmIResponseSchema, await (await app.request('/v1/whoami', { headers: bearer(SECOND_TOKEN) })).json());
    expect(second.token).toEqual({ name: 'second', person: null });
  });
});

describe('GET /v1/adapters', () => {
  it("returns the config's adapters", async () => {
    const res = await app.request('/v1/adapters', { headers: bearer() });
    expect(res.status).toBe(200);
    const body = v.parse(AdaptersResponseSchema, await res.json());
    expect(body.adapters).toEqual([
      {
        id: 'inhouse',
        label: 'In-house desk',
        urlPattern: '^https?://desk\\.example\\.com/tickets/(?<ticket>\\d+)',
        selectors: { email: '.requester .email', org: '.requester .company' },
      },
    ]);
    expect(new RegExp(body.adapters[0]!.urlPattern).exec('https://desk.example.com/tickets/77')?.groups?.ticket).toBe('77');
  });

  it('returns an empty list when the config declares none', async () => {
    const text = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8').replace(/^adapters:[\s\S]*$/m, '');
    const bare = createApp(loadText(text), db.store);
    expect(await (await bare.request('/v1/adapters', { headers: bearer() })).json()).toEqual({ adapters: [] });
  });
});

describe('GET /healthz', () => {
  it('needs no token and reports the config hash and counts', async () => {
    const res = await app.request('/healthz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      status: 'ok',
      config: { hash: loaded.hash, loadedAt: loaded.loadedAt, counts: { stages: 5, people: 4, accounts: 3, contacts: 3, teams: 2, tokens: 2, adapters: 1 } },
      imports: [],
      lastReloadError: null,
      store: { kind: 'sqlite', ok: true, schemaVersion: MIGRATIONS.length, synchronous: 'full', audit: { flushMs: 5, pending: 0, dropped: 0 } },
      notifications: { webhook: false, pending: 0, sent: 0, failing: false },
    });
    expect(loaded.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('GET /v1/status (a token) has the details: file, store place, errors', async () => {
    await expectError(await app.request('/v1/status'), 401, 'unauthorized');
    const res = await app.request('/v1/status', { headers: bearer() });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      config: { file: 'valid.yaml', hash: loaded.hash, counts: { stages: 5 } },
      lastReloadError: null,
      store: { kind: 'sqlite', at: 'baton.db', ok: true, schemaVersion: MIGRATIONS.length, synchronous: 'full' },
      notifications: { webhook: false, pending: 0, sent: 0, lastError: null },
    });
  });
});

describe('GET /v1/openapi.json', () => {
  it('documents every route', async () => {
    const res = await app.request('/v1/openapi.json', { headers: bearer() });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz',
      '/v1/accounts/{id}/notes',
      '/v1/adapters',
      '/v1/context',
      '/v1/handoffs',
      '/v1/links',
      '/v1/links/{email}',
      '/v1/notes/{id}',
      '/v1/openapi.json',
      '/v1/search',
      '/v1/status',
      '/v1/thanks',
      '/v1/whoami',
    ]);
    // Every $ref points at a schema that exists.
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    expect(refs.length).toBeGreaterThan(5);
    for (const r of refs) expect(doc.components.schemas).toHaveProperty(r.split('/').pop()!);
  });
});

describe('errors', () => {
  it('unknown routes → 404 JSON, with or without a token', async () => {
    expect(await expectError(await app.request('/nope'), 404, 'not_found')).toBe('no route GET /nope');
    await expectError(await app.request('/v1/nope', { headers: bearer() }), 404, 'not_found');
  });

  it('unknown /v1 routes still need a token first', async () => {
    await expectError(await app.request('/v1/nope'), 401, 'unauthorized');
  });

  it('other methods on known routes → 405 with Allow', async () => {
    const res = await app.request('/v1/context?email=a@b.example', { method: 'DELETE', headers: bearer() });
    await expectError(res, 405, 'method_not_allowed');
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    await expectError(await app.request('/healthz', { method: 'POST' }), 405, 'method_not_allowed');
  });

  it('a request body over the limit → 413', async () => {
    const res = await app.request('/v1/context', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: 'x'.repeat(70 * 1024) });
    await expectError(res, 413, 'payload_too_large');
  });

  it('an unexpected failure → 500 JSON without details', async () => {
    // A config whose index is missing makes the lookup throw: a programming error, not a bad request.
    const bad = { ...loaded, index: null as never };
    const crashing = createApp(bad, db.store);
    const res = await crashing.request('/v1/context?email=a@b.example', { headers: bearer() });
    expect(await expectError(res, 500, 'internal')).toBe('internal error');
  });

  it('a failing audit write does not fail the lookup', async () => {
    const store = { ...db.store, recordLookup: () => { throw new Error('disk full'); } };
    const res = await createApp(loaded, store).request('/v1/context?email=aiko.tanaka@acme.example.jp', { headers: bearer() });
    expect(res.status).toBe(200);
  });
});

describe('rate limit', () => {
  const config = (perSecond: number, burst: number) =>
    loadText(readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8').replace(/^version: 1$/m, `version: 1\nrateLimit: { perSecond: ${perSecond}, burst: ${burst} }`));

  it('answers 429 with Retry-After once a token used its burst, per token, and refills with time', async () => {
    let now = 1_000_000;
    const limited = createApp(config(0.5, 3), db.store, { now: () => now });
    const hit = (token = TOKEN) => limited.request('/v1/whoami', { headers: bearer(token) });
    for (let i = 0; i < 3; i++) expect((await hit()).status).toBe(200);
    const res = await hit();
    expect(await expectError(res, 429, 'rate_limited')).toMatch(/too many requests for token "test"/);
    expect(res.headers.get('retry-after')).toBe('2'); // 1 request at 0.5/s
    expect((await hit(SECOND_TOKEN)).status).toBe(200); // other token: own bucket
    now += 1_999;
    expect((await hit()).status).toBe(429);
    now += 2;
    expect((await hit()).status).toBe(200);
  });

  it('defaults to 20 requests/s with a burst of 40', async () => {
    expect(loaded.config.rateLimit).toEqual({ perSecond: 20, burst: 40 });
    const now = 5_000;
    const limited = createApp(loaded, db.store, { now: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < 41; i++) statuses.push((await limited.request('/v1/whoami', { headers: bearer() })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses[40]).toBe(429);
  });

  it('wrong tokens do not use up a good token’s budget', async () => {
    const limited = createApp(config(0.001, 1), db.store, { now: () => 0 });
    for (let i = 0; i < 5; i++) expect((await limited.request('/v1/whoami', { headers: bearer('bad') })).status).toBe(401);
    expect((await limited.request('/v1/whoami', { headers: bearer() })).status).toBe(200);
  });
});

describe('CORS', () => {
  it.each(['chrome-extension://abcdefghijklmnopabcdefghijklmnop', 'moz-extension://0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0'])('allows the extension origin %s', async (origin) => {
    const res = await app.request('/v1/whoami', { headers: { ...bearer(), Origin: origin } });
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    const preflight = await app.request('/v1/context', {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(origin);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it.each(['https://evil.example', 'http://127.0.0.1:8787', 'chrome-extension://abc/../x', 'null'])('gives no CORS header to %s', async (origin) => {
    const res = await app.request('/v1/whoami', { headers: { ...bearer(), Origin: origin } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds CORS headers to errors too, so the extension can read them', async () => {
    const res = await app.request('/v1/whoami', { headers: { Origin: 'chrome-extension://abcdefghijklmnop' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('access-control-allow-origin')).toBe('chrome-extension://abcdefghijklmnop');
  });
});
