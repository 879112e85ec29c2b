/** Config load in the bench's own process: js-yaml parse, valibot validation, matching index. */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseConfig, type LoadedConfig } from '../src/server/config';
import type { Bench, Section } from './lib/harness';
import { median, ms, num, spread } from './lib/stats';

/** The 100k config as loaded here, for the matching section (one load serves both). */
export let loaded100k: LoadedConfig | undefined;

export const configLoad: Section = {
  id: 'config-load',
  title: 'Config load in process (parse, validate, index)',
  async run(b: Bench) {
    const cfg = (await b.config('100k'))!;
    const text = readFileSync(cfg.file, 'utf8');
    const runs: number[] = [];
    for (let i = 0; i < b.rounds(3); i++) {
      const t = performance.now();
      const r = parseConfig(text, 'config-100k.yaml');
      runs.push(performance.now() - t);
      if (!r.ok) throw new Error(`bench config invalid: ${JSON.stringify(r.errors.slice(0, 3))}`);
      loaded100k = r.loaded;
    }
    b.metric({ id: 'config-load.100k.ms', label: 'config load in process, 100k contacts', unit: 'ms', value: median(runs), runs, better: 'lower', workload: cfg.describe });
    b.line(`On ${cfg.describe}:`);
    b.line();
    b.table(['file', 'accounts', 'contacts', `median (range) of ${runs.length}`, 'runs'], [[`${(cfg.bytes / 2 ** 20).toFixed(1)} MB`, num(cfg.shape.accounts, 0), num(cfg.contacts, 0), `${spread(runs)} ms`, runs.map(ms).join(', ')]]);
    b.line();
    b.line('`parseConfig` as the server runs it at start and on every reload, on the serving thread. Where its time goes: the start-up profile in the profiles section.');
  },
};
