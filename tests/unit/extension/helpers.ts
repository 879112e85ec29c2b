/** Shared parts of the extension's unit tests: the real demo API on a free port, memory storage. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startServer } from '../../../src/server/serve';
import type { KeyValueArea } from '../../../src/background/cache';
import { dispatch, type Handlers } from '../../../src/background/handlers';
import { mayAsk, senderKind } from '../../../src/background/senders';
import type { MessageName } from '../../../src/shared/messages';
import type { Locale } from '../../../src/shared/context';

export const REPO = resolve(import.meta.dirname, '../../..');
export const DEMO_TOKEN = 'baton-demo-token';

export interface RunningApi {
  url: string;
  close(): Promise<void>;
}

/**
 * The context API with the demo config (baton.config.yaml), in-memory store, on a free port.
 * `rateLimit`: the demo token's limit instead of the config's (20/s, burst 40), for a test file
 * whose many lookups in a row are not about the limit (a copy of the config in a temp folder).
 */
export async function startDemoApi(opts: { rateLimit?: { perSecond: number; burst: number } } = {}): Promise<RunningApi> {
  let configPath = resolve(REPO, 'baton.config.yaml');
  let dir: string | undefined;
  if (opts.rateLimit) {
    const text = readFileSync(configPath, 'utf8');
    const line = /^rateLimit: .*$/m;
    if (!line.test(text)) throw new Error('baton.config.yaml has no rateLimit line to replace');
    dir = mkdtempSync(join(tmpdir(), 'baton-demo-api-'));
    configPath = join(dir, 'baton.config.yaml');
    writeFileSync(configPath, text.replace(line, `rateLimit: { perSecond: ${opts.rateLimit.perSecond}, burst: ${opts.rateLimit.burst} }`));
  }
  const s = await startServer({ configPath, port: 0, host: '127.0.0.1', dbPath: ':memory:', quiet: true });
  return {
    url: s.url,
    close: async () => {
      await s.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** storage.local's shape, kept in a Map (what the background sees of it). */
export class MemoryArea implements KeyValueArea {
  data = new Map<string, unknown>();
  async get(keys: string | string[] | null): Promise<Record<string, unknown>> {
    const list = keys === null ? [...this.data.keys()] : Array.isArray(keys) ? keys : [keys];
    return Object.fromEntries(list.filter((k) => this.data.has(k)).map((k) => [k, structuredClone(this.data.get(k))]));
  }
  async set(items: Record<string, unknown>): Promise<void> {
    for (const [k, v] of Object.entries(items)) this.data.set(k, structuredClone(v));
  }
  async remove(keys: string | string[]): Promise<void> {
    for (const k of Array.isArray(keys) ? keys : [keys]) this.data.delete(k);
  }
}

/** The extension's own _locales files, as the background loads them. */
export async function loadLocale(lang: Locale): Promise<Record<string, { message: string }>> {
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(resolve(REPO, `public/_locales/${lang}/messages.json`), 'utf8'));
}

/**
 * The demo config's answer for a query, built by the server's own matching and response code
 * (for happy-dom tests, where the HTTP server cannot run: happy-dom replaces Request/Headers).
 * Validated with the shared schema like the background does.
 */
/** The UI strings of a locale, as the background hands them to a view. */
export async function uiStrings(lang: Locale): Promise<import('../../../src/shared/messages').UiStrings> {
  return { lang, messages: Object.fromEntries(Object.entries(await loadLocale(lang)).map(([k, v]) => [k, v.message])) };
}

export async function demoContext(query: import('../../../src/shared/context').ContextQuery) {
  const { loadConfigFile } = await import('../../../src/server/config');
  const { matchQuery } = await import('../../../src/server/match');
  const { buildContext } = await import('../../../src/server/context');
  const v = await import('valibot');
  const { ContextResponseSchema } = await import('../../../src/shared/context');
  const r = await loadConfigFile(resolve(REPO, 'baton.config.yaml'));
  if (!r.ok) throw new Error('demo config does not load');
  const { parseTags } = await import('../../../src/server/products');
  const extras = { email: query.email, domain: query.domain, subject: query.subject, tags: parseTags(query.tags) };
  const body = buildContext(r.loaded, matchQuery(r.loaded.index, query), query.lang ?? 'en', extras);
  return v.parse(ContextResponseSchema, JSON.parse(JSON.stringify(body)));
}

/**
 * The demo API in a child process (for happy-dom tests, whose globals the Node server cannot
 * use). Resolves with its URL once it listens.
 */
export async function spawnDemoApi(): Promise<RunningApi> {
  const { spawn } = await import('node:child_process');
  const code = `
    const { startServer } = await import(${JSON.stringify(resolve(REPO, 'src/server/serve.ts'))});
    const s = await startServer({ configPath: ${JSON.stringify(resolve(REPO, 'baton.config.yaml'))}, port: 0, dbPath: ':memory:', quiet: true });
    console.log('LISTENING ' + s.url);
    process.on('SIGTERM', () => s.close().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      out += c;
      const m = /LISTENING (\S+)/.exec(out);
      if (m) res(m[1]!);
    });
    child.once('exit', (code) => rej(new Error(`demo API exited with ${code}`)));
  });
  return {
    url,
    close: () => new Promise<void>((res) => (child.once('exit', () => res()), child.kill('SIGTERM'))),
  };
}

/** A fetch over node:http (happy-dom's own fetch applies page CORS, the background's does not). */
export const nodeFetch: typeof fetch = async (input, init) => {
  const { request } = await import('node:http');
  const url = String(input);
  const headers = Object.fromEntries(new Headers(init?.headers).entries());
  return new Promise<Response>((res, rej) => {
    const req = request(url, { method: init?.method ?? 'GET', headers }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (body += c));
      r.on('end', () => res(new Response(body, { status: r.statusCode ?? 500, headers: { 'content-type': String(r.headers['content-type'] ?? '') } })));
    });
    req.on('error', rej);
    init?.signal?.addEventListener('abort', () => req.destroy(init.signal!.reason as Error), { once: true });
    req.end(typeof init?.body === 'string' ? init.body : undefined);
  });
};

/**
 * A content script's `chrome.runtime` in happy-dom: messages go through the background's sender
 * check (as background/index.ts does) to its real handlers; `seen` gets each message name.
 */
export function installContentRuntime(handlers: Handlers, seen: string[] = [], extId = 'baton-test', opts: ContentRuntimeOptions = {}): () => void {
  const g = globalThis as unknown as { chrome?: unknown };
  g.chrome = {
    runtime: {
      id: extId,
      getURL: (p: string) => `chrome-extension://${extId}/${p}`,
      async sendMessage(msg: { type: MessageName; payload: never }) {
        if (!mayAsk(senderKind({ id: extId, url: location.href, tab: { id: 1 } }, extId, `chrome-extension://${extId}/`), msg.type)) throw new Error(`refused ${msg.type}`);
        seen.push(msg.type);
        const r = await dispatch(handlers, msg.type, msg.payload, { tabId: 1, frameId: 0 });
        opts.answered?.(msg.type, msg.payload);
        return r;
      },
      onMessage: {
        addListener: (fn: ContentListener) => void opts.listeners?.push(fn),
        removeListener: () => undefined,
      },
    },
  };
  return () => void delete g.chrome;
}

