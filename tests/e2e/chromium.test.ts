// Baton in Debian's Chromium, end to end, inline mode (the relay in the extension's frame beside
// the page; the side panel is tests/e2e/panel.test.ts): the test build of the extension, the
// real context API (src/server) on a free port, a real Request Tracker 5, and the demo help desk.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectedRelay, startApi, type Api } from './support/api';
import { chromiumExtensionWorker, launchChromium, withBackgroundHeld, type LaunchedBrowser } from './support/browsers';
import { e2eContext, rtRequestorEmail, rtTicketUrl, type E2eContext } from './support/context';
import { clickDemoTicket, configureThroughOptions, markDocument, optionsPath, overlaps, rects, rtLayout, sameDocument } from './support/pages';
import { expectRelayOf, expectRelayOnRtTicket } from './support/relay';
import { axeOnSidebar, clickInSidebar, clickSidebarButton, sidebarSnapshot, viewFrame, waitForSidebarState } from './support/sidebar';
import { expectTokenOnlyInIndexedDb } from './support/token';

const AIKO = rtRequestorEmail('aiko');
const EMMA = rtRequestorEmail('emma');
const KENJI = rtRequestorEmail('kenji');

describe('Chromium: configured on the options page, inline', () => {
  let ctx: E2eContext & { rt: NonNullable<E2eContext['rt']> };
  let api: Api;
  let chromium: LaunchedBrowser;
  let page: Page;
  // One profile for the describe, so the browser can be restarted with its settings and cache.
  let profile = '';

  beforeAll(async () => {
    ctx = e2eContext({ extension: true, rt: true });
    profile = mkdtempSync(join(tmpdir(), 'baton-chromium-'));
    // Assigned as each comes up, so afterAll closes whichever started if the other fails.
    await Promise.all([
      startApi().then((a) => (api = a)),
      launchChromium({ extensionDir: ctx.extension.chrome, userDataDir: profile }).then((b) => (chromium = b)),
    ]);
    page = await chromium.browser.newPage();
  });

  afterAll(async () => {
    await chromium?.close();
    await api?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  const optionsUrl = () => `${chromium.extensionOrigin}/${optionsPath(ctx.extension.chrome)}`;

  test('an agent saves the API address and token on the options page; an RT 5 ticket shows the relay in order', async () => {
    await configureThroughOptions(chromium.browser, optionsUrl(), { apiUrl: api.url, token: api.token, display: 'inline' });

    for (const ticket of ['aiko', 'emma'] as const) {
      const got = await expectRelayOnRtTicket(page, ctx.rt, ticket);
      expect(got.text, 'an English browser gets English stage labels').toContain('Onboarding');
    }

    // The token is not in storage.local (content scripts in desk pages can read that), while
    // the relay above loaded with it: it is in the extension origin's IndexedDB.
    const worker = await chromiumExtensionWorker(chromium.browser, chromium.extensionId);
    await expectTokenOnlyInIndexedDb((js) => worker.evaluate(js), { apiUrl: api.url, token: api.token });
  });

  test('on the demo desk, clicking to another ticket (no page load) switches the sidebar to the new customer', async () => {
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 1);
    const first = await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
    expectRelayOf(first, AIKO);

    const mark = await markDocument(page);
    await clickDemoTicket(page, 2);
    const second = await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' });
    expect(await sameDocument(page, mark), 'the desk navigated client-side').toBe(true);
    expectRelayOf(second, EMMA);
    expect(second.text).not.toContain('田中 愛子');
  });

  test('back to a ticket shown before, the frame draws its relay itself: it shows while the background is held up', async () => {
    // On ticket 2 (Emma) from the test before; ticket 1 (Aiko) was shown before it.
    await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' });
    const back = await withBackgroundHeld(chromium.browser, chromium.extensionId, async () => {
      await clickDemoTicket(page, 1);
      return waitForSidebarState(page, 'ready', { containing: '田中 愛子', timeout: 3_000 });
    });
    expectRelayOf(back, AIKO);
    // The background, let go, answers the same: still Aiko's relay; then on to a ticket not shown before.
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: '田中 愛子' }), AIKO);
    await clickDemoTicket(page, 3);
    const third = await waitForSidebarState(page, 'ready', { containing: '太田 健二' });
    expect(third.text).not.toContain('田中 愛子');
  });

  test('the inline sidebar passes an axe-core scan, leaves the reply box uncovered, and is photographed for the README', async () => {
    await page.setViewport({ width: 1400, height: 900 });
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 1);
    await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });

    const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
    const { violations, nodesChecked } = await axeOnSidebar(page, axe);
    expect(nodesChecked, 'axe looked at the frame').toBeGreaterThan(10);
    const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious, JSON.stringify(serious, null, 2)).toEqual([]);

    const r = await rects(page, 'form.reply textarea');
    expect(r.sidebar, 'the sidebar is on the page').not.toBeNull();
    expect(r.other, 'the demo desk has its reply box').not.toBeNull();
    expect(overlaps(r.sidebar!, r.other!), `sidebar ${JSON.stringify(r.sidebar)} covers the reply box ${JSON.stringify(r.other)}`).toBe(false);
    expect(r.sidebar!.w).toBeGreaterThanOrEqual(280);

    // docs/inline.png (shown by the README) is written when missing or with
    // BATON_UPDATE_SCREENSHOT=1, so a test run does not dirty the work tree.
    const png = await page.screenshot({ type: 'png' });
    expect(png.byteLength).toBeGreaterThan(10_000);
    const shot = join(ctx.root, 'docs/inline.png');
    if (process.env.BATON_UPDATE_SCREENSHOT === '1' || !existsSync(shot)) {
      mkdirSync(dirname(shot), { recursive: true });
      writeFileSync(shot, png);
    }
  });

  test('the inline frame follows the system’s light and dark', async () => {
    await page.goto(`${api.url}/demo/tickets/1`, { waitUntil: 'load' });
    await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
    const frame = await viewFrame(page);
    const luminance = async () => {
      const bg = (await frame.evaluate(`getComputedStyle(document.querySelector('aside')).backgroundColor`)) as string;
      const [r, g, b] = (bg.match(/\d+/g) ?? []).map(Number);
      return (0.2126 * r! + 0.7152 * g! + 0.0722 * b!) / 255;
    };
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'dark' }]);
    await frame.waitForFunction(`matchMedia('(prefers-color-scheme: dark)').matches`, { timeout: 5000, polling: 100 });
    expect(await luminance(), 'dark').toBeLessThan(0.25);
    await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
    await frame.waitForFunction(`!matchMedia('(prefers-color-scheme: dark)').matches`, { timeout: 5000, polling: 100 });
    expect(await luminance(), 'light').toBeGreaterThan(0.8);
    await page.emulateMediaFeatures([]);
  });

  test('on RT 5 the sidebar leaves the header to RT: no menu item overlaps another, the search or the logo; nothing of RT lies under the sidebar, scrolled or not', async () => {
    for (const width of [1280, 1024]) {
      await page.setViewport({ width, height: 800 });
      await page.goto(rtTicketUrl(ctx.rt, ctx.rt.tickets.aiko), { waitUntil: 'load' });
      await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
      const at = `at ${width} px`;
      const top = await rtLayout(page);
      expect(top.menu.length, `RT's top menu items are there ${at}`).toBeGreaterThan(3);
      expect(top.pageMenu.length, `RT's page menu items are there ${at}`).toBeGreaterThan(3);
      expect(top.overlapping, `header parts overlapping ${at}`).toEqual([]);
      expect(top.underSidebar, `RT parts under the sidebar ${at}`).toEqual([]);
      expect(top.body.x + top.body.w, `the ticket's content ends left of the sidebar ${at}`).toBeLessThanOrEqual(top.sidebar.x + 1);

      // Scrolled down, RT pins its page menu to the top right: the sidebar does not cover it.
      await page.evaluate('window.scrollTo(0, 600)');
      await page.waitForFunction(`!!document.querySelector('#page-menu.pinned')`, { timeout: 5000, polling: 100 });
      const scrolled = await rtLayout(page);
      expect(scrolled.underSidebar, `RT parts under the sidebar, scrolled, ${at}`).toEqual([]);
    }
    await page.setViewport({ width: 1400, height: 900 });
  });

  test('the sidebar collapses to a slim tab that stays collapsed after a reload, and opens again', async () => {
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 2);
    await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' });
    const open = (await rects(page, 'form.reply textarea')).sidebar!;

    await clickInSidebar(page, 'button[aria-controls="baton-panel"][aria-expanded="true"]');
    await waitForSidebarState(page, 'ready', { also: `!!r.querySelector('button[aria-expanded="false"]')` });
    await page.waitForFunction(`document.getElementById('baton-sidebar').getBoundingClientRect().width < 80`, { timeout: 10_000, polling: 100 });
    const slim = (await rects(page, 'form.reply textarea')).sidebar!;
    expect(slim.w, `collapsed width (open: ${open.w})`).toBeLessThan(80);

    // The choice is kept for the desk: a reload comes back collapsed.
    await page.reload({ waitUntil: 'load' });
    await waitForSidebarState(page, ['ready', 'loading', 'stale'], { also: `!!r.querySelector('[data-state] button[aria-expanded="false"]')` });
    expect((await rects(page, 'form.reply textarea')).sidebar!.w).toBeLessThan(80);
    await clickInSidebar(page, 'button[aria-expanded="false"]');
    const again = await waitForSidebarState(page, 'ready', { containing: 'Emma Clark', also: `!!r.querySelector('[data-part=before]')` });
    expectRelayOf(again, EMMA);
    await page.waitForFunction(`document.getElementById('baton-sidebar').getBoundingClientRect().width >= 280`, { timeout: 10_000, polling: 100 });
  });

  test('write-back: a thank-you and a note for the next person reach the API, and the note is there after a reload', async () => {
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 1);
    await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
    const acme = expectedRelay(AIKO).account;

    // Thank the first person in the relay (the contract: [data-action=thank] on each person).
    await clickInSidebar(page, '[data-part=before] [data-part=handoff] [data-action=thank]');
    const thanked = await pollApi(api, `/v1/context?email=${encodeURIComponent(AIKO)}`, (b: ContextBody) =>
      (b.before?.[0]?.person?.thanks ?? 0) >= 1 ? b.before![0]!.person!.thanks : undefined,
    );
    expect(thanked).toBe(1);

    // Leave a note for whoever takes the account next.
    const text = `E2E: CSV fix sent, check Excel import (${Date.now().toString(36)})`;
    await clickInSidebar(page, 'form[data-part=note-form] textarea');
    await page.keyboard.type(text);
    await clickInSidebar(page, 'form[data-part=note-form] [type=submit]');
    const stored = await pollApi(api, `/v1/accounts/${acme}/notes`, (b: { notes?: Array<{ text: string }> }) =>
      b.notes?.find((n) => n.text === text),
    );
    expect(stored.text).toBe(text);

    await page.reload({ waitUntil: 'load' });
    await waitForSidebarState(page, 'ready', { containing: text });
  });

  test('with the API down: cached relays stay, an old one is marked stale, an unseen ticket is offline; Retry recovers', async () => {
    const { aiko, emma, kenji } = ctx.rt.tickets;
    // While the API is up, the agent opens two tickets: both answers are cached.
    for (const id of [aiko, emma]) {
      await page.goto(rtTicketUrl(ctx.rt, id), { waitUntil: 'domcontentloaded' });
      await waitForSidebarState(page, 'ready');
    }

    await api.stop();
    // A full page load of a cached ticket: the relay is there without the API.
    await page.goto(rtTicketUrl(ctx.rt, aiko), { waitUntil: 'domcontentloaded' });
    const cached = await waitForSidebarState(page, ['ready', 'stale'], { containing: '田中 愛子' });
    expectRelayOf(cached, AIKO);

    // A ticket never looked up: nothing cached and the API unreachable.
    await page.goto(rtTicketUrl(ctx.rt, kenji), { waitUntil: 'domcontentloaded' });
    await waitForSidebarState(page, 'offline');

    // Later (6 minutes, past the 5 fresh ones) the agent restarts the browser, the API still
    // down: the cached answer is shown, marked stale. Time passing is simulated by moving the
    // cached answers' timestamps back in the extension's storage before anything reads them.
    await chromium.close();
    chromium = await launchChromium({ extensionDir: ctx.extension.chrome, userDataDir: profile });
    expect(await ageCachedAnswers(chromium, 6 * 60_000)).toBeGreaterThan(0);
    page = await chromium.browser.newPage();
    await page.goto(rtTicketUrl(ctx.rt, emma), { waitUntil: 'domcontentloaded' });
    // Settled: the refresh behind the cached answer failed too, so the stale banner offers Retry.
    const stale = await waitForSidebarState(page, 'stale', {
      containing: 'Emma Clark',
      also: `r.querySelector('[data-part=before] [data-part=handoff]') && Array.from(r.querySelectorAll('button')).some((b) => /^(retry|再試行)/i.test(b.textContent.trim()))`,
    });
    expectRelayOf(stale, EMMA);

    // The API comes back; Retry on the offline ticket brings its relay.
    await page.goto(rtTicketUrl(ctx.rt, kenji), { waitUntil: 'domcontentloaded' });
    await waitForSidebarState(page, 'offline');
    await api.start();
    await clickSidebarButton(page, /^(retry|再試行)/i);
    const back = await waitForSidebarState(page, 'ready', { containing: '太田 健二' });
    expectRelayOf(back, KENJI);
  });

  test('an in-house desk declared only in the config (no rebuild) gets the sidebar', async () => {
    // The demo config declares `inhouse`: /inhouse/tickets/<n> on loopback, with selectors.
    const desk = createServer((req, res) => {
      const m = /^\/inhouse\/tickets\/(\d+)$/.exec(req.url ?? '');
      res.writeHead(m ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        m
          ? `<!doctype html><html lang="en"><title>In-house desk</title><body><main class="ticket">
              <h1 class="subject">Warehouse reminders missing</h1>
              <div class="requester"><span class="name">Emma Clark</span>
                <span class="email">emma.clark@northwind.example.com</span>
                <span class="company">Northwind Trading Ltd.</span></div>
              <form><textarea name="reply"></textarea></form></main></body></html>`
          : 'not found',
      );
    });
    await new Promise<void>((resolve) => desk.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (desk.address() as AddressInfo).port;
      await page.goto(`http://127.0.0.1:${port}/inhouse/tickets/4711`, { waitUntil: 'domcontentloaded' });
      const got = await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' });
      expectRelayOf(got, EMMA);
    } finally {
      desk.closeAllConnections(); // the browser keeps its connection alive
      await new Promise((resolve) => desk.close(resolve));
    }
  });

  test('a wrong token shows unauthorized', async () => {
    await configureThroughOptions(chromium.browser, optionsUrl(), { apiUrl: api.url, token: 'not-the-token', display: 'inline' });
    await page.goto(rtTicketUrl(ctx.rt, ctx.rt.tickets.aiko), { waitUntil: 'domcontentloaded' });
    await waitForSidebarState(page, 'unauthorized');
    const snap = await sidebarSnapshot(page);
    expect(snap?.stages).toEqual([]);
  });
});

