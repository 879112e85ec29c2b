/**
 * One Vite build per browser from the single manifest.json (crxjs 3). Driven by
 * scripts/build.mjs through env: BATON_BROWSER (chrome|firefox), BATON_OUT_DIR,
 * BATON_SHADOW (open for tests), BATON_DEMO (1: bake the demo API address and token).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crx, type ManifestV3Export } from '@crxjs/vite-plugin';
import { defineConfig, runnerImport, type UserConfig } from 'vite';

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

export default defineConfig(async (): Promise<UserConfig> => {
  const root = import.meta.dirname;
  const browser = (process.env.BATON_BROWSER === 'firefox' ? 'firefox' : 'chrome') as Browser;
  const outDir = process.env.BATON_OUT_DIR ?? `dist/${browser}`;
  const demo = process.env.BATON_DEMO === '1';
  const base = JSON.parse(readFileSync(resolve(root, 'manifest.json'), 'utf8')) as Manifest;
  const manifest = composeManifest(base, browser, await adapterMatches(root));
  return {
    root,
    publicDir: 'public',
    define: {
      __BATON_SHADOW__: JSON.stringify(process.env.BATON_SHADOW === 'open' ? 'open' : 'closed'),
      __BATON_DEMO_API__: JSON.stringify(demo ? 'http://127.0.0.1:8787' : ''),
      __BATON_DEMO_TOKEN__: JSON.stringify(demo ? 'baton-demo-token' : ''),
      __BATON_BROWSER__: JSON.stringify(browser),
    },
    oxc: { jsx: { runtime: 'automatic' as const, importSource: 'preact' } },
    resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
    build: {
      outDir,
      emptyOutDir: true,
      target: browser === 'firefox' ? 'firefox128' : 'chrome120',
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
    ],
  };
});