/**
 * An extension page's `chrome.runtime` in happy-dom (the side panel, the inline frame, the
 * popup): messages go through the sender check as a page of the extension to the real handlers.
 */
export function installPageRuntime(handlers: Handlers, seen: string[] = [], extId = 'baton-test', page = 'src/panel/index.html'): () => void {
  const g = globalThis as unknown as { chrome?: unknown };
  const url = `chrome-extension://${extId}/${page}`;
  g.chrome = {
    runtime: {
      id: extId,
      getURL: (p: string) => `chrome-extension://${extId}/${p}`,
      async sendMessage(msg: { type: MessageName; payload: never }) {
        if (!mayAsk(senderKind({ id: extId, url }, extId, `chrome-extension://${extId}/`), msg.type)) throw new Error(`refused ${msg.type}`);
        seen.push(msg.type);
        return dispatch(handlers, msg.type, msg.payload, {});
      },
      onMessage: { addListener: () => undefined, removeListener: () => undefined },
    },
  };
  return () => void delete g.chrome;
}

/** A content script's runtime.onMessage listener. */
export type ContentListener = (msg: unknown, sender: { id?: string }, reply: (r: unknown) => void) => unknown;

export interface ContentRuntimeOptions {
  /** Where the content script's onMessage listeners go (to send it messages, see toContent). */
  listeners?: ContentListener[];
  /** Called after the background answered a message. */
  answered?(type: MessageName, payload: unknown): void;
}

/** A message from the background (or popup) side to the content script's listeners. */
export function toContent<T>(listeners: ContentListener[], msg: unknown, extId = 'baton-test'): Promise<T> {
  return new Promise((res) => {
    for (const fn of listeners) fn(msg, { id: extId }, (r) => res(r as T));
  });
}

/** The demo desk (demo/desk/index.html and its own script) as this happy-dom page. */
export async function loadDemoDesk(): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const html = readFileSync(resolve(REPO, 'demo/desk/index.html'), 'utf8');
  const page = new DOMParser().parseFromString(html.replace(/<script[^>]*><\/script>|<link[^>]*>/g, ''), 'text/html');
  document.body.replaceChildren(...[...page.body.childNodes].map((n) => document.importNode(n, true)));
  document.body.dataset.desk = page.body.dataset.desk!;
  await import('../../../demo/desk/app.js');
}
