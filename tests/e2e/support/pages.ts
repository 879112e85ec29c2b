// Page-level helpers shared by the e2e tests: the options page as a person uses it, the side
// panel opened as a person opens it, the demo desk's client-side links, and a check that a
// navigation stayed in the same document.
import type { Browser, Page } from 'puppeteer-core';
import { readManifest } from './browsers';

/** The options page path the build declares (manifest `options_ui.page` or `options_page`). */
export function optionsPath(extensionDir: string): string {
  const m = readManifest(extensionDir);
  const p: unknown = m.options_ui?.page ?? m.options_page;
  if (typeof p !== 'string') throw new Error(`${extensionDir}/manifest.json declares no options page`);
  return p.replace(/^\//, '');
}

/** Clears an input and types into it like a person. */
export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  const input = await page.waitForSelector(selector, { visible: true, timeout: 15_000 });
  if (!input) throw new Error(`no ${selector}`);
  await input.click({ count: 3 });
  await page.keyboard.press('Backspace');
  await page.evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); if (e.value) { e.value = ''; e.dispatchEvent(new Event('input', { bubbles: true })); } })()`);
  await input.type(text);
}

/**
 * Opens the options page, fills `apiUrl` and `token` (and picks where the relay shows, when
 * `display` is given), submits, then reopens the page until it shows the saved values (saving is
 * asynchronous).
 */
export async function configureThroughOptions(
  browser: Browser,
  optionsUrl: string,
  settings: { apiUrl: string; token: string; display?: 'panel' | 'inline' },
): Promise<void> {
  const page = await browser.newPage();
  try {
    await page.goto(optionsUrl, { waitUntil: 'load' });
    await typeInto(page, 'form input[name=apiUrl]', settings.apiUrl);
    await typeInto(page, 'form input[name=token]', settings.token);
    if (settings.display) await page.select('form select[name=display]', settings.display);
    const submit = await page.waitForSelector('form [type=submit]', { visible: true });
    await submit!.click();
    const deadline = Date.now() + 15_000;
    for (;;) {
      await page.goto(optionsUrl, { waitUntil: 'load' });
      await page.waitForSelector('form input[name=apiUrl]', { visible: true });
      const saved = (await page.waitForFunction(
        `(() => { const a = document.querySelector('form input[name=apiUrl]'); const t = document.querySelector('form input[name=token]');
          const d = document.querySelector('form select[name=display]');
          return a && t && a.value === ${JSON.stringify(settings.apiUrl)} && t.value === ${JSON.stringify(settings.token)}
            && (${JSON.stringify(settings.display ?? '')} === '' || (d && d.value === ${JSON.stringify(settings.display ?? '')})); })()`,
        { timeout: 3_000, polling: 100 },
      ).then(() => true, () => false));
      if (saved) return;
      if (Date.now() > deadline) throw new Error(`the options page did not keep apiUrl=${settings.apiUrl} and the token after submit`);
    }
  } finally {
    await page.close();
  }
}

/**
 * Chromium: opens Baton's side panel the way a person can, by a real click (a trusted user
 * gesture, CDP Input.dispatchMouseEvent) on the options page's "Open the side panel now" button,
 * which calls chrome.sidePanel.open() in the click. (The toolbar button, which opens it too, is
 * browser UI that the DevTools protocol cannot click.) Returns the side panel's page and closes
 * the options tab.
 */
export async function openSidePanel(browser: Browser, extensionOrigin: string, optionsPage = 'src/options/index.html'): Promise<Page> {
  const options = await browser.newPage();
  try {
    await options.goto(`${extensionOrigin}/${optionsPage}`, { waitUntil: 'load' });
    const button = await options.waitForSelector('[data-action=open-panel]', { visible: true, timeout: 15_000 });
    const opened = browser.waitForTarget((t) => t.url().startsWith(`${extensionOrigin}/src/panel/index.html`), { timeout: 15_000 });
    await button!.click();
    const panel = await (await opened).asPage();
    await panel.waitForSelector('aside', { timeout: 15_000 });
    return panel;
  } finally {
    await options.close();
  }
}

/**
 * Firefox: one of Baton's own pages as a foothold for the test. WebDriver BiDi may not navigate
 * a tab to a moz-extension:// address, but a web page may link to the one page Baton lets web
 * pages load (the inline frame's, web_accessible_resources): the test clicks such a link on a
 * loopback page and is then in an extension page, with the extension's APIs (to open the
 * options page, or the panel page in a window of its own). `extensionOrigin` is the fixed
 * moz-extension origin launchFirefox sets.
 */
export async function firefoxExtensionPage(browser: Browser, extensionOrigin: string, loopbackUrl: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(loopbackUrl, { waitUntil: 'load' });
  await page.evaluate(`(() => { const a = document.createElement('a'); a.id = 'baton-test-foothold'; a.href = ${JSON.stringify(`${extensionOrigin}/src/frame/index.html`)}; a.textContent = 'Baton'; document.body.prepend(a); })()`);
  await page.click('#baton-test-foothold');
  await page.waitForFunction(`location.href.startsWith(${JSON.stringify(extensionOrigin)}) && typeof browser === 'object' && !!browser.tabs`, { timeout: 15_000, polling: 100 });
  return page;
}

/**
 * Firefox: the panel page (the sidebar's, src/panel/index.html) in a window of its own, following
 * the active tab of the window the foothold page is in (where the test's pages open).
 */
export async function firefoxPanelWindow(browser: Browser, foothold: Page): Promise<Page> {
  const before = new Set(browser.targets());
  const opened = browser.waitForTarget((t) => t.type() === 'page' && !before.has(t), { timeout: 15_000 });
  await foothold.evaluate(`browser.windows.getCurrent().then((w) => browser.windows.create({ url: '/src/panel/index.html?window=' + w.id })).then(() => true)`);
  const panel = (await (await opened).page())!;
  await panel.waitForFunction(`location.pathname === '/src/panel/index.html' && !!document.querySelector('aside')`, { timeout: 15_000, polling: 100 });
  return panel;
}

/** Marks the document so a later check can tell it was not reloaded. */
export async function markDocument(page: Page): Promise<string> {
  const mark = `m${Math.random().toString(36).slice(2)}`;
  await page.evaluate(`document.documentElement.dataset.batonTestMark = ${JSON.stringify(mark)}`);
  return mark;
}

export async function sameDocument(page: Page, mark: string): Promise<boolean> {
  return (await page.evaluate(`document.documentElement.dataset.batonTestMark === ${JSON.stringify(mark)}`)) as boolean;
}

/** Clicks a client-side link of the demo desk (the inbox list) and waits for the URL to change. */
export async function clickDemoTicket(page: Page, id: number): Promise<void> {
  const link = await page.waitForSelector(`#ticket-list a[href="/demo/tickets/${id}"]`, { visible: true, timeout: 15_000 });
  await link!.click();
  await page.waitForFunction(`location.pathname === '/demo/tickets/${id}'`, { timeout: 10_000, polling: 50 });
}

