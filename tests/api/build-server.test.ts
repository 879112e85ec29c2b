/**
 * `npx baton` runs built JavaScript (scripts/build-server.mjs, npm's prepare step): the bin uses
 * build/server/ as it is while no source changed, builds it again first when one did, and the
 * config worker the server starts for reloads is found beside the built CLI.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { workerEntry } from '../../src/server/config-load';
import { REPO, runCli } from './helpers';

const BUILD = join(REPO, 'build', 'server');
const INPUTS = join(BUILD, 'inputs.json');
const builtAt = () => (JSON.parse(readFileSync(INPUTS, 'utf8')) as { builtAt: string }).builtAt;

describe('the built server', () => {
  it('is built from the sources, with the config worker beside the CLI where workerEntry looks', async () => {
    const { isServerBuildFresh, buildServer } = (await import(pathToFileURL(join(REPO, 'scripts', 'build-server.mjs')).href)) as {
      isServerBuildFresh: () => boolean;
      buildServer: (o?: { quiet?: boolean }) => Promise<void>;
    };
    if (!isServerBuildFresh()) await buildServer();
    expect(isServerBuildFresh()).toBe(true);
    const cli = pathToFileURL(join(BUILD, 'cli.js')).href;
    expect(workerEntry(cli).href).toBe(pathToFileURL(join(BUILD, 'config-worker.js')).href);
    expect(existsSync(new URL(workerEntry(cli)))).toBe(true);
    const files = Object.keys((JSON.parse(readFileSync(INPUTS, 'utf8')) as { files: Record<string, unknown> }).files);
    expect(files).toEqual(expect.arrayContaining(['src/server/cli.ts', 'src/server/config-worker.ts', 'src/server/app.ts', 'src/shared/config.ts']));
    expect(files.some((f) => f.startsWith('node_modules/'))).toBe(false);
  });

  it('runs the build as it is while nothing changed, and builds again when a source changed', async () => {
    const check = ['check', join(REPO, 'tests', 'fixtures', 'config', 'valid.yaml')];
    expect((await runCli(check)).code).toBe(0);
    const before = builtAt();
    const again = await runCli(check);
    expect(again.code).toBe(0);
    expect(builtAt()).toBe(before); // fresh: not built again
    // A source "changed" since the build (its recorded size no longer matches the file).
    const inputs = JSON.parse(readFileSync(INPUTS, 'utf8')) as { builtAt: string; files: Record<string, { size: number }> };
    inputs.files['src/server/cli.ts']!.size += 1;
    writeFileSync(INPUTS, JSON.stringify(inputs));
    const rebuilt = await runCli(check);
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).not.toMatch(/could not build/);
    expect(builtAt()).not.toBe(before);
  });
});
