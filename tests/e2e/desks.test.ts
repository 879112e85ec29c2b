// Desks beyond RT and the demo, end to end:
//  - an in-house desk Baton has no adapter for, declared only in this test's config
//    (`adapters:`), served as a small single-page app on loopback (tests/fixtures/inhouse-desk):
//    the sidebar shows the right relay and follows client-side route changes, in Chromium and
//    Firefox ESR, never flicking back to an earlier customer and never mounting twice;
//  - in Chromium, hosted desks at their real host names (Zendesk, Freshdesk), mapped to a
//    loopback HTTPS server with --host-resolver-rules, so the manifest's host patterns and each
//    desk's own content script are what runs: Zendesk through its same-origin ticket JSON and,
//    when that answers 404, through the page's active pane; Freshdesk through its markup.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_CONFIG, ROOT, expectedRelay, startApi, type Api } from './support/api';
import { launchChromium, launchFirefox, type LaunchedBrowser } from './support/browsers';
import { e2eContext, type E2eContext } from './support/context';
import { configureThroughOptions, markDocument, optionsPath, sameDocument } from './support/pages';
import { viewFrame, waitForSidebarState, type SidebarSnapshot } from './support/sidebar';

const SPA_DIR = join(ROOT, 'tests/fixtures/inhouse-desk');
const FIXTURES = join(ROOT, 'tests/fixtures/helpdesks');
const EMMA = 'emma.clark@northwind.example.com';
const AIKO = 'aiko.tanaka@acme.example.jp';
const MARIA = 'maria.lopez@globex.example';
/** The in-house desk's intranet host name (Firefox resolves it to 127.0.0.1: network.dns.localDomains). */
const INTRANET = 'desk.inhouse.test';

/**
 * The demo config with its own `adapters:` replaced by the in-house SPA's (so that desk is known
 * only from this config) and one more account, Globex (the Freshdesk fixture's customer).
 */
function testConfig(): string {
  const demo = readFileSync(DEMO_CONFIG, 'utf8');
  const globex = `
  - id: globex
    name: Globex
    domains: [globex.example]
    employees: 300
    industry: 物流
    society: 町の荷物を翌日に届ける
    relay:
      - { stage: marketing, person: olivia, at: 2024-02-01, note: 'Downloaded the engagement guide' }
      - { stage: sales, person: daniel, at: 2024-03-10, note: 'Problem: drivers never answer surveys' }
    next:
      - { stage: customer-success, person: nakamura, note: 'Renewal in September' }
    teams:
      - { id: ops, name: Operations, members: 40 }
    contacts:
      - { email: ${MARIA}, name: Maria Lopez, team: ops, role: Ops lead }
`;
  const selectors = `{ pane: '.pane[data-active]', email: '.who .mail', name: '.who .name', org: '.who .org', subject: 'h2.title' }`;
  const adapters = `adapters:
  - id: inbox
    label: Support inbox
    urlPattern: '^http://127\\.0\\.0\\.1:\\d+/desk/tickets/(?<ticket>\\d+)$'
    selectors: ${selectors}
  - id: inbox-site
    label: Support inbox (intranet)
    urlPattern: '^http://${INTRANET.replace(/\./g, '\\.')}(?::\\d+)?/desk/tickets/(?<ticket>\\d+)$'
    selectors: ${selectors}
`;
  const at = demo.indexOf('\n# API tokens');
  const ad = demo.indexOf('\nadapters:');
  if (at < 0 || ad < 0) throw new Error('baton.config.yaml changed shape: no "# API tokens" or "adapters:" line');
  return `${demo.slice(0, at)}${globex}${demo.slice(at, ad)}\n${adapters}`;
}

const CONFIG = testConfig();

function expectRelay(snap: SidebarSnapshot, email: string): void {
  const want = expectedRelay(email, CONFIG);
  expect(snap.stages, `hand-offs for ${email}: ${snap.text}`).toEqual(want.stages);
  expect(snap.levels, `impact levels for ${email}: ${snap.text}`).toEqual(want.levels);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections(); // browsers keep connections alive
  await new Promise((resolve) => server.close(resolve));
}

/** The in-house SPA: its page for every /desk/… route, and its script. */
function spaServer(): Server {
  return createHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/desk/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return res.end(readFileSync(join(SPA_DIR, 'app.js')));
    }
    if (path.startsWith('/desk/')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return res.end(readFileSync(join(SPA_DIR, 'index.html')));
    }
    res.writeHead(404).end();
  });
}

/**
 * The relay view's texts over time, recorded in the inline frame by a MutationObserver: which of
 * `names` each change showed, consecutive repeats folded.
 */
