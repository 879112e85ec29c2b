#!/usr/bin/env node
/**
 * Build the extension: one Vite build per browser from manifest.json.
 *
 *   node scripts/build.mjs [--browser chrome|firefox|all] [--out DIR] [--zip] [--lint] [--budget] [--quiet]
 *
 * Writes DIR/chrome and DIR/firefox (DIR defaults to dist). --zip packs each with
 * `web-ext build` into DIR/packages (Chrome Web Store and addons.mozilla.org); --lint runs
 * `web-ext lint` on the Firefox build and fails on errors; --budget fails when a desk page
 * loads more than its budget (a warning otherwise; see pageSizes()). Env: BATON_SHADOW=open opens the
 * inline host's shadow root (tests); BATON_DEMO=1 bakes the local demo API address and token.
 * `npm run build` = production: --zip --lint --budget, closed shadow root, no demo defaults.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** What a desk page may load in inline mode: its content script and the inline host, gzipped. */
export const BUDGET = 20 * 1024;
/** What a desk page loads in panel mode (the default): its content script only, gzipped. */
export const PANEL_BUDGET = 8 * 1024;
/** Inline mode's host, which the background runs in a page once a ticket is found (inline mode only). */
const INLINE_FILE = 'content/inline.js';
/** The adapters' readers, which content/all.js has run on a desk's ticket pages. */
const READERS_DIR = 'content/adapters';

/**
 * What a desk page loads, gzipped, from the built manifest. Every page a content script
 * matches loads its entry: a hosted desk's (its adapter and the core), or on loopback and
 * granted origins content/all.js (every adapter's recogniser and the core), whose ticket pages
 * also load that desk's reader (content/adapters/<id>.js). That is all a desk page loads in
 * panel mode, and each such page must stay within PANEL_BUDGET (no Preact, no sidebar). In
 * inline mode a ticket page also loads the inline host: with it, within BUDGET. The relay itself
 * renders in the extension's frame page, never in the desk page.
 */
