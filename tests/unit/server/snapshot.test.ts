import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, readConfigText, type SnapshotUse } from '../../../src/server/config';
import { codeFingerprint, snapshotDir, Snapshots } from '../../../src/server/snapshot';
import { indexBytes, SearchIndex, searchIndexOf } from '../../../src/server/search';
import type { BatonConfig } from '../../../src/shared/config';

const FIXTURES = new URL('../../fixtures/', import.meta.url);
const VALID = new URL('config/valid.yaml', FIXTURES).pathname;
const IMPORTS = new URL('imports/imports.config.yaml', FIXTURES).pathname;
const dir = mkdtempSync(join(tmpdir(), 'baton-snapshot-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('snapshot folder and code', () => {
  it('is .baton/snapshots in the working directory, BATON_SNAPSHOTS moves it, off turns it off', () => {
    expect(snapshotDir({}, '/srv/baton')).toBe('/srv/baton/.baton/snapshots');
    expect(snapshotDir({ BATON_SNAPSHOTS: 'cache/snaps' }, '/srv/baton')).toBe('/srv/baton/cache/snaps');
    expect(snapshotDir({ BATON_SNAPSHOTS: '/var/lib/baton' }, '/srv/baton')).toBe('/var/lib/baton');
    for (const off of ['off', '0', 'false']) expect(snapshotDir({ BATON_SNAPSHOTS: off }, '/srv')).toBeNull();
  });

  it('the code fingerprint is the built file and its versions; none from TypeScript source', () => {
    const built = join(dir, 'cli.js');
    writeFileSync(built, 'export const a = 1;\n');
    const one = codeFingerprint(pathToFileURL(built).href);
    expect(one).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(built, 'export const a = 2;\n');
    expect(codeFingerprint(pathToFileURL(built).href)).not.toBe(one);
    expect(codeFingerprint(pathToFileURL(join(dir, 'config.ts')).href)).toBeNull();
    expect(Snapshots.fromEnv({})).toBeNull(); // these tests run the TypeScript: off
  });

  it('the key changes with the text and the code, not with the name the file is given by', () => {
    const a = new Snapshots(dir, 'code-a');
    const b = new Snapshots(dir, 'code-b');
    expect(new Set([a.key('h1'), a.key('h2'), b.key('h1')]).size).toBe(3);
    expect(a.key('h1')).toBe(new Snapshots(join(dir, 'x'), 'code-a').key('h1'));
  });
});

