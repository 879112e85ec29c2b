// A hostile desk page against the production build (closed shadow root, no test hooks), in
// Chromium and Firefox ESR, in both modes. The page (tests/fixtures/hostile-desk) is detected as
// a desk, made its own #baton-sidebar before Baton came and hides Baton's with CSS, listens for
// keys and input in the capture phase while the test types a note into Baton, then searches the
// relay's and the note's words with window.find (frames included), selects all and triple-clicks
// were the relay is shown, and reads its DOM and every frame it can. Asserted on what the page's
// script collected: nothing of the relay or the note. Then it rewrites its requester again and
// again (pushState): Baton pauses after a few such changes, with the API asked only those few
// times (its audit trail counts them).
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROOT, startApi, type Api } from './support/api';
import { launchChromium, launchFirefox, type LaunchedBrowser } from './support/browsers';
import { e2eContext, type E2eContext } from './support/context';
import { configureThroughOptions, firefoxExtensionPage, firefoxPanelWindow, openSidePanel, optionsPath } from './support/pages';
import { inSidebar, viewFrame, waitForSidebarState, type ViewTarget } from './support/sidebar';

const PAGE = readFileSync(join(ROOT, 'tests/fixtures/hostile-desk/index.html'));
/** Words only the relay of Emma Clark's account shows (baton.config.yaml, Northwind). */
const RELAY_WORDS = ['playbook', 'quarterly', 'months too late', 'Okta', 'Olivia', 'Wholesale', 'fairly traded'];

interface Leak {
  events: string[];
  found: Record<string, boolean | string>;
  selections: string[];
  texts: string[];
  frames: string[];
  shadow: string[];
}

