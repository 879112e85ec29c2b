// A real Request Tracker 5 (Debian's packages, SQLite) for the end-to-end tests.
//
// Each start runs on a private copy of the SQLite database that dbconfig-common created during
// `scripts/install-system-deps.sh`, with its own RT_SiteConfig (RT_SITE_CONFIG /
// RT_SITE_CONFIG_DIR), so nothing in /etc is changed and runs never see each other's tickets.
// The server is Starlet with 2 workers on 127.0.0.1 as www-data (setpriv keeps the PID the
// server's own). Tickets are created through REST 2; a browser logs in by adding
// `?user=root&pass=...` to any page URL.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RT_SHARE = '/usr/share/request-tracker5';
export const RT_SERVER = `${RT_SHARE}/libexec/rt-server`;
/** The SQLite database dbconfig-common created at install time (our template; never written). */
export const RT_TEMPLATE_DB = '/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb';

export interface RtTicketInput {
  subject: string;
  /** `Real Name <email>` or a bare email address. */
  requestor: string;
  content?: string;
  queue?: string;
}

export interface RtServer {
  url: string;
  port: number;
  user: string;
  password: string;
  pid: number;
  /** Where this instance's config, database and (when not root) caches live. */
  dir: string;
  createTicket(input: RtTicketInput): Promise<number>;
  /** A page URL that logs a browser in on its own (RT reads user/pass from any page's query). */
  loginUrl(path: string): string;
  /** The ticket display page, logged in. */
  ticketUrl(id: number): string;
  stop(): Promise<void>;
}

export interface StartRtOptions {
  /** 0 or absent: a free port. */
  port?: number;
  password?: string;
  /** Echo RT's stderr (warnings and up). */
  verbose?: boolean;
  /** How long to wait for the first answer, ms. */
  timeoutMs?: number;
}

export function rtInstalled(): boolean {
  return existsSync(RT_SERVER) && existsSync(RT_TEMPLATE_DB);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const perlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function siteConfig(o: { dir: string; port: number; url: string; asRoot: boolean }): string {
  const lines = [
    '# Written by tests/e2e/support/rt.ts for one test run.',
    `Set($rtname, 'baton-test');`,
    `Set($Organization, 'baton.test');`,
    `Set($CorrespondAddress, 'rt@baton.test');`,
    `Set($CommentAddress, 'rt-comment@baton.test');`,
    `Set($DatabaseType, 'SQLite');`,
    `Set($DatabaseName, ${perlString(join(o.dir, 'rtdb'))});`,
    `Set($DatabaseHost, 'localhost');`,
    `Set($DatabaseUser, '');`,
    `Set($DatabasePassword, '');`,
    `Set($WebPath, '');`,
    `Set($WebDomain, '127.0.0.1');`,
    `Set($WebPort, ${o.port});`,
    `Set($WebBaseURL, ${perlString(o.url)});`,
    `Set(@ReferrerWhitelist, qw(127.0.0.1:${o.port} localhost:${o.port}));`,
    `Set($CanonicalizeRedirectURLs, 0);`,
    // Outgoing mail goes to a temp file (Mail::Mailer's testfile), never to a mail daemon.
    `Set($MailCommand, 'testfile');`,
    `Set($LogToSyslog, undef);`,
    `Set($LogToFile, undef);`,
    `Set($LogToSTDERR, 'warning');`,
    `Set($Timezone, 'UTC');`,
    `Set($DevelMode, 0);`,
  ];
  // Web sessions live and die with this run.
  lines.push(`$RT::MasonSessionDir = ${perlString(join(o.dir, 'session_data'))};`);
  // Not root: no www-data and no write access to /var/cache, so Mason compiles into our dir.
  if (!o.asRoot) lines.push(`$RT::MasonDataDir = ${perlString(join(o.dir, 'mason_data'))};`);
  lines.push('1;', '');
  return lines.join('\n');
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) chownTree(p, uid, gid);
    else chownSync(p, uid, gid);
  }
}