describe('loading with snapshots', () => {
  const useOf = (r: { snapshot?: SnapshotUse }) => r.snapshot;

  it('a full load can be saved; the next load of the same text is the same LoadedConfig from the snapshot', async () => {
    const snaps = new Snapshots(join(dir, 'load'), 'code');
    const first = await loadConfigFile(VALID, 'valid.yaml', snaps);
    if (!first.ok) throw new Error('valid.yaml should load');
    const use = useOf(first);
    expect(use).toEqual({ from: 'file', save: expect.any(Function) });
    if (use?.from === 'file') await use.save!();
    const second = await loadConfigFile(VALID, 'valid.yaml', snaps);
    if (!second.ok) throw new Error('valid.yaml should load');
    expect(useOf(second)).toEqual({ from: 'snapshot' });
    const { loadedAt: _a, ...was } = first.loaded;
    const { loadedAt: _b, ...now } = second.loaded;
    expect(now).toEqual(was); // config, hash, index, maps, token digests, counts
    // Another name for the same file (serve --config ./x after check x): the same snapshot, the new name in messages.
    const third = await loadConfigFile(VALID, 'elsewhere.yaml', snaps);
    expect(useOf(third)?.from).toBe('snapshot');
    expect(third.ok && third.loaded.file).toBe('elsewhere.yaml');
  });

  it('saves the search index beside the snapshot; a start from the snapshot reads it (the same answers), not building it', async () => {
    const snaps = new Snapshots(join(dir, 'search'), 'code');
    const first = await loadConfigFile(VALID, 'valid.yaml', snaps);
    if (!first.ok) throw new Error('valid.yaml should load');
    const use = useOf(first);
    if (use?.from === 'file') await use.save!();
    const names = readdirSync(join(dir, 'search'));
    const key = names.find((n) => n.endsWith('.json'))!.replace(/\.json$/, '');
    expect(names.sort()).toEqual([`${key}.json`, `${key}.search`]);
    const second = await loadConfigFile(VALID, 'valid.yaml', snaps);
    if (!second.ok) throw new Error('valid.yaml should load');
    // Read, not built: every typed array of it a view of the one buffer the file was read into.
    const read = await searchIndexOf(second.loaded);
    const buffers = new Set<ArrayBufferLike>();
    const walk = (o: object) => {
      for (const v of Object.values(o)) {
        if (v instanceof Int32Array || v instanceof Uint8Array) buffers.add(v.buffer);
        else if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map)) walk(v as object);
      }
    };
    walk(read);
    expect(buffers.size).toBe(1);
    const built = SearchIndex.build(second.loaded.config.accounts);
    for (const q of ['a', 'acme', 'aiko', 'tanaka', 'アクメ', 'akme', 'aiko@acme.example.jp', '@acme.example.jp', 'lab', 'x y', '研究']) {
      expect(JSON.stringify(read.search(q, 8)), q).toBe(JSON.stringify(built.search(q, 8)));
    }
    expect(Buffer.concat(indexBytes(read, key)).equals(Buffer.concat(indexBytes(built, key)))).toBe(true);
    // Another key's, or damaged: none (removed), and the index is built as for any config.
    expect(await snaps.readSearch('0'.repeat(40), second.loaded.config.accounts)).toBeNull();
    const file = join(dir, 'search', `${key}.search`);
    writeFileSync(file, readFileSync(file).subarray(0, 200));
    expect(await snaps.readSearch(key, second.loaded.config.accounts)).toBeNull();
    expect(readdirSync(join(dir, 'search'))).toEqual([`${key}.json`]);
    const third = await loadConfigFile(VALID, 'valid.yaml', snaps);
    if (!third.ok) throw new Error('valid.yaml should load');
    expect(JSON.stringify((await searchIndexOf(third.loaded)).search('acme', 8))).toBe(JSON.stringify(built.search('acme', 8)));
  });

  it('a config with imports: is never saved; a config with errors has no snapshot either', async () => {
    const snaps = new Snapshots(join(dir, 'imports'), 'code');
    const r = await loadConfigFile(IMPORTS, 'imports.config.yaml', snaps);
    expect(r.ok).toBe(true);
    expect(useOf(r)).toEqual({ from: 'file', save: null });
    const broken = await loadConfigFile(new URL('config/unknown-person.yaml', FIXTURES).pathname, 'x.yaml', snaps);
    expect(broken.ok).toBe(false);
    expect(useOf(broken)).toBeUndefined();
  });

  it('a damaged or foreign snapshot file is removed and read as none', async () => {
    const folder = join(dir, 'damaged');
    const snaps = new Snapshots(folder, 'code');
    const config = { accounts: [] } as unknown as BatonConfig;
    await snaps.write('k1', config);
    expect(await snaps.read('k1')).toEqual(config);
    const file = join(folder, 'k1.json');
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 10));
    expect(await snaps.read('k1')).toBeNull();
    expect(readdirSync(folder)).toEqual([]);
    // A file under one key that says another (copied by hand): not taken.
    await snaps.write('k2', config);
    writeFileSync(join(folder, 'k3.json'), readFileSync(join(folder, 'k2.json')));
    expect(await snaps.read('k3')).toBeNull();
  });

  it('refuses what JSON would not give back exactly', async () => {
    const snaps = new Snapshots(join(dir, 'exact'), 'code');
    await expect(snaps.write('a', { accounts: [], x: undefined } as unknown as BatonConfig)).rejects.toThrow(/"x" is undefined/);
    await expect(snaps.write('b', { accounts: [{ employees: Infinity }] } as unknown as BatonConfig)).rejects.toThrow(/"employees" is Infinity/);
    await expect(snaps.write('c', { accounts: [], when: new Date(0) } as unknown as BatonConfig)).rejects.toThrow();
    await expect(snaps.write('d', { accounts: [], m: new Map() } as unknown as BatonConfig)).rejects.toThrow(/"m" is not plain data/);
    await expect(snaps.write('e', { accounts: [{ id: 'a' }, { id: 'b', contacts: [{ role: undefined }] }] } as unknown as BatonConfig)).rejects.toThrow(/"role" is undefined/);
    expect(readdirSync(join(dir, 'exact'))).toEqual([]); // nothing half-written left behind
    // Written in slices of accounts: the same config back, whatever its size, with or without other fields.
    const many = { version: 1, organization: { name: 'X' }, accounts: Array.from({ length: 1234 }, (_, i) => ({ id: `a${i}`, n: i, tags: ['x', i % 2 === 0] })) };
    await snaps.write('f', many as unknown as BatonConfig);
    expect(await snaps.read('f')).toEqual(many);
    await snaps.write('f2', many as unknown as BatonConfig, { share: 0.25 }); // paced, as the serving thread saves
    expect(readFileSync(join(dir, 'exact', 'f2.json'), 'utf8')).toBe(readFileSync(join(dir, 'exact', 'f.json'), 'utf8').replace('"key":"f"', '"key":"f2"'));
    await snaps.write('g', { accounts: [] } as unknown as BatonConfig);
    expect(await snaps.read('g')).toEqual({ accounts: [] });
  });

  it('is one account a line (head, accounts, end): read back a chunk at a time, the same config, its fields in order', async () => {
    const folder = join(dir, 'lines');
    const snaps = new Snapshots(folder, 'code');
    // Lines across the 1 MiB chunks the read takes, one line longer than a chunk, non-ASCII text.
    const accounts = Array.from({ length: 3000 }, (_, i) => ({ id: `a${i}`, name: `会社 ${i} 株式会社`, note: 'x'.repeat(i === 1500 ? 1_500_000 : (i * 37) % 2000), tags: [i, null, true] }));
    const config = { version: 1, accounts, people: [{ id: 'p', name: 'é' }], tokens: [] };
    await snaps.write('k', config as unknown as BatonConfig);
    const lines = readFileSync(join(folder, 'k.json'), 'utf8').split('\n');
    expect(lines).toHaveLength(3000 + 3); // head, the accounts, the end line, then the last newline
    expect(lines.at(-1)).toBe('');
    expect(JSON.parse(lines[1]!)).toEqual(accounts[0]);
    const back = await snaps.read('k');
    expect(back).toEqual(config);
    expect(Object.keys(back!)).toEqual(Object.keys(config));
  });

  it('a snapshot cut short or with a broken line is refused and removed: the start loads in full and loses nothing', async () => {
    const folder = join(dir, 'cut');
    const snaps = new Snapshots(folder, 'code');
    const full = await loadConfigFile(VALID, 'valid.yaml', snaps);
    if (!full.ok || full.snapshot?.from !== 'file') throw new Error('valid.yaml should load in full');
    await full.snapshot.save!();
    const [name] = readdirSync(folder);
    const whole = readFileSync(join(folder, name!), 'utf8');
    const lines = whole.split('\n');
    expect(lines.length).toBeGreaterThan(4);
    const damaged = [
      whole.slice(0, -1), // the last newline
      lines.slice(0, -2).join('\n') + '\n', // the end line
      lines.slice(0, 3).join('\n') + '\n' + lines.slice(4).join('\n'), // an account
      whole.slice(0, lines[0]!.length + 1 + Math.floor(lines[1]!.length / 2)), // in the middle of an account
      whole.replace(lines[2]!, `${lines[2]!.slice(0, -1)},}`), // a line that is not JSON
      whole + '{"id":"more"}\n', // a line after the end
      lines[0] + '\n', // the head alone
    ];
    const { loadedAt: _a, ...was } = full.loaded;
    for (const text of damaged) {
      writeFileSync(join(folder, name!), text);
      const again = await loadConfigFile(VALID, 'valid.yaml', snaps);
      if (!again.ok) throw new Error('should load');
      expect(again.snapshot?.from).toBe('file');
      expect(readdirSync(folder)).toEqual([]); // removed
      const { loadedAt: _b, ...now } = again.loaded;
      expect(now).toEqual(was);
      if (again.snapshot?.from === 'file') await again.snapshot.save!();
      expect(readFileSync(join(folder, name!), 'utf8')).toBe(whole); // written again whole
    }
  });

  it('a snapshot of the first format (one JSON document) under the key is not taken', async () => {
    const folder = join(dir, 'format1');
    const snaps = new Snapshots(folder, 'code');
    const config = { version: 1, accounts: [{ id: 'a' }] };
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'k.json'), JSON.stringify({ format: 1, key: 'k', config }));
    expect(await snaps.read('k')).toBeNull();
    writeFileSync(join(folder, 'k.json'), JSON.stringify({ format: 2, key: 'k', config }));
    expect(await snaps.read('k')).toBeNull();
    expect(readdirSync(folder)).toEqual([]);
  });

  it('keeps the newest four and clears writes cut short after a minute', async () => {
    const folder = join(dir, 'prune');
    const snaps = new Snapshots(folder, 'code');
    const config = { accounts: [] } as unknown as BatonConfig;
    for (let i = 0; i < 6; i++) {
      await snaps.write(`k${i}`, config);
      const t = new Date(Date.now() - (10 - i) * 1000);
      utimesSync(join(folder, `k${i}.json`), t, t);
    }
    writeFileSync(join(folder, 'old.json.1.2.tmp'), 'x');
    const old = new Date(Date.now() - 120_000);
    utimesSync(join(folder, 'old.json.1.2.tmp'), old, old);
    writeFileSync(join(folder, 'new.json.1.3.tmp'), 'x');
    await snaps.write('k6', config);
    expect(readdirSync(folder).sort()).toEqual(['k3.json', 'k4.json', 'k5.json', 'k6.json', 'new.json.1.3.tmp']);
    expect(statSync(join(folder, 'k6.json')).mode & 0o777).toBe(0o600);
  });
});

