/**
 * Background entry: wires the message handlers, the views (the side panel and the inline frame,
 * each on a port), the tabs' events, storage changes, the toolbar button and the keyboard
 * command.
 */
import browser from 'webextension-polyfill';
import { createBackground, dispatch } from './handlers';
import { idbSecretStore } from './secret-store';
import { mayAsk, senderKind } from './senders';
import { isSettingsChange, registeredMatches } from './settings';
import { declaredDesks, matchPattern } from '../shared/desks';
import { contentEnvelope, isEnvelope, type DisplaySetting, type MessageName, type ViewPush } from '../shared/messages';
import { VIEW_PORT, type TabView, type ViewHello, type ViewWatch } from '../shared/view';

/** Built by vite.config.ts: the content script with every adapter (loopback, granted origins) and inline mode's host. */
const CONTENT_ALL_FILE = 'content/all.js';
const INLINE_FILE = 'content/inline.js';
const POPUP = 'src/popup/index.html';

interface ChromeSidePanel {
  open(o: { windowId: number }): Promise<void>;
  close?(o: { windowId: number }): Promise<void>;
  setOptions(o: { enabled?: boolean; path?: string }): Promise<void>;
  setPanelBehavior(o: { openPanelOnActionClick: boolean }): Promise<void>;
}
interface FirefoxSidebar {
  toggle(): Promise<void>;
}
const g = globalThis as unknown as { chrome?: { sidePanel?: ChromeSidePanel }; browser?: { sidebarAction?: FirefoxSidebar } };
const sidePanel = g.chrome?.sidePanel;
const sidebarAction = typeof g.browser?.sidebarAction?.toggle === 'function' ? g.browser.sidebarAction : undefined;
const hasPanel = !!sidePanel || !!sidebarAction;

/** The views connected now, and the tab each shows. */
const views = new Map<browser.Runtime.Port, ViewWatch>();
/** Each window's active tab, as tabs.onActivated told (asked for when unknown). */
const activeTab = new Map<number, number>();
/** Windows whose side panel is open (its page holds a port). */
const panelWindows = new Map<browser.Runtime.Port, number>();

async function watchedTab(w: ViewWatch, port: browser.Runtime.Port): Promise<number | undefined> {
  if ('self' in w) return port.sender?.tab?.id;
  if ('tab' in w) return w.tab;
  const known = activeTab.get(w.window);
  if (known !== undefined) return known;
  const [tab] = await browser.tabs.query({ active: true, windowId: w.window }).catch(() => []);
  if (tab?.id !== undefined) activeTab.set(w.window, tab.id);
  return tab?.id;
}

const post = (port: browser.Runtime.Port, push: ViewPush) => {
  try {
    port.postMessage(push);
  } catch {
    views.delete(port); // gone
  }
};

async function pushView(view: TabView): Promise<void> {
  for (const [port, w] of views) if ((await watchedTab(w, port)) === view.tabId) post(port, { type: 'view', view });
}

const bg = createBackground({
  local: browser.storage.local,
  managed: browser.storage.managed,
  // storage.session: the tabs' ticket state outlives a restarted service worker; content scripts cannot read it.
  session: browser.storage.session,
  // The token the agent types: the extension origin's IndexedDB, which content scripts cannot open.
  secrets: idbSecretStore(),
  loadLocale: async (lang) => (await fetch(browser.runtime.getURL(`_locales/${lang}/messages.json`))).json(),
  uiLanguage: () => browser.i18n.getUILanguage(),
  openOptions: () => browser.runtime.openOptionsPage(),
  injectInline: async (tabId, frameId) => {
    await browser.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, files: [INLINE_FILE] });
  },
  injectAdapter: async (tabId, frameId, id) => {
    await browser.scripting.executeScript({ target: { tabId, frameIds: [frameId] }, files: [`content/adapters/${id}.js`] });
  },
  viewChanged: (view) => void pushView(view),
  resizeInline: async (tabId, ui) => {
    await browser.tabs.sendMessage(tabId, contentEnvelope('inline:ui', { ui }), { frameId: 0 });
  },
  openChannel: async (tabId, nonce, origin) => {
    await browser.tabs.sendMessage(tabId, contentEnvelope('inline:channel', { nonce, origin }), { frameId: 0 });
  },
  inlineHidden: async (tabId, reason) => {
    await bg.tabs.hide(tabId, reason);
    await browser.action.setBadgeText({ tabId, text: '!' }).catch(() => undefined);
    await browser.action.setBadgeBackgroundColor({ tabId, color: '#b42318' }).catch(() => undefined);
    await browser.action.setTitle({ tabId, title: (await bg.handlers['messages:get']({})).messages.pop_hidden ?? 'Baton' }).catch(() => undefined);
  },
  hasPanel,
  settingsWatched: true, // storage.onChanged below forgets the settings read
});

browser.runtime.onMessage.addListener((msg: unknown, sender: browser.Runtime.MessageSender) => {
  if (!isEnvelope(msg)) return undefined;
  const kind = senderKind(sender, browser.runtime.id, browser.runtime.getURL(''));
  if (!mayAsk(kind, msg.type)) {
    return Promise.reject(new Error(`Baton: refused ${msg.type} from ${sender.url ?? 'an unknown sender'}`));
  }
  return dispatch(bg.handlers, msg.type as MessageName, msg.payload as never, { tabId: sender.tab?.id, frameId: sender.frameId });
});

