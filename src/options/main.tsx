/**
 * Options page: API address and token (masked), agent name, language, where the relay shows
 * (the side panel or inline), help desks on/off, and "Test connection". Values an administrator
 * pushed (storage.managed) win and show read-only.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { builtinDesks, declaredDesks, deskOrigin, type DeclaredDesk } from '../shared/desks';
import type { DisplaySetting, LanguageSetting, Settings, SettingKey, SettingsView } from '../shared/messages';
import type { T } from '../ui/i18n';
import { call, describeError, hasPanel, loadStrings, openPanel } from '../ui/page';
import '../ui/page.css';

type Note = { kind: 'ok' | 'bad' | 'info'; text: string } | null;

const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/;

/** Ask for access to a non-loopback API origin (must run inside the click/submit handler). */
function requestOrigin(apiUrl: string): Promise<boolean> {
  let origin: string;
  try {
    origin = new URL(apiUrl).origin;
  } catch {
    return Promise.resolve(true);
  }
  if (LOOPBACK.test(origin) || !browser.permissions?.request) return Promise.resolve(true);
  return browser.permissions.request({ origins: [`${origin}/*`] }).catch(() => false);
}

/** A config-declared desk and whether the browser lets Baton run there. */
type DeclaredRow = DeclaredDesk & { allowed: boolean };

/** The desks declared in the config (`GET /v1/adapters`, through the background) and their grants. */
async function loadDeclared(): Promise<DeclaredRow[]> {
  const { adapters } = await call('adapters:get', {});
  return Promise.all(
    declaredDesks(adapters).map(async (d) => ({
      ...d,
      allowed: d.patterns.length > 0 && (await browser.permissions.contains({ origins: d.patterns }).catch(() => false)),
    })),
  );
}