describe('a start reads the bytes, a reload the text: one hash', () => {
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  const valid = readFileSync(VALID);
  // The start hashes the file's bytes (no text made when a snapshot is there); a reload (holder.ts)
  // hashes the decoded text: a BOM, and bytes that are not UTF-8, must give the same hash both ways.
  const cases: Array<[string, Buffer]> = [
    ['plain', valid],
    ['with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), valid])],
    ['with bytes that are not UTF-8 (in a comment)', Buffer.concat([valid, Buffer.from('\n# caf\xe9 \xff\n', 'latin1')])],
  ];
  for (const [name, bytes] of cases) {
    it(`${name}: from the file and from its snapshot, the hash of the text readConfigText gives`, async () => {
      const file = join(dir, `bytes-${cases.findIndex((c) => c[0] === name)}.yaml`);
      writeFileSync(file, bytes);
      const read = await readConfigText(file);
      if (!read.ok) throw new Error('readable');
      const snaps = new Snapshots(join(dir, `bytes-${name.length}`), 'code');
      const first = await loadConfigFile(file, 'x.yaml', snaps);
      if (!first.ok) throw new Error(`should load: ${JSON.stringify(first.errors)}`);
      expect(first.loaded.hash).toBe(sha(read.text));
      if (first.snapshot?.from === 'file') await first.snapshot.save!();
      const second = await loadConfigFile(file, 'x.yaml', snaps);
      if (!second.ok) throw new Error('should load');
      expect(second.snapshot).toEqual({ from: 'snapshot' });
      expect(second.loaded.hash).toBe(sha(read.text));
    });
  }
});
