// @vitest-environment happy-dom
/**
 * The sidebar as a view renders it (the side panel page and the inline frame share it), from the
 * demo config's answers (built by the server's code): the markup contract (PRODUCT.md "Sidebar
 * markup"), each data-state, a tab with no ticket, a paused tab, link sanitising, locale
 * formatting, the society ring without society text, and collapse and resize in the frame only.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountView, type ViewHandle } from '../../../src/ui/view';
import { STATES, emptyModel, withResult, type SidebarModel } from '../../../src/ui/model';
import { safeHref, mailtoHref } from '../../../src/shared/links';
import { formatDate } from '../../../src/ui/i18n';
import type { SidebarHost } from '../../../src/ui/Sidebar';
import type { ContextResponse } from '../../../src/shared/context';
import type { MessageName, SidebarUi, UiStrings } from '../../../src/shared/messages';
import { demoContext, uiStrings } from './helpers';

let en: UiStrings;
let ja: UiStrings;
const strings = uiStrings;

beforeAll(async () => {
  en = await strings('en');
  ja = await strings('ja');
});

const ask = (email: string, lang: 'en' | 'ja' = 'en'): Promise<ContextResponse> => demoContext({ email, domain: email.split('@')[1], lang });

/** What the view asked the background (message name and payload). */
const calls: string[] = [];
const send = (async (type: MessageName, payload: unknown) => {
  const p = payload as { override?: unknown; ui?: Partial<SidebarUi>; done?: boolean };
  if (type === 'view:search') calls.push(p.override ? `search:${JSON.stringify(p.override)}` : 'clear');
  else if (type === 'view:ui') calls.push(p.ui?.width !== undefined ? `resize:${p.ui.width}:${p.done}` : 'toggle');
  else calls.push(type === 'view:retry' ? 'retry' : type === 'options:open' ? 'options' : type);
  return { ok: true };
}) as never;

let root: HTMLElement;
let view: ViewHandle | null = null;
let ui: SidebarUi = { collapsed: false, width: 340 };
/** A view on the page, as the side panel (default) or the inline frame mounts it. */
function mount(s: UiStrings = en, u: SidebarUi = { collapsed: false, width: 340 }, host: SidebarHost = 'panel') {
  root = document.createElement('div');
  document.body.append(root);
  ui = u;
  view = mountView({ root, host, strings: s, send });
  return {
    setModel: (model: SidebarModel | null, desks: string[] = []) => view!.setView({ tabId: 1, model, ui, desks }),
  };
}
afterEach(() => {
  view?.destroy();
  view = null;
  root?.remove();
  calls.length = 0;
});

const q = (sel: string) => root.querySelector(sel);
const qa = (sel: string) => [...root.querySelectorAll(sel)];

