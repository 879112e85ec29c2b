// Baton in Debian's Firefox ESR, end to end, inline mode (the side panel's page is
// tests/e2e/panel.test.ts): the test build installed temporarily over WebDriver BiDi,
// configured only by managed storage (as an administrator pushes it), against a real Request
// Tracker 5 and the demo help desk served by the real context API.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi, type Api } from './support/api';
import { launchFirefox, type LaunchedBrowser } from './support/browsers';
import { e2eContext, rtRequestorEmail, rtTicketUrl, type E2eContext } from './support/context';
import { clickDemoTicket, markDocument, rtLayout, sameDocument, typeInto } from './support/pages';
import { expectRelayOf, expectRelayOnRtTicket } from './support/relay';
import { inSidebar, viewFrame, waitForSidebarState } from './support/sidebar';
import { expectTokenOnlyInIndexedDb } from './support/token';

const AIKO = rtRequestorEmail('aiko');
const EMMA = rtRequestorEmail('emma');

describe('Firefox ESR: configured by managed storage (Japanese UI, inline)', () => {
  let ctx: E2eContext & { rt: NonNullable<E2eContext['rt']> };
  let api: Api;
  let firefox: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    ctx = e2eContext({ extension: true, rt: true });
    api = await startApi();
    firefox = await launchFirefox({
      extensionDir: ctx.extension.firefox,
      managed: { apiUrl: api.url, token: api.token, language: 'ja', display: 'inline' },
    });
    page = await firefox.browser.newPage();
  });

  afterAll(async () => {
    await firefox?.close();
    await api?.close();
  });

  test('an RT 5 ticket shows the relay in order, in Japanese as the administrator set', async () => {
    for (const ticket of ['aiko', 'emma'] as const) {
      const got = await expectRelayOnRtTicket(page, ctx.rt, ticket);
      // Stage labels come from the config in the pushed language (ja), not English.
      expect(got.text).toContain('オンボーディング');
      expect(got.text).not.toContain('Onboarding');
    }
  });

  test("on RT 5 the sidebar sits under RT's header: no menu item overlaps another, nothing of RT lies under the sidebar", async () => {
    await page.setViewport({ width: 1280, height: 800 });
    await page.goto(rtTicketUrl(ctx.rt, ctx.rt.tickets.aiko), { waitUntil: 'load' });
    await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
    const top = await rtLayout(page);
    expect(top.menu.length).toBeGreaterThan(3);
    expect(top.overlapping, 'header parts overlapping').toEqual([]);
    expect(top.underSidebar, 'RT parts under the sidebar').toEqual([]);
    expect(top.body.x + top.body.w, "the ticket's content ends left of the sidebar").toBeLessThanOrEqual(top.sidebar.x + 1);
  });

  test('the demo desk shows the relay and follows a client-side switch to another ticket', async () => {
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 2);
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' }), EMMA);

    const mark = await markDocument(page);
    await clickDemoTicket(page, 1);
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: '田中 愛子' }), AIKO);
    expect(await sameDocument(page, mark), 'the desk navigated client-side').toBe(true);
  });

  test('no contact on the page: matched by domain, by company name, or not found until the agent types the company', async () => {
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    // #4: an unknown person at a client's domain.
    await clickDemoTicket(page, 4);
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: '吉田 千尋' }), { account: 'sakura' });
    // #8: a free-mail address, but the desk shows the client's company name.
    await clickDemoTicket(page, 8);
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: '山本 太郎' }), { account: 'minato' });
    // #6: nobody Baton knows; the agent types the company into the sidebar's search.
    await clickDemoTicket(page, 6);
    await waitForSidebarState(page, 'not-found', { also: `!!r.querySelector('form[data-part=search-form] input')` });
    const field = await inSidebar(page, 'form[data-part=search-form] input');
    await field.click();
    await field.type('Northwind');
    await page.keyboard.press('Enter');
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: 'Northwind' }), { account: 'northwind' });
  });
});

describe('Firefox ESR: API address and token typed on the options page (display pushed: inline)', () => {
  let api: Api;
  let firefox: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    const ctx = e2eContext({ extension: true });
    await Promise.all([
      startApi().then((a) => (api = a)),
      launchFirefox({ extensionDir: ctx.extension.firefox, managed: { display: 'inline' } }).then((b) => (firefox = b)),
    ]);
    page = await firefox.browser.newPage();
  });

  afterAll(async () => {
    await firefox?.close();
    await api?.close();
  });

  test('the token typed on the options page is kept out of storage.local, and the relay loads with it', async () => {
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 1);
    await waitForSidebarState(page, 'unconfigured');
    // The options page, opened the way an agent does: the sidebar's "Open settings" (WebDriver
    // may not navigate a tab to a moz-extension:// page itself; it reports it as about:blank).
    const before = new Set(firefox.browser.targets());
    const opened = firefox.browser.waitForTarget((t) => t.type() === 'page' && !before.has(t), { timeout: 15_000 });
    await (await viewFrame(page)).evaluate(`document.querySelector('[data-state=unconfigured] button.primary').click()`);
    const options = (await (await opened).page())!;
    try {
      await options.waitForFunction(`location.href.startsWith('moz-extension://') && !!document.querySelector('form input[name=token]')`, { timeout: 15_000, polling: 100 });
      await typeInto(options, 'form input[name=apiUrl]', api.url);
      await typeInto(options, 'form input[name=token]', api.token);
      await (await options.waitForSelector('form [type=submit]', { visible: true }))!.click();
      await options.waitForSelector('[data-part=save-result].ok', { timeout: 15_000 });

      await expectTokenOnlyInIndexedDb((js) => options.evaluate(js), { apiUrl: api.url, token: api.token });
    } finally {
      await options.close();
    }

    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 2);
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' }), EMMA);
  });
});
