/**
 * Popup for the current tab: is a help desk detected, was the customer found, can the API be
 * reached; toggle the sidebar; open the settings.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { contentEnvelope, type ConnectionTest, type TabStatus } from '../shared/messages';
import type { T } from '../sidebar/i18n';
import { call, describeError, loadStrings } from '../options/page';
import '../options/page.css';
import './popup.css';

async function activeTab(): Promise<number | undefined> {
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

async function tabStatus(tabId: number | undefined): Promise<TabStatus | null> {
  if (tabId === undefined) return null;
  try {
    return ((await browser.tabs.sendMessage(tabId, contentEnvelope('tab:status', {}))) as TabStatus | undefined) ?? null;
  } catch {
    return null; // no content script on this page
  }
}

function Popup({ t }: { t: T }) {
  const [tabId, setTabId] = useState<number | undefined>();
  const [status, setStatus] = useState<TabStatus | null | undefined>();
  const [api, setApi] = useState<ConnectionTest | undefined>();

  useEffect(() => {
    void activeTab().then(async (id) => {
      setTabId(id);
      setStatus(await tabStatus(id));
    });
    void call('connection:test', {}).then(setApi);
  }, []);

  const toggle = async () => {
    if (tabId === undefined) return;
    const r = (await browser.tabs.sendMessage(tabId, contentEnvelope('sidebar:toggle', {})).catch(() => null)) as { collapsed: boolean } | null;
    if (r && status) setStatus({ ...status, collapsed: r.collapsed });
  };

  const desk = status?.desk;
  const c = status?.customer;
  const customer = c && (c.email || c.org || c.name);
  return (
    <main class="popup">
      <h1>
        <img src="/icons/icon-32.png" alt="" />
        Baton
      </h1>
      <dl>
        <dt>{t('pop_desk')}</dt>
        <dd data-part="desk" class={desk ? 'ok' : 'muted'}>
          {status === undefined ? '…' : desk ? desk.label : t('pop_noDesk')}
        </dd>
        <dt>{t('pop_customer')}</dt>
        <dd data-part="customer" class={customer ? 'ok' : 'muted'}>
          {status === undefined ? '…' : customer ? [c.name, c.email ?? c.org].filter(Boolean).join(' · ') : t('pop_noCustomer')}
          {desk && status && status.state !== 'no-desk' && <span class="muted small"> ({t(`state_${status.state.replace('-', '_')}_title`)})</span>}
        </dd>
        <dt>{t('pop_api')}</dt>
        <dd data-part="api" class={api?.ok ? 'ok' : api ? 'bad' : 'muted'}>
          {!api ? t('opt_testing') : api.ok ? t('opt_testOk', api.info.organization.name, api.info.token.name) : describeError(t, api.error)}
        </dd>
      </dl>
      <div class="actions">
        {desk && (
          <button type="button" class="primary" onClick={toggle} data-action="toggle">
            {t(status?.collapsed ? 'pop_show' : 'pop_hide')}
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
