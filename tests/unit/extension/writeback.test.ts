/**
 * The background's write-back handlers (thanks:send, notes:add, notes:delete) against the real
 * context API on a free port, with a temp config holding a token without a person (two agents
 * share it, told apart by agentName) and the demo token (which names the person hayashi), and
 * a real SQLite file.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackground } from '../../../src/background/handlers';
import { mayAsk } from '../../../src/background/senders';
import { startServer } from '../../../src/server/serve';
import { DEMO_TOKEN, MemoryArea, REPO, loadLocale } from './helpers';

const DESK_TOKEN = 'shared-desk-token-for-tests';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
let dir: string;
let api: { url: string; close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-wb-'));
  const demo = readFileSync(resolve(REPO, 'baton.config.yaml'), 'utf8');
  const config = demo.replace(
    /^tokens:\n(?:(?:  .*|\s*)\n)*/m,
    `tokens:\n  - { name: desk, sha256: '${sha(DESK_TOKEN)}' }\n  - { name: demo, sha256: '${sha(DEMO_TOKEN)}', person: hayashi }\n\n`,
  );
  expect(config).toContain(sha(DESK_TOKEN));
  writeFileSync(join(dir, 'baton.config.yaml'), config);
  const s = await startServer({ configPath: join(dir, 'baton.config.yaml'), port: 0, host: '127.0.0.1', dbPath: join(dir, 'baton.db'), quiet: true });
  api = { url: s.url, close: () => s.close() };
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

function agent(agentName: string, token = DESK_TOKEN) {
  const local = new MemoryArea();
  local.data.set('apiUrl', api.url);
  local.data.set('token', token);
  local.data.set('agentName', agentName);
  let calls = 0;
  const bg = createBackground({
    local,
    loadLocale,
    uiLanguage: () => 'en-US',
    openOptions: async () => undefined,
    api: { backoffMs: 5, timeoutMs: 2000, fetch: (i, init) => (calls++, fetch(i, init)) },
  });
  return { h: bg.handlers, calls: () => calls };
}

const aiko = { email: 'aiko.tanaka@acme.example.jp', domain: 'acme.example.jp', ticket: '7', lang: 'en' as const };
const ctx = async (h: ReturnType<typeof agent>['h']) => {
  const r = await h['context:get']({ query: aiko });
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
};
const sato = (d: Awaited<ReturnType<typeof ctx>>) => d.before.find((b) => b.person?.id === 'sato')!.person!;

describe('thanks:send', () => {
  it('thanks a person once per minute and ticket, and the cached answer shows the new count', async () => {
    const a = agent('Agent A');
    const before = sato(await ctx(a.h)).thanks;
    const first = await a.h['thanks:send']({ to: 'sato', account: 'acme', ticket: '7' });
    expect(first).toMatchObject({ ok: true, total: before + 1, thanks: { to: 'sato', from: 'Agent A', account: 'acme', ticket: '7' } });
    const again = await a.h['thanks:send']({ to: 'sato', account: 'acme', ticket: '7' });
    expect(again).toMatchObject({ ok: true, total: before + 1 });
    // The cache was updated in place: no new lookup, and the count is there.
    const calls = a.calls();
    expect(sato(await ctx(a.h)).thanks).toBe(before + 1);
    expect(a.calls()).toBe(calls);
    // Another agent's thanks counts on its own.
    const b = agent('Agent B');
    expect(await b.h['thanks:send']({ to: 'sato', account: 'acme', ticket: '7' })).toMatchObject({ ok: true, total: before + 2 });
    expect(sato(await ctx(b.h)).thanks).toBe(before + 2);
  });

  it('every place a person stands in the cached answer gets the count (yamada: onboarding and customer success)', async () => {
    const a = agent('Agent A');
    await ctx(a.h);
    const r = await a.h['thanks:send']({ to: 'yamada', account: 'acme', ticket: '8' });
    if (!r.ok) throw new Error(r.error.message);
    const d = await ctx(a.h);
    const counts = [...d.before.map((h) => h.person), ...d.after.map((i) => i.person)].filter((p) => p?.id === 'yamada').map((p) => p!.thanks);
    expect(counts).toEqual([r.total, r.total]);
  });

  it('an unknown person or a missing id is refused with the reason', async () => {
    const a = agent('Agent A');
    expect(await a.h['thanks:send']({ to: 'nobody' })).toMatchObject({ ok: false, error: { status: 404, message: expect.stringContaining('nobody') } });
    expect(await a.h['thanks:send']({ to: ' ' })).toMatchObject({ ok: false, error: { kind: 'bad-response' } });
  });
});

