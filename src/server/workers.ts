/**
 * How the server's own worker threads start (the config worker, the parse workers): the one place
 * that knows how the server runs. From TypeScript source (tsx, tests) a worker's `.mjs` bootstrap
 * registers tsx in it; built JavaScript runs its `.js` beside the bundle (scripts/build-server.mjs).
 */

/** Worker `name`'s entry, beside `here` (the caller's import.meta.url: its source file, or the bundle). */
export function workerEntryFor(name: string, here: string): URL {
  return /\.[cm]?ts$/.test(new URL(here).pathname) ? new URL(`./${name}.mjs`, here) : new URL(`./${name}.js`, here);
}

/** The parent's flags that take their value as the next argument and that a worker keeps. */
const KEPT_WITH_VALUE = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C']);
/** The same given as `--flag=value`, and the few plain flags a worker keeps. */
const KEPT = /^(--(import|require|loader|experimental-loader|conditions|disable-warning)=.|--(no-warnings|no-deprecation|trace-warnings|enable-source-maps)$)/;

/**
 * The parent's node flags a worker file starts with: only how modules load (tsx's `--import`,
 * loaders, `--require`, conditions) and warnings. Node refuses a worker whose execArgv holds a V8
 * or process-wide flag (ERR_WORKER_INVALID_EXEC_ARGV): an admin's `node
 * --max-old-space-size=4096 bin/baton.mjs serve` for a large config would make every reload and
 * every CRM import fail. A worker's memory is its own resourceLimits. `--input-type` goes too: a
 * parent started as `node --input-type=module -e …` (the bench's in-process child) would pass it
 * on, and Node refuses to start a worker file with it.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (KEPT_WITH_VALUE.has(a) && i + 1 < argv.length) kept.push(a, argv[++i]!);
    else if (KEPT.test(a)) kept.push(a);
  }
  return kept;
}
