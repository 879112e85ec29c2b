/**
 * The real CLI: `node bin/baton.mjs …` as an admin runs it (the built JavaScript of build/server/,
 * rebuilt by the bin when a source changed; tests/api/build-server.test.ts).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ContextResponse } from '../../src/shared/context';
import { startServer, type RunningServer } from '../../src/server/serve';
import { bearer, FIXTURES, REPO, runCli, spawnServe, waitFor, type ServeProcess } from './helpers';

const run = (args: string[], stdin?: string) => runCli(args, stdin === undefined ? {} : { stdin });

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'baton-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('baton check', () => {
  it('exits 0 with a one-line summary for a good file', async () => {
    const r = await run(['check', join(FIXTURES, 'valid.yaml')]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(/valid\.yaml: OK — 5 stages, 4 people, 3 accounts, 3 contacts, 2 tokens, 1 adapter$/m);
  });

  it('checks the demo config', async () => {
    const r = await run(['check', 'baton.config.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^baton\.config\.yaml: OK — \d+ stages, 14 people, 8 accounts, \d+ contacts/);
  });

  it('exits non-zero and prints every error with file:line:col and field', async () => {
    const r = await run(['check', 'tests/fixtures/config/many-errors.yaml']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain('tests/fixtures/config/many-errors.yaml:13:33 accounts[0].relay[0].person: no person "kurodaa" (did you mean "kuroda"?)');
    expect(lines.at(-1)).toBe('tests/fixtures/config/many-errors.yaml: 6 errors');
    expect(r.stdout).toBe('');
  });

  it('runs under the node flags an admin gives a large config (a bigger heap): its config and parse workers start without them', async () => {
    const nodeFlags = ['--max-old-space-size=2048', '--stack-size=2000'];
    const demo = await runCli(['check', 'baton.config.yaml'], { nodeFlags });
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    const imports = await runCli(['check', 'tests/fixtures/imports/imports.config.yaml'], { nodeFlags });
    expect(imports.stderr).toBe('');
    expect(imports.code).toBe(0);
    expect(imports.stdout).toMatch(/imports\.config\.yaml: OK/);
  });

  it('says when the file is missing', async () => {
    const r = await run(['check', 'no-such.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no-such.yaml:1:1 cannot read the config: no such file');
  });

  it('asks for a file', async () => {
    const r = await run(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/which file/);
  });
});

describe('baton hash-token, --help', () => {
  it('prints the sha256 of the token on stdin, ignoring the trailing newline', async () => {
    const r = await run(['hash-token'], 'baton-demo-token\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('2362adfeaefe35347843230fafda7b3877e958666bb3108f4b6d3c62fd50da3b\n');
    // …which is the demo token's hash in the demo config.
    expect(readFileSync(join(REPO, 'baton.config.yaml'), 'utf8')).toContain(r.stdout.trim());
  });

  it('refuses an empty stdin', async () => {
    const r = await run(['hash-token'], '');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no token on stdin/);
  });

  it('--help lists the commands; an unknown command fails', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const word of ['check FILE', 'serve', '--config', '--port', '--host', '--db', 'hash-token']) expect(help.stdout).toContain(word);
    const bad = await run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown command "frobnicate"/);
  });
});

describe('baton serve', () => {
  let serving: ServeProcess | undefined;
  afterEach(async () => {
    await serving?.stop();
    serving = undefined;
  });

  it('serves, reloads a valid edit, keeps the last good config on a broken one', async () => {
    const work = join(dir, 'serve');
    mkdirSync(work, { recursive: true });
    const config = join(work, 'baton.config.yaml');
    copyFileSync(join(FIXTURES, 'valid.yaml'), config);
    const original = readFileSync(config, 'utf8');

    serving = await spawnServe(['--config', config, '--port', '0', '--db', join(work, 'store', 'baton.db')]);
    const { url } = serving;

    const aiko = async () => {
      const res = await fetch(`${url}/v1/context?email=aiko.tanaka@acme.example.jp&lang=en`, { headers: bearer() });
      expect(res.status).toBe(200);
      return (await res.json()) as ContextResponse;
    };
    const health = async () => (await (await fetch(`${url}/v1/status`, { headers: bearer() })).json()) as { config: { hash: string }; lastReloadError: { errors: string[] } | null };

    expect((await aiko()).contact?.name).toBe('田中 愛子');
    expect((await fetch(`${url}/v1/whoami`)).status).toBe(401);

    // A valid edit, saved the way editors do: write elsewhere, rename over.
    writeFileSync(`${config}.swp`, original.replace('name: 田中 愛子', 'name: Aiko Tanaka'));
    renameSync(`${config}.swp`, config);
    await waitFor(async () => (await aiko()).contact?.name === 'Aiko Tanaka', 'the edit to be served');
    const goodHash = (await health()).config.hash;

    // A broken edit: the server says why and keeps answering from the last good config.
    writeFileSync(config, original.replace('name: 田中 愛子', 'name: Broken').replace('person: sato, at', 'person: satoo, at'));
    const failed = await waitFor(async () => (await health()).lastReloadError, 'the broken edit to be reported');
    expect(failed.errors).toEqual([expect.stringMatching(/baton\.config\.yaml:26:33 accounts\[0\]\.relay\[1\]\.person: no person "satoo" \(did you mean "sato"\?\)$/)]);
    await waitFor(() => serving!.err().includes('no person "satoo"'), 'the error in the log');
    for (let i = 0; i < 3; i++) expect((await aiko()).contact?.name).toBe('Aiko Tanaka');
    expect((await health()).config.hash).toBe(goodHash);

    // Nothing logs a token or a full email.
    const printed = serving.out() + serving.err();
    expect(printed).not.toContain('test-token');
    expect(printed.toLowerCase()).not.toContain('aiko.tanaka@acme.example.jp');
    expect(serving.out()).toMatch(/GET \/v1\/context 200 .* token=test match=email account=acme email=#[0-9a-f]{12}/);
  });

  it('refuses to start on a broken config, naming the errors', async () => {
    const r = await run(['serve', '--config', 'tests/fixtures/config/unknown-person.yaml', '--port', '0', '--db', join(dir, 'never.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tests/fixtures/config/unknown-person.yaml:12:33 accounts[0].relay[0].person: no person "kurodaa" (did you mean "kuroda"?)');
  });

  it('rejects a bad --port', async () => {
    const r = await run(['serve', '--port', 'eighty']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--port should be a whole number/);
  });
});

describe('startServer', () => {
  let server: RunningServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the demo directory under /demo/ without a token, and nothing outside it', async () => {
    const demo = join(dir, 'demo');
    mkdirSync(demo, { recursive: true });
    writeFileSync(join(demo, 'index.html'), '<!doctype html><title>Demo desk</title>');
    mkdirSync(join(demo, 'tickets', '3'), { recursive: true });
    writeFileSync(join(demo, 'tickets', '3', 'index.html'), '<!doctype html><title>Ticket 3</title>');
    writeFileSync(join(dir, 'secret.txt'), 'do not serve');
    server = await startServer({ configPath: join(FIXTURES, 'valid.yaml'), port: 0, dbPath: join(dir, 'demo.db'), demoDir: demo, quiet: true });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const page = await fetch(`${server.url}/demo/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Demo desk');
    expect((await fetch(`${server.url}/demo`, { redirect: 'manual' })).headers.get('location')).toBe('/demo/');
    expect(await (await fetch(`${server.url}/demo/tickets/3`)).text()).toContain('Ticket 3');
    // A client-side route with no file behind it gets the desk's index.html; a missing file stays 404.
    expect(await (await fetch(`${server.url}/demo/tickets/42`)).text()).toContain('Demo desk');
    const escape = await fetch(`${server.url}/demo/..%2fsecret.txt`);
    expect(escape.status).toBe(404);
    expect(await escape.text()).not.toContain('do not serve');
    expect((await fetch(`${server.url}/demo/missing.html`)).status).toBe(404);
    expect((await server.reload()).ok).toBe(true);
  });

  it('fails with the config errors, and on a port in use', async () => {
    await expect(startServer({ configPath: join(FIXTURES, 'bad-date.yaml'), port: 0, dbPath: ':memory:', quiet: true })).rejects.toThrow(/bad-date\.yaml:12:45 accounts\[0\]\.relay\[0\]\.at/);
    server = await startServer({ configPath: join(FIXTURES, 'valid.yaml'), port: 0, dbPath: ':memory:', quiet: true });
    await expect(startServer({ configPath: join(FIXTURES, 'valid.yaml'), port: server.port, dbPath: ':memory:', quiet: true })).rejects.toThrow(/EADDRINUSE/);
  });

  it('keeps idle connections longer than a proxy or client does (no request lost to a close race)', async () => {
    // Node's default is 5 s: a client (undici: the server's hint minus 1 s) or a reverse proxy
    // (nginx's upstream keepalive_timeout: 60 s) that reuses a connection as the server closes it
    // gets "other side closed" / a 502. The server keeps them 65 s, the usual advice behind a proxy.
    server = await startServer({ configPath: join(FIXTURES, 'valid.yaml'), port: 0, dbPath: ':memory:', quiet: true });
    for (const path of ['/healthz', `/v1/context?email=aiko.tanaka%40acme.example.jp`]) {
      const res = await fetch(`${server.url}${path}`, { headers: bearer() });
      await res.arrayBuffer();
      expect(res.headers.get('keep-alive')).toBe('timeout=65');
    }
  });
});
