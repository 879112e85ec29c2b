/**
 * `npx baton …`: check a config, serve the context API, hash a token.
 * bin/baton.mjs registers tsx and calls main(); nothing runs on import.
 */
import { parseArgs } from 'node:util';
import { ConfigLoadError, describeCounts, formatConfigError } from './config';
import { IsolatedLoader } from './config-load';
import { snapshotable, Snapshots } from './snapshot';
import { IMPORT_HELP, importCommand } from './imports/command';
import { reportLines } from './imports/report';
import { sha256Hex } from './security';
import { DEFAULT_DB, DEFAULT_HOST, DEFAULT_PORT, startServer, type RunningServer } from './serve';
import { TOKEN_HELP, tokenCommand } from './tokens';

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The whole of stdin as text. */
  readStdin: () => Promise<string>;
  stdinIsTTY: boolean;
}

const HELP = `Baton — the context API behind the Baton sidebar

Usage:
  npx baton check FILE                 check a config file; prints a summary, or every error
  npx baton serve [options]            serve the context API (reloads the config on change)
      --config FILE    config file (default: baton.config.yaml)
      --port N         port (default ${DEFAULT_PORT}; 0 picks a free one)
      --host HOST      address to listen on (default ${DEFAULT_HOST})
      --store WHERE    the store: postgres://user:pass@host/db (shared by several
                       instances) or a SQLite file (default ${DEFAULT_DB})
      --db FILE        SQLite store (the same as --store FILE)
      --demo DIR       also serve DIR as static files under /demo/
      --quiet          no request log
  Environment: BATON_STORE=WHERE       the store, as --store (the flags win; then this;
                                       then store: in the config; then ${DEFAULT_DB})
               BATON_NOTIFY_BASE_MS=N  first webhook retry delay in ms (default 1000;
                                       doubles per try, at most 30 s)
${IMPORT_HELP}${TOKEN_HELP}  npx baton hash-token                 read a token on stdin, print the sha256 for tokens: in the config
  npx baton --help                     this text

Examples:
  npx baton check baton.config.yaml
  npx baton import --from salesforce export.zip --stages source=marketing,deal-owner=sales --out accounts.yaml
  npx baton serve --config baton.config.yaml --port 8787
  npx baton token add aiko --person aiko --config baton.config.yaml
  echo -n 'a-long-random-token' | npx baton hash-token
  openssl rand -hex 32 | tee token.txt | npx baton hash-token

The admin's guide: docs/admin.md
`;

function defaultIO(): CliIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    stdinIsTTY: !!process.stdin.isTTY,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

async function check(file: string, io: CliIO): Promise<number> {
  // In a worker with the server's memory and time limits: a hostile file cannot take the machine down.
  // A file that passes is saved as a snapshot (snapshot.ts): its first `serve` starts fast.
  const loader = new IsolatedLoader();
  const result = await loader.loadFile(file, file, Snapshots.fromEnv()).finally(() => loader.close());
  if (!result.ok) {
    for (const e of result.errors) io.stderr(`${formatConfigError(e)}\n`);
    io.stderr(`${file}: ${result.errors.length} error${result.errors.length === 1 ? '' : 's'}\n`);
    return 1;
  }
  // And the search index of the snapshot (built here, at full pace): the start reads it too.
  const snapshots = Snapshots.fromEnv();
  if (snapshots && snapshotable(result.loaded.config)) {
    await snapshots.saveSearch(snapshots.key(result.loaded.hash), result.loaded, true).catch((err: unknown) => io.stderr(`${file}: search index not saved: ${(err as Error).message}\n`));
  }
  const { counts } = result.loaded;
  io.stdout(`${file}: OK — ${describeCounts(counts)}, ${counts.tokens} token${counts.tokens === 1 ? '' : 's'}, ${counts.adapters} adapter${counts.adapters === 1 ? '' : 's'}\n`);
  for (const report of result.loaded.imports) io.stdout(reportLines(report).map((l) => `${l}\n`).join(''));
  return 0;
}

async function hashToken(io: CliIO): Promise<number> {
  if (io.stdinIsTTY) io.stderr('Type or paste the token, then press Enter and Ctrl-D:\n');
  const token = (await io.readStdin()).trim();
  if (!token) {
    io.stderr('hash-token: no token on stdin (try: echo -n "my-token" | npx baton hash-token)\n');
    return 1;
  }
  if (/\s/.test(token)) {
    io.stderr('hash-token: the token has spaces or several lines; give one token\n');
    return 1;
  }
  io.stdout(`${sha256Hex(token)}\n`);
  if (io.stdinIsTTY) io.stderr(`put it in the config: tokens: [ { name: …, sha256: '<the line above>' } ]\n`);
  return 0;
}

async function serveCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      config: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      store: { type: 'string' },
      demo: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const configPath = values.config ?? positionals[0] ?? 'baton.config.yaml';
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`serve: --port should be a whole number 0–65535, not "${values.port}"\n`);
    return 2;
  }
  const base = process.env.BATON_NOTIFY_BASE_MS;
  const baseMs = base === undefined || base === '' ? undefined : Number(base);
  if (baseMs !== undefined && !(Number.isInteger(baseMs) && baseMs >= 1)) {
    io.stderr(`serve: BATON_NOTIFY_BASE_MS should be a whole number of milliseconds (1 or more), not "${base}"\n`);
    return 2;
  }
  if (values.store !== undefined && values.db !== undefined) {
    io.stderr('serve: give --store or --db, not both\n');
    return 2;
  }
  const envStore = process.env.BATON_STORE?.trim() || undefined;
  const store = values.store ?? values.db ?? envStore;
  let server: RunningServer;
  try {
    server = await startServer({
      configPath,
      port,
      host: values.host ?? DEFAULT_HOST,
      ...(store !== undefined ? { store } : {}),
      ...(values.demo ? { demoDir: values.demo } : {}),
      quiet: values.quiet ?? false,
      ...(baseMs !== undefined ? { notify: { baseMs } } : {}),
    });
  } catch (err) {
    if (err instanceof ConfigLoadError) {
      for (const e of err.errors) io.stderr(`${formatConfigError(e)}\n`);
      io.stderr(`serve: not started: fix the config (npx baton check ${configPath})\n`);
      return 1;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') io.stderr(`serve: port ${port} is in use; pick another with --port\n`);
    else io.stderr(`serve: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout(`listening on ${server.url}\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Keep running: the HTTP server holds the event loop open.
  return 0;
}

/** Runs one command; resolves with the exit code (serve resolves once listening). */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || ['help', '--help', '-h'].includes(command) || rest.includes('--help') || rest.includes('-h')) {
    io.stdout(HELP);
    return command === undefined ? 2 : 0;
  }
  try {
    switch (command) {
      case 'check': {
        const file = rest.find((a) => !a.startsWith('-'));
        if (!file) {
          io.stderr('check: which file? npx baton check baton.config.yaml\n');
          return 2;
        }
        return await check(file, io);
      }
      case 'serve':
        return await serveCommand(rest, io);
      case 'hash-token':
        return await hashToken(io);
      case 'import':
        return await importCommand(rest, io);
      case 'token':
        return await tokenCommand(rest, io);
      default:
        io.stderr(`baton: unknown command "${command}"\n\n${HELP}`);
        return 2;
    }
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`${command}: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
