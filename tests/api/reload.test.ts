import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContextResponse } from '../../src/shared/context';
import { createApp } from '../../src/server/app';
import { loadConfigFile } from '../../src/server/config';
import { ConfigHolder } from '../../src/server/holder';
import { bearer, FIXTURES, tempStore, waitFor, type TempStore } from './helpers';

let db: TempStore;
let file: string;
let holder: ConfigHolder;
let app: ReturnType<typeof createApp>;
let stopWatching: (() => void) | undefined;

const original = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8');
const renamed = original.replace('name: 田中 愛子', 'name: 田中 愛子 (人事部長)');
const broken = renamed.replace('person: sato, at: 2024-06-15', 'person: satoo, at: 2024-06-15');

async function aikoName(): Promise<string | undefined> {
  const res = await app.request('/v1/context?email=aiko.tanaka@acme.example.jp', { headers: bearer() });
  expect(res.status).toBe(200);
  return ((await res.json()) as ContextResponse).contact?.name;
}

/** The details (GET /v1/status, with a token). */
async function health(): Promise<{ config: { hash: string }; lastReloadError: { errors: string[] } | null }> {
  return (await (await app.request('/v1/status', { headers: bearer() })).json()) as never;
}

beforeEach(async () => {
  db = await tempStore();
  file = join(db.dir, 'baton.config.yaml');
  copyFileSync(join(FIXTURES, 'valid.yaml'), file);
  const result = await loadConfigFile(file, 'baton.config.yaml');
  if (!result.ok) throw new Error('fixture should load');
  holder = new ConfigHolder(file, result.loaded, undefined, undefined, { fileSettleMs: 20 });
  app = createApp(holder, db.store);
});
afterEach(async () => {
  stopWatching?.();
  stopWatching = undefined;
  await db.cleanup();
});

describe('reload', () => {
  it('swaps in a valid change', async () => {
    expect(await aikoName()).toBe('田中 愛子');
    const before = (await health()).config.hash;
    writeFileSync(file, renamed);
    expect(await holder.reload()).toMatchObject({ ok: true, changed: true });
    expect(await aikoName()).toBe('田中 愛子 (人事部長)');
    expect((await health()).config.hash).not.toBe(before);
    expect(await holder.reload()).toMatchObject({ ok: true, changed: false });
  });

  it('keeps the last good config on an invalid change, says why in /v1/status (counts only in /healthz), and recovers', async () => {
    writeFileSync(file, renamed);
    await holder.reload();
    const good = (await health()).config.hash;
    writeFileSync(file, broken);
    const result = await holder.reload();
    expect(result.ok).toBe(false);
    expect(await aikoName()).toBe('田中 愛子 (人事部長)');
    const h = await health();
    expect(h.config.hash).toBe(good);
    expect(h.lastReloadError?.errors).toEqual([
      'baton.config.yaml:26:33 accounts[0].relay[1].person: no person "satoo" (did you mean "sato"?)',
    ]);
    const open = (await (await app.request('/healthz')).json()) as { lastReloadError: unknown };
    expect(open.lastReloadError).toEqual({ at: expect.any(String), errors: 1 });
    expect(JSON.stringify(open)).not.toContain('satoo');
    writeFileSync(file, original);
    await holder.reload();
    expect((await health()).lastReloadError).toBeNull();
    expect(await aikoName()).toBe('田中 愛子');
  });

  it('keeps serving when the file disappears', async () => {
    renameSync(file, `${file}.bak`);
    expect((await holder.reload()).ok).toBe(false);
    expect((await health()).lastReloadError?.errors[0]).toBe('baton.config.yaml:1:1 cannot read the config: no such file');
    expect(await aikoName()).toBe('田中 愛子');
  });

  it('answers every request while reloads happen, each from one whole config', async () => {
    const requests: Promise<string | undefined>[] = [];
    for (let i = 0; i < 20; i++) {
      writeFileSync(file, i % 2 ? original : renamed);
      const reload = holder.reload();
      requests.push(aikoName(), aikoName());
      await reload;
    }
    const names = await Promise.all(requests);
    for (const n of names) expect(['田中 愛子', '田中 愛子 (人事部長)']).toContain(n);
  });

  it('a request keeps the config it started with', async () => {
    const snapshot = holder.current();
    writeFileSync(file, renamed);
    await holder.reload();
    expect(holder.current()).not.toBe(snapshot);
    expect(snapshot.config.accounts[0]!.contacts[0]!.name).toBe('田中 愛子');
  });
});

describe('watch', () => {
  it('picks up a file replaced by rename (as editors save) and one written in place', async () => {
    stopWatching = holder.watch({ debounceMs: 20, pollMs: 100 });
    writeFileSync(`${file}.tmp`, renamed);
    renameSync(`${file}.tmp`, file);
    await waitFor(async () => (await aikoName()) === '田中 愛子 (人事部長)', 'the renamed file to load');
    writeFileSync(file, broken);
    await waitFor(async () => (await health()).lastReloadError !== null, 'the broken file to be reported');
    expect(await aikoName()).toBe('田中 愛子 (人事部長)');
    writeFileSync(file, original);
    await waitFor(async () => (await aikoName()) === '田中 愛子', 'the fixed file to load');
    expect((await health()).lastReloadError).toBeNull();
  });
});
