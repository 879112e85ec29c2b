/**
 * Popup (inline mode: the toolbar button opens it; in panel mode the button opens the side
 * panel): for the current tab, is a help desk ticket there, was the customer found, can the API
 * be reached; collapse or show the inline sidebar; open the side panel; open the settings. Says
 * so when the page hides Baton's inline sidebar.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { contentEnvelope, type ConnectionTest } from '../shared/messages';
import type { TabView } from '../shared/view';
import type { T } from '../ui/i18n';
import { call, describeError, hasPanel, loadStrings, openPanel } from '../ui/page';
import '../ui/page.css';
import './popup.css';

async function activeTab(): Promise<number | undefined> {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

function Popup({ t }: { t: T }) {
  const [tabId, setTabId] = useState<number | undefined>();
  const [view, setView] = useState<TabView | null | undefined>();
  const [api, setApi] = useState<ConnectionTest | undefined>();

  useEffect(() => {
    void activeTab().then(async (id) => {
      setTabId(id);
      setView(id === undefined ? null : await call('view:get', { tabId: id }).catch(() => null));
    });
    void call('connection:test', {}).then(setApi);
  }, []);

  const toggle = async () => {
    if (tabId === undefined) return;
    const r = (await browser.tabs.sendMessage(tabId, contentEnvelope('sidebar:toggle', {})).catch(() => null)) as { collapsed: boolean } | null;
    if (r && view) setView({ ...view, ui: { ...view.ui, collapsed: r.collapsed } });
  };

  const m = view?.model;
  const desk = m?.desk;
  const c = m?.customer;
  const customer = c && (c.email || c.org || c.name);
  return (
    <main class="popup">
      <h1>
        <img src="/icons/icon-32.png" alt="" />
        Baton
      </h1>
      {view?.hidden && (
        <p class="bad" role="alert" data-part="hidden">
          {t('pop_hidden')}
        </p>
      )}
      <dl>
        <dt>{t('pop_desk')}</dt>
        <dd data-part="desk" class={desk ? 'ok' : 'muted'}>
          {view === undefined ? '…' : desk ? desk.label : t('pop_noDesk')}
        </dd>
        <dt>{t('pop_customer')}</dt>
        <dd data-part="customer" class={customer ? 'ok' : 'muted'}>
          {view === undefined ? '…' : customer ? (
            <>
              {c.name && <span class="who">{c.name}</span>}
              {(c.email ?? c.org) && <span class="addr">{c.email ?? c.org}</span>}
            </>
          ) : (
            t('pop_noCustomer')
          )}
          {m && (
            <span class="muted small state" data-state-text={m.state}>
              {t(`pop_state_${m.state.replace('-', '_')}`)}
            </span>
          )}
        </dd>
        <dt>{t('pop_api')}</dt>
        <dd data-part="api" class={api?.ok ? 'ok' : api ? 'bad' : 'muted'}>
          {!api ? t('opt_testing') : api.ok ? t('opt_testOk', api.info.organization.name, api.info.token.name) : describeError(t, api.error)}
        </dd>
      </dl>
      <div class="actions">
        {desk && (
          <button type="button" class="primary" onClick={toggle} data-action="toggle">
            {t(view?.ui.collapsed ? 'pop_show' : 'pop_hide')}
          </button>
        )}
        {hasPanel() && (
          <button type="button" onClick={() => void openPanel().then(() => window.close())} data-action="open-panel">
            {t('pop_openPanel')}
          </button>
        )}
        <button type="button" onClick={() => void browser.runtime.openOptionsPage().then(() => window.close())} data-action="options">
          {t('settings')}
        </button>
      </div>
    </main>
  );
}

void loadStrings().then((t) => render(<Popup t={t} />, document.getElementById('app')!));
