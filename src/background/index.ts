/** Background entry: wires the message handlers, storage changes and the keyboard command. */
import browser from 'webextension-polyfill';
import { createBackground, dispatch } from './handlers';
import { mayAsk, senderKind } from './senders';
import { deskMatches, isSettingsChange } from './settings';
import { contentEnvelope, isEnvelope, type MessageName } from '../shared/messages';

/** Built by vite.config.ts: the content script with every adapter (loopback, granted origins) and the sidebar's code. */
const CONTENT_ALL_FILE = 'content/all.js';
const SIDEBAR_FILE = 'content/sidebar.js';

const bg = createBackground({
  local: browser.storage.local,
  managed: browser.storage.managed,
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
 * Self-hosted desks the agent added on the options page (and granted): the content script is
 * registered on their origins, since the manifest only names hosted desks and loopback.
 */
async function syncDeskScripts(): Promise<void> {
  const { settings } = await bg.settings.read();
  const { origins = [] } = await browser.permissions.getAll();
  const matches = deskMatches(settings.deskOrigins, origins);
  const file = CONTENT_ALL_FILE;
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [DESKS_SCRIPT] });
  if (existing.length) await browser.scripting.unregisterContentScripts({ ids: [DESKS_SCRIPT] });
  if (matches.length && file) {
    await browser.scripting.registerContentScripts([{ id: DESKS_SCRIPT, matches, js: [file], runAt: 'document_idle', persistAcrossSessions: true }]);
  }
}
const syncDesks = () => void syncDeskScripts().catch((e: unknown) => console.warn('Baton: could not register desk scripts', e));
browser.runtime.onInstalled.addListener(syncDesks);
browser.runtime.onStartup.addListener(syncDesks);
browser.permissions.onAdded.addListener(syncDesks);
browser.permissions.onRemoved.addListener(syncDesks);

browser.storage.onChanged.addListener((changes, area) => {
  if ((area === 'local' || area === 'managed') && isSettingsChange(Object.keys(changes))) {
    // Settings changed (here, by policy or in another window): forget the answers, look again.
    void bg.settingsChanged().then(tellTabs);
  }
  if (area === 'local' && 'deskOrigins' in changes) syncDesks();
});

browser.commands.onCommand.addListener(async (command) => {
  if (command !== 'toggle-sidebar') return;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  if (tab?.id !== undefined) await browser.tabs.sendMessage(tab.id, contentEnvelope('sidebar:toggle', {})).catch(() => undefined);
});
