/** Background entry: wires the message handlers, storage changes and the keyboard command. */
import browser from 'webextension-polyfill';
import { createBackground, dispatch } from './handlers';
import { mayAsk, senderKind } from './senders';
import { isSettingsChange } from './settings';
import { contentEnvelope, isEnvelope, type MessageName } from '../shared/messages';

const bg = createBackground({
  local: browser.storage.local,
  managed: browser.storage.managed,
  loadLocale: async (lang) => (await fetch(browser.runtime.getURL(`_locales/${lang}/messages.json`))).json(),
  uiLanguage: () => browser.i18n.getUILanguage(),
  openOptions: () => browser.runtime.openOptionsPage(),
});

browser.runtime.onMessage.addListener((msg: unknown, sender: browser.Runtime.MessageSender) => {
  if (!isEnvelope(msg)) return undefined;
  const kind = senderKind(sender, browser.runtime.id, browser.runtime.getURL(''));
  if (!mayAsk(kind, msg.type)) {
    return Promise.reject(new Error(`Baton: refused ${msg.type} from ${sender.url ?? 'an unknown sender'}`));
  }
  return dispatch(bg.handlers, msg.type as MessageName, msg.payload as never);
});

async function tellTabs(): Promise<void> {
  const tabs = await browser.tabs.query({});
  await Promise.all(
    tabs.map((t) => (t.id === undefined ? undefined : browser.tabs.sendMessage(t.id, contentEnvelope('settings:changed', {})).catch(() => undefined))),
  );
}

browser.storage.onChanged.addListener((changes, area) => {
  if ((area === 'local' || area === 'managed') && isSettingsChange(Object.keys(changes))) {
    void bg.settingsChanged().then(tellTabs);
  }
});

browser.commands.onCommand.addListener(async (command) => {
  if (command !== 'toggle-sidebar') return;
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  if (tab?.id !== undefined) await browser.tabs.sendMessage(tab.id, contentEnvelope('sidebar:toggle', {})).catch(() => undefined);
});
