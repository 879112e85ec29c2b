/**
 * Issue 11: a full disk is said, not hidden. The SQLite store on a real file system that runs out
 * of space (a 4 MiB tmpfs mounted for this test, as root — this machine's and CI's user): writes
 * get 507 `store_full` and change nothing, /healthz says degraded (problem "full"), lookups go on;
 * once there is room again, writes succeed and /healthz is ok. The PostgreSQL error (53100) maps
 * the same way (unit test below).
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app';
import { diskFullReason, openStore, StoreFullError, type Store } from '../../src/server/store';
import { bearer, expectError, jsonRequest, loadFixture } from './helpers';

let mountPoint: string;
let store: Store;

beforeAll(() => {
  mountPoint = mkdtempSync(join(tmpdir(), 'baton-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (err) {
    rmSync(mountPoint, { recursive: true, force: true });
    throw new Error(`this test mounts a 4 MiB tmpfs and needs root (as npm test runs here and in CI): ${(err as Error).message}`);
  }
});
afterAll(async () => {
  await store?.close().catch(() => undefined);
  execFileSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

/** Writes a filler file until the file system is full; returns its path. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

describe('disk full (real tmpfs)', () => {
  it('writes get 507 store_full and /healthz says so; lookups go on; room again → writes and health recover', async () => {
    store = await openStore(join(mountPoint, 'baton.db'));
    const app = createApp(await loadFixture('valid.yaml'), store);
    const note = (text: string) => app.request('/v1/accounts/acme/notes', jsonRequest('POST', { text }));
    expect((await note('before the disk fills')).status).toBe(201);

    const filler = join(mountPoint, 'filler');
    fill(filler);
    let res: Response | undefined;
    for (let i = 0; i < 200; i++) {
      res = await note(`n${i} ${'x'.repeat(1990)}`);
      if (res.status !== 201) break;
    }
    expect(await expectError(res!, 507, 'store_full')).toMatch(/^the store's disk is full \(SQLITE_FULL\): nothing was changed; the admin must free space/);
    const thanks = await app.request('/v1/thanks', jsonRequest('POST', { to: 'suzuki', ticket: 'full' }));
    expect(thanks.status === 507 || thanks.status === 201).toBe(true);

    const health = (await (await app.request('/healthz')).json()) as { status: string; store: { ok: boolean; problem?: string } };
    expect(health).toMatchObject({ status: 'degraded', store: { ok: false, problem: 'full' } });
    const status = (await (await app.request('/v1/status', { headers: bearer() })).json()) as { store: { error?: string } };
    expect(status.store.error).toBe('SQLITE_FULL');
    // Lookups still answer (their audit rows wait in memory).
    expect((await app.request('/v1/context?email=aiko.tanaka@acme.example.jp', { headers: bearer() })).status).toBe(200);

    rmSync(filler);
    expect((await note('after room was made')).status).toBe(201);
    expect(((await (await app.request('/healthz')).json()) as { status: string }).status).toBe('ok');
    const listed = (await (await app.request('/v1/accounts/acme/notes?limit=100', { headers: bearer() })).json()) as { notes: { text: string }[] };
    expect(listed.notes.map((n) => n.text)).toContain('after room was made');
  });

  it('the engines\' disk-full errors are named', () => {
    expect(diskFullReason({ code: 'SQLITE_FULL' })).toBe('SQLITE_FULL');
    expect(diskFullReason({ code: 'ENOSPC' })).toBe('ENOSPC');
    expect(diskFullReason({ code: '53100', message: 'could not extend file' })).toBe('53100 disk_full');
    expect(diskFullReason({ code: 'SQLITE_IOERR_WRITE', message: 'disk I/O error' })).toBeNull();
    expect(diskFullReason(new Error('x'))).toBeNull();
    expect(new StoreFullError('ENOSPC').message).toBe("the store's disk is full (ENOSPC)");
  });
});