describe('ready', () => {
  it('shows the relay in order, one hand-off per stage, and the impact levels', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    mount().setModel(withResult({ ...emptyModel(), customer: { email: 'aiko.tanaka@acme.example.jp', name: '田中 愛子' } }, { ok: true, data, fetchedAt: Date.now(), stale: false }));
    expect(qa('[data-state]').map((e) => e.getAttribute('data-state'))).toEqual(['ready']);
    const stages = qa('[data-part=before] [data-part=handoff]').map((e) => e.getAttribute('data-stage'));
    expect(stages).toEqual(data.before.map((h) => h.stage.id));
    expect(qa('[data-part=after] [data-part=impact]').map((e) => e.getAttribute('data-level'))).toEqual(['contact', 'team', 'company', 'society', 'teammate', 'teammate']);
    const aside = q('aside')!;
    expect(aside.getAttribute('aria-label')).toBe(en.messages.sidebarLabel);
    expect(q('[data-part=handoff][data-stage=sales]')!.textContent).toContain('課題: 若手の離職');
    expect(q('[data-part=you]')!.textContent).toContain('You are here');
    expect(q('[data-level=company]')!.textContent).toContain('1,200 people');
    expect(qa('h2, h3').length).toBeGreaterThanOrEqual(3);
  });

  it('formats numbers and dates for Japanese', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp', 'ja');
    mount(ja).setModel(withResult(emptyModel(), { ok: true, data, fetchedAt: Date.now(), stale: false }));
    expect(q('[data-level=company]')!.textContent).toContain('1,200人');
    expect(q('[data-part=handoff][data-stage=sales] time')!.textContent).toBe('2024年6月15日');
    expect(q('[data-part=before] h3')!.textContent).toContain('前工程');
    expect(formatDate('2025-03', 'en')).toBe('Mar 2025');
    expect(formatDate('someday', 'en')).toBe('someday');
  });

  it('links people by mail and https chat only', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    const evil = structuredClone(data);
    evil.before[0]!.person!.chat = 'javascript:alert(1)';
    evil.before[0]!.person!.email = 'x@y.example?bcc=all@corp.example';
    evil.before[1]!.person!.chat = 'http://chat.example/u/1';
    mount().setModel(withResult(emptyModel(), { ok: true, data: evil, fetchedAt: Date.now(), stale: false }));
    const hrefs = qa('a[href]').map((a) => a.getAttribute('href')!);
    expect(hrefs.length).toBeGreaterThan(0);
    // mailto: one plain address; only the fields Baton fills in (subject, body), encoded.
    for (const h of hrefs) expect(h).toMatch(/^(https:|mailto:[^?&]+(\?(subject=[^&?:/]*&)?body=[^&?:/]*)?$)/);
    expect(q(`[data-stage=${evil.before[0]!.stage.id}] a`)).toBeNull();
    expect(q(`[data-stage=sales] a[href^="https://chat.hibiki-survey.example/"]`)).not.toBeNull();
  });

  it('with no hand-offs recorded it says so and still marks where support is', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    data.before = [];
    mount().setModel(withResult(emptyModel(), { ok: true, data, fetchedAt: Date.now(), stale: false }));
    expect(qa('[data-part=handoff]')).toHaveLength(0);
    expect(q('[data-part=before]')!.textContent).toContain(en.messages.noBefore);
    expect(q('[data-part=before] [data-part=you]')).not.toBeNull();
  });

  it('one broken link takes nothing else down (issue 11: mailto:%E0%A4%A blanked the relay)', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    const odd = structuredClone(data);
    odd.before[0]!.person!.chat = 'mailto:%E0%A4%A';
    mount().setModel(withResult(emptyModel(), { ok: true, data: odd, fetchedAt: Date.now(), stale: false }));
    expect(qa('[data-part=before] [data-part=handoff]')).toHaveLength(data.before.length);
    expect(qa('[data-part=after] [data-part=impact]')).toHaveLength(data.after.length);
    expect(q(`[data-stage=${odd.before[0]!.stage.id}] a[data-action=ask][target=_blank]`)).toBeNull();
  });

  it("a stage's colour from the config colours its dot; nothing but a colour gets through", async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    data.before[0]!.stage.color = '#e11d48';
    data.before[1]!.stage.color = 'red; background: url(https://evil.example/x)';
    mount().setModel(withResult(emptyModel(), { ok: true, data, fetchedAt: Date.now(), stale: false }));
    const steps = qa('[data-part=before] [data-part=handoff]') as HTMLElement[];
    expect(steps[0]!.style.getPropertyValue('--dot')).toBe('#e11d48');
    expect(steps[1]!.style.getPropertyValue('--dot')).toBe('');
    expect(steps[1]!.getAttribute('style') ?? '').not.toContain('evil');
  });

  it('a note written through a shared token is marked as such; one from a person token is not', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    const base = { account: data.account!.id, ticket: '', at: new Date().toISOString(), mine: false };
    data.notes = [
      { ...base, id: '1', text: 'typed name', author: 'Alice', verified: false },
      { ...base, id: '2', text: 'checked name', author: '林 直子', verified: true },
    ];
    mount().setModel(withResult(emptyModel(), { ok: true, data, fetchedAt: Date.now(), stale: false }));
    expect(q('[data-note="1"] [data-part=unverified]')!.textContent).toContain(en.messages.noteUnverified);
    expect(q('[data-note="2"] [data-part=unverified]')).toBeNull();
  });

  it('never renders markup from data', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    data.before[0]!.note = '<img src=x onerror=alert(1)><b>bold</b>';
    mount().setModel(withResult(emptyModel(), { ok: true, data, fetchedAt: Date.now(), stale: false }));
    expect(q('img')).toBeNull();
    expect(q('[data-part=handoff] .note')!.textContent).toBe('<img src=x onerror=alert(1)><b>bold</b>');
  });
});

