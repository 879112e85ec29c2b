/**
 * `npx baton token add|remove` through the real CLI, against a running `baton serve`: the token is
 * printed once, its hash lands in tokens: with the file's comments and layout kept, and the
 * server accepts (then refuses) it without a restart.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/server/security';
import { bearer, FIXTURES, runCli, spawnServe, waitFor, type ServeProcess } from './helpers';

let dir: string;
let file: string;
let serving: ServeProcess | undefined;
const original = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8');

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-tokens-'));
  file = join(dir, 'baton.config.yaml');
  writeFileSync(file, original);
});
afterEach(async () => {
  await serving?.stop();
  serving = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe('npx baton token', () => {
  it('add: prints a strong token once, writes only its hash (comments kept), and the running server takes it; remove revokes it', async () => {
    serving = await spawnServe(['--config', file, '--port', '0', '--db', join(dir, 'baton.db'), '--quiet']);
    const run = await runCli(['token', 'add', 'kuroda-desk', '--person', 'kuroda', '--config', file]);
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    expect(token).toMatch(/^baton_[A-Za-z0-9_-]{43}$/);
    expect(run.stderr).toMatch(/token "kuroda-desk" for kuroda added to .*shown this once/);

    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(token);
    expect(text).toContain(`- { name: kuroda-desk, sha256: '${sha256Hex(token)}', person: kuroda }`);
    // Everything else is as it was: the comment on line 1, every other line in its place.
    expect(text.startsWith(original.trimEnd().split('\nadapters:')[0]!)).toBe(true);
    expect(text.split('\n')[0]).toBe(original.split('\n')[0]);

    const whoami = () => fetch(`${serving!.url}/v1/whoami`, { headers: bearer(token) });
    await waitFor(async () => (await whoami()).status === 200, 'the server to accept the new token');
    expect(await (await whoami()).json()).toMatchObject({ token: { name: 'kuroda-desk', person: 'kuroda' } });
    const note = await fetch(`${serving.url}/v1/accounts/acme/notes`, { method: 'POST', headers: { ...bearer(token), 'Content-Type': 'application/json' }, body: JSON.stringify({ text: 'hi', author: 'Someone Else' }) });
    expect(await note.json()).toMatchObject({ note: { author: '黒田 陽子', verified: true } });

    // Two of the same name: refused, file unchanged.
    const again = await runCli(['token', 'add', 'kuroda-desk', '--config', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/has a token "kuroda-desk" already/);

    const removed = await runCli(['token', 'remove', 'kuroda-desk', '--config', file]);
    expect(removed.code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);
    await waitFor(async () => (await whoami()).status === 401, 'the server to refuse the removed token');
  });

  it('refuses an unknown person or a bad name, leaving the file as it was; makes tokens: when there is none', async () => {
    const bad = await runCli(['token', 'add', 'x', '--person', 'nobody', '--config', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/tokens\[2\]\.person: no person "nobody"/);
    expect(bad.stdout).toBe('');
    expect((await runCli(['token', 'add', 'has space', '--config', file])).code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe(original);

    const bare = join(dir, 'bare.yaml');
    writeFileSync(bare, 'version: 1 # the format\norganization: { name: V }\nstages: [ { id: s, side: before, label: S } ]\n');
    const made = await runCli(['token', 'add', 'desk', '--config', bare]);
    expect(made.code).toBe(0);
    expect(made.stderr).toMatch(/\(shared: no person\)/);
    const text = readFileSync(bare, 'utf8');
    expect(text).toContain('version: 1 # the format');
    expect(text).toContain(`tokens:\n  - { name: desk, sha256: '${sha256Hex(made.stdout.trim())}' }`);
    expect((await runCli(['check', bare])).code).toBe(0);
  });
});
