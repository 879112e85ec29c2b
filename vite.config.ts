/**
 * One Vite build per browser from the single manifest.json (crxjs 3). Driven by
 * scripts/build.mjs through env: BATON_BROWSER (chrome|firefox), BATON_OUT_DIR,
 * BATON_SHADOW (open for tests), BATON_DEMO (1: bake the demo API address and token;
 * BATON_DEMO_API overrides the address, default http://127.0.0.1:8787).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import { build, defineConfig, parseAst, runnerImport, type Plugin, type UserConfig } from 'vite';

export type Browser = 'chrome' | 'firefox';
type Manifest = Record<string, any>;

export const LOOPBACK_MATCHES = ['http://127.0.0.1/*', 'http://localhost/*'];
/** The content script with every built-in adapter: loopback, and the origins the agent granted. */
export const CONTENT_ALL = 'content/all.js';
/** The sidebar's code, run by the background in a frame where a ticket was found. */
export const SIDEBAR_FILE = 'content/sidebar.js';
/** One hosted desk's content script: its adapter only. */
export const deskFile = (id: string) => `content/${id}.js`;

/** What the manifest needs to know of an adapter. */
export interface AdapterInfo {
  id: string;
  matches: string[];
}

/**
 * The manifest for one browser. Content scripts: on loopback the one with every adapter; on
 * each hosted desk's host patterns that desk's own (its adapter and the shared core only). The
 * sidebar is not a content script: the background runs it on ticket pages, which needs host
 * access there, so the hosted desks' patterns are host permissions too. Firefox gets
 * `background.scripts` and its gecko id, Chrome the fixed `key`.
 */
export function composeManifest(base: Manifest, browser: Browser, adapters: AdapterInfo[]): Manifest {
  const m: Manifest = structuredClone(base);
  const hosted = adapters.filter((a) => a.matches.length);
  m.content_scripts = [
    { matches: LOOPBACK_MATCHES, js: [CONTENT_ALL], run_at: 'document_idle' },
    ...hosted.map((a) => ({ matches: a.matches, js: [deskFile(a.id)], run_at: 'document_idle' })),
  ];
  m.host_permissions = [...new Set([...(base.host_permissions ?? []), ...LOOPBACK_MATCHES, ...hosted.flatMap((a) => a.matches)])];
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

/** Every built-in adapter's id and `matches`, read through Vite (the adapters use import.meta.glob). */
async function adapterInfo(root: string): Promise<AdapterInfo[]> {
  const { module } = await runnerImport<{ builtinAdapters: AdapterInfo[] }>(
    resolve(root, 'src/content/helpdesks/index.ts'),
    { configFile: false, root, logLevel: 'error' },
  );
  return module.builtinAdapters.map((a) => ({ id: a.id, matches: [...a.matches] }));
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

/** The source of one hosted desk's content script: the shared core with that adapter only. */
export function deskEntry(root: string, id: string): string {
  const src = (p: string) => JSON.stringify(resolve(root, p));
  return [
    `import { adapter } from ${src(`src/content/helpdesks/${id}.ts`)};`,
    `import { main } from ${src('src/content/main.ts')};`,
    `void main({ adapters: [adapter] }).catch((e) => console.debug('[Baton]', e));`,
  ].join('\n');
}

/**
 * The content scripts and the sidebar's code, each a standalone IIFE (no shared chunks, no
 * web_accessible_resources), built after crxjs wrote the rest; their entries are added to the
 * written manifest.json (crxjs only sees the manifest without content scripts).
 */
function contentScripts(define: Record<string, string>, target: string, full: Manifest, adapters: AdapterInfo[]): Plugin {
  let outDir = '';
  let root = '';
  return {
    name: 'baton:content-scripts',
    apply: 'build',
    configResolved(c) {
      outDir = c.build.outDir;
      root = c.root;
    },
    async closeBundle() {
      const VIRTUAL = '\0baton-desk:'; // lib mode puts the root before it: matched anywhere in the id
      const jobs: Array<{ file: string; entry: string }> = [
        { file: CONTENT_ALL, entry: resolve(root, 'src/content/entry.ts') },
        { file: SIDEBAR_FILE, entry: resolve(root, 'src/content/sidebar-entry.ts') },
        ...adapters.filter((a) => a.matches.length).map((a) => ({ file: deskFile(a.id), entry: `${VIRTUAL}${a.id}` })),
      ];
      const desks: Plugin = {
        name: 'baton:desk-entries',
        resolveId: (id) => (id.includes(VIRTUAL) ? id.slice(id.indexOf(VIRTUAL)) : null),
        load: (id) => (id.startsWith(VIRTUAL) ? deskEntry(root, id.slice(VIRTUAL.length)) : null),
      };
      await Promise.all(
        jobs.map(async ({ file, entry }) => {
          const result = await build({
            configFile: false,
            root,
            logLevel: 'warn',
            define,
            oxc: { jsx: { runtime: 'automatic' as const, importSource: 'preact' } },
            plugins: [desks, stripAdapterExamples()],
            build: {
              write: false,
              emptyOutDir: false,
              minify: true,
              target,
              lib: { entry, formats: ['iife'], name: 'batonContent', fileName: () => file },
            },
          });
          const outputs = (Array.isArray(result) ? result : [result]) as Array<{ output: Array<{ type: string; isEntry?: boolean; code?: string }> }>;
          const chunk = outputs.flatMap((r) => r.output).find((o) => o.type === 'chunk' && o.isEntry);
          if (!chunk?.code) throw new Error(`content script build produced no ${file}`);
          mkdirSync(dirname(join(outDir, file)), { recursive: true });
          writeFileSync(join(outDir, file), chunk.code);
        }),
      );
      const written = JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8')) as Manifest;
      written.content_scripts = full.content_scripts;
      writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(written, null, 2));
    },
  };
}

export default defineConfig(async (): Promise<UserConfig> => {
  const root = import.meta.dirname;
  const browser = (process.env.BATON_BROWSER === 'firefox' ? 'firefox' : 'chrome') as Browser;
  const outDir = process.env.BATON_OUT_DIR ?? `dist/${browser}`;
  const demo = process.env.BATON_DEMO === '1';
  const base = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as Manifest;
  const adapters = await adapterInfo(root);
  const manifest = composeManifest(base, browser, adapters);
  const { content_scripts: _cs, ...forCrx } = manifest; // content scripts: built by contentScripts()
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
      crx({ manifest: forCrx as ManifestV3Export, browser }),
      contentScripts(define, target, manifest, adapters),
    ],
  };
});