describe('states', () => {
  it('every state renders with one data-state element', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    const sb = mount();
    for (const state of STATES) {
      const withData = state === 'ready' || state === 'stale';
      sb.setModel({ ...emptyModel(), state, data: withData ? data : null, fetchedAt: withData ? Date.now() - 600_000 : null, query: { email: 'x@y.example' } });
      expect(qa('[data-state]').map((e) => e.getAttribute('data-state'))).toEqual([state]);
      const text = q('aside')!.textContent!;
      if (!withData && state !== 'loading') expect(text).toContain(en.messages[`state_${state.replace('-', '_')}_title`]!);
    }
  });

  it('loading shows a skeleton', () => {
    mount().setModel({ ...emptyModel(), state: 'loading' });
    expect(q('.skeleton')).not.toBeNull();
    expect(q('aside')!.getAttribute('aria-busy')).toBe('true');
  });

  it('stale says how old the answer is', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    mount().setModel(withResult(emptyModel(), { ok: true, data, fetchedAt: Date.now() - 12 * 60_000, stale: true, error: { kind: 'offline', message: 'down' } }));
    expect(q('[data-state]')!.getAttribute('data-state')).toBe('stale');
    expect(q('.banner')!.textContent).toContain('12 min. ago');
    (q('.banner button') as HTMLButtonElement).click();
    expect(calls).toEqual(['retry']);
  });

  it('not-found says what was searched and searches what the agent types', async () => {
    const data = await ask('alex.rivera@unknown-startup.example');
    mount().setModel(withResult({ ...emptyModel(), query: { email: 'alex.rivera@unknown-startup.example' } }, { ok: true, data, fetchedAt: Date.now(), stale: false }));
    expect(q('[data-state]')!.getAttribute('data-state')).toBe('not-found');
    expect(q('aside')!.textContent).toContain('alex.rivera@unknown-startup.example');
    const input = q('form[data-part=search-form] input') as HTMLInputElement;
    input.value = 'Northwind';
    (q('form[data-part=search-form] button[type=submit]') as HTMLButtonElement).click();
    input.value = 'emma.clark@northwind.example.com';
    (q('form[data-part=search-form] button[type=submit]') as HTMLButtonElement).click();
    expect(calls).toEqual(['search:{"org":"Northwind"}', 'search:{"email":"emma.clark@northwind.example.com"}']);
  });

  it('unconfigured and unauthorized offer the options page; offline and error a retry', () => {
    const sb = mount();
    for (const [state, call] of [['unconfigured', 'options'], ['unauthorized', 'options'], ['offline', 'retry'], ['error', 'retry']] as const) {
      calls.length = 0;
      sb.setModel({ ...emptyModel(), state, error: { kind: 'server', message: 'HTTP 500' } });
      (q('.message button.primary') as HTMLButtonElement).click();
      expect(calls).toEqual([call]);
    }
  });
});

