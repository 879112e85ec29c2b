/**
 * The API client against real HTTP servers: the demo API for answers, and small node:http
 * servers for the failures a real API can produce (slow, broken, down).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextPath, getContext, getWhoAmI, normalizeApiUrl } from '../../../src/background/api';
import { DEMO_TOKEN, startDemoApi, type RunningApi } from './helpers';

let api: RunningApi;
beforeAll(async () => {
  api = await startDemoApi();
});
afterAll(() => api.close());

/** A node:http server answering with `handler`; counts requests. */
async function tinyServer(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(handler);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  let hits = 0;
  s.on('request', () => hits++);
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    get hits() {
      return hits;
    },
    close: () => new Promise<void>((r) => (s.closeAllConnections(), s.close(() => r()))),
  };
}

describe('normalizeApiUrl', () => {
  it('keeps http(s) bases without a trailing slash and refuses the rest', () => {
    expect(normalizeApiUrl(' http://127.0.0.1:8787/ ')).toBe('http://127.0.0.1:8787');
    expect(normalizeApiUrl('https://baton.example.com/api/')).toBe('https://baton.example.com/api');
    expect(normalizeApiUrl('ftp://x')).toBeNull();
    expect(normalizeApiUrl('javascript:alert(1)')).toBeNull();
    expect(normalizeApiUrl('https://user:pw@x.example')).toBeNull();
    expect(normalizeApiUrl('not a url')).toBeNull();
  });

  it('builds the context query from the set fields only', () => {
    expect(contextPath({ email: 'a@b.example', org: '  ', lang: 'ja' })).toBe('/v1/context?email=a%40b.example&lang=ja');
  });
});

describe('getContext against the demo API', () => {
  it('returns the validated relay of a contact', async () => {
    const r = await getContext({ apiUrl: api.url, token: DEMO_TOKEN }, { email: 'aiko.tanaka@acme.example.jp', lang: 'ja' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.data.match.by).toBe('email');
    expect(r.data.account?.name).toBe('株式会社アクメ');
    expect(r.data.before.map((h) => h.stage.id)).toEqual(['marketing', 'inside-sales', 'sales', 'onboarding']);
  });

  it('says unauthorized for a wrong token, with the server message', async () => {
    const r = await getContext({ apiUrl: api.url, token: 'wrong' }, { email: 'aiko.tanaka@acme.example.jp' });
    expect(r).toMatchObject({ ok: false, error: { kind: 'unauthorized', status: 401 } });
    if (!r.ok) expect(r.error.message).toMatch(/token/);
  });

  it('says unconfigured without asking when address or token is missing', async () => {
    expect(await getContext({ apiUrl: '', token: DEMO_TOKEN }, { email: 'a@b.example' })).toMatchObject({ ok: false, error: { kind: 'unconfigured' } });
    expect(await getContext({ apiUrl: api.url, token: ' ' }, { email: 'a@b.example' })).toMatchObject({ ok: false, error: { kind: 'unconfigured' } });
  });

  it('reads whoami for "Test connection"', async () => {
    const r = await getWhoAmI({ apiUrl: api.url + '/', token: DEMO_TOKEN });
    expect(r.ok && r.data.organization.name).toBe('Hibiki Survey');
  });
});

describe('failures', () => {
  it('server errors (5xx) become "server" with the JSON message', async () => {
    const s = await tinyServer((_q, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unavailable', message: 'config reloading' } }));
    });
    const r = await getContext({ apiUrl: s.url, token: 't' }, { email: 'a@b.example' });
    expect(r).toEqual({ ok: false, error: { kind: 'server', message: 'config reloading', status: 503 } });
    expect(s.hits).toBe(1); // an HTTP answer is not retried
    await s.close();
  });

  it('answers that do not match the schema become "bad-response" naming the field', async () => {
    const s = await tinyServer((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ match: { by: 'guess' }, account: null, contact: null, before: [], after: [] }));
    });
    const r = await getContext({ apiUrl: s.url, token: 't' }, { email: 'a@b.example' });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.kind).toBe('bad-response');
      expect(r.error.message).toContain('match.by');
    }
    await s.close();
  });

  it('non-JSON is a bad response too', async () => {
    const s = await tinyServer((_q, res) => res.end('<html>proxy login</html>'));
    const r = await getContext({ apiUrl: s.url, token: 't' }, { email: 'a@b.example' });
    expect(r).toMatchObject({ ok: false, error: { kind: 'bad-response' } });
    await s.close();
  });

  it('a server that never answers is offline after the timeout and one retry', async () => {
    const s = await tinyServer(() => undefined); // holds every request open
    const r = await getContext({ apiUrl: s.url, token: 't' }, { email: 'a@b.example' }, { timeoutMs: 1000, backoffMs: 10 }); // long enough that each attempt reaches the server on a loaded machine
    expect(r).toMatchObject({ ok: false, error: { kind: 'offline' } });
    if (!r.ok) expect(r.error.message).toContain('no answer within 1000 ms');
    expect(s.hits).toBe(2);
    await s.close();
  });

  it('without retry, one attempt only', async () => {
    const s = await tinyServer(() => undefined);
    const r = await getContext({ apiUrl: s.url, token: 't' }, { email: 'a@b.example' }, { timeoutMs: 1000, retry: false });
    expect(r).toMatchObject({ ok: false, error: { kind: 'offline' } });
    expect(s.hits).toBe(1);
    await s.close();
  });

  it('a closed port is offline', async () => {
    const s = await tinyServer(() => undefined);
    const url = s.url;
    await s.close();
    const r = await getContext({ apiUrl: url, token: 't' }, { email: 'a@b.example' }, { backoffMs: 5 });
    expect(r).toMatchObject({ ok: false, error: { kind: 'offline' } });
  });

  it('the retry succeeds when the first attempt fails on the network', async () => {
    let n = 0;
    const s = await tinyServer((req, res) => {
      if (n++ === 0) return req.socket.destroy(); // connection reset
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ match: { by: 'none' }, account: null, contact: null, before: [], after: [] }));
    });
    const r = await getContext({ apiUrl: s.url, token: 't' }, { email: 'a@b.example' }, { backoffMs: 5 });
    expect(r.ok && r.data.match.by).toBe('none');
    expect(s.hits).toBe(2);
    await s.close();
  });

  it('an abort from the caller stops the lookup', async () => {
    const s = await tinyServer(() => undefined);
    const ac = new AbortController();
    const p = getContext({ apiUrl: s.url, token: 't' }, { email: 'a@b.example' }, { signal: ac.signal });
    ac.abort(new Error('next ticket'));
    await expect(p).rejects.toThrow('next ticket');
    await s.close();
  });
});
