/**
 * How the server's own worker threads start (the config worker, the parse workers): the one place
 * that knows how the server runs. From TypeScript source (tsx, tests) a worker's `.mjs` bootstrap
 * registers tsx in it; built JavaScript runs its `.js` beside the bundle (scripts/build-server.mjs).
 */

/** Worker `name`'s entry, beside `here` (the caller's import.meta.url: its source file, or the bundle). */
export function workerEntryFor(name: string, here: string): URL {
  return /\.[cm]?ts$/.test(new URL(here).pathname) ? new URL(`./${name}.mjs`, here) : new URL(`./${name}.js`, here);
}

/**
 * The parent's node flags for a worker file, less --input-type: a parent started as
 * `node --input-type=module -e …` (the bench's in-process child) would pass it on, and Node
 * refuses to start a worker file with it.
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((a) => !a.startsWith('--input-type'));
}
