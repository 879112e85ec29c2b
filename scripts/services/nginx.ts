/**
 * Debian's nginx in the foreground, for the tests and `npm run bench`: the reverse-proxy example
 * from docs/admin.md ("Several instances behind a reverse proxy"), taken from the page itself,
 * with its ports replaced, inside a minimal main config of our own (pid, logs and temp files in
 * a temp dir; workers as nobody when root). Stopped with SIGQUIT (graceful) or SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN_DOC = join(ROOT, 'docs/admin.md');
/** The ports the example in docs/admin.md uses: nginx's, then the two instances'. */
export const DOC_PORTS = { proxy: 8080, instances: [8787, 8788] } as const;

export function nginxBinary(): string | null {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (existsSync(p)) return p;
  return null;
}

/** The ```nginx block under "Several instances" in docs/admin.md, exactly as an admin copies it. */
export function documentedProxyConfig(doc = readFileSync(ADMIN_DOC, 'utf8')): string {
  const m = /<!-- tested: tests\/api\/proxy\.test\.ts -->\s*```nginx\n([\s\S]*?)```/.exec(doc);
  if (!m) throw new Error(`${ADMIN_DOC}: no \`\`\`nginx block after <!-- tested: tests/api/proxy.test.ts -->`);
  return m[1]!;
}

/** The documented config with its ports replaced (each must appear in it). */
export function withPorts(config: string, proxyPort: number, instancePorts: readonly number[]): string {
  let out = config;
  const swap = (from: number, to: number, pattern: RegExp) => {
    if (!pattern.test(out)) throw new Error(`the documented nginx config has no ${pattern}`);
    out = out.replace(pattern, (s) => s.replace(String(from), String(to)));
  };
  swap(DOC_PORTS.proxy, proxyPort, new RegExp(`listen\\s+127\\.0\\.0\\.1:${DOC_PORTS.proxy}\\b`));
  DOC_PORTS.instances.forEach((p, i) => swap(p, instancePorts[i]!, new RegExp(`server\\s+127\\.0\\.0\\.1:${p}\\b`)));
  return out;
}

export interface Nginx {
  url: string;
  port: number;
  child: ChildProcess;
  errors(): string;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      done(true);
    });
    s.on('error', () => done(false));
  });
}

/** Starts nginx with `httpConfig` (the documented block) on 127.0.0.1:`port`; resolves once it accepts connections. */
export async function startNginx(httpConfig: string, port: number): Promise<Nginx> {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx is not installed: run `bash scripts/install-system-deps.sh` as root');
  const dir = mkdtempSync(join(tmpdir(), 'baton-nginx-'));
  const asRoot = process.getuid?.() === 0;
  const main = [
    asRoot ? 'user nobody nogroup;' : '',
    'worker_processes 1;',
    'daemon off;',
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${dir}/body;`,
    `  proxy_temp_path ${dir}/proxy;`,
    `  fastcgi_temp_path ${dir}/fastcgi;`,
    `  uwsgi_temp_path ${dir}/uwsgi;`,
    `  scgi_temp_path ${dir}/scgi;`,
    httpConfig,
    '}',
    '',
  ].join('\n');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, main);
  const child = spawn(bin, ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const errors = () => {
    try {
      return out + readFileSync(join(dir, 'error.log'), 'utf8');
    } catch {
      return out;
    }
  };
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(force);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await portOpen(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      const why = errors();
      await stop();
      throw new Error(`nginx did not start: ${why}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `http://127.0.0.1:${port}`, port, child, errors, stop };
}
