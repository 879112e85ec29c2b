/** Shared set-up for the API tests: fixture configs, a real store (SQLite in a temp dir, or PostgreSQL), auth. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v from 'valibot';
import { expect } from 'vitest';
import { ContextResponseSchema, ErrorResponseSchema, type ContextResponse } from '../../src/shared/context';
import { loadConfigFile, parseConfig, formatConfigError, type LoadedConfig } from '../../src/server/config';
import type { StoreKind } from '../../src/server/store';
import { openTempStore, type TempStore } from '../support/stores';

export const FIXTURES = fileURLToPath(new URL('../fixtures/config/', import.meta.url));
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** Tokens of tests/fixtures/config/valid.yaml. */
export const TOKEN = 'test-token';
export const SECOND_TOKEN = 'second-token';

export function bearer(token = TOKEN): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

export async function loadFixture(name: string): Promise<LoadedConfig> {
  const result = await loadConfigFile(join(FIXTURES, name), name);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.loaded;
}

export function loadText(text: string, file = 'test.yaml'): LoadedConfig {
  const result = parseConfig(text, file);
  if (!result.ok) throw new Error(result.errors.map(formatConfigError).join('\n'));
  return result.loaded;
}

export type { TempStore } from '../support/stores';

/** A store on a real SQLite file in a fresh temp dir, or (kind 'postgres') a fresh database in the run's cluster. */
export function tempStore(kind: StoreKind = 'sqlite'): Promise<TempStore> {
  return openTempStore(kind);
}

/** Polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false> | T | undefined | null | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An app.request() with a JSON body (a string is sent as it is). */
export function jsonRequest(method: string, body: unknown, headers: Record<string, string> = bearer()): RequestInit {
  return { method, headers: { 'Content-Type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) };
}

/** Checks a JSON error answer (status, shape, code); returns its message. */
export async function expectError(res: Response, status: number, code: string): Promise<string> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = v.parse(ErrorResponseSchema, await res.json());
  expect(body.error.code).toBe(code);
  return body.error.message;
}

/** A port nothing listens on (just now): listen on 0, note the port, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Delivery {
  status: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A webhook receiver on 127.0.0.1:`port`, not listening until `up()`. It answers the statuses in
 * `answers` in turn (503 for "down for maintenance"), then 200; it records every request.
 */
export class WebhookReceiver {
  readonly requests: Delivery[] = [];
  private readonly server: Server;
  constructor(
    readonly port: number,
    private readonly answers: number[] = [],
  ) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const status = this.answers.shift() ?? 200;
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = Buffer.concat(chunks).toString('utf8');
        }
        this.requests.push({ status, body, headers: req.headers });
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status === 200 ? 'ok' : 'unavailable');
      });
    });
  }

  /** The requests answered 200: the messages that arrived. */
  get delivered(): unknown[] {
    return this.requests.filter((r) => r.status === 200).map((r) => r.body);
  }

  up(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => resolve());
    });
  }

  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export const BIN = join(REPO, 'bin/baton.mjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/baton.mjs …` to its end, as an admin runs it (from the repo unless `cwd`). */
export function runCli(args: string[], opts: { stdin?: string; cwd?: string; env?: Record<string, string>; nodeFlags?: string[] } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeFlags ?? []), BIN, ...args], { cwd: opts.cwd ?? REPO, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

/** `node bin/baton.mjs serve …` as an admin runs it, once it says where it listens. */
export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything printed so far. */
  out(): string;
  err(): string;
  /** Sends `signal` and waits for the process to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function spawnServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { cwd: REPO, env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  try {
    const url = await waitFor(() => {
      if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${err}`);
      return /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    }, '"listening on"');
    return { child, url, out: () => out, err: () => err, stop };
  } catch (e) {
    await stop('SIGKILL');
    throw new Error(`${(e as Error).message} (stderr: ${err})`);
  }
}

/** GET /v1/context on `app`, checking the answer against the shared schema exactly. */
export async function getContext(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  query: Record<string, string> | string,
  headers: Record<string, string> = {},
): Promise<ContextResponse> {
  const res = await app.request(`/v1/context?${new URLSearchParams(query)}`, { headers: { ...bearer(), ...headers } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = (await res.json()) as ContextResponse;
  // Every field present as built (parse would fill defaults for missing optional ones).
  expect(v.parse(ContextResponseSchema, body)).toEqual(body);
  return body;
}
