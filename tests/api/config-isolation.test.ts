/**
 * Issue 11: a config load cannot hurt the server. Reloads run in a worker with memory and time
 * limits; files are size-capped, alias expansion is bounded, errors are capped; each change is
 * parsed once; a new file without tokens does not replace one with tokens. Through a real
 * ConfigHolder and app on a real SQLite store, and `baton check` through the real CLI.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContextResponse } from '../../src/shared/context';
import { createApp } from '../../src/server/app';
import { CONFIG_LIMITS, formatConfigError, loadConfigFile, parseConfig } from '../../src/server/config';
import { IsolatedLoader, workerEntry } from '../../src/server/config-load';
import { ConfigHolder } from '../../src/server/holder';
import { bearer, FIXTURES, REPO, runCli, tempStore, waitFor, type TempStore } from './helpers';

const original = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8');

/** The issue's file: 2,000 contacts written once, referenced by every account (130 KB). */
function sharedContactsBomb(accounts = 1000, contacts = 2000): string {
  const list = Array.from({ length: contacts }, (_, i) => `    - { email: u${i}@x.example, name: U${i} }`).join('\n');
  const accs = Array.from({ length: accounts }, (_, i) => `  - { id: a${i}, name: A${i}, contacts: *c }`).join('\n');
  return `version: 1\norganization: { name: B }\nstages: [ { id: s, side: before, label: S } ]\nx-contacts: &c\n${list}\naccounts:\n${accs}\n`;
}

/** A valid config of `accounts` × 10 contacts. */
function bigConfig(accounts: number): string {
  const out = [original.split('\naccounts:\n')[0]!, 'accounts:'];
  for (let a = 0; a < accounts; a++) {
    out.push(`  - { id: b${a}, name: Big ${a}, domains: [b${a}.example.com], contacts: [`);
    for (let c = 0; c < 10; c++) out.push(`      { email: u${c}@b${a}.example.com, name: User ${a}-${c} },`);
    out.push('    ] }');
  }
  out.push('tokens:', "  - { name: test, sha256: '4c5dc9b7708905f77f5e5d16316b5dfb425e68cb326dcd55a860e90a7707031e', person: sato }");
  return out.join('\n') + '\n';
}

let db: TempStore;
let file: string;
let holder: ConfigHolder;
let app: ReturnType<typeof createApp>;

async function setup(loader?: IsolatedLoader) {
  const result = await loadConfigFile(file, 'baton.config.yaml');
  if (!result.ok) throw new Error('fixture should load');
  holder = new ConfigHolder(file, result.loaded, undefined, undefined, { fileSettleMs: 20, ...(loader ? { loader } : {}) });
  app = createApp(holder, db.store);
}
const aiko = async () => ((await (await app.request('/v1/context?email=aiko.tanaka@acme.example.jp', { headers: bearer() })).json()) as ContextResponse).contact?.name;

beforeEach(async () => {
  db = await tempStore();
  file = join(db.dir, 'baton.config.yaml');
  copyFileSync(join(FIXTURES, 'valid.yaml'), file);
});
afterEach(async () => {
  holder?.close();
  await db.cleanup();
});

