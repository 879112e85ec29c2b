/**
 * docs/admin.md's reverse-proxy example, as written there (ports changed): Debian's nginx in
 * front of two real server processes on one PostgreSQL database. Through the proxy, writes and
 * lookups reach both instances; killing one fails no lookup; the per-instance rate limit adds
 * up as the page says (N instances × burst). Every wait polls.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextResponseSchema, NoteResponseSchema } from '../../src/shared/context';
import { documentedProxyConfig, startNginx, withPorts, type Nginx } from '../../scripts/services/nginx';
import { createDatabase, dropDatabase } from '../support/stores';
import { bearer, FIXTURES, freePort, SECOND_TOKEN, spawnServe, type ServeProcess } from './helpers';

let dir: string;
let url: string;
const instances: ServeProcess[] = [];
const proxies: Nginx[] = [];

/** Two instances on `url` with this config text, and nginx with the documented block in front. */
async function cluster(configText: string): Promise<{ proxy: Nginx; servers: ServeProcess[]; ports: number[] }> {
  const config = join(dir, `baton-${instances.length}.config.yaml`);
  writeFileSync(config, configText);
  const ports = [await freePort(), await freePort()];
  const servers = await Promise.all(ports.map((p) => spawnServe(['--config', config, '--port', String(p), '--store', url, '--quiet'])));
  instances.push(...servers);
  const proxyPort = await freePort();
  const proxy = await startNginx(withPorts(documentedProxyConfig(), proxyPort, ports), proxyPort);
  proxies.push(proxy);
  return { proxy, servers, ports };
}

const fixture = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-proxy-'));
  url = await createDatabase();
});
afterAll(async () => {
  await Promise.all(proxies.map((p) => p.stop()));
  await Promise.all(instances.map((s) => s.stop('SIGTERM')));
  await dropDatabase(url);
  rmSync(dir, { recursive: true, force: true });
});

const lookup = async (base: string, token = bearer()) => {
  const res = await fetch(`${base}/v1/context?email=aiko.tanaka@acme.example.jp`, { headers: token });
  expect(res.status).toBe(200);
  return v.parse(ContextResponseSchema, await res.json());
};

describe('two instances behind the documented nginx config', () => {
  it('the page has the example, and it names both instances and the proxy port', () => {
    const block = documentedProxyConfig();
    expect(block).toMatch(/upstream baton \{[\s\S]*server 127\.0\.0\.1:8787[\s\S]*server 127\.0\.0\.1:8788/);
    expect(block).toMatch(/listen 127\.0\.0\.1:8080;/);
    expect(() => withPorts(block, 1, [2, 3])).not.toThrow();
  });

  it('serves writes and lookups from both instances, and goes on when one is killed', async () => {
    const { proxy, servers } = await cluster(`${fixture}\nrateLimit: { perSecond: 100000, burst: 100000 }\n`);
    expect((await (await fetch(`${proxy.url}/healthz`)).json()) as { store: { kind: string } }).toMatchObject({ store: { kind: 'postgres' } });

    // Writes through the proxy; each lookup (on either instance) sees the last one.
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${proxy.url}/v1/accounts/acme/notes`, { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: JSON.stringify({ text: `via proxy ${i}` }) });
      expect(res.status).toBe(201);
      ids.push(v.parse(NoteResponseSchema, await res.json()).note.id);
      expect((await lookup(proxy.url)).notes[0]?.text).toBe(`via proxy ${i}`);
    }
    // Both instances answer the same notes directly.
    for (const s of servers) expect((await lookup(s.url)).notes.map((n) => n.id)).toEqual([...ids].reverse().slice(0, 5));

    // One instance dies: no lookup through the proxy fails.
    servers[0]!.child.kill('SIGKILL');
    await servers[0]!.stop('SIGKILL');
    for (let i = 0; i < 20; i++) expect((await lookup(proxy.url)).match.by).toBe('email');
    const res = await fetch(`${proxy.url}/v1/accounts/acme/notes`, { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: '{"text":"one instance left"}' });
    expect(res.status).toBe(201);
  });

  it('the rate limit is per instance: round robin over two lets 2 × burst through at once', async () => {
    const { proxy } = await cluster(`${fixture}\nrateLimit: { perSecond: 0.01, burst: 3 }\n`);
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${proxy.url}/v1/whoami`, { headers: bearer(SECOND_TOKEN) });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });
});
