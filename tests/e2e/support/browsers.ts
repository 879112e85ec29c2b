// Real browsers for the end-to-end tests: Debian's Chromium and Firefox ESR driven by
// puppeteer-core (CDP over a pipe for Chromium, WebDriver BiDi for Firefox). Never downloads a
// browser. Each launch gets a fresh profile in a temp directory that close() removes.
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type WebWorker } from 'puppeteer-core';

export const CHROMIUM = process.env.BATON_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX = process.env.BATON_FIREFOX ?? '/usr/bin/firefox-esr';
export const CHROMIUM_POLICY_DIR = '/etc/chromium/policies/managed';
export const FIREFOX_EXTENSION_ID = 'baton@baton.dev';

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--lang=en-US',
];

/** Chrome's extension id for a manifest `key`: sha256 of the DER key, 32 hex digits mapped 0-f → a-p. */
export function chromeExtensionId(manifestKey: string): string {
  const hex = createHash('sha256').update(Buffer.from(manifestKey, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode('a'.charCodeAt(0) + parseInt(c, 16))).join('');
}

export function readManifest(extensionDir: string): Record<string, any> {
  return JSON.parse(readFileSync(join(extensionDir, 'manifest.json'), 'utf8')) as Record<string, any>;
}

/** Settings an administrator pushes (managed storage): the same keys as the options page. */
export interface ManagedSettings {
  apiUrl?: string;
  token?: string;
  agentName?: string;
  language?: 'auto' | 'ja' | 'en';
  display?: 'panel' | 'inline';
  theme?: 'auto' | 'light' | 'dark';
}

export interface LaunchedBrowser {
  browser: Browser;
  /** chrome: the extension id; firefox: the add-on id (from installExtension). */
  extensionId: string;
  /** The extension's own origin (chrome-extension://id or moz-extension://uuid), when known. */
  extensionOrigin?: string;
  profileDir: string;
  close(): Promise<void>;
}

export interface LaunchChromiumOptions {
  extensionDir: string;
  /** Written as a managed Chromium policy `3rdparty.extensions.<id>` for this browser's life. */
  policy?: ManagedSettings;
  /** BATON_HEADFUL=1 shows the window (needs a display). */
  headless?: boolean;
  lang?: string;
  /** Reuse this profile (a restart of the same browser); close() then leaves it in place. */
  userDataDir?: string;
  /** More command-line switches (e.g. --host-resolver-rules to put a hosted desk's host on loopback). */
  args?: string[];
}

let policySeq = 0;

export async function launchChromium(o: LaunchChromiumOptions): Promise<LaunchedBrowser> {
  const manifest = readManifest(o.extensionDir);
  if (typeof manifest.key !== 'string') throw new Error(`${o.extensionDir}/manifest.json has no "key"`);
  const extensionId = chromeExtensionId(manifest.key);
  const ownProfile = !o.userDataDir;
  const profileDir = o.userDataDir ?? mkdtempSync(join(tmpdir(), 'baton-chromium-'));
  const removeProfile = () => {
    if (ownProfile) rmSync(profileDir, { recursive: true, force: true });
  };
  let policyFile: string | undefined;
  if (o.policy) {
    mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
    policyFile = join(CHROMIUM_POLICY_DIR, `baton-test-${process.pid}-${++policySeq}.json`);
    writeFileSync(policyFile, JSON.stringify({ '3rdparty': { extensions: { [extensionId]: o.policy } } }, null, 2));
  }
  const removePolicy = () => {
    if (policyFile && existsSync(policyFile)) unlinkSync(policyFile);
  };
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'chrome',
      executablePath: CHROMIUM,
      headless: o.headless ?? process.env.BATON_HEADFUL !== '1',
      pipe: true,
      enableExtensions: [o.extensionDir],
      userDataDir: profileDir,
      args: [...CHROMIUM_FLAGS, ...(o.lang ? [`--lang=${o.lang}`] : []), ...(o.args ?? [])],
      defaultViewport: { width: 1400, height: 900 },
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    removePolicy();
    removeProfile();
    throw e;
  }
  try {
    // Pages of the extension (options, the side panel) opened before it is loaded fail with
    // ERR_BLOCKED_BY_CLIENT: every browser is handed over with the extension running.
    await chromiumExtensionWorker(browser, extensionId);
    if (policyFile && o.policy) await waitForChromiumPolicy(browser, extensionId, policyFile, o.policy);
  } catch (e) {
    await browser.close().catch(() => {});
    removePolicy();
    removeProfile();
    throw e;
  }
  return {
    browser,
    extensionId,
    extensionOrigin: `chrome-extension://${extensionId}`,
    profileDir,
    async close() {
      await browser.close().catch(() => {});
      removePolicy();
      removeProfile();
    },
  };
}

