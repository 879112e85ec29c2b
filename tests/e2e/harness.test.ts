// The e2e harness itself, on a minimal MV3 extension made here: both browsers load an unpacked
// extension, run its content script on http://127.0.0.1 without the user granting anything,
// and hand it the settings an administrator pushes (Chromium policy / Firefox managed storage).
// When a browser upgrade changes one of these, this says so plainly before the product tests
// fail in a confusing way.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chromeExtensionId, launchChromium, launchFirefox, type LaunchedBrowser } from './support/browsers';

const PUSHED = { apiUrl: 'http://127.0.0.1:9/', token: 'pushed-by-the-admin' };

function probeExtension(browser: 'chrome' | 'firefox', key: string): string {
  const dir = mkdtempSync(join(tmpdir(), `baton-probe-${browser}-`));
  const manifest: Record<string, unknown> = {
    manifest_version: 3,
    name: 'Baton harness probe',
    version: '1.0',
    permissions: ['storage'],
    host_permissions: ['http://127.0.0.1/*'],
    storage: { managed_schema: 'schema.json' },
    content_scripts: [{ matches: ['http://127.0.0.1/*'], js: ['content.js'], run_at: 'document_idle' }],
  };
  if (browser === 'chrome') {
    manifest.key = key;
    manifest.background = { service_worker: 'background.js' };
  } else {
    manifest.background = { scripts: ['background.js'] };
    manifest.browser_specific_settings = { gecko: { id: 'baton-probe@baton.dev' } };
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  writeFileSync(
    join(dir, 'schema.json'),
    JSON.stringify({ type: 'object', properties: { apiUrl: { type: 'string' }, token: { type: 'string' } } }),
  );
  writeFileSync(
    join(dir, 'background.js'),
    `chrome.runtime.onMessage.addListener((m, sender, reply) => {
       chrome.storage.managed.get(null).then(reply, (e) => reply({ error: String(e) }));
       return true;
     });`,
  );
  writeFileSync(
    join(dir, 'content.js'),
    `const host = document.createElement('div');
     host.id = 'baton-sidebar';
     const root = host.attachShadow({ mode: 'open' });
     const panel = document.createElement('aside');
     panel.setAttribute('data-state', 'loading');
     root.append(panel);
     document.body.append(host);
     chrome.runtime.sendMessage('managed').then((v) => {
       panel.textContent = JSON.stringify(v);
       panel.setAttribute('data-state', 'ready');
     });`,
  );
  return dir;
}

describe('harness', () => {
  let server: Server;
  let url = '';
  const dirs: string[] = [];
  const key = (JSON.parse(readFileSync(join(import.meta.dirname, '../../manifest.json'), 'utf8')) as { key: string }).key;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>probe</title><body><h1>a page on loopback</h1></body>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ticket/1`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function contentScriptSees(b: LaunchedBrowser): Promise<Record<string, unknown>> {
    const page = await b.browser.newPage();
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    const handle = await page.waitForFunction(
      `(() => { const p = document.getElementById('baton-sidebar')?.shadowRoot?.querySelector('[data-state=ready]'); return p ? p.textContent : null; })()`,
      { timeout: 20_000, polling: 100 },
    );
    return JSON.parse((await handle.jsonValue()) as string) as Record<string, unknown>;
  }

  test('Chromium: the extension id follows the manifest key; a policy file reaches managed storage', async () => {
    const dir = probeExtension('chrome', key);
    dirs.push(dir);
    const b = await launchChromium({ extensionDir: dir, policy: PUSHED });
    try {
      // The id Chromium gave the loaded extension is the one computed from the key.
      const worker = await b.browser.waitForTarget(
        (t) => t.type() === 'service_worker' && t.url().startsWith('chrome-extension://'),
        { timeout: 15_000 },
      );
      expect(new URL(worker.url()).host).toBe(chromeExtensionId(key));
      expect(b.extensionId).toMatch(/^[a-p]{32}$/);
      expect(await contentScriptSees(b)).toEqual(PUSHED);
    } finally {
      await b.close();
    }
  });

  test('Firefox ESR: a temporary MV3 add-on runs on 127.0.0.1 without a grant; managed storage reaches it', async () => {
    const dir = probeExtension('firefox', key);
    dirs.push(dir);
    const b = await launchFirefox({ extensionDir: dir, managed: PUSHED });
    try {
      expect(b.extensionId).toBe('baton-probe@baton.dev');
      expect(await contentScriptSees(b)).toEqual(PUSHED);
    } finally {
      await b.close();
    }
  });
});
