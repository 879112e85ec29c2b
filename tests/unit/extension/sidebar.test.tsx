// @vitest-environment happy-dom
/**
 * The sidebar rendered from the demo config's answers (built by the server's code): the markup contract (PRODUCT.md "Sidebar
 * markup"), each data-state, link sanitising, locale formatting, collapse and resize, and the
 * page being pushed aside rather than covered.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountSidebar, type SidebarHandle } from '../../../src/sidebar/mount';
import { STATES, emptyModel, withResult } from '../../../src/sidebar/model';
import { safeHref, mailtoHref } from '../../../src/sidebar/links';
import { formatDate } from '../../../src/sidebar/i18n';
import type { ContextResponse } from '../../../src/shared/context';
import type { SidebarActions } from '../../../src/sidebar/Sidebar';
import type { UiStrings } from '../../../src/shared/messages';
import { demoContext, loadLocale } from './helpers';

let en: UiStrings;
let ja: UiStrings;
const strings = async (lang: 'en' | 'ja'): Promise<UiStrings> => ({
  lang,
  messages: Object.fromEntries(Object.entries(await loadLocale(lang)).map(([k, v]) => [k, v.message])),
});

beforeAll(async () => {
  en = await strings('en');
  ja = await strings('ja');
});

const ask = (email: string, lang: 'en' | 'ja' = 'en'): Promise<ContextResponse> => demoContext({ email, domain: email.split('@')[1], lang });

const calls: string[] = [];
const actions: SidebarActions = {
  retry: () => calls.push('retry'),
  search: (o) => calls.push(`search:${JSON.stringify(o)}`),
  clearOverride: () => calls.push('clear'),
  openOptions: () => calls.push('options'),
  toggle: () => calls.push('toggle'),
  resize: (w, done) => calls.push(`resize:${w}:${done}`),
};

let sb: SidebarHandle | null = null;
function mount(s: UiStrings = en, ui = { collapsed: false, width: 340 }): SidebarHandle {
  sb = mountSidebar({ strings: s, ui, actions, shadow: 'open' });
  return sb;
}
afterEach(() => {
  sb?.destroy();
  sb = null;
  calls.length = 0;
});

const q = (sel: string) => sb!.root.querySelector(sel);
const qa = (sel: string) => [...sb!.root.querySelectorAll(sel)];

describe('ready', () => {
  it('shows the relay in order, one hand-off per stage, and the impact levels', async () => {
    const data = await ask('aiko.tanaka@acme.example.jp');
    mount().setModel(withResult({ ...emptyModel(), customer: { email: 'aiko.tanaka@acme.example.jp', name: '田中 愛子' } }, { ok: true, data, fetchedAt: Date.now(), stale: false }));
    expect(document.getElementById('baton-sidebar')).toBe(sb!.host);
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
    mount();
    for (const state of STATES) {
      const withData = state === 'ready' || state === 'stale';
      sb!.setModel({ ...emptyModel(), state, data: withData ? data : null, fetchedAt: withData ? Date.now() - 600_000 : null, query: { email: 'x@y.example' } });
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
    mount();
    for (const [state, call] of [['unconfigured', 'options'], ['unauthorized', 'options'], ['offline', 'retry'], ['error', 'retry']] as const) {
      calls.length = 0;
      sb!.setModel({ ...emptyModel(), state, error: { kind: 'server', message: 'HTTP 500' } });
      (q('.message button.primary') as HTMLButtonElement).click();
      expect(calls).toEqual([call]);
    }
  });
});

describe('frame', () => {
  it('pushes the page aside while expanded and gives the room back when collapsed or gone', () => {
    document.documentElement.style.marginRight = '5px';
    mount(en, { collapsed: false, width: 360 });
    expect(document.documentElement.style.marginRight).toBe('360px');
    sb!.setUi({ collapsed: true });
    expect(document.documentElement.style.marginRight).toBe('5px');
    expect(q('aside.collapsed button.tab')!.getAttribute('aria-expanded')).toBe('false');
    (q('button.tab') as HTMLButtonElement).click();
    expect(calls).toEqual(['toggle']);
    sb!.setUi({ collapsed: false });
    sb!.show(false);
    expect(document.documentElement.style.marginRight).toBe('5px');
    sb!.show(true);
    sb!.destroy();
    sb = null;
    expect(document.getElementById('baton-sidebar')).toBeNull();
    expect(document.documentElement.style.marginRight).toBe('5px');
  });

  it("on a desk with its own top bar (RT's layout), pushes what lies under the bar, not <html>, and gives it back", () => {
    document.documentElement.style.removeProperty('margin-right');
    document.body.innerHTML = '<div id="top">menus</div><div id="content" style="margin-right: 2px">ticket</div><div id="foot">footer</div>';
    const content = document.getElementById('content')!;
    const foot = document.getElementById('foot')!;
    mount(en, { collapsed: false, width: 360 });
    expect(document.documentElement.style.marginRight).toBe('360px');
    sb!.setLayout({ below: '#top', push: ['#content', '#foot'] });
    expect(document.documentElement.style.marginRight, 'the top bar keeps the whole width').toBe('');
    expect([content.style.marginRight, foot.style.marginRight]).toEqual(['360px', '360px']);
    const host = document.getElementById('baton-sidebar')!;
    expect(host.style.getPropertyValue('top')).toMatch(/^\d+px$/);
    expect(host.style.getPropertyValue('height')).toMatch(/^(100vh|calc\(100vh - \d+px\))$/);
    sb!.setUi({ width: 400 });
    expect(content.style.marginRight).toBe('400px');
    sb!.setUi({ collapsed: true });
    expect([content.style.marginRight, foot.style.marginRight]).toEqual(['2px', '']);
    sb!.setUi({ collapsed: false });
    expect(content.style.marginRight).toBe('400px');
    // A layout whose bar is not on the page pushes the whole page, as without one.
    sb!.setLayout({ below: '#missing', push: ['#content'] });
    expect([document.documentElement.style.marginRight, content.style.marginRight]).toEqual(['400px', '2px']);
    sb!.setLayout({ below: '#top', push: ['#content'] });
    sb!.destroy();
    sb = null;
    expect([document.documentElement.style.marginRight, content.style.marginRight, foot.style.marginRight]).toEqual(['', '2px', '']);
    document.body.innerHTML = '';
  });

  it('mounts once: a second mount replaces the first host', () => {
    mount();
    const again = mountSidebar({ strings: en, ui: { collapsed: false, width: 340 }, actions, shadow: 'open' });
    expect(document.querySelectorAll('#baton-sidebar').length).toBe(1);
    again.destroy();
  });

  it('is resizable by keyboard', () => {
    mount();
    const handle = q('[role=separator]') as HTMLElement;
    handle.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }));
    handle.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight', shiftKey: true, bubbles: true }));
    expect(calls).toEqual(['resize:356:true', 'resize:276:true']);
  });

  it('keeps a closed shadow root closed', () => {
    const closed = mountSidebar({ strings: en, ui: { collapsed: false, width: 340 }, actions, shadow: 'closed' });
    expect(closed.host.shadowRoot).toBeNull();
    expect(closed.root.querySelector('[data-state]')).not.toBeNull();
    closed.destroy();
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
