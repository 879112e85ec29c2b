/**
 * Processes the bench starts and watches: the real server (`node bin/baton.mjs serve`, from this
 * tree or another's), the bare server, and what /proc says about them (CPU time, RSS).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export const ROOT = join(import.meta.dirname, '..', '..');
const TICKS = 100; // USER_HZ on Linux

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** CPU time (user + system) of a process so far, in ms; NaN once it is gone. */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS;
  } catch {
    return NaN;
  }
}

/** The process and every process below it (npx → sh → node). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${task}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** The largest resident set in a process tree, now and at its peak (MB): the server under npx is a grandchild. */
export function treeRssMb(pid: number): { now: number; peak: number } {
  const all = processTree(pid).map(rssMb).filter((r) => Number.isFinite(r.now));
  return { now: Math.max(...all.map((r) => r.now)), peak: Math.max(...all.map((r) => r.peak)) };
}

/** Resident set size now and at its peak (VmHWM), in MB. */
export function rssMb(pid: number): { now: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return { now: NaN, peak: NaN };
  }
}

/** Every server the bench started and has not stopped: stopAll() ends them after each section. */
const live = new Set<Proc>();
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((p) => p.stop()));
}

export interface Proc {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Milliseconds from spawn to the first /healthz 200. */
  startMs: number;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves once it has exited. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Give up waiting for /healthz after this long (default 10 minutes: the 1M config). */
  timeoutMs?: number;
}

/**
 * Spawns `command args` (which must listen on `port`) and polls GET /healthz every 10 ms until it
 * answers 200: the time from spawn to that answer is `startMs`.
 */
export async function spawnServer(command: string, args: string[], port: number, opts: SpawnOptions = {}): Promise<Proc> {
  const t0 = performance.now();
  // Its own process group, so stop() reaches what it starts too (npx runs the server as its child).
  const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      child.kill(s);
    }
  };
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-20_000);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = t0 + (opts.timeoutMs ?? 600_000);
  for (;;) {
    if (gone) throw new Error(`${command} ${args.join(' ')} exited with ${child.exitCode ?? child.signalCode} before answering /healthz: ${err.slice(-2000)}`);
    if (performance.now() > deadline) {
      signal('SIGKILL');
      throw new Error(`${command} ${args.join(' ')}: no /healthz 200 within ${opts.timeoutMs ?? 600_000} ms`);
    }
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).then(
      async (r) => (await r.arrayBuffer(), r.status === 200),
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const startMs = performance.now() - t0;
  const proc: Proc = {
    child,
    pid: child.pid!,
    url,
    startMs,
    stderr: () => err,
    stop: async () => {
      live.delete(proc);
      if (gone) return;
      signal('SIGTERM');
      const force = setTimeout(() => signal('SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    },
  };
  live.add(proc);
  return proc;
}

export interface ServeOptions extends SpawnOptions {
  /** The tree whose bin/baton.mjs runs (another commit's, for the before/after peer). */
  tree?: string;
  /** Arguments for `node` before the script (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

/** The real server: `node [nodeArgs] <tree>/bin/baton.mjs serve --config FILE --port P --store S --quiet`. */
export async function spawnBaton(config: string, store: string, opts: ServeOptions = {}): Promise<Proc> {
  const port = await freePort();
  const tree = opts.tree ?? ROOT;
  return spawnServer(
    process.execPath,
    // --db for a SQLite file: older commits (the before/after peer) may not know --store.
    [...(opts.nodeArgs ?? []), join(tree, 'bin', 'baton.mjs'), 'serve', '--config', config, '--port', String(port), /^postgres(ql)?:/.test(store) ? '--store' : '--db', store, '--quiet'],
    port,
    { ...opts, cwd: opts.cwd ?? tree },
  );
}

/** The bare node:http server on the same records (bench/bare-server.ts). */
export async function spawnBare(accounts: number, contactsPer: number): Promise<Proc> {
  const port = await freePort();
  return spawnServer(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'bare-server.ts'), String(port), String(accounts), String(contactsPer)], port);
}

/** Runs a command to its end; resolves with stdout, rejects with stderr on a non-zero exit. */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve({ stdout, stderr, ms });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
    });
    child.stdin.end(opts.input ?? '');
  });
}