export function pageSizes(outDir, manifest) {
  const gz = (file) => {
    const code = readFileSync(join(outDir, file));
    return { file, bytes: code.length, gzip: gzipSync(code).length };
  };
  const inline = gz(INLINE_FILE);
  const readers = readdirSync(join(outDir, READERS_DIR)).filter((f) => f.endsWith('.js')).map((f) => gz(`${READERS_DIR}/${f}`));
  const reader = readers.reduce((a, b) => (b.gzip > a.gzip ? b : a), { file: '(none)', bytes: 0, gzip: 0 });
  const entries = (manifest.content_scripts ?? []).map((cs) => ({ ...gz(cs.js[0]), loopback: cs.matches.some((m) => /\/\/(127\.0\.0\.1|localhost)\//.test(m)) }));
  /** A ticket page of an entry: the entry, and on loopback the largest reader. */
  const ticketPage = (e) => ({ what: e.loopback ? `${e.file} + ${reader.file}` : e.file, gzip: e.gzip + (e.loopback ? reader.gzip : 0) });
  const checks = [
    ...entries.map((e) => ({ what: `${e.file} (every page it matches)`, gzip: e.gzip, budget: PANEL_BUDGET })),
    ...entries.filter((e) => e.loopback).map((e) => ({ what: `${ticketPage(e).what} (a panel-mode ticket page)`, gzip: ticketPage(e).gzip, budget: PANEL_BUDGET })),
    ...entries.map((e) => ({ what: `${ticketPage(e).what} + ${INLINE_FILE} (an inline ticket page)`, gzip: ticketPage(e).gzip + inline.gzip, budget: BUDGET })),
  ];
  const largest = Math.max(...entries.map((e) => ticketPage(e).gzip));
  return { inline, reader, entries, checks, panelTicketPage: largest, inlineTicketPage: largest + inline.gzip };
}

export async function buildExtension({ browsers = ['chrome', 'firefox'], out = 'dist', quiet = false } = {}) {
  const outRoot = resolve(root, out);
  const results = [];
  for (const browser of browsers) {
    const outDir = join(outRoot, browser);
    process.env.BATON_BROWSER = browser;
    process.env.BATON_OUT_DIR = outDir;
    const { log } = console;
    const out = process.stdout.write;
    const err = process.stderr.write;
    if (quiet) {
      console.log = () => undefined; // crxjs reports its sub-builds on stdout
      // crxjs's content-script sub-build passes an option Rolldown ignores, and says so each time.
      const filter = (write) =>
        function (chunk, ...rest) {
          return /inlineDynamicImports|^\s*$/.test(String(chunk)) ? true : write.call(this, chunk, ...rest);
        };
      process.stdout.write = filter(out);
      process.stderr.write = filter(err);
    }
    try {
      await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: quiet ? 'error' : 'warn', mode: 'production' });
    } finally {
      console.log = log;
      process.stdout.write = out;
      process.stderr.write = err;
    }
    const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'));
    results.push({ browser, outDir, sizes: pageSizes(outDir, manifest) });
  }
  return results;
}

function webExt(args) {
  const bin = join(root, 'node_modules', '.bin', 'web-ext');
  const r = spawnSync(bin, args, { cwd: root, encoding: 'utf8' });
  return { status: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

async function cli() {
  const { values } = parseArgs({
    options: {
      browser: { type: 'string', default: 'all' },
      out: { type: 'string', default: 'dist' },
      zip: { type: 'boolean', default: false },
      lint: { type: 'boolean', default: false },
      budget: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
    },
  });
  const browsers = values.browser === 'all' ? ['chrome', 'firefox'] : [values.browser];
  if (!browsers.every((b) => b === 'chrome' || b === 'firefox')) {
    console.error(`--browser must be chrome, firefox or all (got ${values.browser})`);
    process.exit(2);
  }
  const started = Date.now();
  const results = await buildExtension({ browsers, out: values.out, quiet: values.quiet });
  let failed = false;
  for (const r of results) {
    const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
    const { entries, inline, reader, checks, panelTicketPage, inlineTicketPage } = r.sizes;
    const desks = entries.filter((e) => !e.loopback).map((e) => e.gzip);
    const all = entries.find((e) => e.loopback);
    console.log(
      `✓ ${r.browser}: ${r.outDir} (gzip: ${all ? `${all.file} ${kb(all.gzip)}, ` : ''}` +
        `${desks.length} hosted-desk scripts ${kb(Math.min(...desks))}–${kb(Math.max(...desks))}, readers ≤ ${kb(reader.gzip)}, ${inline.file} ${kb(inline.gzip)}; ` +
        `a panel-mode ticket page ≤ ${kb(panelTicketPage)} (budget ${kb(PANEL_BUDGET)}), an inline one ≤ ${kb(inlineTicketPage)} (budget ${kb(BUDGET)}))`,
    );
    for (const c of checks) {
      if (c.gzip <= c.budget) continue;
      console.error(`${values.budget ? '✗' : '!'} ${r.browser}: ${c.what} is ${kb(c.gzip)} gzip, over the ${kb(c.budget)} budget`);
      if (values.budget) failed = true;
    }
  }
  const shadow = process.env.BATON_SHADOW === 'open' ? 'open (test build)' : 'closed';
  console.log(`  shadow root: ${shadow}${process.env.BATON_DEMO === '1' ? ', demo API defaults baked in' : ''}`);
  if (values.lint && browsers.includes('firefox')) {
    const dir = results.find((r) => r.browser === 'firefox').outDir;
    const lint = webExt(['lint', '--source-dir', dir, '--no-input', '--output', 'json']);
    let report;
    try {
      report = JSON.parse(lint.out.slice(lint.out.indexOf('{')));
    } catch {
      console.error(lint.out);
      process.exit(1);
    }
    const { errors = [], warnings = [] } = report;
    for (const w of warnings) console.log(`  web-ext lint warning: ${w.code} ${w.message}${w.file ? ` (${w.file})` : ''}`);
    for (const e of errors) console.error(`✗ web-ext lint error: ${e.code} ${e.message}${e.file ? ` (${e.file})` : ''}`);
    console.log(`${errors.length ? '✗' : '✓'} web-ext lint (firefox): ${errors.length} errors, ${warnings.length} warnings`);
    if (errors.length) failed = true;
  }
  if (values.zip) {
    const artifacts = resolve(root, values.out, 'packages');
    for (const r of results) {
      const manifest = JSON.parse(readFileSync(join(r.outDir, 'manifest.json'), 'utf8'));
      const name = `baton-${r.browser}-{version}.zip`;
      const target = join(artifacts, name.replace('{version}', manifest.version));
      if (existsSync(target)) rmSync(target);
      // The Chrome Web Store refuses a manifest with "key" (it keeps the id itself): pack a copy without it.
      let source = r.outDir;
      if ('key' in manifest) {
        source = mkdtempSync(join(tmpdir(), 'baton-pack-'));
        cpSync(r.outDir, source, { recursive: true });
        delete manifest.key;
        writeFileSync(join(source, 'manifest.json'), JSON.stringify(manifest, null, 2));
      }
      const z = webExt(['build', '--source-dir', source, '--artifacts-dir', artifacts, '--filename', name, '--overwrite-dest', '--no-input']);
      if (source !== r.outDir) rmSync(source, { recursive: true, force: true });
      if (z.status !== 0) {
        console.error(z.out);
        failed = true;
      } else {
        console.log(`✓ ${r.browser} package: ${target} (${(statSync(target).size / 1024).toFixed(1)} KB)`);
      }
    }
  }
  console.log(`${failed ? 'Build failed' : 'Built'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (failed) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await cli();
}
