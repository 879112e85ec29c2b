// Write-back across browsers and both ways of showing the relay, end to end: one real context
// API (a config with two tokens that name no person, so each agent writes under the name from
// their settings), a real Request Tracker 5 ticket, and two agents. In Chromium's side panel,
// agent A (set up on the options page) thanks the account executive — the count goes up once, a
// second click within the minute sends nothing — leaves a note for the next person from the
// keyboard, and copies the relay. In Firefox, inline, agent B (settings pushed as managed
// storage, the other token) opens the same customer and sees the note and the count.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_CONFIG, startApi, type Api } from './support/api';
import { chromiumExtensionWorker, launchChromium, launchFirefox, type LaunchedBrowser } from './support/browsers';
import { e2eContext, rtRequestorEmail, type E2eContext } from './support/context';
import { configureThroughOptions, openSidePanel, optionsPath, typeInto } from './support/pages';
import { expectRelayOnRtTicket } from './support/relay';
import { inSidebar, waitForSidebarState } from './support/sidebar';

const TOKEN_A = 'e2e-desk-token-agent-a';
const TOKEN_B = 'e2e-desk-token-agent-b';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const AIKO = rtRequestorEmail('aiko');

/** The demo config with two tokens that name no person (the writer is the agent's name). */
function twoAgentConfig(): string {
  const config = readFileSync(DEMO_CONFIG, 'utf8').replace(
    /^tokens:\n(?:(?: {2}.*|\s*)\n)*/m,
    `tokens:\n  - { name: desk-a, sha256: '${sha(TOKEN_A)}' }\n  - { name: desk-b, sha256: '${sha(TOKEN_B)}' }\n\n`,
  );
  if (!config.includes(sha(TOKEN_B))) throw new Error('could not replace the tokens of the demo config');
  return config;
}

const SALES_COUNT = `r.querySelector('[data-stage=sales] [data-action=thank] [data-part=thanks-count]')?.textContent`;

