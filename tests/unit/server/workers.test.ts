import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../../../src/server/workers';

describe('workerExecArgv', () => {
  it('keeps how modules load and warnings; drops V8, process-wide and --input-type flags', () => {
    expect(
      workerExecArgv([
        '--max-old-space-size=2048', '--import', 'tsx', '--input-type=module', '--stack-size=2000', '--conditions=development',
        '-r', './preload.cjs', '--expose-gc', '--no-warnings', '--title=baton', '--import=./hooks.mjs', '--loader', 'x.mjs', '--enable-source-maps',
      ]),
    ).toEqual(['--import', 'tsx', '--conditions=development', '-r', './preload.cjs', '--no-warnings', '--import=./hooks.mjs', '--loader', 'x.mjs', '--enable-source-maps']);
  });

  it('is what this process runs with, less what a worker refuses', () => {
    expect(workerExecArgv()).toEqual(workerExecArgv(process.execArgv));
    expect(workerExecArgv(['--max-old-space-size=64'])).toEqual([]);
  });
});
