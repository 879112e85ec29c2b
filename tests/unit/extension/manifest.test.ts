/**
 * The manifest each browser gets, and the locales: content scripts cover every adapter's host
 * patterns plus loopback, no web-accessible resources, Firefox's gecko id and background
 * scripts, Chrome's fixed key; both locales carry the same messages and every one the code uses.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { composeManifest, CONTENT_ENTRY, LOOPBACK_MATCHES } from '../../../vite.config';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { REPO } from './helpers';

const base = JSON.parse(readFileSync(resolve(REPO, 'manifest.json'), 'utf8'));
const matches = builtinAdapters.flatMap((a) => a.matches);
const chrome = composeManifest(base, 'chrome', matches);
const firefox = composeManifest(base, 'firefox', matches);
export const CHROME_ID = 'jildnfhiepnjahmaafpegklkngphojnn';

describe('manifest', () => {
  it.each([['chrome', chrome], ['firefox', firefox]] as const)('%s: content scripts run on loopback and every hosted desk', (_b, m) => {
    expect(m.content_scripts).toHaveLength(1);
    const cs = m.content_scripts[0];
    expect(cs.js).toEqual([CONTENT_ENTRY]);
    for (const p of [...LOOPBACK_MATCHES, ...matches]) expect(cs.matches, p).toContain(p);
    for (const a of builtinAdapters) for (const p of a.matches) expect(cs.matches, `${a.id}: ${p}`).toContain(p);
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