// Views: the side panel page and the inline frame open a port and say which tab they show.
browser.runtime.onConnect.addListener((port) => {
  if (port.name !== VIEW_PORT || senderKind(port.sender ?? {}, browser.runtime.id, browser.runtime.getURL('')) !== 'page') {
    port.disconnect();
    return;
  }
  port.onMessage.addListener(async (m: unknown) => {
    const watch = (m as ViewHello)?.watch;
    if (!watch || typeof watch !== 'object') return;
    views.set(port, watch);
    if ('window' in watch && !port.sender?.tab) panelWindows.set(port, watch.window); // the side panel itself
    const tabId = await watchedTab(watch, port);
    if (tabId !== undefined) post(port, { type: 'view', view: await bg.tabs.view(tabId) });
  });
  port.onDisconnect.addListener(() => {
    views.delete(port);
    panelWindows.delete(port);
  });
});

browser.tabs.onActivated.addListener(({ tabId, windowId }) => {
  activeTab.set(windowId, tabId);
  void (async () => {
    const view = await bg.tabs.view(tabId);
    for (const [port, w] of views) if ('window' in w && w.window === windowId) post(port, { type: 'view', view });
    await bg.tabs.input(tabId); // the agent switched to it
  })();
});
browser.tabs.onCreated.addListener((tab) => {
  if (tab.id !== undefined && tab.openerTabId !== undefined) void bg.tabs.opened(tab.id, tab.openerTabId);
});
browser.tabs.onRemoved.addListener((tabId) => void bg.tabs.removed(tabId));

/** Where Baton's content scripts run: loopback, the hosted desks, the desks registered at run time. */
let registered: string[] = [];
const manifestMatches = (browser.runtime.getManifest().content_scripts ?? []).flatMap((cs) => cs.matches ?? []);
function scripted(raw: string | undefined): boolean {
  let url: URL;
  try {
    url = new URL(raw ?? '');
  } catch {
    return false;
  }
  return [...manifestMatches, ...registered].some((p) => matchPattern(p, url));
}
browser.tabs.onUpdated.addListener((tabId, info, tab) => {
  if (info.url !== undefined) void bg.tabs.navigating(tabId, scripted(info.url));
  else if (info.status === 'loading') void bg.tabs.navigating(tabId, scripted(tab.url)); // a reload
  if (info.status === 'complete') void bg.tabs.loaded(tabId);
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
  registered = matches;
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
void browser.scripting.getRegisteredContentScripts({ ids: [DESKS_SCRIPT] }).then((s) => (registered = s[0]?.matches ?? []), () => undefined);

/** Where the relay shows now (the toolbar button and the keyboard command follow it). */
let display: DisplaySetting = hasPanel ? 'panel' : 'inline';
/**
 * Panel mode: the toolbar button opens the side panel (Chrome: openPanelOnActionClick; Firefox:
 * toggles the sidebar). Inline mode, or no panel: the button opens the popup.
 */
async function applyDisplay(): Promise<void> {
  const { settings } = await bg.settings.read();
  display = hasPanel ? settings.display : 'inline';
  await browser.action.setPopup({ popup: display === 'inline' ? POPUP : '' });
  await sidePanel?.setPanelBehavior({ openPanelOnActionClick: display === 'panel' }).catch(() => undefined);
}
void applyDisplay().catch((e: unknown) => console.warn('Baton: could not set the toolbar button', e));
browser.action.onClicked.addListener(() => {
  // Only without a popup (panel mode); Chrome opens its side panel itself (openPanelOnActionClick).
  if (sidebarAction) void sidebarAction.toggle();
});

/**
 * Settings changed (here, by policy or in another window): forget the answers, look again, tell
 * the views (the language) and the tabs (display mode, desks switched off).
 */
const settingsChanged = () =>
  void bg.settingsChanged().then(async () => {
    syncDesks();
    await applyDisplay().catch(() => undefined);
    const strings = await bg.handlers['messages:get']({});
    for (const port of views.keys()) post(port, { type: 'strings', strings });
    await bg.tabs.repush();
    return tellTabs();
  });
const onSettingsArea = (changes: Record<string, unknown>) => {
  if (!isSettingsChange(Object.keys(changes))) return;
  bg.settings.forget();
  settingsChanged();
};
// Each area's own event, not storage.onChanged: that one fires for storage.session too, and the
// tabs' records are written there several times per ticket switch (each event carries a record's
// old and new value, ~27 KB with a relay); dispatched to this worker for nothing, they queued
// ahead of the content script's report (5-13 ms each in a trace under load). Firefox never
// fires managed's (policies load at start).
browser.storage.local.onChanged.addListener(onSettingsArea);
browser.storage.managed.onChanged?.addListener(onSettingsArea);
// The agent's token is not in storage (no storage.onChanged for it): the same when it changes.
bg.settings.onTokenChanged(settingsChanged);
// A token an older version kept in storage.local moves to the secret store now (reads move it too).
void bg.settings.read().catch((e: unknown) => console.warn('Baton: could not read the settings', e));

// Alt+Shift+B: the side panel opens or closes (panel mode), or the inline sidebar collapses or
// opens. Opening a panel needs the user's gesture: it is called in the listener, before any await.
browser.commands.onCommand.addListener((command, tab) => {
  if (command !== 'toggle-sidebar') return;
  if (display === 'panel' && sidebarAction) {
    void sidebarAction.toggle();
    return;
  }
  const windowId = tab?.windowId;
  if (display === 'panel' && sidePanel && windowId !== undefined) {
    const open = [...panelWindows.values()].includes(windowId);
    if (!open) void sidePanel.open({ windowId });
    else if (sidePanel.close) void sidePanel.close({ windowId });
    else void sidePanel.setOptions({ enabled: false }).then(() => sidePanel.setOptions({ enabled: true }));
    return;
  }
  if (tab?.id !== undefined) void browser.tabs.sendMessage(tab.id, contentEnvelope('sidebar:toggle', {}), { frameId: 0 }).catch(() => undefined);
});
