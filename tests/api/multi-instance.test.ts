/**
 * Two real server processes (`node bin/baton.mjs serve --store postgres://…`) on one PostgreSQL
 * database, as behind a load balancer: what is written through one is read through the other,
 * thanks are counted once whichever takes them, the webhook gets each message once while both
 * run their outbox, and a SIGKILL of one in a burst of writes loses no acknowledged write while
 * the other keeps answering. Every wait polls a condition.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContextResponseSchema, NoteResponseSchema, NotesPageSchema, ThanksResponseSchema, type ContextResponse } from '../../src/shared/context';
import { createDatabase, dropDatabase } from '../support/stores';
import { bearer, FIXTURES, freePort, spawnServe, waitFor, WebhookReceiver, type ServeProcess } from './helpers';

let dir: string;
let url: string;
let receiver: WebhookReceiver;
let a: ServeProcess;
let b: ServeProcess;
let sql: postgres.Sql;

/** The fixture config with a webhook and a rate limit the bursts below stay under. */
function writeConfig(file: string, webhook: string): void {
  const text = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8');
  writeFileSync(file, `${text}\nrateLimit: { perSecond: 100000, burst: 100000 }\nthanksLimit: { perDay: 1000, perPersonPerDay: 1000 }\nnotifications: { webhook: '${webhook}' }\n`);
}

const serve = (config: string) => spawnServe(['--config', config, '--port', '0', '--store', url, '--quiet'], { BATON_NOTIFY_BASE_MS: '20' });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-multi-'));
  url = await createDatabase();
  receiver = new WebhookReceiver(await freePort());
  await receiver.up();
  const config = join(dir, 'baton.config.yaml');
  writeConfig(config, `http://127.0.0.1:${receiver.port}/hooks/baton`);
  [a, b] = await Promise.all([serve(config), serve(config)]); // both migrate the empty database at once
  sql = postgres(url, { max: 2, onnotice: () => undefined });
});

afterAll(async () => {
  await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
  await sql?.end();
  await receiver?.close();
  if (url) await dropDatabase(url);
  rmSync(dir, { recursive: true, force: true });
});

