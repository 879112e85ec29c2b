#!/usr/bin/env node
/**
 * Build the extension: one Vite build per browser from manifest.json.
 *
 *   node scripts/build.mjs [--browser chrome|firefox|all] [--out DIR] [--zip] [--lint] [--budget] [--quiet]
 *
 * Writes DIR/chrome and DIR/firefox (DIR defaults to dist). --zip packs each with
 * `web-ext build` into DIR/packages (Chrome Web Store and addons.mozilla.org); --lint runs
 * `web-ext lint` on the Firefox build and fails on errors; --budget fails when a desk page
 * loads more than 20 KB gzip (a warning otherwise; see pageSizes()). Env: BATON_SHADOW=open opens the
 * sidebar's shadow root (tests); BATON_DEMO=1 bakes the local demo API address and token.
 * `npm run build` = production: --zip --lint --budget, closed shadow root, no demo defaults.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** What one desk page may load: its content script, gzipped. */
export const BUDGET = 20 * 1024;
/** The sidebar's code, which the background runs in a page once a ticket is found. */
const SIDEBAR_FILE = 'content/sidebar.js';

/**
 * What a desk page loads, gzipped, from the built manifest. Every page a content script
 * matches loads its entry (a hosted desk's: its adapter and the core; loopback's and granted
 * origins': every adapter); a ticket page then also loads the sidebar. Checked against the
 * budget: each entry alone (the loopback one is the largest), the sidebar alone, and a hosted
 * desk's ticket page (its entry + the sidebar). The loopback ticket page (all adapters + the
 * sidebar, where the demo and local installs run) is reported beside them.
 */
export function pageSizes(outDir, manifest) {
  const gz = (file) => {
    const code = readFileSync(join(outDir, file));
    return { file, bytes: code.length, gzip: gzipSync(code).length };
  };
  const sidebar = gz(SIDEBAR_FILE);
  const entries = (manifest.content_scripts ?? []).map((cs) => ({ ...gz(cs.js[0]), loopback: cs.matches.some((m) => /\/\/(127\.0\.0\.1|localhost)\//.test(m)) }));
  const checks = [
    ...entries.map((e) => ({ what: `${e.file} (every page it matches)`, gzip: e.gzip })),
    { what: `${SIDEBAR_FILE} (ticket pages)`, gzip: sidebar.gzip },
    ...entries.filter((e) => !e.loopback).map((e) => ({ what: `${e.file} + sidebar (a ticket page of that desk)`, gzip: e.gzip + sidebar.gzip })),
  ];
  const loopback = entries.find((e) => e.loopback);
  return { sidebar, entries, checks, loopbackTicketPage: loopback ? loopback.gzip + sidebar.gzip : null };
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
    const { entries, sidebar, checks, loopbackTicketPage } = r.sizes;
    const desks = entries.filter((e) => !e.loopback).map((e) => e.gzip);
    const all = entries.find((e) => e.loopback);
    console.log(
      `✓ ${r.browser}: ${r.outDir} (gzip: ${all ? `${all.file} ${kb(all.gzip)}, ` : ''}` +
        `${desks.length} hosted-desk scripts ${kb(Math.min(...desks))}–${kb(Math.max(...desks))}, ${sidebar.file} ${kb(sidebar.gzip)}; ` +
        `a hosted desk's ticket page ≤ ${kb(Math.max(...desks) + sidebar.gzip)}, a loopback one ${kb(loopbackTicketPage ?? 0)})`,
    );
    for (const c of checks) {
      if (c.gzip <= BUDGET) continue;
      console.error(`${values.budget ? '✗' : '!'} ${r.browser}: ${c.what} is ${kb(c.gzip)} gzip, over the ${kb(BUDGET)} budget`);
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
