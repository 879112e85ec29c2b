/**
 * The real process (`node bin/baton.mjs serve`): a write acknowledged with 201 survives a
 * SIGKILL sent right after it; the audit trail's group commit loses at most its window to a
 * SIGKILL and nothing to a SIGTERM; and a
 * thanks queued while the webhook is down — across a SIGKILL — reaches the webhook exactly once
 * when it comes back. Every wait polls.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContextResponseSchema, NoteResponseSchema, NotesPageSchema, ThanksResponseSchema } from '../../src/shared/context';
import Database from 'better-sqlite3';
import { bearer, FIXTURES, freePort, spawnServe, waitFor, WebhookReceiver, type ServeProcess } from './helpers';

let dir: string;
let serving: ServeProcess | undefined;
let receiver: WebhookReceiver | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-durable-'));
});
afterEach(async () => {
  await serving?.stop('SIGKILL');
  serving = undefined;
  await receiver?.close();
  receiver = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const serve = async (config: string) =>
  (serving = await spawnServe(['--config', config, '--port', '0', '--db', join(dir, 'store', 'baton.db'), '--quiet'], { BATON_NOTIFY_BASE_MS: '20' }));

const post = (url: string, path: string, body: object) =>
  fetch(`${url}${path}`, { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

interface Health {
  store: { synchronous: string; audit: { flushMs: number } };
  notifications: { webhook: boolean; pending: number; sent: number; lastError: string | null };
}
const health = async (url: string) => (await (await fetch(`${url}/v1/status`, { headers: bearer() })).json()) as Health;

describe('durability (real process, SIGKILL)', () => {
  it('keeps a note and a thanks acknowledged right before a SIGKILL', async () => {
    const config = join(dir, 'baton.config.yaml');
    copyFileSync(join(FIXTURES, 'valid.yaml'), config);

    let { url } = await serve(config);
    expect((await health(url)).store.synchronous).toBe('full');
    const res = await post(url, '/v1/accounts/acme/notes', { text: '次の担当へ: 更新前に人事部長と話す', ticket: '4711' });
    expect(res.status).toBe(201);
    const { note } = v.parse(NoteResponseSchema, await res.json());
    await serving!.stop('SIGKILL'); // right after the 201: no shutdown, no checkpoint
    expect(serving!.child.signalCode).toBe('SIGKILL');

    ({ url } = await serve(config));
    const page = v.parse(NotesPageSchema, await (await fetch(`${url}/v1/accounts/acme/notes`, { headers: bearer() })).json());
    expect(page.notes).toEqual([note]);

    const thanks = await post(url, '/v1/thanks', { to: 'sato', account: 'acme', ticket: '4711' });
    expect(thanks.status).toBe(201);
    await thanks.arrayBuffer();
    await serving!.stop('SIGKILL');

    ({ url } = await serve(config));
    const ctx = v.parse(ContextResponseSchema, await (await fetch(`${url}/v1/context?email=aiko.tanaka@acme.example.jp`, { headers: bearer() })).json());
    expect(ctx.notes.map((n) => n.id)).toEqual([note.id]);
    expect(ctx.before.find((h) => h.person?.id === 'sato')?.person?.thanks).toBe(1);
  });

  it('commits the audit rows of lookups within the group-commit window by itself; a SIGKILL loses at most that window, a SIGTERM nothing', async () => {
    const config = join(dir, 'baton.config.yaml');
    copyFileSync(join(FIXTURES, 'valid.yaml'), config);
    const dbPath = join(dir, 'store', 'baton.db');
    const lookup = async (url: string, ticket: string) => {
      const res = await fetch(`${url}/v1/context?email=aiko.tanaka@acme.example.jp&ticket=${ticket}`, { headers: bearer() });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    };
    /** The tickets in the file, read by another connection (not through the server). */
    const tickets = () => {
      const db = new Database(dbPath, { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT ticket FROM audit ORDER BY id').all() as { ticket: string }[]).map((r) => r.ticket);
      } finally {
        db.close();
      }
    };

    let { url } = await serve(config);
    const h = await health(url);
    expect(h.store.audit.flushMs).toBeGreaterThan(0);
    for (const t of ['k1', 'k2', 'k3']) await lookup(url, t);
    // No shutdown, no read through the server: the group commit writes them by itself.
    await waitFor(() => tickets().length === 3, 'the batch to be committed', 5_000);
    await lookup(url, 'k4');
    await serving!.stop('SIGKILL'); // right after the last answer: k4 may be in the lost window
    expect(serving!.child.signalCode).toBe('SIGKILL');
    expect([['k1', 'k2', 'k3'], ['k1', 'k2', 'k3', 'k4']]).toContainEqual(tickets());
    const kept = tickets();

    ({ url } = await serve(config));
    for (const t of ['t1', 't2']) await lookup(url, t);
    await serving!.stop('SIGTERM'); // the shutdown commits the last batch
    expect(serving!.child.exitCode).toBe(0);
    expect(tickets()).toEqual([...kept, 't1', 't2']);
  });

  it('a thanks queued while the webhook is down survives a SIGKILL and arrives exactly once', async () => {
    receiver = new WebhookReceiver(await freePort(), [503]);
    const config = join(dir, 'baton.config.yaml');
    writeFileSync(config, `${readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8')}\nnotifications: { webhook: 'http://127.0.0.1:${receiver.port}/hooks/baton' }\n`);

    // Down (nothing listens): the thanks is acknowledged and queued; the server dies.
    let { url } = await serve(config);
    const res = await post(url, '/v1/thanks', { to: 'yamada', account: 'acme', ticket: '4711', message: 'オンボーディングありがとう' });
    expect(res.status).toBe(201);
    const first = v.parse(ThanksResponseSchema, await res.json());
    await waitFor(async () => (await health(url)).notifications.lastError, 'a failed try');
    await serving!.stop('SIGKILL');

    // Restarted, still down: the message is still waiting.
    ({ url } = await serve(config));
    await waitFor(async () => (await health(url)).notifications.lastError?.includes('ECONNREFUSED'), 'a failed try after the restart');
    expect((await health(url)).notifications).toMatchObject({ webhook: true, pending: 1, sent: 0 });

    // Up: a 503 first, then 200. It arrives once.
    await receiver.up();
    await waitFor(() => receiver!.delivered.length === 1, 'the message');
    await waitFor(async () => (await health(url)).notifications.pending === 0, 'the outbox to empty');
    expect(receiver.delivered).toEqual([{ text: '👏 佐藤 健 さんから 山田 花子 さんへ「ありがとう」（株式会社アクメ・チケット 4711）\n> オンボーディングありがとう' }]);
    expect(receiver.requests[0]!.headers['idempotency-key']).toBe(`baton-thanks-${first.thanks.id}`);

    // A second thanks after it is the only other message, also after another restart.
    await serving!.stop('SIGTERM');
    ({ url } = await serve(config));
    expect((await post(url, '/v1/thanks', { to: 'suzuki', ticket: '4712' })).status).toBe(201);
    await waitFor(() => receiver!.delivered.length === 2, 'the second message');
    await waitFor(async () => (await health(url)).notifications.pending === 0, 'the outbox to empty');
    expect(receiver.delivered[1]).toEqual({ text: '👏 佐藤 健 さんから 鈴木 美咲 さんへ「ありがとう」（チケット 4712）' });
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 200, 200]);
    expect((await health(url)).notifications).toEqual({ webhook: true, pending: 0, sent: 2, lastError: null });
  });
});
