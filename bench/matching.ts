/** Matching in the bench's own process, on the 100k index: lookups per second per rule. */
import { performance } from 'node:perf_hooks';
import { matchQuery } from '../src/server/match';
import { loaded100k } from './config-load';
import type { Bench, Section } from './lib/harness';
import { num } from './lib/stats';
import { CONTACTS_PER } from './lib/workload';

export const matching: Section = {
  id: 'matching',
  title: 'Matching in process (on the 100k index)',
  async run(b: Bench) {
    if (!loaded100k) throw new Error('the config-load section did not load the 100k config');
    const { index } = loaded100k;
    const accounts = (await b.config('100k'))!.shape.accounts;
    const N = b.quick ? 2_000 : 200_000;
    const kinds: Array<[string, string, (i: number) => { email?: string; domain?: string; org?: string }, string]> = [
      ['email', 'email', (i) => ({ email: `U${i % CONTACTS_PER}@C${i % accounts}.example.com` }), 'email'],
      ['domain', 'domain (unknown contact, sub-domain)', (i) => ({ email: `new@mail.c${i % accounts}.example.com` }), 'domain'],
      ['org', 'company name (full-width, legal words)', (i) => ({ org: `ＣＯＭＰＡＮＹ ${i % accounts} Inc.` }), 'org'],
      ['none', 'no match', (i) => ({ email: `x${i}@nowhere.example` }), 'none'],
    ];
    const rows: string[][] = [];
    for (const [id, label, q, expect] of kinds) {
      const probe = matchQuery(index, q(7));
      if (probe.by !== expect) throw new Error(`matching: ${label} matched by ${probe.by}, expected ${expect}`);
      const t = performance.now();
      for (let i = 0; i < N; i++) matchQuery(index, q(i));
      const dt = performance.now() - t;
      const perSecond = b.metric({ id: `matching.${id}.perSecond`, label: `matching in process by ${label}`, unit: 'lookups/s', value: N / (dt / 1000), better: 'higher' });
      rows.push([label, num(N, 0), `${((dt * 1000) / N).toFixed(2)} µs`, num(perSecond, 0)]);
    }
    b.table(['rule', 'lookups', 'per lookup', 'lookups/s'], rows);
  },
};
