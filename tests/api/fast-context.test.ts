/**
 * GET /v1/context has two ways in: the node:http fast path (src/server/fast-context.ts), which
 * `baton serve` uses, and the Hono route (app.request() in the other tests, and every other
 * request). Both must answer alike: the same app behind two real HTTP listeners, one with the
 * fast path and one without, gets the same requests; status, headers and body bytes must match.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp, nodeListener } from '../../src/server/app';
import type { LoadedConfig } from '../../src/server/config';
import { bearer, loadFixture, loadText, SECOND_TOKEN, tempStore, TOKEN, type TempStore } from './helpers';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP/1.1 request (fetch would add and normalise headers). */
function send(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const { date: _date, connection: _connection, 'keep-alive': _keepAlive, ...rest } = res.headers;
        resolve({ status: res.statusCode ?? 0, headers: rest, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function listen(listener: ReturnType<typeof nodeListener>): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => listener(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

let db: TempStore;
let servers: Server[];
let fastPort: number;
let honoPort: number;
let honoCalls: number;

async function start(loaded: LoadedConfig): Promise<void> {
  const app = createApp(loaded, db.store);
  const fetch = app.fetch;
  honoCalls = 0;
  app.fetch = (...args: Parameters<typeof fetch>) => {
    honoCalls++;
    return fetch(...args);
  };
  const fast = await listen(nodeListener(app));
  const hono = await listen(nodeListener(app, { fast: false }));
  servers = [fast.server, hono.server];
  fastPort = fast.port;
  honoPort = hono.port;
}

beforeEach(async () => {
  db = await tempStore();
});
afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  await db.cleanup();
});

/** The same request through both listeners; the answers must be equal. */
async function both(path: string, headers: Record<string, string> = bearer()): Promise<Answer> {
  const calls = honoCalls;
  const fast = await send(fastPort, path, headers);
  const fastWentThroughHono = honoCalls > calls;
  const hono = await send(honoPort, path, headers);
  expect(fast, path).toEqual(hono);
  expect(fastWentThroughHono, `${path}: the fast path answered it`).toBe(false);
  return fast;
}

describe('GET /v1/context: the fast path and the Hono route answer alike', () => {
  beforeEach(async () => start(await loadFixture('valid.yaml')));

  it.each([
    ['by email', '/v1/context?email=aiko.tanaka@acme.example.jp'],
    ['by email, encoded, other case, padded', '/v1/context?email=%20AIKO.Tanaka%40acme.example.jp%20&lang=en'],
    ['by email, in Japanese', '/v1/context?email=emma.clark@northwind.example.com&lang=ja'],
    ['a contact without a name or team', '/v1/context?email=nobody@acme.example.jp'],
    ['by the email domain', '/v1/context?email=new.person@acme.example.jp&ticket=7'],
    ['by domain', '/v1/context?domain=gadget.example.org'],
    ['by company name', '/v1/context?org=%EF%BC%A1%EF%BC%A3%EF%BC%AD%EF%BC%A5'],
    ['no match', '/v1/context?email=someone@elsewhere.example&org=Unknown+Co'],
    ['with an author', '/v1/context?email=aiko.tanaka@acme.example.jp&author=Mika'],
    ['a repeated parameter', '/v1/context?email=aiko.tanaka@acme.example.jp&email=emma.clark@northwind.example.com'],
    ['escaped parameter names', '/v1/context?e%6Dail=aiko.tanaka%40acme.example.jp&l%61ng=ja&author=Mika+Ito'],
    ['a name without a value, then repeated', '/v1/context?ticket&email=aiko.tanaka%40acme.example.jp&ticket=9&lang=en&lang=ja'],
  ])('%s', async (_what, path) => {
    const answer = await both(path);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty('match.by');
  });

  it('labels by Accept-Language when there is no lang', async () => {
    const answer = await both('/v1/context?email=emma.clark@northwind.example.com', { ...bearer(), 'Accept-Language': 'fr, ja;q=0.8, en;q=0.5' });
    expect(answer.headers['content-language']).toBe('ja');
  });

  it.each([
    ['no token', '/v1/context?email=a@b.example', {}],
    ['a wrong token', '/v1/context?email=a@b.example', { Authorization: 'Bearer nope' }],
    ['a malformed header', '/v1/context?email=a@b.example', { Authorization: 'Basic dGVzdA==' }],
    ['no email, domain or org', '/v1/context?ticket=1', bearer()],
    ['a bad lang', '/v1/context?email=a@b.example&lang=fr', bearer()],
    ['an email too long', `/v1/context?email=${'a'.repeat(321)}`, bearer()],
    ['an author too long', `/v1/context?email=a@b.example&author=${'a'.repeat(500)}`, bearer()],
    ['a malformed escape', '/v1/context?email=%E0%A4%A', bearer()],
  ])('%s → the same error', async (_what, path, headers: Record<string, string>) => {
    const answer = await both(path, headers);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(JSON.parse(answer.body)).toHaveProperty('error.code');
  });

  it("CORS: the extension's origin is allowed, another origin is not", async () => {
    const ours = await both('/v1/context?email=aiko.tanaka@acme.example.jp', { ...bearer(), Origin: 'chrome-extension://abcdefghijklmnop' });
    expect(ours.headers['access-control-allow-origin']).toBe('chrome-extension://abcdefghijklmnop');
    const page = await both('/v1/context?email=aiko.tanaka@acme.example.jp', { ...bearer(), Origin: 'https://desk.example.com' });
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
    const denied = await both('/v1/context?email=a@b.example', { Origin: 'moz-extension://1234-abcd' });
    expect(denied.status).toBe(401);
  });

  it('notes and thanks from the store, before and after a write, and `mine` per caller', async () => {
    const path = '/v1/context?email=aiko.tanaka@acme.example.jp';
    const first = await both(path);
    expect(JSON.parse(first.body).notes).toEqual([]);
    await db.store.addNote({ accountId: 'acme', text: 'renewal talk went well', ticket: '9', writer: { name: 'Mika', person: null, token: 'second' }, at: new Date() });
    await db.store.addThanks({ to: 'sato', writer: { name: 'Mika', person: null, token: 'second' }, account: 'acme', ticket: '9', message: '', at: new Date(), sameSince: new Date(Date.now() - 60_000) });
    for (const [headers, author] of [[bearer(), ''], [bearer(SECOND_TOKEN), '&author=Mika'], [bearer(SECOND_TOKEN), '&author=Other']] as const) {
      const answer = await both(`${path}${author}`, headers);
      const body = JSON.parse(answer.body);
      expect(body.notes.map((n: { text: string }) => n.text)).toEqual(['renewal talk went well']);
      expect(body.notes[0].mine).toBe(author === '&author=Mika');
      expect(body.before.find((h: { person: { id: string } | null }) => h.person?.id === 'sato').person.thanks).toBe(1);
    }
  });

  it('other methods and paths go to the Hono app', async () => {
    const calls = honoCalls;
    expect((await send(fastPort, '/v1/context?email=aiko.tanaka@acme.example.jp', bearer(), 'HEAD')).status).toBe(200);
    expect((await send(fastPort, '/v1/context/?email=aiko.tanaka@acme.example.jp', bearer())).status).toBe(404);
    expect((await send(fastPort, '/v1/contexts?email=a@b.example', bearer())).status).toBe(404);
    expect((await send(fastPort, '/v1/whoami', bearer())).status).toBe(200);
    expect(honoCalls - calls).toBe(4);
  });
});

it('the rate limit: the same 429 both ways (one limiter per app)', async () => {
  const text = (await import('node:fs')).readFileSync(new URL('../fixtures/config/valid.yaml', import.meta.url), 'utf8');
  await start(loadText(text.replace(/^tokens:/m, 'rateLimit: { perSecond: 0.001, burst: 2 }\ntokens:')));
  const path = '/v1/context?email=aiko.tanaka@acme.example.jp';
  expect((await send(fastPort, path, bearer())).status).toBe(200);
  expect((await send(honoPort, path, bearer())).status).toBe(200);
  const answer = await both(path, bearer(TOKEN));
  expect(answer.status).toBe(429);
  expect(answer.headers['retry-after']).toEqual(expect.any(String));
});

it('wrong tokens from one address: the fast path throttles that address like the Hono route (one throttle per app)', async () => {
  const text = (await import('node:fs')).readFileSync(new URL('../fixtures/config/valid.yaml', import.meta.url), 'utf8');
  await start(loadText(text.replace(/^tokens:/m, 'authFailures: { burst: 2, perMinute: 1 }\ntokens:')));
  const path = '/v1/context?email=aiko.tanaka@acme.example.jp';
  expect((await send(fastPort, path, { Authorization: 'Bearer wrong-1' })).status).toBe(401);
  expect((await send(honoPort, path, { Authorization: 'Bearer wrong-2' })).status).toBe(401);
  const answer = await both(path, bearer());
  expect(answer.status).toBe(429);
  expect(JSON.parse(answer.body).error.code).toBe('too_many_failures');
});

it('one keep-alive connection: a token it presented before is not trusted for another header, nor after a reload drops it', async () => {
  const text = (await import('node:fs')).readFileSync(new URL('../fixtures/config/valid.yaml', import.meta.url), 'utf8');
  const both = loadText(text);
  const onlySecond = loadText(text.replace(/^ {2}- \{ name: test, .*\n/m, ''));
  expect(onlySecond.tokens.map((t) => t.name)).toEqual(['second']);
  let loaded = both;
  const app = createApp({ current: () => loaded }, db.store);
  const { server, port } = await listen(nodeListener(app));
  servers = [server];
  const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set<unknown>();
  const ask = (token: string) =>
    new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, agent, path: '/v1/context?email=aiko.tanaka@acme.example.jp', headers: { Authorization: `Bearer ${token}` } }, (res) => {
        sockets.add(res.socket);
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end();
    });
  try {
    expect(await ask(TOKEN)).toBe(200);
    expect(await ask('wrong-token')).toBe(401);
    expect(await ask(TOKEN + 'x')).toBe(401);
    expect(await ask(TOKEN)).toBe(200);
    expect(await ask(SECOND_TOKEN)).toBe(200);
    expect(await ask(TOKEN)).toBe(200);
    loaded = onlySecond;
    expect(await ask(TOKEN)).toBe(401);
    expect(await ask(SECOND_TOKEN)).toBe(200);
    expect(sockets.size, 'every request went over the one connection').toBe(1);
  } finally {
    agent.destroy();
  }
});
