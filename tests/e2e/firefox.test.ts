// Baton in Debian's Firefox ESR, end to end: the test build installed temporarily over
// WebDriver BiDi, configured only by managed storage (as an administrator pushes it), against
// a real Request Tracker 5 and the demo help desk served by the real context API.
import type { ElementHandle, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startApi, type Api } from './support/api';
import { launchFirefox, type LaunchedBrowser } from './support/browsers';
import { e2eContext, rtRequestorEmail, type E2eContext } from './support/context';
import { clickDemoTicket, markDocument, sameDocument } from './support/pages';
import { expectRelayOf, expectRelayOnRtTicket } from './support/relay';
import { waitForSidebarState } from './support/sidebar';

const AIKO = rtRequestorEmail('aiko');
const EMMA = rtRequestorEmail('emma');

describe('Firefox ESR: configured by managed storage (Japanese UI)', () => {
  let ctx: E2eContext & { rt: NonNullable<E2eContext['rt']> };
  let api: Api;
  let firefox: LaunchedBrowser;
  let page: Page;

  beforeAll(async () => {
    ctx = e2eContext({ extension: true, rt: true });
    api = await startApi();
    firefox = await launchFirefox({
      extensionDir: ctx.extension.firefox,
      managed: { apiUrl: api.url, token: api.token, language: 'ja' },
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
    const input = await page.waitForFunction(
      `document.getElementById('baton-sidebar').shadowRoot.querySelector('form[data-part=search-form] input')`,
    );
    const field = input.asElement() as ElementHandle<Element>;
    await field.click();
    await field.type('Northwind');
    await page.keyboard.press('Enter');
    expectRelayOf(await waitForSidebarState(page, 'ready', { containing: 'Northwind' }), { account: 'northwind' });
  });
});
