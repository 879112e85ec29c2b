/**
 * The manifest each browser gets, and the locales: content scripts cover every adapter's host
 * patterns plus loopback, no web-accessible resources, Firefox's gecko id and background
 * scripts, Chrome's fixed key; both locales carry the same messages and every one the code uses.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { composeManifest, CONTENT_ALL, deskFile, LOOPBACK_MATCHES } from '../../../vite.config';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { REPO } from './helpers';

const base = JSON.parse(readFileSync(resolve(REPO, 'manifest.json'), 'utf8'));
const matches = builtinAdapters.flatMap((a) => a.matches);
const chrome = composeManifest(base, 'chrome', builtinAdapters);
const firefox = composeManifest(base, 'firefox', builtinAdapters);
export const CHROME_ID = 'jildnfhiepnjahmaafpegklkngphojnn';

describe('manifest', () => {
  it.each([['chrome', chrome], ['firefox', firefox]] as const)('%s: every adapter on loopback, each hosted desk its own script on its hosts', (_b, m) => {
    const scripts = m.content_scripts as Array<{ matches: string[]; js: string[]; run_at: string }>;
    expect(scripts[0]).toEqual({ matches: LOOPBACK_MATCHES, js: [CONTENT_ALL], run_at: 'document_idle' });
    const hosted = builtinAdapters.filter((a) => a.matches.length);
    expect(hosted.length).toBeGreaterThanOrEqual(10);
    expect(scripts).toHaveLength(hosted.length + 1);
    for (const a of hosted) {
      expect(scripts.find((cs) => cs.js[0] === deskFile(a.id))?.matches, a.id).toEqual(a.matches);
    }
    // Self-hosted desks ship no host pattern: the agent grants their origins on the options page.
    for (const id of ['rt', 'zammad', 'osticket', 'freescout', 'demo']) expect(scripts.some((cs) => cs.js[0] === deskFile(id)), id).toBe(false);
    // The background runs the sidebar's code in ticket pages: it needs host access wherever a script runs.
    for (const p of [...LOOPBACK_MATCHES, ...matches]) expect(m.host_permissions, p).toContain(p);
    expect(m.web_accessible_resources).toBeUndefined();
  });

  it('Firefox: background scripts, gecko id, no key', () => {
    expect(firefox.background).toEqual({ scripts: [base.background.service_worker], type: 'module' });
    expect(firefox.browser_specific_settings.gecko).toMatchObject({ id: 'baton@baton.dev', strict_min_version: '128.0' });
    expect(firefox.key).toBeUndefined();
  });

  it('Chrome: a service worker and the key that fixes the extension id', () => {
    expect(chrome.background.service_worker).toBe(base.background.service_worker);
    expect(chrome.browser_specific_settings).toBeUndefined();
    const hash = createHash('sha256').update(Buffer.from(chrome.key, 'base64')).digest('hex').slice(0, 32);
    const id = [...hash].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
    expect(id).toBe(CHROME_ID);
  });

  it('has the toggle command, the managed schema and the options page', () => {
    expect(base.commands['toggle-sidebar'].suggested_key.default).toBe('Alt+Shift+B');
    expect(JSON.parse(readFileSync(resolve(REPO, 'public', base.storage.managed_schema), 'utf8')).properties).toHaveProperty('token');
    expect(base.options_ui.page).toBe('src/options/index.html');
  });
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe('locales', () => {
  const en = JSON.parse(readFileSync(resolve(REPO, 'public/_locales/en/messages.json'), 'utf8'));
  const ja = JSON.parse(readFileSync(resolve(REPO, 'public/_locales/ja/messages.json'), 'utf8'));

  it('ja and en have the same messages, none empty', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of [...Object.entries(en), ...Object.entries(ja)]) expect((v as { message: string }).message.trim(), k).not.toBe('');
  });

  it('every literal message name the UI code asks for exists', () => {
    const code = ['src/sidebar', 'src/options', 'src/popup'].flatMap((d) => sourceFiles(resolve(REPO, d))).map((f) => readFileSync(f, 'utf8')).join('\n');
    const used = [...code.matchAll(/\bt\('([A-Za-z0-9_]+)'/g)].map((m) => m[1]!);
    expect(used.length).toBeGreaterThan(20);
    for (const k of used) expect(en, k).toHaveProperty(k);
  });

  it('the manifest names come from the locales', () => {
    for (const m of JSON.stringify(base).match(/__MSG_(\w+)__/g)!) expect(en).toHaveProperty(m.slice(6, -2));
  });
});

describe('lean content script', () => {
  it('drops the adapters’ example URLs and nothing else', async () => {
    const { stripAdapterExamples } = await import('../../../vite.config');
    const plugin = stripAdapterExamples() as { transform(code: string, id: string): { code: string } | null };
    const code = `export const adapter = { id: 'x', examples: { ticket: [{ url: 'https://x.example/t/1', id: '1' }], notTicket: [] }, matches: ['https://x.example/*'] };`;
    const out = plugin.transform(code, '/repo/src/content/helpdesks/x.ts')!.code;
    expect(out).not.toContain('x.example/t/1');
    expect(out).toContain(`matches: ['https://x.example/*']`);
    expect(out).toContain('examples: { ticket: [], notTicket: [] }');
    expect(plugin.transform(code, '/repo/src/content/main.ts')).toBeNull();
  });
});

describe('size budget', () => {
  it('checks each entry, the sidebar, and a hosted desk’s ticket page (its entry + the sidebar)', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    // @ts-expect-error plain JS module
    const { pageSizes, BUDGET } = (await import('../../../scripts/build.mjs')) as {
      BUDGET: number;
      pageSizes(dir: string, m: unknown): { checks: Array<{ what: string; gzip: number }>; loopbackTicketPage: number | null };
    };
    const dir = mkdtempSync(join(tmpdir(), 'baton-size-'));
    try {
      mkdirSync(join(dir, 'content'));
      // Random bytes do not compress: their gzip size is about their length.
      const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(Math.random() * 256)));
      writeFileSync(join(dir, 'content/all.js'), bytes(9000));
      writeFileSync(join(dir, 'content/zendesk.js'), bytes(8000));
      writeFileSync(join(dir, 'content/sidebar.js'), bytes(BUDGET - 4000));
      const manifest = {
        content_scripts: [
          { matches: LOOPBACK_MATCHES, js: [CONTENT_ALL] },
          { matches: ['https://*.zendesk.com/*'], js: [deskFile('zendesk')] },
        ],
      };
      const { checks, loopbackTicketPage } = pageSizes(dir, manifest);
      const over = checks.filter((c) => c.gzip > BUDGET).map((c) => c.what);
      expect(over).toEqual(['content/zendesk.js + sidebar (a ticket page of that desk)']);
      expect(checks.map((c) => c.what)).toContain('content/all.js (every page it matches)');
      expect(loopbackTicketPage).toBeGreaterThan(BUDGET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