/** The extension's service worker in Chromium, once its extension APIs are there. */
export async function chromiumExtensionWorker(browser: Browser, extensionId: string, timeoutMs = 15_000): Promise<WebWorker> {
  const deadline = Date.now() + timeoutMs;
  const target = await browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${extensionId}/`),
    { timeout: timeoutMs },
  );
  const worker = await target.worker();
  if (!worker) throw new Error(`chrome-extension://${extensionId} has no service worker`);
  while (!(await worker.evaluate(`typeof chrome === 'object' && !!chrome.storage`))) {
    if (Date.now() > deadline) throw new Error(`chrome-extension://${extensionId}: no extension APIs in the service worker`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return worker;
}

/**
 * Runs `fn` while the extension's service worker is held up: its one thread busy in a loop for
 * `holdMs`, so no message reaches the background's handlers and it pushes nothing meanwhile.
 * What a view shows while `fn` runs, it shows on its own. Throws when the worker is not held
 * before `fn` and still after it (it answers), so a test cannot pass on a worker never held;
 * returns once the worker is free again.
 */
export async function withBackgroundHeld<T>(browser: Browser, extensionId: string, fn: () => Promise<T>, holdMs = 5_000): Promise<T> {
  const worker = await chromiumExtensionWorker(browser, extensionId);
  await worker.evaluate(`setTimeout(() => { const until = Date.now() + ${holdMs}; while (Date.now() < until); }, 0), true`);
  const busy = () => Promise.race([worker.evaluate('false'), new Promise((r) => setTimeout(() => r(true), 300))]);
  if ((await busy()) !== true) throw new Error('the service worker could not be held up');
  const result = await fn();
  if ((await busy()) !== true) throw new Error(`the service worker was not held up through the test (hold ${holdMs} ms)`);
  await worker.evaluate('true'); // free again
  return result;
}

/**
 * Chromium reads the policy file at start, but an extension loaded afterwards over CDP
 * (`enableExtensions`) registers its managed-storage schema too late for that first read, and
 * its managed storage stays empty until the policy directory changes. So: wait for the
 * extension's service worker, rewrite the file (the loader re-reads a changed directory after
 * it has settled for ~5 s), and poll the worker's `chrome.storage.managed` until it holds
 * what the policy says.
 */
async function waitForChromiumPolicy(
  browser: Browser,
  extensionId: string,
  policyFile: string,
  policy: ManagedSettings,
  timeoutMs = 30_000,
): Promise<void> {
  const worker = await chromiumExtensionWorker(browser, extensionId, timeoutMs);
  const want = JSON.stringify(Object.fromEntries(Object.entries(policy).sort()));
  const read = async () => {
    const got = (await worker.evaluate('chrome.storage.managed.get(null)')) as Record<string, unknown>;
    return JSON.stringify(Object.fromEntries(Object.entries(got).sort()));
  };
  const deadline = Date.now() + timeoutMs;
  let rewrittenAt = 0;
  let last = '';
  while (Date.now() < deadline) {
    last = await read();
    if (last === want) return;
    // Rewrite at most every 8 s: each change restarts the loader's settle delay.
    if (Date.now() - rewrittenAt > 8_000) {
      writeFileSync(policyFile, JSON.stringify({ '3rdparty': { extensions: { [extensionId]: policy } } }, null, 2) + '\n');
      rewrittenAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Chromium never applied the policy ${policyFile}: managed storage is ${last}, want ${want}`);
}

export interface LaunchFirefoxOptions {
  extensionDir: string;
  /** Written as a managed-storage manifest under a private HOME for this Firefox process. */
  managed?: ManagedSettings;
  headless?: boolean;
  extraPrefs?: Record<string, unknown>;
}

/**
 * Firefox ESR over WebDriver BiDi; the extension is installed temporarily with
 * `browser.installExtension(dir)`. Managed storage comes from
 * `$HOME/.mozilla/managed-storage/<id>.json`, with HOME a temp directory of this launch only.
 */
export async function launchFirefox(o: LaunchFirefoxOptions): Promise<LaunchedBrowser> {
  const manifest = readManifest(o.extensionDir);
  const geckoId: string = manifest.browser_specific_settings?.gecko?.id ?? FIREFOX_EXTENSION_ID;
  const home = mkdtempSync(join(tmpdir(), 'baton-firefox-'));
  // A fixed moz-extension origin for this launch (Firefox picks a random one per profile otherwise).
  const uuid = randomUUID();
  const profileDir = join(home, 'profile');
  mkdirSync(profileDir);
  if (o.managed) {
    const dir = join(home, '.mozilla', 'managed-storage');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${geckoId}.json`),
      JSON.stringify(
        { name: geckoId, description: 'Baton settings pushed by the test harness', type: 'storage', data: o.managed },
        null,
        2,
      ),
    );
  }
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX,
      headless: o.headless ?? process.env.BATON_HEADFUL !== '1',
      userDataDir: profileDir,
      env: { ...process.env, HOME: home, MOZ_CRASHREPORTER_DISABLE: '1' },
      defaultViewport: { width: 1400, height: 900 },
      extraPrefsFirefox: {
        'intl.locale.requested': 'en-US',
        'intl.accept_languages': 'en-US, en',
        'extensions.webextensions.uuids': JSON.stringify({ [geckoId]: uuid }),
        ...o.extraPrefs,
      },
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (e) {
    rmSync(home, { recursive: true, force: true });
    throw e;
  }
  let extensionId: string;
  try {
    extensionId = await browser.installExtension(o.extensionDir);
  } catch (e) {
    await browser.close().catch(() => {});
    rmSync(home, { recursive: true, force: true });
    throw e;
  }
  return {
    browser,
    extensionId,
    extensionOrigin: `moz-extension://${uuid}`,
    profileDir,
    async close() {
      await browser.close().catch(() => {});
      rmSync(home, { recursive: true, force: true });
    },
  };
}