const post = (base: string, path: string, body: object) =>
  fetch(`${base}${path}`, { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

async function context(base: string): Promise<ContextResponse> {
  const res = await fetch(`${base}/v1/context?email=aiko.tanaka@acme.example.jp`, { headers: bearer() });
  expect(res.status).toBe(200);
  return v.parse(ContextResponseSchema, await res.json());
}

async function allNotes(base: string): Promise<string[]> {
  const res = await fetch(`${base}/v1/accounts/acme/notes?limit=100`, { headers: bearer() });
  expect(res.status).toBe(200);
  return v.parse(NotesPageSchema, await res.json()).notes.map((n) => n.text);
}

interface Health {
  status: string;
  store: { kind: string; at: string; ok: boolean };
  notifications: { pending: number; sent: number };
}
const health = async (base: string) => (await (await fetch(`${base}/v1/status`, { headers: bearer() })).json()) as Health;

describe('two instances on one PostgreSQL database', () => {
  it('say so on /healthz, without the password', async () => {
    for (const p of [a, b]) {
      const h = await health(p.url);
      expect(h.status).toBe('ok');
      expect(h.store).toMatchObject({ kind: 'postgres', ok: true });
      expect(h.store.at).toBe(url.replace(/:[^:@/]+@/, '@'));
      expect(JSON.stringify(h)).not.toContain(new URL(url).password);
    }
  });

  it('notes and thanks written alternately through both are all visible through each', async () => {
    const written: string[] = [];
    for (let i = 0; i < 10; i++) {
      const via = i % 2 === 0 ? a : b;
      const res = await post(via.url, '/v1/accounts/acme/notes', { text: `alternate ${i}`, ticket: `T${i}` });
      expect(res.status).toBe(201);
      v.parse(NoteResponseSchema, await res.json());
      written.push(`alternate ${i}`);
      // The next answer of the other instance has it.
      const other = via === a ? b : a;
      expect((await context(other.url)).notes[0]?.text).toBe(`alternate ${i}`);
    }
    const newestFirst = [...written].reverse();
    expect(await allNotes(a.url)).toEqual(newestFirst);
    expect(await allNotes(b.url)).toEqual(newestFirst);
    expect((await context(a.url)).notes.map((n) => n.text)).toEqual(newestFirst.slice(0, 5));
    expect((await context(b.url)).notes).toEqual((await context(a.url)).notes);

    // Thanks to different people through alternate instances: each count is the same via both.
    const people = ['suzuki', 'sato', 'yamada', 'suzuki'];
    for (const [i, to] of people.entries()) {
      const res = await post((i % 2 === 0 ? a : b).url, '/v1/thanks', { to, account: 'acme', ticket: `alt-${i}` });
      expect(res.status).toBe(201);
    }
    for (const p of [a, b]) {
      const ctx = await context(p.url);
      const count = (id: string) => [...ctx.before.map((h) => h.person), ...ctx.after.map((x) => x.person)].find((x) => x?.id === id)?.thanks;
      expect([count('suzuki'), count('sato'), count('yamada')]).toEqual([2, 1, 1]);
    }
  });

  it('a thanks within the minute is counted once whichever instance takes it, also when both take it at once', async () => {
    const first = await post(a.url, '/v1/thanks', { to: 'kuroda', ticket: 'once-1' });
    expect(first.status).toBe(201);
    const again = await post(b.url, '/v1/thanks', { to: 'kuroda', ticket: 'once-1' });
    expect(again.status).toBe(200);
    expect(v.parse(ThanksResponseSchema, await again.json()).total).toBe(1);

    // Ten at the same moment, five through each: one is new, nine repeat it.
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => post((i % 2 ? a : b).url, '/v1/thanks', { to: 'kuroda', ticket: 'once-2' })));
    const bodies = await Promise.all(results.map(async (r) => ({ status: r.status, body: v.parse(ThanksResponseSchema, await r.json()) })));
    expect(bodies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(bodies.filter((r) => r.status === 200)).toHaveLength(9);
    expect(new Set(bodies.map((r) => r.body.thanks.id)).size).toBe(1);
    expect((await sql`SELECT count(*)::int AS n FROM thanks WHERE to_person = 'kuroda'`)[0]!.n).toBe(2);
  });

  it('the webhook gets each message once while both instances run their outbox', async () => {
    // Every thanks so far queued a message; 30 more through both at once.
    await Promise.all(Array.from({ length: 30 }, (_, i) => post((i % 2 ? a : b).url, '/v1/thanks', { to: 'yamada', ticket: `hook-${i}` }).then((r) => expect(r.status).toBe(201))));
    const queued = (await sql`SELECT count(*)::int AS n FROM outbox`)[0]!.n as number;
    expect(queued).toBe(4 + 2 + 30); // 4 alternate thanks, 2 kuroda, 30 here
    await waitFor(async () => (await sql`SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL`)[0]!.n === 0, 'the outbox to empty', 20_000);
    await waitFor(() => receiver.delivered.length >= queued, 'every message');
    const keys = receiver.requests.map((r) => r.headers['idempotency-key']);
    expect(receiver.requests.every((r) => r.status === 200)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length); // none twice
    expect(keys).toHaveLength(queued);
    const ids = (await sql`SELECT ref_id FROM outbox ORDER BY id`).map((r) => `baton-thanks-${r.ref_id as string}`);
    expect([...keys].sort()).toEqual([...ids].sort());
    for (const p of [a, b]) expect((await health(p.url)).notifications).toMatchObject({ pending: 0, sent: queued });
  });

  it('a SIGKILL of one instance in a burst of 500 note writes loses no acknowledged write, and the other keeps answering', async () => {
    const victim = a;
    const acknowledged: string[] = [];
    let failedWrites = 0;
    let next = 0;
    let killed = false;
    const writer = async () => {
      while (next < 500) {
        const i = next++;
        try {
          const res = await post(victim.url, '/v1/accounts/acme/notes', { text: `burst ${i}` });
          if (res.status === 201) acknowledged.push(v.parse(NoteResponseSchema, await res.json()).note.id);
          else failedWrites++;
        } catch {
          failedWrites++; // the connection died with the process
        }
        if (!killed && acknowledged.length >= 150) {
          killed = true;
          victim.child.kill('SIGKILL');
        }
      }
    };
    // Lookups through the other instance all along.
    let lookups = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        await context(b.url);
        lookups++;
      }
    })();
    await Promise.all(Array.from({ length: 16 }, writer));
    await victim.stop('SIGKILL');
    expect(victim.child.signalCode).toBe('SIGKILL');
    for (let i = 0; i < 20; i++) await context(b.url); // still answering after the kill
    stop = true;
    await reader;

    expect(acknowledged.length).toBeGreaterThanOrEqual(150);
    expect(acknowledged.length + failedWrites).toBe(500);
    expect(lookups).toBeGreaterThan(20);
    const stored = new Set((await sql`SELECT id FROM notes WHERE text LIKE 'burst %'`).map((r) => String(r.id)));
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]); // every 201 is in the database
    // And the survivor serves them.
    const res = await post(b.url, '/v1/accounts/acme/notes', { text: 'after the kill' });
    expect(res.status).toBe(201);
    expect((await context(b.url)).notes[0]?.text).toBe('after the kill');
  });
});