describe('notes', () => {
  it('a note is written under the agent name, shows first in the cached answer, and a name alone deletes nothing', async () => {
    const a = agent('Agent A');
    const b = agent('Agent B');
    await ctx(a.h);
    const added = await a.h['notes:add']({ account: 'acme', text: '  CSV export: use UTF-8 with BOM  ', ticket: '7' });
    if (!added.ok) throw new Error(added.error.message);
    expect(added.note).toMatchObject({ text: 'CSV export: use UTF-8 with BOM', author: 'Agent A', ticket: '7', mine: true });
    expect((await ctx(a.h)).notes[0]).toMatchObject({ id: added.note.id, mine: true });

    // Agent B (same token, another name) sees it as not theirs, and may not delete it.
    const seen = (await ctx(b.h)).notes.find((n) => n.id === added.note.id);
    expect(seen).toMatchObject({ author: 'Agent A', mine: false });
    expect(await b.h['notes:delete']({ id: added.note.id, account: 'acme' })).toMatchObject({ ok: false, error: { status: 403 } });

    // Issue 11: a name sent through a shared token deletes nothing, the writer's own name
    // included (anyone on the team could send it): another browser of "Agent A" may not.
    const elsewhere = agent('Agent A');
    expect(await elsewhere.h['notes:delete']({ id: added.note.id, account: 'acme' })).toMatchObject({ ok: false, error: { status: 403, message: expect.stringContaining('delete key') } });
    // The background that wrote it kept the note's delete key from the POST answer (in its
    // secret store, out of the content scripts' reach) and sends it (X-Baton-Delete-Key).
    expect(await a.h['notes:delete']({ id: added.note.id, account: 'acme' })).toEqual({ ok: true, deleted: added.note.id });
    expect((await ctx(a.h)).notes.some((n) => n.id === added.note.id)).toBe(false);

    // A token that names a person deletes that person's notes.
    const h = agent('ignored', DEMO_TOKEN);
    const own = await h.h['notes:add']({ account: 'acme', text: 'mine', ticket: '8' });
    if (!own.ok) throw new Error(own.error.message);
    expect(await h.h['notes:delete']({ id: own.note.id, account: 'acme' })).toEqual({ ok: true, deleted: own.note.id });
    expect((await ctx(h.h)).notes.some((n) => n.id === own.note.id)).toBe(false);
  });

  it('a token that names a person writes as that person, whatever the agent name', async () => {
    const h = agent('Someone Else', DEMO_TOKEN);
    const r = await h.h['notes:add']({ account: 'acme', text: 'from the lead' });
    expect(r).toMatchObject({ ok: true, note: { author: '林 直子', mine: true } });
  });

  it('bad input gets the API reason and writes nothing', async () => {
    const a = agent('Agent A');
    const empty = await a.h['notes:add']({ account: 'acme', text: '   ' });
    expect(empty).toMatchObject({ ok: false, error: { status: 400, message: 'text should not be empty' } });
    expect(await a.h['notes:add']({ account: 'no-such', text: 'x' })).toMatchObject({ ok: false, error: { status: 404 } });
    expect(await a.h['notes:add']({ account: '', text: 'x' })).toMatchObject({ ok: false });
    expect(await a.h['notes:delete']({ id: '../thanks' })).toMatchObject({ ok: false });
    expect(await a.h['notes:delete']({ id: '999999' })).toMatchObject({ ok: false, error: { status: 404 } });
  });

  it('the views (extension pages) send the write-back messages; content scripts in desk pages may not', () => {
    for (const m of ['thanks:send', 'notes:add', 'notes:delete']) {
      expect(mayAsk('page', m)).toBe(true);
      expect(mayAsk('content', m)).toBe(false);
    }
    expect(mayAsk(null, 'notes:add')).toBe(false);
  });
});
