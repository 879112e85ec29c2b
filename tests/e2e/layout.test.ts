// Inline mode: nothing of the desk that takes clicks lies under the sidebar, in Chromium and
// Firefox ESR, on every adapter's fixture page served on loopback (each detected by its
// adapter, as on a self-hosted desk) and on a real Request Tracker 5, at 1024, 1280 and 1400 px,
// scrolled to the top and to the bottom. The osTicket fixture is osTicket 1.18's ticket view with
// its own script: its ticket bar becomes `position: fixed; left: 0; width: 100%` once scrolled
// (checked here first), with the Edit button and the scroll-up chevron at its right end. And
// scrolling the sidebar past its end never scrolls the desk behind it.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { builtinAdapters } from '../../src/content/helpdesks/index';
import { ROOT, startApi, type Api } from './support/api';
import { launchChromium, launchFirefox, type LaunchedBrowser } from './support/browsers';
import { e2eContext, rtTicketUrl, type E2eContext } from './support/context';
import { clickableUnderSidebar, sidebarShown } from './support/layout';
import { configureThroughOptions, optionsPath } from './support/pages';
import { waitForSidebarState } from './support/sidebar';

const FIXTURES = join(ROOT, 'tests/fixtures/helpdesks');
const WIDTHS = [1024, 1280, 1400];
/** Every fixture page (tests/fixtures/helpdesks/<adapter>[-variant].html). */
const FIXTURE_FILES = readdirSync(FIXTURES).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -'.html'.length)).sort();

/** The loopback address of a fixture: its adapter's first example ticket URL, on this server. */
function fixturePath(file: string): string {
  const owner = file.split('-')[0]!;
  const adapter = builtinAdapters.find((a) => a.id === owner);
  if (!adapter) throw new Error(`no adapter for ${file}`);
  const u = new URL(adapter.examples.ticket[0]!.url);
  return u.pathname + u.search + u.hash;
}

