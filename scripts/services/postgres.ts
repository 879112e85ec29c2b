/**
 * A throwaway PostgreSQL cluster on loopback, for the tests and `npm run bench`: `initdb` into
 * a temp dir, `pg_ctl start` on a free 127.0.0.1 port (its socket in the same dir), password
 * auth over TCP, `pg_ctl stop` and the dir removed at the end — also when the process exits
 * without stopping it (an exit hook stops the server immediately).
 *
 * initdb and postgres refuse to run as root: as root the cluster runs as `nobody` (setpriv,
 * from util-linux, as tests/e2e/support/rt.ts does for RT), in a temp dir it owns.
 * The binaries: $BATON_PG_BIN, else the newest /usr/lib/postgresql/<version>/bin (Debian's
 * `postgresql` package; scripts/install-system-deps.sh installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PG_USER = 'baton';
export const PG_PASSWORD = 'baton-test-secret';

export interface PgCluster {
  readonly port: number;
  readonly dir: string;
  /** A connection URL (user, password, 127.0.0.1, port) for `database`. */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Stops the server (the data stays): `fast` ends sessions cleanly, `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port after stop(). */
  start(): Promise<void>;
  /** Stops it and removes its dir. */
  destroy(): Promise<void>;
}

export interface ClusterOptions {
  /** fsync on (the default, as in production) or off (tests: faster CREATE DATABASE, same semantics unless the OS crashes). */
  fsync?: boolean;
  maxConnections?: number;
}

export function pgBinDir(): string | null {
  const fromEnv = process.env.BATON_PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : null;
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function nobody(): { uid: number; gid: number } {
  const u = spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'nobody'], { encoding: 'utf8' });
  if (u.status !== 0 || g.status !== 0) throw new Error('running as root, but there is no user "nobody" to run PostgreSQL as');
  return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** Every cluster this process started and has not destroyed: stopped on exit. */
const live = new Set<{ stopNow(): void }>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of live) c.stopNow();
  });
}

export async function startCluster(opts: ClusterOptions = {}): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run `bash scripts/install-system-deps.sh` as root');
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? nobody() : null;
  const dir = mkdtempSync(join(tmpdir(), 'baton-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${PG_PASSWORD}\n`);
  chmodSync(dir, 0o700);
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8', HOME: dir, TZ: 'UTC' };
  const command = (cmd: string, args: string[]): [string, string[]] =>
    owner ? ['setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', join(bin, cmd), ...args]] : [join(bin, cmd), args];
  const run = (cmd: string, args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const [c, a] = command(cmd, args);
      const child = spawn(c, a, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code === 0) return resolve();
        let tail = '';
        try {
          tail = readFileSync(log, 'utf8').slice(-2000);
        } catch {
          /* no log yet */
        }
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out.slice(-2000)}${tail ? `\n${tail}` : ''}`));
      });
    });

  try {
    await run('initdb', ['-D', data, '-U', PG_USER, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const port = await freePort();
  const settings = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    `max_connections = ${opts.maxConnections ?? 200}`,
    `fsync = ${opts.fsync === false ? 'off' : 'on'}`,
    "timezone = 'UTC'",
    'shared_buffers = 64MB',
  ];
  if (opts.fsync === false) settings.push('full_page_writes = off');
  writeFileSync(join(data, 'postgresql.auto.conf'), `${settings.join('\n')}\n`);

  const start = () => run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', 'start']);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  const handle = {
    stopNow() {
      const [c, a] = command('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      spawnSync(c, a, { cwd: dir, env, stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await start();
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  live.add(handle);
  hookExit();

  const url = (database = 'postgres') => `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/${database}`;
  let counter = 0;
  let running = true;
  return {
    port,
    dir,
    url,
    async createDatabase(name = `t${process.pid}_${Date.now().toString(36)}_${counter++}`) {
      // psql over the socket as the cluster's superuser: no driver needed here.
      await run('psql', ['-h', dir, '-p', String(port), '-U', PG_USER, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE "${name}"`]);
      return url(name);
    },
    async stop(mode = 'fast') {
      await stop(mode);
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      live.delete(handle);
      if (running) await stop('immediate').catch(() => undefined);
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