describe('hosts', () => {
  it('the side panel has neither a collapse button nor a resize handle: the browser sizes and closes it', async () => {
    mount().setModel(withResult(emptyModel(), { ok: true, data: await ask('aiko.tanaka@acme.example.jp'), fetchedAt: Date.now(), stale: false }));
    expect(q('aside.panel[data-state=ready]')).not.toBeNull();
    expect(q('[role=separator]')).toBeNull();
    expect(q('button[aria-controls="baton-panel"]')).toBeNull();
  });

  it('the inline frame collapses to a slim tab and opens again, asking the background to size its host', () => {
    const sb = mount(en, { collapsed: false, width: 360 }, 'frame');
    sb.setModel({ ...emptyModel(), state: 'loading' });
    (q('button[aria-controls="baton-panel"][aria-expanded="true"]') as HTMLButtonElement).click();
    expect(calls).toEqual(['toggle']);
    expect(q('aside.collapsed button.tab')!.getAttribute('aria-expanded')).toBe('false');
    (q('button.tab') as HTMLButtonElement).click();
    expect(calls).toEqual(['toggle', 'toggle']);
    expect(q('aside.collapsed')).toBeNull();
  });

  it('the inline frame is resizable by keyboard', () => {
    mount(en, { collapsed: false, width: 340 }, 'frame').setModel({ ...emptyModel(), state: 'loading' });
    const handle = q('[role=separator]') as HTMLElement;
    handle.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
    handle.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', shiftKey: true, bubbles: true }));
    expect(calls).toEqual(['resize:356:true', 'resize:292:true']);
  });
});

describe('a tab with no ticket, and a paused one', () => {
  it('says there is no ticket on this tab and lists the desks Baton knows, with the settings at hand', () => {
    mount().setModel(null, ['Request Tracker', 'Zendesk']);
    expect(q('[data-state]')).toBeNull();
    const aside = q('aside[data-part=no-ticket]')!;
    expect(aside.textContent).toContain('No ticket on this tab');
    expect(qa('[data-part=desks] li').map((li) => li.textContent)).toEqual(['Request Tracker', 'Zendesk']);
    (q(`button[aria-label="${en.messages.settings}"]`) as HTMLButtonElement).click();
    expect(calls).toEqual(['options']);
  });

  it('in Japanese too', () => {
    mount(ja).setModel(null, ['Zendesk']);
    expect(q('aside[data-part=no-ticket]')!.textContent).toContain('このタブにはチケットがありません');
  });

  it('a tab whose page kept changing the customer says so, and the agent can look them up', () => {
    mount().setModel({ ...emptyModel(), state: 'error', error: { kind: 'paused', message: '5' } });
    expect(q('[data-state=error] [data-part=paused]')!.textContent).toContain(en.messages.paused_title);
    (q('[data-part=paused] button.primary') as HTMLButtonElement).click();
    expect(calls).toEqual(['retry']);
  });
});

describe('the society ring', () => {
  it('without society text it says through whom, not "Society" twice', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    data.account!.society = '';
    const ring = data.after.find((i) => i.level === 'society')!;
    ring.label = 'Society'; // what the API sends then
    mount().setModel(withResult(emptyModel(), { ok: true, data, fetchedAt: Date.now(), stale: false }));
    const text = q('[data-level=society]')!.textContent!;
    expect(text.match(/Society/g)).toHaveLength(1);
    expect(text).toContain('through what 株式会社アクメ does');
  });

  it('with society text it shows it', async () => {
    mount().setModel(withResult(emptyModel(), { ok: true, data: await ask('aiko.tanaka@acme.example.jp'), fetchedAt: Date.now(), stale: false }));
    expect(q('[data-level=society]')!.textContent).toContain('地域のものづくりを支える');
  });
});

describe('links', () => {
  it('allows https and mailto only', () => {
    expect(safeHref('https://chat.example/u/1')).toBe('https://chat.example/u/1');
    expect(safeHref('mailto:ken.sato@hibiki-survey.example')).toBe('mailto:ken.sato@hibiki-survey.example');
    for (const bad of ['javascript:alert(1)', 'JAVASCRIPT:alert(1)', 'data:text/html,x', 'http://chat.example', 'vbscript:x', '//evil.example', 'https://u:p@x.example', 'mailto:not-an-address', ''])
      expect(safeHref(bad), bad).toBeNull();
    expect(mailtoHref('a@b.example?subject=x')).toBeNull();
  });
});
