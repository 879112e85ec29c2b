/**
 * Puts the context API on a port: load the config (or fail with its errors), open the store,
 * prune the audit trail (now and daily), watch the config file, send queued notifications, serve.
 * The store: `store` (the CLI's --store/--db, or BATON_STORE), else the config's `store:`
 * (a SQLite path there is relative to the config file), else .baton/baton.db.
 * Used by `npx baton serve` and by `npm start` (with demoDir: the demo help desk at /demo/).
 */
import type { AddressInfo } from 'node:net';
import { dirname, relative, resolve } from 'node:path';
import { createServer, type Server } from 'node:http';
import { createApp, nodeListener } from './app';
import { ConfigLoadError, describeCounts, loadConfigFile } from './config';
import { ConfigHolder, logImports, type ReloadResult } from './holder';
import { boundHeapGrowth } from './heap';
import { createLogger } from './log';
import { Notifier, type NotifierOptions } from './notify';
import { Snapshots } from './snapshot';
import { displayStore, isPostgresUrl, openStore } from './store';

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_DB = '.baton/baton.db';

export interface ServerOptions {
  configPath: string;
  /** 0 picks a free port. Default 8787. */
  port?: number;
  host?: string;
  /** The store: a postgres:// URL or a SQLite file (relative to the working directory); wins over the config's `store:`. */
  store?: string;
  /** SQLite file (the same as `store` with a path); default .baton/baton.db (relative to the working directory). */
  dbPath?: string;
  /** Served as static files under /demo/ without auth. */
  demoDir?: string;
  /** No request or reload log lines on stdout (warnings and errors still go to stderr). */
  quiet?: boolean;
  /** Config and export watch timings (tests may shorten them). */
  watch?: { debounceMs?: number; pollMs?: number; settleMs?: number };
  /** Config snapshots (snapshot.ts): default from BATON_SNAPSHOTS (on, in .baton/snapshots, for built code); null turns them off. */
  snapshots?: Snapshots | null;
  /** Webhook retry timings (tests may shorten them; the cap never exceeds 30 s). */
  notify?: Omit<NotifierOptions, 'log'>;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  /** Re-reads the config now (the watcher does it by itself on change). */
  reload(): Promise<ReloadResult>;
  close(): Promise<void>;
}

/** How a path reads in messages: relative to the working directory when it is inside it. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel && !rel.startsWith('..') ? rel : resolve(path);
}

/** Which store: the option (flag or environment), else the config's `store:`, else the default file. */
export function storeAddress(opts: Pick<ServerOptions, 'store' | 'dbPath'>, fromConfig: string | undefined, configPath: string): string {
  const given = opts.store ?? opts.dbPath;
  if (given !== undefined) return isPostgresUrl(given) || given === ':memory:' ? given : resolve(given);
  if (fromConfig !== undefined) return isPostgresUrl(fromConfig) || fromConfig === ':memory:' ? fromConfig : resolve(dirname(configPath), fromConfig);
  return resolve(DEFAULT_DB);
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = createLogger({ quiet: opts.quiet ?? false });
  const configPath = resolve(opts.configPath);
  const snapshots = opts.snapshots === undefined ? Snapshots.fromEnv() : opts.snapshots;
  const result = await loadConfigFile(configPath, displayPath(opts.configPath), snapshots);
  if (!result.ok) throw new ConfigLoadError(result.errors);
  const loaded = result.loaded;
  // A large config's heap: full GCs after 25 % of growth, not V8's 100-300 % (heap.ts).
  boundHeapGrowth();

  const store = await openStore(storeAddress(opts, loaded.config.store, configPath), { log });
  const prune = async () => {
    try {
      const removed = await store.pruneAudit(holder.current().config.audit.retentionDays);
      if (removed > 0) log.info(`audit: pruned ${removed} lookup(s) older than ${holder.current().config.audit.retentionDays} days`);
    } catch (err) {
      log.error(`audit prune failed: ${(err as Error).message}`);
    }
  };
  const holder = new ConfigHolder(configPath, loaded, log, loaded.file, { snapshots });
  await prune();
  const daily = setInterval(() => void prune(), 86_400_000);
  daily.unref();
  const stopWatching = holder.watch(opts.watch);

  const notifier = new Notifier(holder, store, { ...opts.notify, log });
  const app = createApp(holder, store, { log, notifier, ...(opts.demoDir ? { demoDir: resolve(opts.demoDir) } : {}) });
  const host = opts.host ?? DEFAULT_HOST;

  const server: Server = createServer(nodeListener(app, { hostname: host }));
  // Idle keep-alive connections are kept longer than a reverse proxy (nginx upstream keepalive:
  // 60 s) or a client keeps them, so neither reuses one in the moment the server closes it (a 502,
  // or "other side closed"). Node's default is 5 s.
  server.keepAliveTimeout = 65_000;
  const info = await new Promise<AddressInfo>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? DEFAULT_PORT, host, () => resolveListen(server.address() as AddressInfo));
  }).catch(async (err: unknown) => {
    clearInterval(daily);
    stopWatching();
    holder.close();
    await store.close();
    throw err;
  });
  notifier.start(); // also sends what an earlier run left in the outbox
  // A full load is saved as a snapshot once the server serves (JSON, 100 accounts per write, taking
  // at most a quarter of this thread's time: about 0.3 s of work at 100,000 contacts, once, spread
  // over a second or two), so the next start with the same file skips the parse and the checks.
  const save = result.snapshot?.from === 'file' ? result.snapshot.save : null;
  const saving = save
    ? setTimeout(() => void save().catch((err: unknown) => log.warn(`config snapshot not written: ${(err as Error).message}`)), 1000)
    : undefined;
  saving?.unref();

  const urlHost = info.family === 'IPv6' || host.includes(':') ? `[${info.address}]` : host;
  const url = `http://${urlHost}:${info.port}`;
  log.info(`Baton context API on ${url} — ${loaded.file}${result.snapshot?.from === 'snapshot' ? ' (checked before: from its snapshot)' : ''}: ${describeCounts(loaded.counts)}; store ${store.kind} ${displayStore(store.path)}`);
  logImports(log, loaded);
  if (opts.demoDir) log.info(`demo help desk: ${url}/demo/`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port: info.port,
    host,
    reload: () => holder.reload(),
    close() {
      closing ??= new Promise<void>((done) => {
        clearInterval(daily);
        clearTimeout(saving);
        stopWatching();
        holder.close();
        const http = server;
        // Requests in flight finish; idle keep-alive connections close now, stragglers after 3s.
        const force = setTimeout(() => http.closeAllConnections(), 3000);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          void notifier
            .stop()
            .then(() => store.close()) // commits the audit trail's last batch
            .catch((err: unknown) => log.error(`store close: ${(err as Error).message}`))
            .finally(done);
        });
        http.closeIdleConnections();
      });
      return closing;
    },
  };
}