/** Rectangles of the inline sidebar's host and an element of the page (to check they do not overlap). */
export async function rects(page: Page, selector: string) {
  return (await page.evaluate(`(() => {
    const r = (e) => { if (!e) return null; const b = e.getBoundingClientRect(); return { x: b.x, y: b.y, w: b.width, h: b.height }; };
    return { sidebar: r(document.getElementById('baton-sidebar')), other: r(document.querySelector(${JSON.stringify(selector)})), viewport: { w: innerWidth, h: innerHeight } };
  })()`)) as {
    sidebar: { x: number; y: number; w: number; h: number } | null;
    other: { x: number; y: number; w: number; h: number } | null;
    viewport: { w: number; h: number };
  };
}

export function overlaps(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

type Box = { x: number; y: number; w: number; h: number };

/**
 * RT's header as laid out now: its visible top menu and page menu items, the search form, the
 * logo and the title's text; which of them overlap each other and which lie under the sidebar.
 */
export async function rtLayout(page: Page) {
  return (await page.evaluate(`(() => {
    const box = (b) => ({ x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.width), h: Math.round(b.height) });
    const shown = (e) => { const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0 && getComputedStyle(e).visibility !== 'hidden'; };
    const parts = (sel, name) => [...document.querySelectorAll(sel)].filter(shown).map((e, i) => ({ name: name + ' ' + (e.textContent.trim() || e.id || i), ...box(e.getBoundingClientRect()) }));
    const title = document.querySelector('#header h1');
    const range = document.createRange();
    range.selectNodeContents(title);
    const menu = parts('#app-nav > li', 'menu');
    const pageMenu = parts('#page-menu > li', 'page menu');
    const others = [...parts('#topactions form', 'search'), ...parts('#logo img', 'logo'), { name: 'title', ...box(range.getBoundingClientRect()) }];
    const all = [...menu, ...pageMenu, ...others];
    const hit = (a, b) => a.x < b.x + b.w - 1 && b.x < a.x + a.w - 1 && a.y < b.y + b.h - 1 && b.y < a.y + a.h - 1;
    const overlapping = [];
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) if (hit(all[i], all[j])) overlapping.push(all[i].name + ' / ' + all[j].name);
    const sidebar = box(document.getElementById('baton-sidebar').getBoundingClientRect());
    const underSidebar = all.filter((p) => hit(p, sidebar)).map((p) => p.name);
    return { menu, pageMenu, overlapping, underSidebar, sidebar, body: box(document.getElementById('body').getBoundingClientRect()) };
  })()`)) as { menu: Box[]; pageMenu: Box[]; overlapping: string[]; underSidebar: string[]; sidebar: Box; body: Box };
}
