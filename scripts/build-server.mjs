#!/usr/bin/env node
/**
 * The context API as built JavaScript: build/server/cli.js (the CLI and the server) and
 * build/server/config-worker.js (the config worker, which config-load.ts workerEntry() finds
 * beside it), bundled by esbuild from src/ with the packages left in node_modules, and
 * build/server/inputs.json: every source file it was built from, with size and mtime.
 *
 *   node scripts/build-server.mjs [--quiet]      (npm's `prepare`: npm install / npm ci run it)
 *
 * bin/baton.mjs runs the build when it is up to date with its sources (serverBuild()), builds it
 * again when a source changed (a developer's edit: a few hundred ms once), and runs the
 * TypeScript through tsx only when it cannot build (or with BATON_TSX=1). Starting from built
 * JavaScript saves what tsx costs at every start: loading tsx and esbuild, hooking the module
 * loader, compiling the server (bench/REPORT.md, start time).
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_BUILD_DIR = join(root, 'build', 'server');
const INPUTS = join(SERVER_BUILD_DIR, 'inputs.json');
const ENTRIES = { cli: 'src/server/cli.ts', 'config-worker': 'src/server/config-worker.ts', 'parse-worker': 'src/server/imports/parse-worker.ts' };

const stamp = (file) => {
  const s = statSync(join(root, file));
  return { size: s.size, mtimeMs: s.mtimeMs };
};

/** True when the build exists and no source it was built from changed since. */
export function isServerBuildFresh() {
  let inputs;
  try {
    inputs = JSON.parse(readFileSync(INPUTS, 'utf8'));
  } catch {
    return false;
  }
  try {
    for (const [file, was] of Object.entries(inputs.files ?? {})) {
      const now = stamp(file);
      if (now.size !== was.size || now.mtimeMs !== was.mtimeMs) return false;
    }
  } catch {
    return false; // a source is gone
  }
  return Object.keys(inputs.files ?? {}).length > 0;
}

/** Builds build/server/ (each file written beside and renamed over, so a concurrent start never reads half a file). */
export async function buildServer({ quiet = true } = {}) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ENTRIES,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: SERVER_BUILD_DIR,
    write: false,
    metafile: true,
    logLevel: quiet ? 'error' : 'warning',
    // A bundle is one module: code that asks for its own file (import.meta.url) gets the bundle's,
    // which is what config-load.ts workerEntry() expects (config-worker.js beside cli.js).
  });
  mkdirSync(SERVER_BUILD_DIR, { recursive: true });
  const files = {};
  for (const input of Object.keys(result.metafile.inputs)) if (!input.startsWith('node_modules/')) files[input] = stamp(input);
  const put = (path, contents) => {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  };
  for (const out of result.outputFiles) put(out.path, out.contents);
  put(INPUTS, `${JSON.stringify({ builtAt: new Date().toISOString(), files }, null, 1)}\n`);
  if (!quiet) console.log(`built ${relative(process.cwd(), SERVER_BUILD_DIR) || '.'}/ (${result.outputFiles.map((o) => relative(SERVER_BUILD_DIR, o.path)).join(', ')}) from ${Object.keys(files).length} sources`);
}

/**
 * The built CLI's URL, built first when missing or stale; null when it cannot be built here
 * (then run the sources through tsx). BATON_TSX=1 always says null.
 */
export async function serverBuild() {
  if (process.env.BATON_TSX === '1') return null;
  if (!isServerBuildFresh()) {
    try {
      await buildServer();
    } catch (err) {
      process.stderr.write(`baton: could not build the server (${err?.message ?? err}); running the TypeScript through tsx\n`);
      return null;
    }
  }
  return pathToFileURL(join(SERVER_BUILD_DIR, 'cli.js')).href;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildServer({ quiet: process.argv.includes('--quiet') });
}