function Options({ t, initial, onLanguage, saved }: { t: T; initial: SettingsView; onLanguage(l: LanguageSetting): void; saved?: boolean }) {
  const [values, setValues] = useState<Settings>(initial.settings);
  const [managed, setManaged] = useState<SettingKey[]>(initial.managed);
  const [showToken, setShowToken] = useState(false);
  const [saveNote, setSaveNote] = useState<Note>(saved ? { kind: 'ok', text: t('opt_saved') } : null);
  const [testNote, setTestNote] = useState<Note>(null);
  const [busy, setBusy] = useState(false);
  const isManaged = (k: SettingKey) => managed.includes(k);
  const panel = hasPanel();
  const set = (k: keyof Settings, v: unknown) => setValues({ ...values, [k]: v });
  const input = (k: 'apiUrl' | 'token' | 'agentName') => (e: Event) => set(k, (e.target as HTMLInputElement).value);

  const submit = async (e: Event) => {
    e.preventDefault();
    const granted = requestOrigin(values.apiUrl); // before any await: needs the user's gesture
    setBusy(true);
    try {
      if (!(await granted)) {
        setSaveNote({ kind: 'bad', text: t('opt_permissionDenied') });
        return;
      }
      const patch: Partial<Settings> = { disabledDesks: values.disabledDesks, deskOrigins: values.deskOrigins };
      for (const k of ['apiUrl', 'token', 'agentName', 'language', 'display', 'theme'] as const) if (!isManaged(k)) (patch as Record<string, unknown>)[k] = values[k];
      const view = await call('settings:set', { settings: patch });
      setValues(view.settings);
      setManaged(view.managed);
      setSaveNote({ kind: 'ok', text: t('opt_saved') });
      if (view.settings.language !== initial.settings.language || view.settings.theme !== initial.settings.theme) onLanguage(view.settings.language);
    } catch (err) {
      setSaveNote({ kind: 'bad', text: String((err as Error)?.message ?? err) });
    } finally {
      setBusy(false);
    }
  };

  const test = async () => {
    const granted = requestOrigin(values.apiUrl);
    setTestNote({ kind: 'info', text: t('opt_testing') });
    if (!(await granted)) return setTestNote({ kind: 'bad', text: t('opt_permissionDenied') });
    const r = await call('connection:test', { apiUrl: values.apiUrl, token: values.token });
    setTestNote(r.ok ? { kind: 'ok', text: t('opt_testOk', r.info.organization.name, r.info.token.name) } : { kind: 'bad', text: describeError(t, r.error) });
  };

  const [deskInput, setDeskInput] = useState('');
  const [deskNote, setDeskNote] = useState<Note>(null);
  const saveDesks = async (deskOrigins: string[]) => {
    const view = await call('settings:set', { settings: { deskOrigins } });
    setValues({ ...values, deskOrigins: view.settings.deskOrigins });
  };
  const addDesk = async () => {
    const origin = deskOrigin(deskInput);
    if (!origin) return setDeskNote({ kind: 'bad', text: t('opt_deskInvalid') });
    const granted = browser.permissions.request({ origins: [`${origin}/*`] }).catch(() => false); // inside the click
    if (!(await granted)) return setDeskNote({ kind: 'bad', text: t('opt_permissionDenied') });
    await saveDesks([...values.deskOrigins.filter((o) => o !== origin), origin]);
    setDeskInput('');
    setDeskNote({ kind: 'ok', text: t('opt_deskAdded', origin) });
  };
  const removeDesk = async (origin: string) => {
    await saveDesks(values.deskOrigins.filter((o) => o !== origin));
    await browser.permissions.remove({ origins: [`${origin}/*`] }).catch(() => false);
    setDeskNote(null);
  };

  // Desks declared in the config: read at start and after each save; each asks for its origins
  // with a click (a user gesture), and the background registers the content script there.
  const [declared, setDeclared] = useState<DeclaredRow[]>([]);
  const refreshDeclared = () => void loadDeclared().then(setDeclared, () => setDeclared([]));
  useEffect(refreshDeclared, []);
  useEffect(() => {
    if (saveNote?.kind === 'ok') refreshDeclared();
  }, [saveNote]);
  const allowDeclared = async (d: DeclaredRow) => {
    const granted = browser.permissions.request({ origins: d.patterns }).catch(() => false); // inside the click
    if (!(await granted)) return setDeskNote({ kind: 'bad', text: t('opt_permissionDenied') });
    setDeskNote({ kind: 'ok', text: t('opt_deskAdded', d.label) });
    refreshDeclared();
  };

  const managedNote = (k: SettingKey) => isManaged(k) && <span class="managed">{t('opt_managed')}</span>;

  return (
    <main>
      <h1>
        <img src="/icons/icon-48.png" alt="" />
        {t('opt_title')}
      </h1>
      <p class="muted">{t('opt_intro')}</p>
      <form name="settings" onSubmit={submit}>
        <section class="card" aria-labelledby="h-conn">
          <h2 id="h-conn">{t('opt_connection')}</h2>
          <label for="apiUrl">
            {t('opt_apiUrl')}
            {managedNote('apiUrl')}
          </label>
          <input id="apiUrl" name="apiUrl" type="url" inputMode="url" placeholder="https://baton.example.com" value={values.apiUrl} readOnly={isManaged('apiUrl')} onInput={input('apiUrl')} autocomplete="off" />
          <p class="muted small">{t('opt_apiUrlHelp')}</p>
          <label for="token">
            {t('opt_token')}
            {managedNote('token')}
          </label>
          <div class="row">
            <input id="token" name="token" type={showToken && !isManaged('token') ? 'text' : 'password'} value={values.token} readOnly={isManaged('token')} onInput={input('token')} autocomplete="off" spellcheck={false} />
            {!isManaged('token') && (
              <button type="button" aria-pressed={showToken} onClick={() => setShowToken(!showToken)}>
                {t(showToken ? 'opt_hideToken' : 'opt_showToken')}
              </button>
            )}
          </div>
          <p class="muted small">{t('opt_tokenHelp')}</p>
          <div class="actions">
            <button type="button" onClick={test} data-action="test-connection">
              {t('opt_test')}
            </button>
            {testNote && (
              <span class={testNote.kind} role="status" data-part="test-result">
                {testNote.text}
              </span>
            )}
          </div>
        </section>
        <section class="card" aria-labelledby="h-you">
          <h2 id="h-you">{t('opt_you')}</h2>
          <label for="agentName">
            {t('opt_agentName')}
            {managedNote('agentName')}
          </label>
          <input id="agentName" name="agentName" type="text" value={values.agentName} readOnly={isManaged('agentName')} onInput={input('agentName')} />
          <label for="language">
            {t('opt_language')}
            {managedNote('language')}
          </label>
          <select id="language" name="language" value={values.language} disabled={isManaged('language')} onChange={(e) => set('language', (e.target as HTMLSelectElement).value)}>
            <option value="auto">{t('opt_langAuto')}</option>
            <option value="ja">日本語</option>
            <option value="en">English</option>
          </select>
          <label for="theme">
            {t('opt_theme')}
            {managedNote('theme')}
          </label>
          <select id="theme" name="theme" value={values.theme} disabled={isManaged('theme')} onChange={(e) => set('theme', (e.target as HTMLSelectElement).value)}>
            <option value="auto">{t('opt_themeAuto')}</option>
            <option value="light">{t('opt_themeLight')}</option>
            <option value="dark">{t('opt_themeDark')}</option>
          </select>
        </section>
        <section class="card" aria-labelledby="h-display">
          <h2 id="h-display">{t('opt_display')}</h2>
          <label for="display">
            {t('opt_displayLabel')}
            {managedNote('display')}
          </label>
          <select id="display" name="display" value={panel ? values.display : 'inline'} disabled={isManaged('display') || !panel} onChange={(e) => set('display', (e.target as HTMLSelectElement).value as DisplaySetting)}>
            <option value="panel">{t('opt_displayPanel')}</option>
            <option value="inline">{t('opt_displayInline')}</option>
          </select>
          <p class="muted small">{t(panel ? 'opt_displayHelp' : 'opt_displayNoPanel')}</p>
          {panel && values.display === 'panel' && (
            <div class="actions">
              <button type="button" data-action="open-panel" onClick={() => openPanel()}>
                {t('opt_openPanel')}
              </button>
            </div>
          )}
        </section>
        <section class="card" aria-labelledby="h-desks">
          <h2 id="h-desks">{t('opt_desks')}</h2>
          <p class="muted small">{t('opt_desksHelp')}</p>
          <div class="desks">
            {builtinDesks().map((a) => (
              <label>
                <input
                  type="checkbox"
                  name="desk"
                  value={a.id}
                  checked={!values.disabledDesks.includes(a.id)}
                  onChange={(e) => {
                    const on = (e.target as HTMLInputElement).checked;
                    set('disabledDesks', on ? values.disabledDesks.filter((d) => d !== a.id) : [...values.disabledDesks, a.id]);
                  }}
                />
                {a.label}
              </label>
            ))}
          </div>
          {declared.length > 0 && (
            <>
              <h3>{t('opt_declared')}</h3>
              <p class="muted small">{t('opt_declaredHelp')}</p>
              <ul class="origins" data-part="declared-desks">
                {declared.map((d) => (
                  <li data-desk={d.id}>
                    <span>
                      {d.label} {d.patterns.length > 0 ? <code>{d.patterns.map((p) => p.replace(/\/\*$/, '')).join(', ')}</code> : <span class="muted small">{t('opt_declaredNoSite')}</span>}
                    </span>
                    {d.patterns.length > 0 &&
                      (d.allowed ? (
                        <span class="ok">{t('opt_allowed')}</span>
                      ) : (
                        <button type="button" onClick={() => void allowDeclared(d)} data-action="allow-declared" aria-label={t('opt_allowDesk', d.label)}>
                          {t('opt_allow')}
                        </button>
                      ))}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h3>{t('opt_selfHosted')}</h3>
          <p class="muted small">{t('opt_selfHostedHelp')}</p>
          {values.deskOrigins.length > 0 && (
            <ul class="origins">
              {values.deskOrigins.map((o) => (
                <li>
                  <code>{o}</code>
                  <button type="button" onClick={() => void removeDesk(o)} aria-label={t('opt_deskRemove', o)}>
                    {t('opt_remove')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          <label for="deskOrigin">{t('opt_deskAddress')}</label>
          <div class="row">
            <input
              id="deskOrigin"
              type="text"
              inputMode="url"
              placeholder="https://rt.example.com"
              value={deskInput}
              onInput={(e) => setDeskInput((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault(); // not the settings form's submit
                  void addDesk();
                }
              }}
            />
            <button type="button" onClick={() => void addDesk()} data-action="add-desk">
              {t('opt_addDesk')}
            </button>
          </div>
          {deskNote && (
            <p class={deskNote.kind} role="status">
              {deskNote.text}
            </p>
          )}
        </section>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {t('opt_save')}
          </button>
          {saveNote && (
            <span class={saveNote.kind} role="status" data-part="save-result">
              {saveNote.text}
            </span>
          )}
        </div>
      </form>
    </main>
  );
}

/** Render the page; again in the new language after one is saved. */
async function start(language?: LanguageSetting): Promise<void> {
  const [t, view] = await Promise.all([loadStrings(language), call('settings:get', {})]);
  document.title = t('opt_title');
  const root = document.getElementById('app')!;
  render(null, root);
  render(<Options t={t} initial={view} saved={!!language} onLanguage={(l) => void start(l)} />, root);
}

void start();
