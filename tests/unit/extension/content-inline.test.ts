// @vitest-environment happy-dom
// @vitest-environment-options {"url":"http://127.0.0.1:8787/demo/tickets/1","settings":{"disableJavaScriptFileLoading":true,"disableCSSFileLoading":true,"disableIframePageLoading":true}}
/**
 * Inline mode in the page (the real demo desk, content script and background handlers; the
 * demo API is not needed: what the page gets is the host, never the relay): the host
 * `#baton-sidebar` holds one frame with the extension's inline frame page, titled in the agent's
 * language; the page makes room; the keyboard command and the frame's own buttons (through the
 * background) collapse, open and resize it, kept per site; a page that is no ticket gives the
 * room back; the host keeps its place against a page that pre-made its own, removes or
 * restyles it, or navigates its frame; a desk's layout (a top bar kept whole, CSS that fits a
 * fixed-width desk) comes and goes with it; a switch to panel mode takes it all away.
 * Real layout (fixed bars, what lies under the sidebar) is the browsers' part: tests/e2e.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground, type Background } from '../../../src/background/handlers';
import { main, type ContentApp } from '../../../src/content/main';
import { mountInline } from '../../../src/content/inline';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { contentEnvelope } from '../../../src/shared/messages';
import type { TabView } from '../../../src/shared/view';
import { MemoryArea, installContentRuntime, loadDemoDesk, loadLocale, toContent, type ContentListener } from './helpers';

let app: ContentApp;
let bg: Background;
const local = new MemoryArea();
const listeners: ContentListener[] = [];
const pushed: TabView[] = [];
const html = document.documentElement;
const frame = () => new Promise((r) => requestAnimationFrame(() => r(undefined)));

beforeAll(async () => {
  await local.set({ apiUrl: 'http://127.0.0.1:9', token: 't', language: 'ja', display: 'inline' });
  bg = createBackground({
    local,
    loadLocale,
    uiLanguage: () => 'en-US',
    openOptions: async () => undefined,
    api: { backoffMs: 1, timeoutMs: 200, retry: false },
    viewChanged: (v) => void pushed.push(v),
    // What background/index.ts does with inline:ui: tell the tab's content script.
    resizeInline: (_tab, ui) => toContent(listeners, contentEnvelope('inline:ui', { ui })),
  });
  installContentRuntime(bg.handlers, [], 'baton-test', { listeners });
  await loadDemoDesk();
  // What scripting.executeScript does with content/inline.js: the module, in this page's world.
  app = (await main({ adapters: builtinAdapters, waitMs: 3000, inline: async () => ({ mountInline }) }))!;
}, 30_000);

afterAll(() => app?.stop());

describe('inline mode on the demo desk', () => {
  it('frames the extension page in #baton-sidebar beside the page, which makes room', async () => {
    await vi.waitFor(() => expect(app.inline()).not.toBeNull());
    const host = document.getElementById('baton-sidebar')!;
    expect(host).toBe(app.inline()!.host);
    expect(host.parentElement).toBe(html);
    expect(host.shadowRoot, 'closed outside test builds').toBeNull();
    const f = app.inline()!.frame;
    expect(f.getAttribute('src')).toBe('chrome-extension://baton-test/src/frame/index.html');
    expect(f.title).toBe('Baton: この顧客をめぐるリレー');
    expect(html.style.marginRight).toBe('340px');
    // Nothing of the relay in the page: the frame is all there is.
    expect(host.textContent).toBe('');
  });

  it('the keyboard command collapses it to the slim tab (the page keeps a narrow room) and opens it again; kept for the site', async () => {
    const r = await toContent<{ collapsed: boolean }>(listeners, contentEnvelope('sidebar:toggle', {}));
    expect(r).toEqual({ collapsed: true });
    expect(html.style.marginRight).toBe('32px');
    await vi.waitFor(async () => expect(await local.get('ui:http://127.0.0.1:8787')).toEqual({ 'ui:http://127.0.0.1:8787': { collapsed: true, width: 340 } }));
    await vi.waitFor(() => expect(pushed.at(-1)?.ui.collapsed, 'the frame is told to show the tab').toBe(true));
    await toContent(listeners, contentEnvelope('sidebar:toggle', {}));
    expect(html.style.marginRight).toBe('340px');
    await vi.waitFor(async () => expect(await local.get('ui:http://127.0.0.1:8787')).toEqual({ 'ui:http://127.0.0.1:8787': { collapsed: false, width: 340 } }));
  });

  it("the frame's own resize goes through the background to the host", async () => {
    await bg.handlers['view:ui']({ tabId: 1, ui: { width: 420 }, done: true });
    expect(app.inline()!.ui.width).toBe(420);
    expect(html.style.marginRight).toBe('420px');
    await bg.handlers['view:ui']({ tabId: 1, ui: { width: 340 }, done: true });
  });

  it('a page that is no ticket gives the room back; a ticket takes it again', async () => {
    (document.querySelector('a[href="/demo/"]') as HTMLAnchorElement).click();
    await vi.waitFor(() => expect(html.style.marginRight).toBe(''), { timeout: 5000 });
    (document.querySelector('a[href="/demo/tickets/2"]') as HTMLAnchorElement).click();
    await vi.waitFor(() => expect(html.style.marginRight).toBe('340px'), { timeout: 5000 });
    expect(document.querySelectorAll('#baton-sidebar')).toHaveLength(1);
  });

  it('a page that removes the host or gives it styles gets it back as it was', async () => {
    const host = app.inline()!.host;
    host.remove();
    await frame();
    await frame();
    expect(host.isConnected).toBe(true);
    expect(html.lastElementChild).toBe(host);
    host.setAttribute('style', 'opacity: 0 !important; display: none !important');
    host.className = 'hidden';
    await frame();
    await frame();
    expect(host.getAttribute('style')).toBeNull();
    expect(host.getAttribute('class')).toBeNull();
  });

  it('a switch to panel mode takes it all away', async () => {
    await local.set({ display: 'panel' });
    await toContent(listeners, contentEnvelope('settings:changed', {}));
    await vi.waitFor(() => expect(document.getElementById('baton-sidebar')).toBeNull());
    expect(html.style.marginRight).toBe('');
    expect(app.inline()).toBeNull();
  });
});

describe('the host against the page', () => {
  it('a #baton-sidebar the page made itself loses the id, and it is said', () => {
    const fake = document.createElement('div');
    fake.id = 'baton-sidebar';
    fake.textContent = 'not Baton';
    document.body.append(fake);
    const hidden: string[] = [];
    const h = mountInline({ ui: { collapsed: false, width: 340 }, src: 'chrome-extension://x/src/frame/index.html', label: 'Baton', shadow: 'open', onHidden: (r) => void hidden.push(r) });
    try {
      expect(document.querySelectorAll('#baton-sidebar')).toHaveLength(1);
      expect(document.getElementById('baton-sidebar')).toBe(h.host);
      expect(fake.id).toBe('baton-sidebar-displaced');
      expect(hidden).toEqual(['pre-made']);
      // The host's styles are its shadow root's, with !important: no page style beats them.
      const css = h.host.shadowRoot!.querySelector('style')!.textContent!;
      for (const decl of ['position:fixed!important', 'opacity:1!important', 'visibility:visible!important', 'z-index:2147483647!important', 'width:340px!important']) expect(css).toContain(decl);
    } finally {
      h.destroy();
      fake.remove();
    }
  });

  it('a frame the page navigates elsewhere is loaded again, and after a few times it is said', () => {
    const hidden: string[] = [];
    const src = 'chrome-extension://x/src/frame/index.html';
    const h = mountInline({ ui: { collapsed: false, width: 340 }, src, label: 'Baton', shadow: 'open', onHidden: (r) => void hidden.push(r) });
    try {
      h.frame.dispatchEvent(new Event('load')); // ours
      h.frame.setAttribute('src', 'https://evil.example/fake-baton.html'); // what navigating frames[0] amounts to
      h.frame.dispatchEvent(new Event('load'));
      expect(h.frame.getAttribute('src')).toBe(src);
      for (let i = 0; i < 4; i++) h.frame.dispatchEvent(new Event('load'));
      expect(hidden).toEqual(['navigated']);
    } finally {
      h.destroy();
    }
  });

  it('a ticket switch saying the same layout and visibility again reads no computed style (no layout on the switch path)', () => {
    const h = mountInline({ ui: { collapsed: false, width: 340 }, src: 'chrome-extension://x/f.html', label: 'Baton', shadow: 'open' });
    try {
      const layout = { below: '#nothing-here', push: ['main'] };
      h.setLayout(layout);
      h.show(true);
      const styleOf = vi.spyOn(window, 'getComputedStyle');
      h.setLayout(layout);
      h.show(true);
      expect(styleOf).not.toHaveBeenCalled();
      h.setLayout(null); // another layout: laid out again
      expect(styleOf).toHaveBeenCalled();
    } finally {
      vi.restoreAllMocks();
      h.destroy();
    }
  });

  it("a desk's layout: its top bar keeps the whole width, what lies under it is pushed, its CSS comes and goes", () => {
    document.body.insertAdjacentHTML('beforeend', '<div id="top">menus</div><div id="content" style="margin-right: 2px">ticket</div><div id="foot">footer</div>');
    const content = document.getElementById('content')!;
    const foot = document.getElementById('foot')!;
    const h = mountInline({ ui: { collapsed: false, width: 360 }, src: 'chrome-extension://x/f.html', label: 'Baton', shadow: 'open' });
    try {
      expect(html.style.marginRight).toBe('360px');
      h.setLayout({ below: '#top', push: ['#content', '#foot'], css: '#content{width:auto!important}' });
      expect(html.style.marginRight, 'the top bar keeps the whole width').toBe('');
      expect([content.style.marginRight, foot.style.marginRight]).toEqual(['360px', '360px']);
      expect(document.querySelector('style[data-baton-room]')!.textContent).toBe('#content{width:auto!important}');
      h.setUi({ collapsed: true });
      expect(content.style.marginRight).toBe('32px');
      h.show(false);
      expect([content.style.marginRight, foot.style.marginRight]).toEqual(['2px', '']);
      expect(document.querySelector('style[data-baton-room]')).toBeNull();
      h.show(true);
      h.setUi({ collapsed: false });
      // A layout whose bar is not on the page pushes the whole page, as without one.
      h.setLayout({ below: '#missing', push: ['#content'] });
      expect([html.style.marginRight, content.style.marginRight]).toEqual(['360px', '2px']);
    } finally {
      h.destroy();
    }
    expect([html.style.marginRight, content.style.marginRight, foot.style.marginRight]).toEqual(['', '2px', '']);
    expect(document.getElementById('baton-sidebar')).toBeNull();
    for (const id of ['top', 'content', 'foot']) document.getElementById(id)!.remove();
  });
});
