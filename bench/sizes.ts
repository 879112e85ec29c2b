/**
 * What a desk page loads: every built content-script file, raw and gzip (both browsers), and the
 * largest ticket page in panel and inline mode as scripts/build.mjs's pageSizes() counts it.
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
    const { pageSizes } = (await import(join(b.root, 'scripts', 'build.mjs'))) as {
      pageSizes?: (dir: string, manifest: unknown) => { panelTicketPage?: number; inlineTicketPage?: number };
    };
    const chrome = join(dist, 'chrome');
    const page = pageSizes?.(chrome, JSON.parse(readFileSync(join(chrome, 'manifest.json'), 'utf8')));
    const panel = page?.panelTicketPage;
    const inline = page?.inlineTicketPage;
    if (panel !== undefined && inline !== undefined) {
      b.metric({ id: 'size.ticketPage.panel.gzip', label: 'a ticket page loads in panel mode (its content script; on loopback all.js + the largest reader), gzip', unit: 'KB', value: panel / 1024, better: 'lower', exact: true });
      b.metric({ id: 'size.ticketPage.inline.gzip', label: 'a ticket page loads in inline mode (the panel-mode scripts + content/inline.js), gzip', unit: 'KB', value: inline / 1024, better: 'lower', exact: true });
      b.line(
        `In panel mode (the default) a hosted desk's page loads its own desk entry only; loopback and granted origins load content/all.js (every adapter's recogniser) and, on a ticket page, that desk's reader (content/adapters/<id>.js): at most **${kb(panel)} gzip**. In inline mode a ticket page also loads content/inline.js (the host of the extension's frame): at most **${kb(inline)} gzip**. The relay renders in extension pages, never in the desk page (scripts/build.mjs pageSizes(), gzip at its default level, the largest page of any entry).`,
      );
      b.budget({ id: 'size.inline', what: 'what one ticket page loads, gzip, inline mode (content script + reader + content/inline.js)', now: kb(inline), budget: '≤ 15 KB', status: inline <= 15 * 1024 ? 'pass' : 'miss' });
      b.budget({ id: 'size.panel', what: 'what one ticket page loads, gzip, panel mode (the content script and its reader only)', now: kb(panel), budget: '≤ 8 KB', status: panel <= 8 * 1024 ? 'pass' : 'miss' });
    } else {
      b.line('scripts/build.mjs has no pageSizes() with panel and inline totals any more: the ticket-page totals are not measured.');
    }
  },
};
