// The real context API for end-to-end tests: src/server's startServer on a free port, with a
// config file and SQLite store in a temp directory, serving the demo help desk at /demo/.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { startServer } from '../../../src/server/serve';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const DEMO_CONFIG = join(ROOT, 'baton.config.yaml');
export const DEMO_DESK = join(ROOT, 'demo/desk');
/** The demo config's token (its sha256 is in baton.config.yaml). */
export const DEMO_TOKEN = 'baton-demo-token';

export interface StartApiOptions {
  /** YAML text of the config; default: the demo config (baton.config.yaml). */
  config?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Serve demo/desk at /demo/ (default true). */
  demo?: boolean;
}

export interface Api {
  url: string;
  port: number;
  token: string;
  configPath: string;
  dbPath: string;
  /** Stops listening (the temp files stay, so start() can bring the same API back). */
  stop(): Promise<void>;
  /** Starts again on the same port after stop(). */
  start(): Promise<void>;
  readonly running: boolean;
  /** Stops and removes the temp files. */
  close(): Promise<void>;
}

export async function startApi(o: StartApiOptions = {}): Promise<Api> {
  const dir = mkdtempSync(join(tmpdir(), 'baton-api-'));
  const configPath = join(dir, 'baton.config.yaml');
  const dbPath = join(dir, 'baton.db');
  writeFileSync(configPath, o.config ?? readFileSync(DEMO_CONFIG, 'utf8'));
  const demoDir = o.demo === false ? undefined : DEMO_DESK;
  const launch = (port: number) =>
    startServer({ configPath, port, host: '127.0.0.1', dbPath, quiet: true, ...(demoDir ? { demoDir } : {}) });
  let server: Awaited<ReturnType<typeof startServer>> | null;
  try {
    server = await launch(o.port ?? 0);
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const port = server.port;
  const api: Api = {
    url: `http://127.0.0.1:${port}`,
    port,
    token: DEMO_TOKEN,
    configPath,
    dbPath,
    get running() {
      return server !== null;
    },
    async stop() {
      const s = server;
      server = null;
      await s?.close();
    },
    async start() {
      if (!server) server = await launch(port);
    },
    async close() {
      try {
        await api.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return api;
}

// --- What the demo config says the relay is (the contract, computed from the config) ---

interface ConfigShape {
  accounts: Array<{
    id: string;
    relay?: Array<{ stage: string }>;
    next?: Array<{ stage: string }>;
    teams?: Array<{ id: string }>;
    contacts?: Array<{ email: string; team?: string }>;
  }>;
}

export interface ExpectedRelay {
  account: string;
  /** data-stage of each hand-off, in relay order. */
  stages: string[];
  /** data-level of each impact, in order: contact, team, company, society, teammates. */
  levels: string[];
}

/** The relay the sidebar must show for a contact's email, from the config text. */
export function expectedRelay(email: string, configText = readFileSync(DEMO_CONFIG, 'utf8')): ExpectedRelay {
  const config = load(configText) as ConfigShape;
  for (const account of config.accounts) {
    const contact = account.contacts?.find((c) => c.email.toLowerCase() === email.toLowerCase());
    if (!contact) continue;
    const hasTeam = !!contact.team && !!account.teams?.some((t) => t.id === contact.team);
    return relayOf(account, hasTeam ? ['contact', 'team'] : ['contact']);
  }
  throw new Error(`${email} is no contact in the config`);
}

/** The relay for an account matched without a contact (by domain, company name, or typed). */
export function expectedAccountRelay(accountId: string, configText = readFileSync(DEMO_CONFIG, 'utf8')): ExpectedRelay {
  const account = (load(configText) as ConfigShape).accounts.find((a) => a.id === accountId);
  if (!account) throw new Error(`no account ${accountId} in the config`);
  return relayOf(account, []);
}

function relayOf(account: ConfigShape['accounts'][number], inner: string[]): ExpectedRelay {
  return {
    account: account.id,
    stages: (account.relay ?? []).map((h) => h.stage),
    levels: [...inner, 'company', 'society', ...(account.next ?? []).map(() => 'teammate')],
  };
}