async function recordCustomers(page: Page, names: string[]): Promise<() => Promise<string[]>> {
  const frame = await viewFrame(page);
  await frame.evaluate(`(() => {
    const names = ${JSON.stringify(names)};
    const root = document;
    const seen = (window.__batonSeen = []);
    const note = () => {
      const s = root.querySelector('[data-state]');
      const text = s ? s.textContent : '';
      const who = names.filter((n) => text.includes(n));
      if (who.length && who.join('+') !== seen[seen.length - 1]) seen.push(who.join('+'));
    };
    note();
    new MutationObserver(note).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
  })()`);
  return async () => (await frame.evaluate('window.__batonSeen')) as string[];
}

/** Awaits `p`; a failure says which step it was. */
async function step<T>(what: string, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new Error(`${what}: ${e instanceof Error ? e.message : e}`);
  }
}

async function clickLink(page: Page, href: string): Promise<void> {
  const a = await page.waitForSelector(`a[href="${href}"]`, { visible: true, timeout: 10_000 });
  await a!.click();
}

/** The SPA walk both browsers do: open #101, click to #102 and #103, back to #101 by a click. */
async function walkTheInbox(page: Page, port: number): Promise<void> {
  await page.goto(`http://127.0.0.1:${port}/desk/tickets/101`, { waitUntil: 'load' });
  expectRelay(await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' }), EMMA);

  const mark = await markDocument(page);
  const seen = await recordCustomers(page, ['Emma Clark', '田中 愛子', 'Maria Lopez']);
  await clickLink(page, '/desk/tickets/102');
  const aiko = await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
  expectRelay(aiko, AIKO);
  expect(aiko.text).not.toContain('Emma Clark');
  await clickLink(page, '/desk/tickets/103');
  expectRelay(await waitForSidebarState(page, 'ready', { containing: 'Maria Lopez' }), MARIA);
  // #101's pane is still in the DOM (inactive): going back reads the active one again.
  await clickLink(page, '/desk/tickets/101');
  expectRelay(await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' }), EMMA);

  expect(await sameDocument(page, mark), 'the desk navigated client-side').toBe(true);
  expect(await seen(), 'customers the sidebar showed, in order (never back to an earlier one)').toEqual([
    'Emma Clark',
    '田中 愛子',
    'Maria Lopez',
    'Emma Clark',
  ]);
  expect(await page.evaluate(`document.querySelectorAll('#baton-sidebar').length`)).toBe(1);
}

describe('desks declared in the config and hosted desks at their own host names', () => {
  let ctx: E2eContext;
  let api: Api;
  let spa: Server;
  let spaPort = 0;

  beforeAll(async () => {
    ctx = e2eContext({ extension: true, rt: false });
    spa = spaServer();
    [api, spaPort] = await Promise.all([startApi({ config: CONFIG, demo: false }), listen(spa)]);
  });

  afterAll(async () => {
    await closeServer(spa);
    await api?.close();
  });

  describe('Chromium', () => {
    let chromium: LaunchedBrowser;
    let page: Page;
    let tls: Server;
    let certDir = '';
    /** What the Zendesk ticket JSON route answers: a body, or 404. */
    let zendeskJson: unknown = null;
    const served: string[] = [];

    beforeAll(async () => {
      // A self-signed certificate for the desks' host names (the browser ignores its errors).
      certDir = mkdtempSync(join(tmpdir(), 'baton-tls-'));
      const r = spawnSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=acme.zendesk.com',
        '-addext', 'subjectAltName=DNS:acme.zendesk.com,DNS:acme.freshdesk.com',
        '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'),
      ], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`openssl could not make a certificate (scripts/install-system-deps.sh installs it): ${r.stderr || r.error}`);
      tls = createHttpsServer({ key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }, (req: IncomingMessage, res: ServerResponse) => {
        const host = (req.headers.host ?? '').split(':')[0];
        const path = new URL(req.url ?? '/', 'https://x').pathname;
        served.push(`${host}${req.url}`);
        const html = (file: string) => {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end(readFileSync(join(FIXTURES, file)));
        };
        if (host === 'acme.zendesk.com' && path === '/agent/tickets/4521') return html('zendesk.html');
        if (host === 'acme.zendesk.com' && path === '/api/v2/tickets/4521.json' && zendeskJson) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(zendeskJson));
        }
        if (host === 'acme.freshdesk.com' && path === '/a/tickets/1042') return html('freshdesk.html');
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"RecordNotFound"}');
      });
      const port = await listen(tls);
      chromium = await launchChromium({
        extensionDir: ctx.extension.chrome,
        args: [
          `--host-resolver-rules=MAP acme.zendesk.com 127.0.0.1:${port}, MAP acme.freshdesk.com 127.0.0.1:${port}`,
          '--ignore-certificate-errors',
        ],
      });
      await configureThroughOptions(chromium.browser, `${chromium.extensionOrigin}/${optionsPath(ctx.extension.chrome)}`, { apiUrl: api.url, token: api.token, display: 'inline' });
      page = await chromium.browser.newPage();
    });

    afterAll(async () => {
      await chromium?.close();
      await closeServer(tls);
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    });

    test('an in-house SPA declared only in the config: the right relay, following client-side routes', async () => {
      await walkTheInbox(page, spaPort);
    });

    test('Zendesk at acme.zendesk.com: the customer comes from the desk’s own ticket JSON', async () => {
      // The JSON names a different requester than the page's markup: the sidebar shows whom it names.
      zendeskJson = {
        ticket: { id: 4521, subject: 'Reminder emails missing', requester_id: 9, organization_id: 5 },
        users: [{ id: 9, name: 'Emma Clark', email: EMMA, organization_id: 5 }],
        organizations: [{ id: 5, name: 'Northwind Trading Ltd.' }],
      };
      served.length = 0;
      await page.goto('https://acme.zendesk.com/agent/tickets/4521', { waitUntil: 'load' });
      expectRelay(await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' }), EMMA);
      expect(served).toContain('acme.zendesk.com/api/v2/tickets/4521.json?include=users,organizations');
    });

    test('Zendesk with its ticket JSON answering 404: the active pane’s markup (not the other open tab’s)', async () => {
      zendeskJson = null;
      await page.goto('https://acme.zendesk.com/agent/tickets/4521', { waitUntil: 'load' });
      const got = await waitForSidebarState(page, 'ready', { containing: '田中 愛子' });
      expectRelay(got, AIKO);
      expect(got.text).not.toContain('Other Corp');
    });

    test('Freshdesk at acme.freshdesk.com: the requester from the ticket page', async () => {
      await page.goto('https://acme.freshdesk.com/a/tickets/1042', { waitUntil: 'load' });
      expectRelay(await waitForSidebarState(page, 'ready', { containing: 'Maria Lopez' }), MARIA);
    });
  });

  describe('Firefox ESR', () => {
    let firefox: LaunchedBrowser;
    let page: Page;

    beforeAll(async () => {
      firefox = await launchFirefox({
        extensionDir: ctx.extension.firefox,
        managed: { apiUrl: api.url, token: api.token, language: 'en', display: 'inline' },
        extraPrefs: {
          'network.dns.localDomains': INTRANET,
          'dom.security.https_first': false,
          // permissions.request() resolves without the doorhanger a person would click.
          'extensions.webextOptionalPermissionPrompts': false,
        },
      });
      page = await firefox.browser.newPage();
    });

    afterAll(async () => {
      await firefox?.close();
    });

    test('an in-house SPA declared only in the config: the right relay, following client-side routes', async () => {
      await walkTheInbox(page, spaPort);
    });

    test('a declared desk on its own host: allowed from the options page, then the content script is registered there', async () => {
      const url = `http://${INTRANET}:${spaPort}/desk/tickets/102`;
      // The options page, opened the way an agent does: the sidebar's settings button (WebDriver
      // may not navigate a tab to a moz-extension:// page itself).
      await page.goto(`http://127.0.0.1:${spaPort}/desk/tickets/101`, { waitUntil: 'load' });
      await waitForSidebarState(page, 'ready', { containing: 'Emma Clark' });
      // A new tab (WebDriver reports moz-extension:// tabs as about:blank: their address is checked inside).
      const before = new Set(firefox.browser.targets());
      const opened = firefox.browser.waitForTarget((t) => t.type() === 'page' && !before.has(t), { timeout: 15_000 });
      await (await viewFrame(page)).evaluate(`document.querySelector('footer button[aria-label="Baton settings"]').click()`);
      const options = (await (await step('the options page opens', opened)).page())!;
      try {
        await step(
          'the new tab is Baton’s options page',
          options.waitForFunction(`location.href.startsWith('moz-extension://') && location.pathname.includes('options') && !!document.querySelector('form')`, { timeout: 15_000, polling: 100 }),
        );
        const allow = await step(
          'the options page lists the declared desk with an Allow button',
          options.waitForSelector('[data-desk="inbox-site"] [data-action=allow-declared]', { visible: true, timeout: 15_000 }),
        );
        expect(await options.evaluate(`document.querySelector('[data-desk="inbox"]').textContent`), 'a loopback desk asks for nothing').not.toMatch(/Allow/);
        await allow!.click();
        await step(
          'the desk shows as allowed',
          options.waitForFunction(`document.querySelector('[data-desk="inbox-site"]')?.textContent.includes('Allowed')`, { timeout: 15_000, polling: 100 }),
        );
        await step(
          'the background registers the content script on the desk',
          options.waitForFunction(
            `browser.scripting.getRegisteredContentScripts({ ids: ['baton-desks'] }).then((s) => !!s[0] && s[0].matches.includes('http://${INTRANET}/*'))`,
            { timeout: 15_000, polling: 200 },
          ),
        );
      } finally {
        await options.close();
      }
      await page.goto(url, { waitUntil: 'load' });
      expectRelay(await waitForSidebarState(page, 'ready', { containing: '田中 愛子' }), AIKO);
      await clickLink(page, '/desk/tickets/103');
      expectRelay(await waitForSidebarState(page, 'ready', { containing: 'Maria Lopez' }), MARIA);
    });
  });
});