/** sato's thanks count and the account's notes as the API has them. */
async function stored(api: Api, token: string): Promise<{ thanks: number; notes: Array<{ text: string; author: string }> }> {
  const res = await fetch(`${api.url}/v1/context?email=${encodeURIComponent(AIKO)}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { before: Array<{ stage: { id: string }; person: { thanks: number } | null }>; notes: Array<{ text: string; author: string }> };
  return { thanks: body.before.find((h) => h.stage.id === 'sales')!.person!.thanks, notes: body.notes };
}

describe('write-back: thanks and a note in Chromium, seen in Firefox', () => {
  let ctx: E2eContext & { rt: NonNullable<E2eContext['rt']> };
  let api: Api;
  let chromium: LaunchedBrowser;
  let firefox: LaunchedBrowser;
  const note = `Sent the UTF-8 (BOM) CSV workaround; a fix ships next release. Ask HR before renewal. ${Date.now().toString(36)}`;

  beforeAll(async () => {
    ctx = e2eContext({ extension: true, rt: true });
    api = await startApi({ config: twoAgentConfig() });
    [chromium, firefox] = await Promise.all([
      launchChromium({ extensionDir: ctx.extension.chrome }),
      launchFirefox({ extensionDir: ctx.extension.firefox, managed: { apiUrl: api.url, token: TOKEN_B, agentName: 'Agent B', language: 'en', display: 'inline' } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([chromium?.close(), firefox?.close()]);
    await api?.close();
  });

  test('Chromium, side panel: agent A thanks the account executive once (a second click within a minute sends nothing), leaves a note and copies the relay', async () => {
    const optionsUrl = `${chromium.extensionOrigin}/${optionsPath(ctx.extension.chrome)}`;
    await configureThroughOptions(chromium.browser, optionsUrl, { apiUrl: api.url, token: TOKEN_A });
    // The agent's name, on the same options page.
    const options = await chromium.browser.newPage();
    await options.goto(optionsUrl, { waitUntil: 'load' });
    await typeInto(options, 'form input[name=agentName]', 'Agent A');
    await (await options.waitForSelector('form [type=submit]'))!.click();
    const worker = await chromiumExtensionWorker(chromium.browser, chromium.extensionId);
    for (const deadline = Date.now() + 10_000; !(await worker.evaluate(`chrome.storage.local.get('agentName').then((s) => s.agentName === 'Agent A')`)); ) {
      if (Date.now() > deadline) throw new Error('the options page did not save the agent name');
      await new Promise((r) => setTimeout(r, 100)); // polling the worker's storage (no waitForFunction in a worker)
    }
    await options.close();

    const panel = await openSidePanel(chromium.browser, chromium.extensionOrigin!);
    const page = await chromium.browser.newPage();
    await page.bringToFront();
    await expectRelayOnRtTicket(page, ctx.rt, 'aiko', panel);
    await waitForSidebarState(panel, 'ready', { also: `${SALES_COUNT} === '0'` });

    await (await inSidebar(panel, '[data-stage=sales] [data-action=thank]')).click();
    await waitForSidebarState(panel, 'ready', { containing: 'Thanks sent to 佐藤 健', also: `${SALES_COUNT} === '1'` });
    await (await inSidebar(panel, '[data-stage=sales] [data-action=thank]')).click();
    await waitForSidebarState(panel, 'ready', { containing: 'You already thanked 佐藤 健', also: `${SALES_COUNT} === '1'` });
    expect((await stored(api, TOKEN_A)).thanks, 'the API counted one thanks').toBe(1);

    // The note from the keyboard: typed, then Ctrl+Enter leaves it.
    await (await inSidebar(panel, 'form[data-part=note-form] textarea')).click();
    await panel.keyboard.type(note);
    await panel.keyboard.down('Control');
    await panel.keyboard.press('Enter');
    await panel.keyboard.up('Control');
    await waitForSidebarState(panel, 'ready', {
      also: `(() => { const n = r.querySelector('[data-part=notes] [data-part=note]');
        return !!n && n.querySelector('.text').textContent === ${JSON.stringify(note)} && n.textContent.includes('Agent A') && !!n.querySelector('[data-action=delete-note]'); })()`,
    });
    expect((await stored(api, TOKEN_A)).notes[0]).toMatchObject({ text: note, author: 'Agent A' });

    // "Copy relay" for the desk's internal note: the clipboard gets the Markdown summary.
    await chromium.browser.defaultBrowserContext().overridePermissions(chromium.extensionOrigin!, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    await (await inSidebar(panel, '[data-action=copy-relay]')).click();
    await waitForSidebarState(panel, 'ready', { containing: 'Copied' });
    const copied = (await panel.evaluate('navigator.clipboard.readText()')) as string;
    expect(copied).toMatch(/^\*\*Baton\*\*: 田中 愛子 · 株式会社アクメ\n/);
    expect(copied).toContain('- Sales: 佐藤 健 (2024-06-15) — 課題: 若手の離職');
  });

  test('Firefox, inline: agent B opens the same customer and sees the note (not theirs to delete) and the count', async () => {
    const page = await firefox.browser.newPage();
    await expectRelayOnRtTicket(page, ctx.rt, 'aiko');
    await waitForSidebarState(page, 'ready', {
      containing: note,
      also: `${SALES_COUNT} === '1' && (() => { const n = r.querySelector('[data-part=notes] [data-part=note]');
        return !!n && n.textContent.includes('Agent A') && !n.querySelector('[data-action=delete-note]'); })()`,
    });

    // Agent B's own thanks adds to agent A's.
    await (await inSidebar(page, '[data-stage=sales] [data-action=thank]')).click();
    await waitForSidebarState(page, 'ready', { also: `${SALES_COUNT} === '2'` });
    expect((await stored(api, TOKEN_B)).thanks).toBe(2);
  });
});