describe('Chromium: configured by a managed policy, inline', () => {
  let ctx: E2eContext & { rt: NonNullable<E2eContext['rt']> };
  let api: Api;
  let chromium: LaunchedBrowser;

  beforeAll(async () => {
    ctx = e2eContext({ extension: true, rt: true });
    api = await startApi({ demo: false });
    chromium = await launchChromium({ extensionDir: ctx.extension.chrome, policy: { apiUrl: api.url, token: api.token, display: 'inline' } });
  });

  afterAll(async () => {
    await chromium?.close();
    await api?.close();
  });

  test('with only the policy (no options page), an RT 5 ticket shows the relay', async () => {
    const page = await chromium.browser.newPage();
    await page.goto(rtTicketUrl(ctx.rt, ctx.rt.tickets.emma), { waitUntil: 'domcontentloaded' });
    const got = await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' });
    expectRelayOf(got, EMMA);
  });
});

/**
 * Moves every cached answer `ms` into the past in the extension's storage.local (the
 * background's cache: `cache:*` entries with `fetchedAt`). Call it right after a browser start,
 * before any lookup has put an answer in the service worker's memory. Returns how many.
 */
async function ageCachedAnswers(b: LaunchedBrowser, ms: number): Promise<number> {
  const worker = await chromiumExtensionWorker(b.browser, b.extensionId);
  return (await worker.evaluate(`(async () => {
    const all = await chrome.storage.local.get(null);
    const aged = {};
    for (const [k, v] of Object.entries(all)) {
      if (k.startsWith('cache:') && v && typeof v.fetchedAt === 'number') aged[k] = { ...v, fetchedAt: v.fetchedAt - ${ms} };
    }
    await chrome.storage.local.set(aged);
    return Object.keys(aged).length;
  })()`)) as number;
}

interface ContextBody {
  before?: Array<{ person?: { thanks: number } | null }>;
}

/** Asks the running API (with its token) until `pick` finds what it wants in the JSON answer. */
async function pollApi<B, T>(api: Api, path: string, pick: (body: B) => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.token}` } });
    last = await res.text();
    if (res.ok) {
      const got = pick(JSON.parse(last) as B);
      if (got !== undefined) return got;
    }
    if (Date.now() > deadline) throw new Error(`GET ${path} never showed it; last answer: ${res.status} ${last.slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