function wwwData(): { uid: number; gid: number } | null {
  const r = spawnSync('id', ['-u', 'www-data'], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', 'www-data'], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return null;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export async function startRt(options: StartRtOptions = {}): Promise<RtServer> {
  if (!rtInstalled()) {
    throw new Error(
      `Request Tracker 5 is not installed (${RT_SERVER} or ${RT_TEMPLATE_DB} missing): ` +
        'run `bash scripts/install-system-deps.sh` as root',
    );
  }
  const password = options.password ?? process.env.BATON_RT_PASSWORD ?? 'baton-rt-root';
  const port = options.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const isRoot = process.getuid?.() === 0;
  const www = isRoot ? wwwData() : null;
  const dir = mkdtempSync(join(tmpdir(), 'baton-rt-'));
  const confDir = join(dir, 'RT_SiteConfig.d');
  mkdirSync(confDir);
  mkdirSync(join(dir, 'session_data'));
  try {
    copyFileSync(RT_TEMPLATE_DB, join(dir, 'rtdb'));
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `cannot copy RT's database ${RT_TEMPLATE_DB} (${(e as NodeJS.ErrnoException).code}): run the tests as root, ` +
        'or as a member of the www-data group',
    );
  }
  writeFileSync(join(dir, 'RT_SiteConfig.pm'), '# see RT_SiteConfig.d\n1;\n');
  writeFileSync(join(confDir, '99-baton-test.pm'), siteConfig({ dir, port, url, asRoot: !!www }));
  if (www) chownTree(dir, www.uid, www.gid);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    LANG: 'C.UTF-8',
    HOME: dir,
    // MailCommand 'testfile' writes outgoing mail to File::Temp files: keep them in our dir.
    TMPDIR: dir,
    RT_SITE_CONFIG: join(dir, 'RT_SiteConfig.pm'),
    RT_SITE_CONFIG_DIR: confDir,
  };
  const asWww = (cmd: string, args: string[]): [string, string[]] =>
    www ? ['setpriv', ['--reuid=www-data', '--regid=www-data', '--init-groups', '--', cmd, ...args]] : [cmd, args];

  // Our own root password in our own copy of the database: the install's answer does not matter.
  const [pcmd, pargs] = asWww('perl', [
    `-I${RT_SHARE}/lib`,
    '-e',
    'use RT; RT::LoadConfig(); RT::Init(); my $u = RT::User->new(RT->SystemUser); ' +
      '$u->Load("root") or die "no root user\\n"; my ($ok, $msg) = $u->SetPassword($ARGV[0]); ' +
      'die "$msg\\n" unless $ok;',
    password,
  ]);
  const pw = spawnSync(pcmd, pargs, { env, cwd: dir, encoding: 'utf8' });
  if (pw.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not set RT's root password: ${pw.stderr || pw.error}`);
  }

  const [cmd, args] = asWww(RT_SERVER, [
    '--server', 'Starlet', '--host', '127.0.0.1', '--port', String(port), '--max-workers', '2',
  ]);
  const child: ChildProcess = spawn(cmd, args, {
    env,
    cwd: dir,
    detached: true, // its own process group: stop() takes the workers too
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer) => {
    const s = chunk.toString();
    log = (log + s).slice(-8000);
    if (options.verbose) process.stderr.write(`[rt] ${s}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );

  // If this process ends without stop() (Ctrl-C, a crash), take the server down with it.
  const killOnExit = () => {
    try {
      if (exited === undefined && child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited === undefined && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 5000);
      await exitPromise;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const auth = 'Basic ' + Buffer.from(`root:${password}`).toString('base64');
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`rt-server exited (${exited}) before it was ready:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/REST/2.0/queues/all`, {
        headers: { authorization: auth },
        signal: AbortSignal.timeout(10_000),
      });
      if (res.ok) break;
      if (res.status === 401) {
        await stop();
        throw new Error('RT refused root with the password just set');
      }
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('RT refused')) throw e;
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`RT did not answer on ${url} in time:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const loginUrl = (path: string) => {
    const u = new URL(path, url);
    u.searchParams.set('user', 'root');
    u.searchParams.set('pass', password);
    return u.toString();
  };

  return {
    url,
    port,
    user: 'root',
    password,
    pid: child.pid!,
    dir,
    loginUrl,
    ticketUrl: (id: number) => loginUrl(`/Ticket/Display.html?id=${id}`),
    async createTicket(input: RtTicketInput): Promise<number> {
      const res = await fetch(`${url}/REST/2.0/ticket`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({
          Queue: input.queue ?? 'General',
          Subject: input.subject,
          Requestor: input.requestor,
          Content: input.content ?? input.subject,
          ContentType: 'text/plain',
        }),
      });
      const text = await res.text();
      if (res.status !== 201) throw new Error(`RT ticket create: HTTP ${res.status}: ${text}`);
      const id = Number((JSON.parse(text) as { id?: unknown }).id);
      if (!Number.isInteger(id) || id <= 0) throw new Error(`RT ticket create: no id in ${text}`);
      return id;
    },
    stop,
  };
}
