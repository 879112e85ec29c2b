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
/** Inline mode's host (the frame beside the page), run by the background where a ticket was found. */
export const INLINE_FILE = 'content/inline.js';
/** The extension pages no manifest key names (crxjs builds those it knows of itself). */
export const PAGES = { frame: 'src/frame/index.html', popup: 'src/popup/index.html', panel: 'src/panel/index.html' };
/** One hosted desk's content script: its adapter only. */
export const deskFile = (id: string) => `content/${id}.js`;
/** One built-in adapter's reader, which content/all.js has run on that desk's ticket pages. */
export const readerFile = (id: string) => `content/adapters/${id}.js`;

/** What the manifest needs to know of an adapter. */
export interface AdapterInfo {
  id: string;
  matches: string[];
}

/**
 * The manifest for one browser. Content scripts: on loopback the one with every adapter; on
 * each hosted desk's host patterns that desk's own (its adapter and the shared core only).
 * Inline mode's host is not a content script: the background runs it on ticket pages, which
 * needs host access there, so the hosted desks' patterns are host permissions too. Chrome gets
 * its side panel (`side_panel`, the `sidePanel` permission), the fixed `key` and a dynamic URL
 * for the inline frame page; Firefox its sidebar (`sidebar_action`), `background.scripts` and
 * its gecko id.
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
    delete m.side_panel;
    m.permissions = (m.permissions ?? []).filter((p: string) => p !== 'sidePanel');
    m.web_accessible_resources = (m.web_accessible_resources ?? []).map(({ use_dynamic_url: _d, ...r }: Manifest) => r);
    m.background = { scripts: [worker], type: 'module' };
    m.options_ui = { ...m.options_ui };
  } else {
    delete m.browser_specific_settings;
    delete m.sidebar_action;
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

type Node = { type?: string; computed?: boolean; key?: { name?: string; value?: string }; start: number; end: number; [k: string]: unknown };
const ADAPTER_FILE = /\/src\/content\/helpdesks\/(?!read\.ts$|types\.ts$|index\.ts$)[^/]+\.ts$/;
const keyName = (n: Node) => (!n.computed ? n.key?.name ?? n.key?.value : undefined);

/** Every node of an AST, depth first. */
function walkAst(n: unknown, visit: (node: Node) => boolean | void): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) return n.forEach((c) => walkAst(c, visit));
  if (visit(n as Node) === false) return;
  for (const v of Object.values(n)) walkAst(v, visit);
}

/** Apply text cuts (start, end, replacement), last first. */
function cut(code: string, cuts: Array<[number, number, string]>): string {
  let out = code;
  for (const [a, b, r] of cuts.sort((x, y) => y[0] - x[0])) out = `${out.slice(0, a)}${r}${out.slice(b)}`;
  return out;
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
      const cuts: Array<[number, number, string]> = [];
      walkAst(parseAst(code), (node) => {
        if (node.type === 'Property' && keyName(node) === 'examples') {
          cuts.push([node.start, node.end, 'examples: { ticket: [], notTicket: [] }']);
          return false;
        }
      });
      return cuts.length ? { code: cut(code, cuts), map: null } : null;
    },
  };
}

/** What reads a ticket (its pane, fields, JSON, layout): not part of a desk's recogniser. */
export const READER_PROPS = ['activePane', 'read', 'fetchCustomer', 'layout', 'fields', 'extra', 'ready', 'deep', 'examples'];

/**
 * content/all.js (loopback and granted origins, where every built-in adapter is tried) carries
 * each adapter's recogniser only: its URL and markup tests. This drops the reader's properties
 * from each adapter's object (the one naming `matches`) and builds it with defineRecogniser in
 * place of defineAdapter, so the readers (and the helpers only they use) fall out of the bundle.
 * The content script loads the chosen desk's reader (content/adapters/<id>.js) on its ticket pages.
 */
