/**
 * The manifest each browser gets, and the locales: content scripts cover every adapter's host
 * patterns plus loopback; the side panel (Chrome side_panel and its permission, Firefox
 * sidebar_action open at install); web-accessible resources hold the inline frame page and
 * nothing else (a dynamic URL in Chrome); Firefox's gecko id and background scripts, Chrome's
 * fixed key; both locales carry the same messages and every one the code uses.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { composeManifest, CONTENT_ALL, deskFile, LOOPBACK_MATCHES, PAGES } from '../../../vite.config';
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
    // The background runs inline mode's host and the readers in ticket pages: it needs host access wherever a script runs.
    for (const p of [...LOOPBACK_MATCHES, ...matches]) expect(m.host_permissions, p).toContain(p);
    // No extension page but the inline frame's may be loaded by a web page.
    const war = m.web_accessible_resources as Array<{ resources: string[]; matches: string[]; use_dynamic_url?: boolean }>;
    expect(war.flatMap((w) => w.resources)).toEqual([PAGES.frame]);
    expect(war[0]!.matches).toEqual(['http://*/*', 'https://*/*']);
    // The toolbar button opens the side panel; the popup is set at run time, in inline mode only.
    expect(m.action.default_popup).toBeUndefined();
  });

  it('Chrome: the side panel, its permission, and the inline frame page only through a dynamic URL (no fingerprinting)', () => {
    expect(chrome.side_panel).toEqual({ default_path: PAGES.panel });
    expect(chrome.permissions).toContain('sidePanel');
    expect(chrome.sidebar_action).toBeUndefined();
    expect(chrome.web_accessible_resources[0].use_dynamic_url).toBe(true);
  });

  it('Firefox: the sidebar, open from install, and no Chrome-only keys', () => {
    expect(firefox.sidebar_action).toMatchObject({ default_panel: PAGES.panel, open_at_install: true });
    expect(firefox.side_panel).toBeUndefined();
    expect(firefox.permissions).not.toContain('sidePanel');
    expect(firefox.web_accessible_resources[0]).not.toHaveProperty('use_dynamic_url');
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
    const code = ['src/ui', 'src/options', 'src/popup', 'src/panel', 'src/frame'].flatMap((d) => sourceFiles(resolve(REPO, d))).map((f) => readFileSync(f, 'utf8')).join('\n');
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

describe('recognisers only (content/all.js)', () => {
  it('drops what reads a ticket from each adapter and builds it with defineRecogniser', async () => {
    const { recognisersOnly } = await import('../../../vite.config');
    const plugin = recognisersOnly() as { transform(code: string, id: string): { code: string } | null };
    const code = `import { defineAdapter } from './read';
export const adapter = defineAdapter({ id: 'x', matches: ['https://x.example/*'], urls: [/t\\/(\\d+)/], detect: ['.t'], fields: { email: ['.e'] }, extra: (p) => ({}), activePane: (d) => d, layout: { css: 'a{}' } });`;
    const out = plugin.transform(code, '/repo/src/content/helpdesks/x.ts')!.code;
    expect(out).toContain('__defineRecogniser({');
    expect(out).toContain(`detect: ['.t']`);
    for (const gone of ['fields', 'extra', 'activePane', 'layout', "'.e'"]) expect(out, gone).not.toContain(gone);
    const plain = `export const adapter = { id: 'y', matches: [], ticketFromUrl(u) { return null; }, detect: () => true, read(pane) { return {}; }, activePane: (d) => d };`;
    const y = plugin.transform(plain, '/repo/src/content/helpdesks/y.ts')!.code;
    expect(y).toContain('ticketFromUrl');
    expect(y).not.toMatch(/read\(|activePane/);
    expect(plugin.transform(code, '/repo/src/content/helpdesks/read.ts')).toBeNull();
  });
});

describe('size budget', () => {
  it('checks each entry and ticket page: panel mode (entry, and on loopback the reader) and inline (+ the inline host)', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    // @ts-expect-error plain JS module
    const { pageSizes, BUDGET, PANEL_BUDGET } = (await import('../../../scripts/build.mjs')) as {
      BUDGET: number;
      PANEL_BUDGET: number;
      pageSizes(dir: string, m: unknown): { checks: Array<{ what: string; gzip: number; budget: number }>; panelTicketPage: number; inlineTicketPage: number };
    };
    const dir = mkdtempSync(join(tmpdir(), 'baton-size-'));
    try {
      mkdirSync(join(dir, 'content/adapters'), { recursive: true });
      // Random bytes do not compress: their gzip size is about their length.
      const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(Math.random() * 256)));
      writeFileSync(join(dir, 'content/all.js'), bytes(PANEL_BUDGET - 3000));
      writeFileSync(join(dir, 'content/adapters/rt.js'), bytes(2000));
      writeFileSync(join(dir, 'content/adapters/zammad.js'), bytes(3500)); // all.js + this one: over
      writeFileSync(join(dir, 'content/zendesk.js'), bytes(PANEL_BUDGET - 500));
      writeFileSync(join(dir, 'content/inline.js'), bytes(BUDGET - PANEL_BUDGET));
      const manifest = {
        content_scripts: [
          { matches: LOOPBACK_MATCHES, js: [CONTENT_ALL] },
          { matches: ['https://*.zendesk.com/*'], js: [deskFile('zendesk')] },
        ],
      };
      const { checks, panelTicketPage, inlineTicketPage } = pageSizes(dir, manifest);
      const over = checks.filter((c) => c.gzip > c.budget).map((c) => c.what);
      expect(over).toEqual(['content/all.js + content/adapters/zammad.js (a panel-mode ticket page)', 'content/all.js + content/adapters/zammad.js + content/inline.js (an inline ticket page)']);
      expect(checks.find((c) => c.what.startsWith('content/zendesk.js (every'))?.budget).toBe(PANEL_BUDGET);
      expect(panelTicketPage).toBeGreaterThan(PANEL_BUDGET);
      expect(inlineTicketPage).toBeGreaterThan(BUDGET);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