/** The hostile desk on its own loopback port. */
async function hostileDesk(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (!/^\/inhouse\/tickets\/\d+$/.test(req.url ?? '')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(PAGE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/inhouse/tickets/4711`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Lookups the API answered since `since` (one audit row each). */
function lookupsSince(api: Api, since: string): number {
  const db = new Database(api.dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM audit WHERE at > ?').get(since) as { n: number }).n;
  } finally {
    db.close();
  }
}

const PEOPLE: Array<[string, string]> = [
  ['aiko.tanaka@acme.example.jp', '田中 愛子'],
  ['liam.patel@northwind.example.com', 'Liam Patel'],
  ['kenji.ota@minato-denki.example.jp', '太田 健二'],
  ['noah.wright@bluepeak.example.com', 'Noah Wright'],
  ['takeshi.mori@acme.example.jp', '森 健志'],
  ['mai.ishida@rail.minato-denki.example.jp', '石田 舞'],
  ['r.kimura@sakura-med.example.jp', '木村 里美'],
  ['ava.chen@bluepeak.example.io', 'Ava Chen'],
  ['yuki.ono@acme.example.jp', '小野 由紀'],
  ['t.fujii@sakura-med.example.jp', '藤井 隆'],
];

for (const browserName of ['chromium', 'firefox'] as const) {
  for (const mode of ['inline', 'panel'] as const) {
    describe(`${browserName === 'chromium' ? 'Chromium' : 'Firefox ESR'}, production build, ${mode}: a hostile desk page`, () => {
      let ctx: E2eContext;
      let api: Api;
      let b: LaunchedBrowser;
      let desk: Awaited<ReturnType<typeof hostileDesk>>;
      let page: Page;
      let view: ViewTarget;

      beforeAll(async () => {
        ctx = e2eContext({ extension: true, rt: false });
        [api, desk] = await Promise.all([startApi(), hostileDesk()]);
        if (browserName === 'chromium') {
          b = await launchChromium({ extensionDir: ctx.production.chrome });
          await configureThroughOptions(b.browser, `${b.extensionOrigin}/${optionsPath(ctx.production.chrome)}`, { apiUrl: api.url, token: api.token, display: mode });
        } else {
          b = await launchFirefox({ extensionDir: ctx.production.firefox, managed: { apiUrl: api.url, token: api.token, language: 'en', display: mode } });
        }
        page = await b.browser.newPage();
        await page.goto(desk.url, { waitUntil: 'load' });
        if (mode === 'inline') {
          view = page;
        } else if (browserName === 'chromium') {
          view = await openSidePanel(b.browser, b.extensionOrigin!);
          await page.bringToFront();
        } else {
          view = await firefoxPanelWindow(b.browser, await firefoxExtensionPage(b.browser, b.extensionOrigin!, `${api.url}/healthz`));
          await page.bringToFront();
        }
        await waitForSidebarState(view, 'ready', { containing: 'Emma Clark', also: `!!r.querySelector('[data-stage=sales]')` });
      });

      afterAll(async () => {
        await b?.close();
        await desk?.close();
        await api?.close();
      });

      test('learns nothing of the relay or of the note typed into Baton', async () => {
        const note = `Zephyrine ${Date.now().toString(36)} handed over the renewal questions`;
        // The agent types a note into Baton with the keyboard and leaves it (Ctrl+Enter).
        const area = await inSidebar(view, 'form[data-part=note-form] textarea');
        await area.click();
        const keyboard = mode === 'panel' ? (view as Page).keyboard : page.keyboard;
        await keyboard.type(note);
        await keyboard.down('Control');
        await keyboard.press('Enter');
        await keyboard.up('Control');
        await waitForSidebarState(view, 'ready', { also: `[...r.querySelectorAll('[data-part=note] .text')].some((n) => n.textContent === ${JSON.stringify(note)})` });
        // Triple-clicks on the relay where Baton shows it (a hand-off's note), as a person selecting it.
        await (await inSidebar(view, '[data-stage=sales] .note')).click({ count: 3 });
        expect(((await (await viewFrame(view)).evaluate('String(getSelection())')) as string).trim(), 'the triple-click selected the relay’s text in Baton').toContain('managers see survey results');

        const leak = (await page.evaluate(`__probe(${JSON.stringify([...RELAY_WORDS, ...note.split(' ').slice(0, 2), 'Leave note', 'who passed you the baton'])})`)) as Leak;
        // What the page took from the page (the words it searched for are its own: left out).
        const all = JSON.stringify({ ...leak, found: undefined });
        expect(Object.keys(leak.found)).toHaveLength(RELAY_WORDS.length + 4);
        expect(Object.entries(leak.found).filter(([, hit]) => hit === true), 'window.find found in the page').toEqual([]);
        expect(leak.events, 'keys and input the page heard').toEqual([]);
        for (const w of [...RELAY_WORDS, 'Zephyrine', note.split(' ')[1]!, 'who passed you the baton']) expect(all, `the page got "${w}"`).not.toContain(w);
        expect(leak.shadow.filter(Boolean), 'shadow roots the page could open').toEqual([]);
        expect(leak.frames.every((f) => f.startsWith('refused')), `frames the page could read: ${leak.frames.join(' | ').slice(0, 200)}`).toBe(true);
      });

      test(mode === 'inline' ? 'its own #baton-sidebar and its CSS neither stop nor hide Baton’s' : 'holds nothing of Baton: no host, no frame', async () => {
        const seen = (await page.evaluate(`(() => {
          const hosts = [...document.querySelectorAll('#baton-sidebar')];
          const ours = hosts.find((h) => h !== window.__fake);
          const r = ours && ours.getBoundingClientRect();
          return {
            hosts: hosts.length,
            fakeId: window.__fake.id,
            ours: ours ? { shadow: ours.shadowRoot === null ? 'closed' : 'open', width: r.width, opacity: getComputedStyle(ours).opacity, display: getComputedStyle(ours).display,
              onTop: document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === ours } : null,
            frames: window.frames.length,
          };
        })()`)) as { hosts: number; fakeId: string; ours: null | { shadow: string; width: number; opacity: string; display: string; onTop: boolean }; frames: number };
        if (mode === 'inline') {
          expect(seen.fakeId, 'the page’s own host lost the id').toBe('baton-sidebar-displaced');
          expect(seen.hosts).toBe(1);
          expect(seen.ours).toEqual({ shadow: 'closed', width: 340, opacity: '1', display: 'block', onTop: true });
        } else {
          expect(seen).toEqual({ hosts: 1, fakeId: 'baton-sidebar', ours: null, frames: 0 });
        }
      });

      test('rewriting its requester again and again pauses Baton after a few lookups', async () => {
        const since = new Date().toISOString();
        await page.evaluate(`__drive(${JSON.stringify(PEOPLE)}, 700)`);
        const paused = await waitForSidebarState(view, 'error', { containing: 'Paused' });
        expect(paused.text).toContain('Look up this customer');
        const asked = lookupsSince(api, since);
        expect(asked, 'lookups the page drove').toBeGreaterThan(0);
        expect(asked, `lookups the page drove (of ${PEOPLE.length} customers it showed)`).toBeLessThanOrEqual(5);
      });
    });
  }
}
