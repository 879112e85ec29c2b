// Baton in Debian's Firefox ESR, end to end: the test build installed temporarily over
// WebDriver BiDi, configured only by managed storage (as an administrator pushes it), against
// a real Request Tracker 5 and the demo help desk served by the real context API.
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectedRelay, startApi, type Api } from './support/api';
import { launchFirefox, type LaunchedBrowser } from './support/browsers';
import { e2eContext, rtTicketUrl, type E2eContext } from './support/context';
import { clickDemoTicket, markDocument, sameDocument } from './support/pages';
import { waitForSidebarState } from './support/sidebar';

const AIKO = 'aiko.tanaka@acme.example.jp';
const EMMA = 'emma.clark@northwind.example.com';

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
    for (const [email, id] of [[AIKO, ctx.rt.tickets.aiko], [EMMA, ctx.rt.tickets.emma]] as const) {
      await page.goto(rtTicketUrl(ctx.rt, id), { waitUntil: 'domcontentloaded' });
      await page.waitForSelector('body#comp-Ticket-Display', { timeout: 20_000 });
      const want = expectedRelay(email);
      const got = await waitForSidebarState(page, 'ready');
      expect(got.stages, `hand-offs for ${email}: ${got.text}`).toEqual(want.stages);
      expect(got.levels, `impact levels for ${email}: ${got.text}`).toEqual(want.levels);
      // Stage labels come from the config in the pushed language (ja), not English.
      expect(got.text).toContain('オンボーディング');
      expect(got.text).not.toContain('Onboarding');
    }
  });

  test('the demo desk shows the relay and follows a client-side switch to another ticket', async () => {
    await page.goto(`${api.url}/demo/`, { waitUntil: 'load' });
    await clickDemoTicket(page, 2);
    const first = await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' });
    expect(first.stages, first.text).toEqual(expectedRelay(EMMA).stages);
    expect(first.levels, first.text).toEqual(expectedRelay(EMMA).levels);

    const mark = await markDocument(page);
    await clickDemoTicket(page, 1);
    const second = await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
    expect(await sameDocument(page, mark), 'the desk navigated client-side').toBe(true);
    expect(second.stages, second.text).toEqual(expectedRelay(AIKO).stages);
    expect(second.levels, second.text).toEqual(expectedRelay(AIKO).levels);
  });
});
