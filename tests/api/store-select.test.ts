/**
 * Which store `npx baton serve` uses: --store / --db, then BATON_STORE, then `store:` in the
 * config (a SQLite path relative to the config file), then .baton/baton.db — through the real
 * CLI, reading /healthz; and a PostgreSQL password never shows in /healthz or the output.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/server/config';
import { createDatabase, dropDatabase } from '../support/stores';
import { bearer, BIN, FIXTURES, REPO, spawnServe, type ServeProcess } from './helpers';

let dir: string;
let pgUrl: string;
let serving: ServeProcess | undefined;
const base = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'baton-select-'));
  pgUrl = await createDatabase();
});
afterEach(async () => {
  await serving?.stop('SIGTERM');
  serving = undefined;
});
afterAll(async () => {
  await dropDatabase(pgUrl);
  rmSync(dir, { recursive: true, force: true });
});

interface Health {
  store: { kind: string; at: string; ok: boolean };
}
async function storeOf(args: string[], env: Record<string, string> = {}): Promise<Health['store']> {
  serving = await spawnServe(['--port', '0', ...args], env);
  const h = (await (await fetch(`${serving.url}/v1/status`, { headers: bearer() })).json()) as Health;
  return h.store;
}

/** `serve` that is expected not to start: its exit code and stderr. */
function serveFails(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function config(name: string, extra = ''): string {
  const file = join(dir, name);
  writeFileSync(file, `${base}${extra}`);
  return file;
}

describe('choosing the store', () => {
  it('--store postgres://… serves from PostgreSQL, and says where without the password', async () => {
    const store = await storeOf(['--config', config('pg.yaml'), '--store', pgUrl]);
    expect(store).toMatchObject({ kind: 'postgres', ok: true });
    const password = new URL(pgUrl).password;
    expect(store.at).not.toContain(password);
    const res = await fetch(`${serving!.url}/v1/accounts/acme/notes`, { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json' }, body: '{"text":"via --store"}' });
    expect(res.status).toBe(201);
    await serving!.stop('SIGTERM');
    expect(serving!.out() + serving!.err()).not.toContain(password);
  });

  it('store: in the config: a SQLite file next to the config; BATON_STORE wins over it; --db wins over BATON_STORE', async () => {
    const file = config('with-store.yaml', '\nstore: data/from-config.db\n');
    expect(await storeOf(['--config', file])).toMatchObject({ kind: 'sqlite', at: 'from-config.db', ok: true });
    expect(existsSync(join(dir, 'data', 'from-config.db'))).toBe(true);
    await serving!.stop();

    expect(await storeOf(['--config', file], { BATON_STORE: pgUrl })).toMatchObject({ kind: 'postgres', ok: true });
    await serving!.stop();

    expect(await storeOf(['--config', file, '--db', join(dir, 'flag.db')], { BATON_STORE: pgUrl })).toMatchObject({ kind: 'sqlite', at: 'flag.db' });
    await serving!.stop();

    // store: postgres://… in the config.
    expect(await storeOf(['--config', config('pg-in-config.yaml', `\nstore: '${pgUrl}'\n`)])).toMatchObject({ kind: 'postgres', ok: true });
  });

  it('refuses --store with --db, a store: that is neither a path nor a postgres:// URL, and says why a database does not answer', async () => {
    const both = await serveFails(['--config', config('both.yaml'), '--port', '0', '--store', pgUrl, '--db', 'x.db']);
    expect(both).toEqual({ code: 2, stderr: 'serve: give --store or --db, not both\n' });
    const bad = parseConfig(`${base}\nstore: 'mysql://root:hunter2@db/baton'\n`, 'bad.yaml');
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
        'store: "mysql://root:…@db/baton" is not a store: give a SQLite file path (like .baton/baton.db) or postgres://user:password@host/database',
      ]);
    }
    const dead = new URL(pgUrl);
    dead.port = '1';
    const refused = await serveFails(['--config', config('dead.yaml'), '--port', '0', '--store', dead.toString()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^serve: the store does not answer \(postgres:\/\/baton@127\.0\.0\.1:1\/\w+: ECONNREFUSED\)\n$/);
    expect(refused.stderr).not.toContain(dead.password);
  });
});
