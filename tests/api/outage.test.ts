/**
 * The database stopped and started again while two real server processes serve from it (their
 * own throwaway cluster, so the other tests' cluster stays up): lookups never fail — answered
 * from the config, without notes, marked `writeBack: "unavailable"` — writes fail with 503
 * `store_unavailable` while it is down and succeed after it is back, without a restart; the
 * lookups made during the outage reach the audit trail afterwards. Every wait polls.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextResponseSchema, ErrorResponseSchema } from '../../src/shared/context';
import { PG_PASSWORD, startCluster, type PgCluster } from '../../scripts/services/postgres';
import { bearer, FIXTURES, spawnServe, waitFor, type ServeProcess } from './helpers';

let dir: string;
let cluster: PgCluster;
let url: string;
let servers: ServeProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-outage-'));
  cluster = await startCluster({ fsync: false });
  url = await cluster.createDatabase('outage');
  const config = join(dir, 'baton.config.yaml');
  writeFileSync(config, `${readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8')}\nrateLimit: { perSecond: 100000, burst: 100000 }\n`);
  servers = await Promise.all([0, 1].map(() => spawnServe(['--config', config, '--port', '0', '--quiet'], { BATON_STORE: url })));
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop('SIGTERM')));
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const note = (base: string, text: string) =>
  fetch(`${base}/v1/accounts/acme/notes`, { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: JSON.stringify({ text }) });

async function lookup(base: string, ticket: string) {
  const res = await fetch(`${base}/v1/context?email=aiko.tanaka@acme.example.jp&ticket=${ticket}`, { headers: bearer() });
  expect(res.status).toBe(200);
  const body = v.parse(ContextResponseSchema, await res.json());
  expect(body.match.by).toBe('email');
  expect(body.before.map((h) => h.stage.id)).toEqual(['marketing', 'sales', 'product']); // the relay, from the config
  return body;
}

interface Health {
  status: string;
  store: { kind: string; ok: boolean; error?: string };
}
const health = async (base: string) => (await (await fetch(`${base}/v1/status`, { headers: bearer() })).json()) as Health;

describe('the database goes away and comes back while two instances serve', () => {
  it('lookups never fail, writes get 503 while it is down and succeed after, by themselves', async () => {
    const [a, b] = servers as [ServeProcess, ServeProcess];
    expect((await note(a.url, 'before the outage')).status).toBe(201);
    expect((await lookup(b.url, 'up-0')).notes.map((n) => n.text)).toEqual(['before the outage']);

    // Lookups on both, all along: none may fail.
    let stop = false;
    let lookups = 0;
    const readers = [a, b].map(async (p, i) => {
      while (!stop) {
        await lookup(p.url, `loop-${i}`);
        lookups++;
      }
    });

    await cluster.stop('fast');

    const downTickets: string[] = [];
    for (const p of [a, b]) {
      const during = await lookup(p.url, `down-${p.url.slice(-5)}`);
      downTickets.push(`down-${p.url.slice(-5)}`);
      expect(during.notes).toEqual([]);
      expect(during.writeBack).toBe('unavailable');
      expect(during.before.every((h) => (h.person?.thanks ?? 0) === 0)).toBe(true);

      const res = await note(p.url, 'during the outage');
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('1');
      const err = v.parse(ErrorResponseSchema, await res.json());
      expect(err.error.code).toBe('store_unavailable');
      expect(err.error.message).toMatch(/the store does not answer .*nothing was changed; try again in a moment/);
      expect(err.error.message).not.toContain(PG_PASSWORD);

      const thanks = await fetch(`${p.url}/v1/thanks`, { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: JSON.stringify({ to: 'sato' }) });
      expect(thanks.status).toBe(503);
      await thanks.arrayBuffer();

      const h = await health(p.url);
      expect(h.status).toBe('degraded');
      expect(h.store).toMatchObject({ kind: 'postgres', ok: false });
      expect(h.store.error).toBeTruthy();
      expect(JSON.stringify(h)).not.toContain(PG_PASSWORD);
    }
    const lookupsWhileDown = lookups;

    await cluster.start();

    // Each instance finds the database again without a restart: its next writes succeed.
    for (const p of [a, b]) {
      await waitFor(async () => (await health(p.url)).store.ok, 'the store to answer again', 15_000);
      await waitFor(async () => {
        const res = await note(p.url, `after the outage via ${p.url.slice(-5)}`);
        await res.arrayBuffer();
        return res.status === 201;
      }, 'a write to succeed', 15_000);
      expect((await health(p.url)).status).toBe('ok');
    }
    const after = await lookup(a.url, 'up-1');
    expect(after.writeBack).toBeUndefined();
    expect(after.notes.map((n) => n.text)).toEqual([`after the outage via ${b.url.slice(-5)}`, `after the outage via ${a.url.slice(-5)}`, 'before the outage']);

    stop = true;
    await Promise.all(readers);
    expect(lookups).toBeGreaterThan(lookupsWhileDown);

    // The lookups answered while the database was down were kept in memory and are in the audit trail now.
    const sql = postgres(url, { max: 1, onnotice: () => undefined });
    try {
      await waitFor(async () => {
        const rows = await sql`SELECT ticket FROM audit WHERE ticket LIKE 'down-%'`;
        return rows.length === downTickets.length;
      }, 'the outage lookups in the audit trail', 15_000);
    } finally {
      await sql.end();
    }
  });
});