export function recognisersOnly(): Plugin {
  return {
    name: 'baton:recognisers-only',
    transform(code, id) {
      if (!ADAPTER_FILE.test(id)) return null;
      const cuts: Array<[number, number, string]> = [];
      walkAst(parseAst(code), (node) => {
        if (node.type === 'CallExpression' && (node.callee as Node)?.type === 'Identifier' && (node.callee as Node & { name: string }).name === 'defineAdapter') {
          const callee = node.callee as Node;
          cuts.push([callee.start, callee.end, '__defineRecogniser']);
        }
        if (node.type !== 'ObjectExpression') return;
        const props = (node.properties as Node[]) ?? [];
        if (!props.some((p) => p.type === 'Property' && keyName(p) === 'matches')) return;
        for (const p of props) {
          if (p.type !== 'Property' || !READER_PROPS.includes(keyName(p) ?? '')) continue;
          const comma = /^\s*,/.exec(code.slice(p.end));
          cuts.push([p.start, p.end + (comma ? comma[0].length : 0), '']);
        }
        return false;
      });
      if (!cuts.length) return null;
      const out = cut(code, cuts);
      return { code: out.includes('__defineRecogniser') ? `import { defineRecogniser as __defineRecogniser } from './read';\n${out}` : out, map: null };
    },
  };
}

/** The source of one built-in adapter's reader (content/adapters/<id>.js): the full adapter, handed over. */
export function readerEntry(root: string, id: string): string {
  const src = (p: string) => JSON.stringify(resolve(root, p));
  return [
    `import { adapter } from ${src(`src/content/helpdesks/${id}.ts`)};`,
    `import { adapterKey, provide } from ${src('src/content/inject.ts')};`,
    `provide(adapterKey(adapter.id), adapter);`,
  ].join('\n');
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
 * The content scripts, the adapters' readers and inline mode's host, each a standalone IIFE (no
 * shared chunks, nothing web-accessible), built after crxjs wrote the rest; the content scripts'
 * entries are added to the written manifest.json (crxjs only sees the manifest without them).
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
      const READER = '\0baton-reader:';
      const jobs: Array<{ file: string; entry: string; recognisers?: boolean }> = [
        { file: CONTENT_ALL, entry: resolve(root, 'src/content/entry.ts'), recognisers: true },
        { file: INLINE_FILE, entry: resolve(root, 'src/content/inline-entry.ts') },
        ...adapters.filter((a) => a.matches.length).map((a) => ({ file: deskFile(a.id), entry: `${VIRTUAL}${a.id}` })),
        ...adapters.map((a) => ({ file: readerFile(a.id), entry: `${READER}${a.id}` })),
      ];
      const desks: Plugin = {
        name: 'baton:desk-entries',
        resolveId: (id) => (id.includes(VIRTUAL) ? id.slice(id.indexOf(VIRTUAL)) : id.includes(READER) ? id.slice(id.indexOf(READER)) : null),
        load: (id) => (id.startsWith(VIRTUAL) ? deskEntry(root, id.slice(VIRTUAL.length)) : id.startsWith(READER) ? readerEntry(root, id.slice(READER.length)) : null),
      };
      await Promise.all(
        jobs.map(async ({ file, entry, recognisers }) => {
          const result = await build({
            configFile: false,
            root,
            logLevel: 'warn',
            define,
            oxc: { jsx: { runtime: 'automatic' as const, importSource: 'preact' } },
            plugins: [desks, stripAdapterExamples(), ...(recognisers ? [recognisersOnly()] : [])],
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
      // crxjs adds no resources of its own (it builds no content script here): the frame page only.
      written.web_accessible_resources = full.web_accessible_resources;
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
      // Pages no manifest key of this browser names (Chrome's side_panel is one crxjs knows).
      rollupOptions: {
        input: Object.fromEntries(
          Object.entries(PAGES)
            .filter(([name]) => !(name === 'panel' && browser === 'chrome'))
            .map(([name, page]) => [name, resolve(root, page)]),
        ),
      },
    },
    plugins: [
      crx({ manifest: forCrx as ManifestV3Export, browser }),
      contentScripts(define, target, manifest, adapters),
    ],
  };
});