/** One fixture page on its own loopback port (each at its desk's own ticket path). */
async function serveFixture(file: string): Promise<{ url: string; close(): Promise<void> }> {
  const html = readFileSync(join(FIXTURES, `${file}.html`));
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/api/')) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${fixturePath(file)}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Every width, at the top and the bottom: what takes clicks under the sidebar, by place. */
async function underSidebarEverywhere(page: Page, before?: (width: number, where: 'top' | 'bottom') => Promise<void>): Promise<string[]> {
  const found: string[] = [];
  for (const width of WIDTHS) {
    await page.setViewport({ width, height: 800 });
    for (const where of ['top', 'bottom'] as const) {
      await page.evaluate(where === 'top' ? 'window.scrollTo(0, 0)' : 'window.scrollTo(0, document.documentElement.scrollHeight)');
      await before?.(width, where);
      await sidebarShown(page);
      for (const h of await clickableUnderSidebar(page)) found.push(`${width}px ${where}: ${h.what} at ${h.x},${h.y}`);
    }
  }
  await page.setViewport({ width: 1400, height: 900 });
  return found;
}

for (const browserName of ['chromium', 'firefox'] as const) {
  describe(`${browserName === 'chromium' ? 'Chromium' : 'Firefox ESR'}, inline: nothing of the desk that takes clicks lies under the sidebar`, () => {
    let ctx: E2eContext & { rt: NonNullable<E2eContext['rt']> };
    let api: Api;
    let b: LaunchedBrowser;
    let page: Page;

    beforeAll(async () => {
      ctx = e2eContext({ extension: true, rt: true });
      api = await startApi();
      if (browserName === 'chromium') {
        b = await launchChromium({ extensionDir: ctx.extension.chrome });
        await configureThroughOptions(b.browser, `${b.extensionOrigin}/${optionsPath(ctx.extension.chrome)}`, { apiUrl: api.url, token: api.token, display: 'inline' });
      } else {
        b = await launchFirefox({ extensionDir: ctx.extension.firefox, managed: { apiUrl: api.url, token: api.token, display: 'inline', language: 'en' } });
      }
      page = await b.browser.newPage();
    });

    afterAll(async () => {
      await b?.close();
      await api?.close();
    });

    test('osTicket 1.18: its ticket bar is fixed across the window once scrolled (as on a real osTicket), and still nothing lies under the sidebar', async () => {
      const desk = await serveFixture('osticket');
      try {
        await page.setViewport({ width: 1280, height: 800 });
        await page.goto(desk.url, { waitUntil: 'load' });
        await sidebarShown(page);
        await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
        // The fixture reproduces the bar: fixed, from the window's left edge, the whole width.
        await page.waitForFunction(`document.querySelector('.sticky.bar').classList.contains('fixed')`, { timeout: 5000, polling: 50 });
        const bar = (await page.evaluate(`(() => { const b = document.querySelector('.sticky.bar'); const cs = getComputedStyle(b); return { position: cs.position, left: cs.left, width: cs.width }; })()`)) as { position: string; left: string };
        expect(bar).toMatchObject({ position: 'fixed', left: '0px' });
        expect(await clickableUnderSidebar(page), 'the bar’s Edit button and scroll-up chevron are left of the sidebar').toEqual([]);
        const edit = (await page.evaluate(`(() => { const r = [...document.querySelectorAll('.sticky.bar a.action-button')].find((a) => a.textContent.includes('Edit')).getBoundingClientRect(); return { right: r.right, host: document.getElementById('baton-sidebar').getBoundingClientRect().left }; })()`)) as { right: number; host: number };
        expect(edit.right).toBeLessThanOrEqual(edit.host + 1);
        expect(await underSidebarEverywhere(page)).toEqual([]);
      } finally {
        await desk.close();
      }
    });

    test('every adapter’s fixture page, at 1024, 1280 and 1400 px, top and bottom', async () => {
      const found: string[] = [];
      for (const file of FIXTURE_FILES) {
        const desk = await serveFixture(file);
        try {
          await page.setViewport({ width: 1400, height: 800 });
          await page.goto(desk.url, { waitUntil: 'load' });
          await sidebarShown(page).catch((e: unknown) => {
            throw new Error(`${file}: the inline sidebar never showed on ${desk.url} (${e})`);
          });
          for (const f of await underSidebarEverywhere(page)) found.push(`${file} ${f}`);
        } finally {
          await desk.close();
        }
      }
      expect(found).toEqual([]);
    });

    test('a real Request Tracker 5 ticket, at 1024, 1280 and 1400 px, top and bottom', async () => {
      await page.goto(rtTicketUrl(ctx.rt, ctx.rt.tickets.aiko), { waitUntil: 'load' });
      await page.waitForSelector('body#comp-Ticket-Display', { timeout: 20_000 });
      expect(await underSidebarEverywhere(page)).toEqual([]);
    });

    test('scrolling the sidebar past its end does not scroll the desk behind it', async () => {
      const desk = await serveFixture('osticket');
      try {
        await page.setViewport({ width: 1024, height: 600 });
        await page.goto(desk.url, { waitUntil: 'load' });
        await sidebarShown(page);
        // The frame's script (which takes the wheels nothing in the frame can scroll) has run and
        // the view has drawn: before that, a wheel over the frame is the desk page's to take.
        await waitForSidebarState(page, ['ready', 'stale', 'offline', 'not-found', 'unauthorized', 'unconfigured', 'error']);
        const box = (await page.evaluate(`(() => { const r = document.getElementById('baton-sidebar').getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; })()`)) as { x: number; y: number };
        await page.evaluate('window.scrollTo(0, 0)');
        const max = (await page.evaluate('document.documentElement.scrollHeight - innerHeight')) as number;
        expect(max, 'the desk page can scroll').toBeGreaterThan(200);
        await page.mouse.move(box.x, box.y);
        for (let i = 0; i < 6; i++) await page.mouse.wheel({ deltaY: 600 });
        // Then 60 px over the desk itself: wheel events are handled in order, so once the desk has
        // moved and come to rest, it moved by those 60 px alone, unless the sidebar's chained on.
        await page.mouse.move(100, 300);
        await page.mouse.wheel({ deltaY: 60 });
        await page.waitForFunction('window.scrollY >= 50', { timeout: 10_000, polling: 20 });
        const rest = (await page.evaluate(`new Promise((resolve) => { let last = -1, same = 0;
          const tick = () => { if (scrollY === last) { if (++same >= 10) return resolve(scrollY); } else { same = 0; last = scrollY; } requestAnimationFrame(tick); };
          tick(); })`)) as number;
        expect(rest, `the desk scrolled ${rest} px (it can ${max}): the sidebar's wheel chained into it`).toBeLessThan(100);
      } finally {
        await desk.close();
        await page.setViewport({ width: 1400, height: 900 });
      }
    });
  });
}
