/** Background entry: wires the message handlers, storage changes and the keyboard command. */
import browser from 'webextension-polyfill';
import { createBackground, dispatch } from './handlers';
import { idbSecretStore } from './secret-store';
import { mayAsk, senderKind } from './senders';
import { declaredDesks, isSettingsChange, registeredMatches } from './settings';
import { contentEnvelope, isEnvelope, type MessageName } from '../shared/messages';

/** Built by vite.config.ts: the content script with every adapter (loopback, granted origins) and the sidebar's code. */
const CONTENT_ALL_FILE = 'content/all.js';
const SIDEBAR_FILE = 'content/sidebar.js';

const bg = createBackground({
  local: browser.storage.local,
  managed: browser.storage.managed,
  // The token the agent types: the extension origin's IndexedDB, which content scripts cannot open.
  secrets: idbSecretStore(),
  loadLocale: async (lang) => (await fetch(browser.runtime.getURL(`_locales/${lang}/messages.json`))).json(),
  uiLanguage: () => browser.i18n.getUILanguage(),
  openOptions: () => browser.runtime.openOptionsPage(),
  injectSidebar: async (tabId, frameId) => {
    await browser.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, files: [SIDEBAR_FILE] });
  },
});

browser.runtime.onMessage.addListener((msg: unknown, sender: browser.Runtime.MessageSender) => {
  if (!isEnvelope(msg)) return undefined;
  const kind = senderKind(sender, browser.runtime.id, browser.runtime.getURL(''));
  if (!mayAsk(kind, msg.type)) {
    return Promise.reject(new Error(`Baton: refused ${msg.type} from ${sender.url ?? 'an unknown sender'}`));
  }
  return dispatch(bg.handlers, msg.type as MessageName, msg.payload as never, { tabId: sender.tab?.id, frameId: sender.frameId });
});

async function tellTabs(): Promise<void> {
  const tabs = await browser.tabs.query({});
  await Promise.all(
    tabs.map((t) => (t.id === undefined ? undefined : browser.tabs.sendMessage(t.id, contentEnvelope('settings:changed', {})).catch(() => undefined))),
  );
}

const DESKS_SCRIPT = 'baton-desks';

/**
 * The content script with every adapter (content/all.js) on the desks the manifest does not
 * name: self-hosted desks the agent added on the options page and desks declared in the
 * config (`GET /v1/adapters`), each where the agent granted access (loopback needs none).
 */
async function syncDeskScripts(): Promise<void> {
  const [{ settings }, { origins = [] }, { adapters }] = await Promise.all([
    bg.settings.read(),
    browser.permissions.getAll(),
    bg.handlers['adapters:get']({}).catch(() => ({ adapters: [] })),
  ]);
  const matches = registeredMatches(settings.deskOrigins, declaredDesks(adapters), origins);
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [DESKS_SCRIPT] });
  const same = existing[0] && JSON.stringify([...(existing[0].matches ?? [])].sort()) === JSON.stringify([...matches].sort());
  if (same) return;
  if (existing.length) await browser.scripting.unregisterContentScripts({ ids: [DESKS_SCRIPT] });
  if (matches.length) {
    await browser.scripting.registerContentScripts([{ id: DESKS_SCRIPT, matches, js: [CONTENT_ALL_FILE], runAt: 'document_idle', persistAcrossSessions: true }]);
  }
}
let syncing: Promise<void> = Promise.resolve();
/** One sync at a time (register/unregister of the same id must not interleave). */
const syncDesks = () => {
  syncing = syncing.then(syncDeskScripts).catch((e: unknown) => console.warn('Baton: could not register desk scripts', e));
};
// At start-up the declared adapters are fetched (adapters:get) and their granted origins registered.
browser.runtime.onInstalled.addListener(syncDesks);
browser.runtime.onStartup.addListener(syncDesks);
browser.permissions.onAdded.addListener(syncDesks);
browser.permissions.onRemoved.addListener(syncDesks);

/**
 * Settings changed (here, by policy or in another window): forget the answers, look again.
 * The declared adapters are fetched again (settingsChanged forgot them) and registered.
 */
const settingsChanged = () =>
  void bg.settingsChanged().then(() => {
    syncDesks();
    return tellTabs();
  });
browser.storage.onChanged.addListener((changes, area) => {
  if ((area === 'local' || area === 'managed') && isSettingsChange(Object.keys(changes))) settingsChanged();
});
// The agent's token is not in storage (no storage.onChanged for it): the same when it changes.
bg.settings.onTokenChanged(settingsChanged);
// A token an older version kept in storage.local moves to the secret store now (reads move it too).
void bg.settings.read().catch((e: unknown) => console.warn('Baton: could not read the settings', e));

browser.commands.onCommand.addListener(async (command) => {
  if (command !== 'toggle-sidebar') return;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  if (tab?.id !== undefined) await browser.tabs.sendMessage(tab.id, contentEnvelope('sidebar:toggle', {})).catch(() => undefined);
});