describe('bounded config loads', () => {
  it('an alias bomb is one error, and the last good config keeps serving', async () => {
    await setup();
    writeFileSync(file, sharedContactsBomb());
    const result = await holder.reload();
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map(formatConfigError)).toEqual([
      'baton.config.yaml:1:1 YAML aliases make 6,010,011 values out of the 9,011 the file writes: at most 100,000 more are allowed — write the repeated parts out (or use fewer aliases)',
    ]);
    expect(await aiko()).toBe('田中 愛子');
    // A billion laughs in 1 KB, too.
    let laughs = 'version: 1\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 9; i++) laughs += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const r = parseConfig(laughs, 'l.yaml');
    expect(r.ok ? '' : r.errors[0]!.message).toMatch(/^YAML aliases make 1,234,567,901 values out of the 21 /);
  });

  it('a few aliases and merges (<<: *base) stay fine', () => {
    const text = original.replace('- { id: kuroda, name: 黒田 陽子, stage: sales }', '- &k { id: kuroda, name: 黒田 陽子, stage: sales, title: AE }\n  - { <<: *k, id: kuroda2, name: 黒田 二 }');
    const r = parseConfig(text, 'm.yaml');
    expect(r.ok && r.loaded.people.get('kuroda2')).toMatchObject({ stage: 'sales', title: 'AE', name: '黒田 二' });
  });

  it('at most 100 errors are reported, with the count of the rest', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `  - { id: 'bad id ${i}', side: before, label: S }`).join('\n');
    const r = parseConfig(`version: 1\norganization: { name: V }\nstages:\n${lines}\n`, 'e.yaml');
    if (r.ok) throw new Error('should fail');
    expect(r.errors).toHaveLength(CONFIG_LIMITS.maxErrors + 1);
    expect(formatConfigError(r.errors.at(-1)!)).toMatch(/^e\.yaml:\d+ … and 2,900 more errors \(the first 100 are listed: fix those first\)$/);
  });

  it('a file over the size cap is not read (BATON_CONFIG_MAX_BYTES)', async () => {
    await setup();
    process.env.BATON_CONFIG_MAX_BYTES = '4096';
    try {
      writeFileSync(file, original + `# ${'x'.repeat(5000)}\n`);
      const result = await holder.reload();
      expect(result.ok ? '' : formatConfigError(result.errors[0]!)).toMatch(/^baton\.config\.yaml:1:1 the file is 0\.0 MiB: at most 0 MiB are read/);
    } finally {
      delete process.env.BATON_CONFIG_MAX_BYTES;
    }
    expect(await aiko()).toBe('田中 愛子');
  });

  it('a reload over the memory limit is a reload error; the server keeps serving, and the next good file loads', async () => {
    await setup(new IsolatedLoader({ maxHeapMb: 24, timeoutMs: 120_000, idleMs: 1000 }));
    writeFileSync(file, bigConfig(8000));
    const result = await holder.reload();
    expect(result.ok ? '' : formatConfigError(result.errors[0]!)).toBe('baton.config.yaml:1:1 loading it needed more than the 24 MiB a config may use (BATON_CONFIG_HEAP_MB raises it)');
    expect(await aiko()).toBe('田中 愛子');
    writeFileSync(file, original.replace('name: 田中 愛子', 'name: 田中 愛子 (new)'));
    expect(await holder.reload()).toMatchObject({ ok: true, changed: true });
    expect(await aiko()).toBe('田中 愛子 (new)');
  });

  it('a reload over the time limit is stopped and reported', async () => {
    await setup(new IsolatedLoader({ maxHeapMb: 512, timeoutMs: 200, idleMs: 1000 }));
    writeFileSync(file, bigConfig(3000));
    const result = await holder.reload();
    expect(result.ok ? '' : result.errors[0]!.message).toBe('loading it took longer than 0 s: stopped (BATON_CONFIG_TIMEOUT_MS raises it)');
    expect(await aiko()).toBe('田中 愛子');
  });

  it('baton check has the same bounds', async () => {
    const bomb = join(db.dir, 'bomb.yaml');
    writeFileSync(bomb, sharedContactsBomb());
    const run = await runCli(['check', bomb]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/YAML aliases make 6,010,011 values/);
    const big = join(db.dir, 'big.yaml');
    writeFileSync(big, bigConfig(100));
    const small = await runCli(['check', big], { env: { BATON_CONFIG_HEAP_MB: '4' } });
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(/needed more than the 4 MiB a config may use/);
  });

  it('the worker entry: the TypeScript bootstrap from source, the built file from JavaScript', () => {
    expect(workerEntry('file:///app/src/server/config-load.ts').pathname).toBe('/app/src/server/config-worker.mjs');
    expect(workerEntry('file:///app/dist/server/config-load.js').pathname).toBe('/app/dist/server/config-worker.js');
  });

  it('the workers start under a parent run as node --input-type=module -e (the flag is not passed on: Node refuses a worker file with it)', async () => {
    const src = (f: string) => JSON.stringify(pathToFileURL(join(REPO, 'src/server', f)).href);
    const code = [
      `const { IsolatedLoader } = await import(${src('config-load.ts')});`,
      `const { parseFiles } = await import(${src('imports/parse.ts')});`,
      'const loader = new IsolatedLoader();',
      `const load = await loader.loadText(${JSON.stringify(original)}, 'valid.yaml');`,
      "const files = [{ display: 'a.csv', bytes: Buffer.from('Id,Name\\n1,one\\n') }, { display: 'b.csv', bytes: Buffer.from('Id\\n2\\n') }];",
      'const parsed = await parseFiles(files, { workers: 1 });',
      'loader.close();',
      'console.log(JSON.stringify({ load: load.ok, parsed: parsed.map((p) => p.ok && p.table.length) }));',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
    });
    expect(JSON.parse(out.trim())).toEqual({ load: true, parsed: [1, 1] });
  }, 60_000);
});

describe('each change once, and never a file without tokens', () => {
  /** A loader that counts its loads. */
  class Counting extends IsolatedLoader {
    loads = 0;
    override loadText(...args: Parameters<IsolatedLoader['loadText']>) {
      this.loads++;
      return super.loadText(...args);
    }
  }

  it('a save seen by the watch and by the poll is parsed once; the same broken text is not parsed again', async () => {
    const loader = new Counting();
    await setup(loader);
    const stop = holder.watch({ debounceMs: 20, pollMs: 50 });
    try {
      writeFileSync(file, original.replace('name: 田中 愛子', 'name: Once'));
      await waitFor(async () => (await aiko()) === 'Once', 'the edit to load');
      // Let the poll see the change too, several times over.
      await new Promise((r) => setTimeout(r, 400));
      expect(loader.loads).toBe(1);
      writeFileSync(file, original.replace('person: sato, at', 'person: satoo, at'));
      await waitFor(() => holder.lastReloadError !== null, 'the broken edit to be reported');
      await holder.reload();
      await holder.reload();
      expect(loader.loads).toBe(2);
    } finally {
      stop();
    }
  });

  it('a new file with no tokens is refused loudly while the running config has some', async () => {
    await setup();
    // A half-copied file that happens to be valid: everything up to tokens:.
    writeFileSync(file, original.split('\ntokens:\n')[0] + '\n');
    const result = await holder.reload();
    expect(result.ok ? '' : formatConfigError(result.errors[0]!)).toBe(
      'baton.config.yaml:1:1 tokens: the new file has no tokens while the running config has 2: every request would get 401, so it is not loaded (a file still being written?). Add tokens:, or restart the server to run with none',
    );
    expect(await aiko()).toBe('田中 愛子');
    const health = (await (await app.request('/healthz')).json()) as { lastReloadError: { errors: number } };
    expect(health.lastReloadError.errors).toBe(1);
    writeFileSync(file, original);
    expect((await holder.reload()).ok).toBe(true);
    expect(holder.lastReloadError).toBeNull();
  });
});
