/**
 * What a desk page loads: every built content-script file, raw and gzip (both browsers), and the
 * loopback ticket page (all adapters + the sidebar) as scripts/build.mjs's pageSizes() counts it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Bench, Section } from './lib/harness';
import { run } from './lib/procs';
import { kb } from './lib/stats';

export const sizes: Section = {
  id: 'sizes',
  title: 'What a desk page loads (built content scripts, gzip)',
  async run(b: Bench) {
    const dist = join(b.tmp, 'dist');
    await run(process.execPath, [join(b.root, 'scripts', 'build.mjs'), '--out', dist, '--quiet']);
    const rows: string[][] = [];
    for (const browser of ['chrome', 'firefox']) {
      const dir = join(dist, browser);
      const walk = (d: string): string[] =>
        readdirSync(d).flatMap((n) => {
          const p = join(d, n);
          return statSync(p).isDirectory() ? walk(p) : p.endsWith('.js') ? [p] : [];
        });
      for (const f of walk(dir).filter((f) => /content/.test(relative(dir, f))).sort()) {
        const buf = readFileSync(f);
        const name = `${browser}/${relative(dir, f)}`;
        const gz = gzipSync(buf, { level: 9 }).length;
        b.metric({ id: `size.${name}.gzip`, label: `${name}, gzip`, unit: 'KB', value: gz / 1024, better: 'lower', exact: true });
        rows.push([name, kb(buf.length), kb(gz)]);
      }
    }
    b.table(['file', 'raw', 'gzip -9'], rows);
    b.line();
    const { pageSizes } = (await import(join(b.root, 'scripts', 'build.mjs'))) as { pageSizes?: (dir: string, manifest: unknown) => { loopbackTicketPage: number | null } };
    const chrome = join(dist, 'chrome');
    const page = pageSizes?.(chrome, JSON.parse(readFileSync(join(chrome, 'manifest.json'), 'utf8'))).loopbackTicketPage ?? null;
    if (page !== null) {
      b.metric({ id: 'size.ticketPage.loopback.gzip', label: 'a loopback ticket page loads (all.js + sidebar), gzip', unit: 'KB', value: page / 1024, better: 'lower', exact: true });
      b.line(`A loopback ticket page (the demo, local installs) loads the all-adapters entry and the sidebar: **${kb(page)} gzip** (scripts/build.mjs pageSizes(), gzip at its default level). A hosted desk's ticket page loads its own entry plus the sidebar.`);
      b.budget({ id: 'size.inline', what: 'what one ticket page loads, gzip (loopback `all.js` + the sidebar bundle), inline mode', now: `${kb(page)} (today's one mode: the sidebar runs in the page)`, budget: '≤ 15 KB', status: page <= 15 * 1024 ? 'pass' : 'miss' });
    } else {
      b.line('scripts/build.mjs has no pageSizes() any more: the ticket-page total is not measured.');
    }
  },
};
