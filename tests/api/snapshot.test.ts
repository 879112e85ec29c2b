/**
 * Config snapshots through the real CLI (src/server/snapshot.ts): a restart with the same config
 * text takes the checked config from its snapshot and answers exactly as the full load did; any
 * other text or a damaged snapshot means a full load. (Off, imports: and the file format: the unit
 * tests in tests/unit/server/snapshot.test.ts.)
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { bearer, FIXTURES, runCli, spawnServe, waitFor, type ServeProcess } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'baton-snapshot-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FROM_SNAPSHOT = '(checked before: from its snapshot)';
const EMAILS = ['aiko.tanaka@acme.example.jp', 'someone@acme.example.jp', 'nobody@unknown.example'];

describe('config snapshots', () => {
  let serving: ServeProcess | undefined;
  afterEach(async () => {
    await serving?.stop();
    serving = undefined;
  });

  const snapshotsIn = (snaps: string) => (existsSync(snaps) ? readdirSync(snaps).filter((n) => n.endsWith('.json')) : []);
  const answers = async (url: string) => {
    const out: string[] = [];
    for (const email of EMAILS) {
      for (const lang of ['ja', 'en']) {
        const res = await fetch(`${url}/v1/context?email=${encodeURIComponent(email)}&lang=${lang}`, { headers: bearer() });
        expect(res.status).toBe(200);
        out.push(await res.text());
      }
    }
    const status = (await (await fetch(`${url}/v1/status`, { headers: bearer() })).json()) as { config: { hash: string; counts: unknown } };
    return { out, hash: status.config.hash, counts: status.config.counts };
  };

  it('a restart with the same text is served from the snapshot, with the same answers; another text loads in full', async () => {
    const work = join(dir, 'same');
    const snaps = join(work, 'snaps');
    cpSync(join(FIXTURES, 'valid.yaml'), join(work, 'baton.config.yaml'));
    const config = join(work, 'baton.config.yaml');
    const env = { BATON_SNAPSHOTS: snaps };
    const args = ['--config', config, '--port', '0', '--db', join(work, 'baton.db')];

    serving = await spawnServe(args, env);
    expect(serving.out()).not.toContain(FROM_SNAPSHOT);
    const full = await answers(serving.url);
    await waitFor(() => snapshotsIn(snaps).length === 1, 'the snapshot to be written');
    await serving.stop();

    serving = await spawnServe(args, env);
    expect(serving.out()).toContain(FROM_SNAPSHOT);
    const again = await answers(serving.url);
    expect(again).toEqual(full);
    await serving.stop();

    // One character changed: not that snapshot; the change is served.
    writeFileSync(config, readFileSync(config, 'utf8').replace('name: 田中 愛子', 'name: 田中 愛'));
    serving = await spawnServe(args, env);
    expect(serving.out()).not.toContain(FROM_SNAPSHOT);
    const res = await fetch(`${serving.url}/v1/context?email=aiko.tanaka@acme.example.jp`, { headers: bearer() });
    expect(((await res.json()) as { contact: { name: string } }).contact.name).toBe('田中 愛');
    await waitFor(() => snapshotsIn(snaps).length === 2, 'the second snapshot');
    await serving.stop();
    for (const name of snapshotsIn(snaps)) expect(readFileSync(join(snaps, name), 'utf8')).not.toContain('test-token'); // digests only
  });

  it('`baton check` leaves a snapshot of a file that passes: its first serve starts from it', async () => {
    const work = join(dir, 'check');
    const snaps = join(work, 'snaps');
    const config = join(work, 'baton.config.yaml');
    cpSync(join(FIXTURES, 'valid.yaml'), config);
    const checked = await runCli(['check', config], { env: { BATON_SNAPSHOTS: snaps } });
    expect(checked.code).toBe(0);
    expect(snapshotsIn(snaps)).toHaveLength(1);
    serving = await spawnServe(['--config', config, '--port', '0', '--db', join(work, 'baton.db')], { BATON_SNAPSHOTS: snaps });
    expect(serving.out()).toContain(FROM_SNAPSHOT);
    const res = await fetch(`${serving.url}/v1/context?email=aiko.tanaka@acme.example.jp`, { headers: bearer() });
    expect(((await res.json()) as { contact: { name: string } }).contact.name).toBe('田中 愛子');
    // A file with errors leaves none.
    const broken = await runCli(['check', join(FIXTURES, 'unknown-person.yaml')], { env: { BATON_SNAPSHOTS: join(work, 'none') } });
    expect(broken.code).toBe(1);
    expect(snapshotsIn(join(work, 'none'))).toEqual([]);
  });

  it('a damaged snapshot is a full load (and is written again), never an error', async () => {
    const work = join(dir, 'damaged');
    const snaps = join(work, 'snaps');
    cpSync(join(FIXTURES, 'valid.yaml'), join(work, 'baton.config.yaml'));
    const args = ['--config', join(work, 'baton.config.yaml'), '--port', '0', '--db', join(work, 'baton.db')];
    serving = await spawnServe(args, { BATON_SNAPSHOTS: snaps });
    const full = await answers(serving.url);
    await waitFor(() => snapshotsIn(snaps).length === 1, 'the snapshot to be written');
    await serving.stop();
    const file = join(snaps, snapshotsIn(snaps)[0]!);
    const size = readFileSync(file).length;
    truncateSync(file, Math.floor(size / 2));

    serving = await spawnServe(args, { BATON_SNAPSHOTS: snaps });
    expect(serving.out()).not.toContain(FROM_SNAPSHOT);
    expect(await answers(serving.url)).toEqual(full);
    await waitFor(() => existsSync(file) && readFileSync(file).length === size, 'the snapshot written again whole');
  });

  it('a config reloaded while serving is snapshotted by the reload worker, and the next start uses it', async () => {
    const work = join(dir, 'reload');
    const snaps = join(work, 'snaps');
    const config = join(work, 'baton.config.yaml');
    cpSync(join(FIXTURES, 'valid.yaml'), config);
    const args = ['--config', config, '--port', '0', '--db', join(work, 'baton.db')];
    serving = await spawnServe(args, { BATON_SNAPSHOTS: snaps });
    await waitFor(() => snapshotsIn(snaps).length === 1, 'the start snapshot');
    writeFileSync(`${config}.swp`, readFileSync(config, 'utf8').replace('name: 田中 愛子', 'name: Aiko Tanaka'));
    renameSync(`${config}.swp`, config);
    await waitFor(() => snapshotsIn(snaps).length === 2, 'the reload snapshot');
    const live = await answers(serving.url);
    await serving.stop();

    serving = await spawnServe(args, { BATON_SNAPSHOTS: snaps });
    expect(serving.out()).toContain(FROM_SNAPSHOT);
    expect(await answers(serving.url)).toEqual(live);
    expect(live.out[0]).toContain('Aiko Tanaka');
  });
});
