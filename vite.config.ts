/**
 * One Vite build per browser from the single manifest.json (crxjs 3). Driven by
 * scripts/build.mjs through env: BATON_BROWSER (chrome|firefox), BATON_OUT_DIR,
 * BATON_SHADOW (open for tests), BATON_DEMO (1: bake the demo API address and token;
 * BATON_DEMO_API overrides the address, default http://127.0.0.1:8787).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import { build, defineConfig, parseAst, runnerImport, type Plugin, type UserConfig } from 'vite';

export type Browser = 'chrome' | 'firefox';
type Manifest = Record<string, any>;

export const LOOPBACK_MATCHES = ['http://127.0.0.1/*', 'http://localhost/*'];
export const CONTENT_ENTRY = 'src/content/entry.ts';

/**
 * The manifest for one browser: content scripts on loopback plus every hosted desk's
 * patterns; Firefox gets `background.scripts` and its gecko id, Chrome the fixed `key`.
 */
export function composeManifest(base: Manifest, browser: Browser, adapterMatches: string[]): Manifest {
  const m: Manifest = structuredClone(base);
  const matches = [...new Set([...LOOPBACK_MATCHES, ...adapterMatches])];
  m.content_scripts = [{ matches, js: [CONTENT_ENTRY], run_at: 'document_idle' }];
  const worker: string = base.background.service_worker;
  if (browser === 'firefox') {
    delete m.key;
    delete m.minimum_chrome_version;
    m.background = { scripts: [worker], type: 'module' };
    m.options_ui = { ...m.options_ui };
  } else {
    delete m.browser_specific_settings;
  }
  return m;
}

/** Every built-in adapter's `matches`, read through Vite (the adapters use import.meta.glob). */
async function adapterMatches(root: string): Promise<string[]> {
  const { module } = await runnerImport<{ builtinAdapters: Array<{ matches: string[] }> }>(
    resolve(root, 'src/content/helpdesks/index.ts'),
    { configFile: false, root, logLevel: 'error' },
  );
  return module.builtinAdapters.flatMap((a) => a.matches);
}

/**
 * Adapters carry example URLs for their unit tests (`examples`); pages never need them. This
 * drops that property from the adapter files so they do not count against the content
 * script's size budget.
 */
export function stripAdapterExamples(): Plugin {
  return {
    name: 'baton:strip-adapter-examples',
    transform(code, id) {
      if (!/\/src\/content\/helpdesks\/[^/]+\.ts$/.test(id) || !code.includes('examples')) return null;
      const cuts: Array<[number, number]> = [];
      const walk = (n: unknown): void => {
        if (!n || typeof n !== 'object') return;
        if (Array.isArray(n)) return n.forEach(walk);
        const node = n as { type?: string; computed?: boolean; key?: { name?: string; value?: string }; start: number; end: number };
        if (node.type === 'Property' && !node.computed && (node.key?.name === 'examples' || node.key?.value === 'examples')) {
          cuts.push([node.start, node.end]);
          return;
        }
        for (const v of Object.values(n)) walk(v);
      };
      walk(parseAst(code));
      if (!cuts.length) return null;
      let out = code;
      for (const [a, b] of cuts.sort((x, y) => y[0] - x[0])) out = `${out.slice(0, a)}examples: { ticket: [], notTicket: [] }${out.slice(b)}`;
      return { code: out, map: null };
    },
  };
}

/**
 * crxjs builds the content script as a standalone IIFE (contentScripts.standaloneFiles) in a
 * sub-build that takes no plugins; this rebuilds that same entry, same defines and target,
 * with the examples stripped, and writes it over crxjs's file once the bundle is written.
 */
function leanContentScript(define: Record<string, string>, target: string): Plugin {
  let outDir = '';
  let root = '';
  return {
    name: 'baton:lean-content-script',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir;
      root = c.root;
    },
    async closeBundle() {
      const manifest = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
      const file: string | undefined = manifest.content_scripts?.[0]?.js?.[0];
      if (!file) return;
      const result = await build({
        configFile: false,
        root,
        logLevel: 'warn',
        define,
        plugins: [stripAdapterExamples()],
        build: {
          write: false,
          emptyOutDir: false,
          minify: true,
          target,
          lib: { entry: resolve(root, CONTENT_ENTRY), formats: ['iife'], name: 'batonContent', fileName: () => file },
        },
      });
      const outputs = (Array.isArray(result) ? result : [result]) as Array<{ output: Array<{ type: string; isEntry?: boolean; code?: string }> }>;
      const chunk = outputs.flatMap((r) => r.output).find((o) => o.type === 'chunk' && o.isEntry);
      if (!chunk?.code) throw new Error(`lean content script build produced no ${file}`);
      writeFileSync(join(outDir, file), chunk.code);
    },
  };
}

export default defineConfig(async (): Promise<UserConfig> => {
  const root = import.meta.dirname;
  const browser = (process.env.BATON_BROWSER === 'firefox' ? 'firefox' : 'chrome') as Browser;
  const outDir = process.env.BATON_OUT_DIR ?? `dist/${browser}`;
  const demo = process.env.BATON_DEMO === '1';
  const base = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as Manifest;
  const manifest = composeManifest(base, browser, await adapterMatches(root));
  const define = {
    __BATON_SHADOW__: JSON.stringify(process.env.BATON_SHADOW === 'open' ? 'open' : 'closed'),
    __BATON_DEMO_API__: JSON.stringify(demo ? (process.env.BATON_DEMO_API ?? 'http://127.0.0.1:8787') : ''),
    __BATON_DEMO_TOKEN__: JSON.stringify(demo ? 'baton-demo-token' : ''),
    __BATON_BROWSER__: JSON.stringify(browser),
  };
  const target = browser === 'firefox' ? 'firefox128' : 'chrome120';
  return {
    root,
    publicDir: 'public',
    define,
    oxc: { jsx: { runtime: 'automatic' as const, importSource: 'preact' } },
    resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
    build: {
      outDir,
      emptyOutDir: true,
      target,
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 200,
    },
    plugins: [
      crx({
        manifest: manifest as ManifestV3Export,
        browser,
        contentScripts: { standaloneFiles: [CONTENT_ENTRY], injectCss: false },
      }),
      leanContentScript(define, target),
    ],
  };
});
