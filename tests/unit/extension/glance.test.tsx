// @vitest-environment happy-dom
/**
 * Issue 10 in the sidebar, from the demo config's answers (built by the server's code): the
 * summary strip, the trust badge and the "verify who this is" warning, the account card (plan,
 * renewal countdown or overdue, health, deals), the product team first in "before", codes kept
 * whole (FR-112), the collapsed "Add a note" line, the search combobox (suggestions through the
 * background, keyboard navigation, a pick looks up the contact or the account), "Hand to sales",
 * "This is <account>", Copy relay labelled and with the latest notes, and the theme setting.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mountView, type ViewHandle } from '../../../src/ui/view';
import { emptyModel, withResult, type SidebarModel } from '../../../src/ui/model';
import { daysUntil } from '../../../src/ui/glance';
import { relayMarkdown } from '../../../src/ui/write';
import { makeT } from '../../../src/ui/i18n';
import type { ContextQuery, ContextResponse, SearchResult } from '../../../src/shared/context';
import type { MessageName, UiStrings } from '../../../src/shared/messages';
import { demoContext, uiStrings } from './helpers';

let en: UiStrings;
let ja: UiStrings;
const strings = uiStrings;
beforeAll(async () => {
  en = await strings('en');
  ja = await strings('ja');
});

const NOW = Date.UTC(2026, 11, 2, 9, 0, 0);
const ask = (q: ContextQuery): Promise<ContextResponse> => demoContext({ lang: 'en', ...q, ...(q.email && !q.domain ? { domain: q.email.split('@')[1] } : {}) });
const modelOf = (data: ContextResponse, extra: Partial<SidebarModel> = {}): SidebarModel =>
  withResult({ ...emptyModel(), customer: { ticket: '42', email: 'x@example.com' }, ...extra }, { ok: true, data, fetchedAt: NOW, stale: false });

const LAKESIDE: SearchResult[] = [
  { kind: 'account', account: { id: 'lakeside', name: 'Lakeside Hotels Co., Ltd.' }, score: 0.9 },
  { kind: 'contact', account: { id: 'lakeside', name: 'Lakeside Hotels Co., Ltd.' }, contact: { email: 'grace.hill@lakeside-hotels.example.com', name: 'Grace Hill' }, score: 0.6 },
];

const calls: Array<[string, unknown]> = [];
const send = (async (type: MessageName, payload: unknown) => {
  calls.push([type, payload]);
  if (type === 'search:run') return { ok: true, results: (payload as { q: string }).q.startsWith('lake') ? LAKESIDE : [] };
  if (type === 'handoffs:send') return { ok: true, handoff: { id: '1', stage: { id: 'inside-sales', label: 'Inside Sales', color: '' }, to: ['伊藤 蓮', 'James Miller'], at: '' } };
  if (type === 'links:add') return { ok: true, link: { email: 'x@example.com', account: 'lakeside', name: '', ticket: '', by: '', at: '' } };
  return { ok: true };
}) as never;

let root: HTMLElement;
let view: ViewHandle | null = null;
function mount(s: UiStrings = en) {
  root = document.createElement('div');
  document.body.append(root);
  view = mountView({ root, host: 'panel', strings: s, send });
  return (model: SidebarModel) => view!.setView({ tabId: 7, model, ui: { collapsed: false, width: 340 }, desks: [] });
}
afterEach(() => {
  view?.destroy();
  view = null;
  root?.remove();
  calls.length = 0;
  vi.useRealTimers();
});
const q = <E extends Element = HTMLElement>(sel: string) => root.querySelector<E>(sel);
const qa = (sel: string) => [...root.querySelectorAll<HTMLElement>(sel)];

describe('at a glance', () => {
  it('the summary strip says contact · team (n) · company (n people) · society, and who is next', async () => {
    mount()(modelOf(await ask({ email: 'aiko.tanaka@acme.example.jp' })));
    expect(qa('[data-part=glance] [data-part=glance-item]').map((e) => e.dataset.level)).toEqual(['contact', 'team', 'company', 'society', 'next']);
    const text = q('[data-part=glance]')!.textContent!;
    expect(text).toContain('田中 愛子');
    expect(text).toContain('人事部 (12)');
    expect(text).toContain('株式会社アクメ (1,200 people)');
    expect(text).toContain('地域のものづくりを支える');
    expect(q('[data-part=glance] [data-level=next]')!.textContent).toMatch(/Next:.*山田 花子/);
    // The strip sits in the header, above the relay's detail.
    expect(q('[data-part=glance]')!.compareDocumentPosition(q('[data-part=before]')!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it('an exact email match: a green "exact" badge and no warning; company name and free mail: a warning before the relay, saying why', async () => {
    const set = mount();
    set(modelOf(await ask({ email: 'aiko.tanaka@acme.example.jp' })));
    expect(q('[data-part=trust]')!.dataset).toMatchObject({ match: 'email', trust: 'high' });
    expect(q('[data-part=trust]')!.textContent).toBe('Email: exact match');
    expect(q('[data-part=verify]')).toBeNull();

    set(modelOf(await ask({ email: 'taro.yamamoto@freemail.example', org: 'ミナト電機株式会社' })));
    expect(q('[data-part=trust]')!.dataset).toMatchObject({ match: 'org', trust: 'low' });
    const warn = q('[data-part=verify]')!;
    expect(warn.textContent).toContain('Verify who this is');
    expect(warn.textContent).toContain('company name alone');
    expect(warn.textContent).toContain('free-mail address (freemail.example)');
    expect(warn.compareDocumentPosition(q('[data-part=before]')!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    set(modelOf(await ask({ email: 'chihiro.yoshida@sakura-med.example.jp' })));
    expect(q('[data-part=trust]')!.dataset).toMatchObject({ match: 'domain', trust: 'medium' });
  });

  it('the badge reads in Japanese without 「一致」 (its 一 vanishes at 1×)', async () => {
    mount(ja)(modelOf(await ask({ email: 'aiko.tanaka@acme.example.jp', lang: 'ja' })));
    expect(q('[data-part=trust]')!.textContent).toBe('メールアドレスで特定');
    expect(q('[data-part=you]')!.textContent).toContain('現在地');
    expect(q('[data-part=after] [data-level=contact]')!.textContent).toContain('お問い合わせの方');
    for (const k of Object.keys(ja.messages).filter((k) => k.startsWith('matchBy_'))) expect(ja.messages[k]).not.toContain('一致');
  });

  it('the account card: plan, renewal with a countdown or overdue, health, open deals', async () => {
    vi.useFakeTimers({ now: NOW, toFake: ['Date'] });
    const set = mount();
    set(modelOf(await ask({ email: 'aiko.tanaka@acme.example.jp' })));
    const card = q('[data-part=account-card]')!;
    expect(card.querySelector('[data-field=plan]')!.textContent).toBe('Plan: Enterprise');
    expect(card.querySelector('[data-field=renewal]')!.textContent).toMatch(/Renewal .*2027.* · in 119 days/);
    expect(card.querySelector('[data-field=health]')!.textContent).toBe('Healthy');
    expect(card.querySelector('[data-field=deals] summary')!.textContent).toBe('Open deals: 1');
    set(modelOf(await ask({ email: 'emma.clark@northwind.example.com' })));
    const renewal = q('[data-part=account-card] [data-field=renewal]')!;
    expect(renewal.dataset.overdue).toBe('true');
    expect(renewal.textContent).toContain('overdue by 17 days');
    expect(daysUntil('2026-12', NOW)).toBe(29);
    expect(daysUntil('soon', NOW)).toBeNull();
  });

  it('a ticket about sign-in shows the team that built it first in "before" and its owner after', async () => {
    mount()(modelOf(await ask({ email: 'noah.wright@bluepeak.example.com', subject: 'SSO login loops back to the sign-in page' })));
    const first = q('[data-part=before] [data-part=handoff]')!;
    expect(first.dataset.stage).toBe('product');
    expect(first.textContent).toContain('小林 誠');
    expect(first.textContent).toContain('Sign-in & SSO');
    expect(qa('[data-part=after] [data-level=teammate]').map((e) => e.textContent).join('|')).toContain('岡田 理沙');
  });

  it('codes like FR-112 are kept on one line; titles get their own line under the name', async () => {
    mount()(modelOf(await ask({ email: 'emma.clark@northwind.example.com' })));
    expect(qa('.nobr').map((e) => e.textContent)).toContain('FR-112');
    expect(q('[data-stage=sales] .person .title')!.textContent).toBe('Account Executive');
  });

  it('"Add a note" is one line until clicked; saved notes beyond the latest fold away', async () => {
    const data = await ask({ email: 'aiko.tanaka@acme.example.jp' });
    const note = (id: string, text: string) => ({ id, text, author: 'A', ticket: '1', at: '2026-12-01T00:00:00Z', mine: false });
    mount()(modelOf({ ...data, notes: [note('2', 'newer'), note('1', 'older')] }));
    const form = q<HTMLFormElement>('form[data-part=note-form]')!;
    expect(form.classList.contains('open')).toBe(false);
    expect(form.querySelector('[type=submit]')).toBeNull();
    expect(form.querySelector('textarea')!.placeholder).toBe('Add a note for the next person…');
    form.querySelector('textarea')!.dispatchEvent(new FocusEvent('focusin', { bubbles: true }));
    await vi.waitFor(() => expect(q('form[data-part=note-form] [type=submit]')).not.toBeNull());
    expect(q('[data-part=notes] > [data-part=note] .text')!.textContent).toBe('newer');
    expect(q('[data-part=notes] details [data-part=note] .text')!.textContent).toBe('older');
  });

  it('Copy relay is a labelled button, and its Markdown carries the latest notes and the warning', async () => {
    const data = await ask({ email: 'taro.yamamoto@freemail.example', org: 'ミナト電機株式会社' });
    mount()(modelOf(data));
    expect(q('[data-action=copy-relay]')!.textContent).toBe('Copy relay');
    const md = relayMarkdown(modelOf({ ...data, notes: [{ id: '1', text: 'Called back on the registered number', author: 'Ken', ticket: '8', at: '2026-12-01T10:00:00Z', mine: true }] }), makeT(en), 'https://desk.example/8');
    expect(md).toContain('Verify who this is');
    expect(md).toContain('  - Called back on the registered number (Ken, ticket 8, 2026-12-01)');
  });
});

describe('search, and an unknown requester', () => {
  it('suggestions come from the background as the agent types; ArrowDown/Enter pick one, Escape closes', async () => {
    const data = await ask({ email: 'alex.rivera@unknown-startup.example' });
    mount()(modelOf(data, { query: { email: 'alex.rivera@unknown-startup.example' } }));
    const input = q<HTMLInputElement>('form[data-part=search-form] input[role=combobox]')!;
    input.value = 'lakes';
    input.dispatchEvent(new InputEvent('input', { bubbles: true }));
    await vi.waitFor(() => expect(qa('[data-part=search-results] [role=option]')).toHaveLength(2));
    expect(calls.find(([t]) => t === 'search:run')![1]).toEqual({ q: 'lakes' });
    expect(input.getAttribute('aria-expanded')).toBe('true');
    const key = (k: string) => input.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
    key('ArrowDown');
    key('ArrowDown');
    await vi.waitFor(() => expect(input.getAttribute('aria-activedescendant')).toBe(qa('[role=option]')[1]!.id));
    key('ArrowUp');
    await vi.waitFor(() => expect(q('[role=option][aria-selected=true]')!.dataset.kind).toBe('account'));
    q<HTMLFormElement>('form[data-part=search-form]')!.requestSubmit();
    await vi.waitFor(() => expect(calls.filter(([t]) => t === 'view:search').map(([, p]) => p)).toEqual([{ tabId: 7, override: { org: 'Lakeside Hotels Co., Ltd.' } }]));

    input.value = 'lake';
    input.dispatchEvent(new InputEvent('input', { bubbles: true }));
    await vi.waitFor(() => expect(input.getAttribute('aria-expanded')).toBe('true'));
    key('Escape');
    await vi.waitFor(() => expect(input.getAttribute('aria-expanded')).toBe('false'));
    input.value = 'nobody at all';
    input.dispatchEvent(new InputEvent('input', { bubbles: true }));
    await vi.waitFor(() => expect(q('[data-part=search-empty]')!.textContent).toBe('Nobody matches “nobody at all”'));
  });

  it('not found: says the customer was not found, no "typed" badge, and offers "Hand to sales" to the stage the config names', async () => {
    const data = await ask({ email: 'alex.rivera@unknown-startup.example' });
    mount()(modelOf(data, { query: { email: 'alex.rivera@unknown-startup.example' }, override: { org: 'zzqx' } }));
    expect(q('[data-state]')!.dataset.state).toBe('not-found');
    expect(q('.message h3')!.textContent).toBe('Customer not found');
    expect(q('[data-part=trust]')).toBeNull();
  });

  it('"Hand to sales" sends the note for the tab; the background fills in who the requester is', async () => {
    const data = await ask({ email: 'alex.rivera@unknown-startup.example' });
    mount()(modelOf(data, { query: { email: 'alex.rivera@unknown-startup.example' } }));
    const form = q<HTMLFormElement>('form[data-part=handoff-form]')!;
    expect(q('[data-action=hand-off]')!.textContent).toBe('Hand to Inside Sales');
    form.querySelector('textarea')!.value = 'Pricing for 30 seats';
    form.requestSubmit();
    await vi.waitFor(() => expect(q('[data-part=handoff-done]')!.textContent).toBe('Handed to Inside Sales: 伊藤 蓮, James Miller'));
    expect(calls.filter(([t]) => t === 'handoffs:send').map(([, p]) => p)).toEqual([{ tabId: 7, stage: 'inside-sales', note: 'Pricing for 30 seats' }]);
  });

  it('"This is <account>" shows for a chosen account while the page has an email, and links it', async () => {
    const data = await ask({ org: 'Lakeside Hotels Co., Ltd.' });
    mount()(modelOf(data, { override: { org: 'Lakeside Hotels Co., Ltd.' } }));
    expect(q('[data-part=trust]')!.dataset.match).toBe('typed');
    const button = q<HTMLButtonElement>('[data-action=link-account]')!;
    expect(button.textContent).toBe('This is Lakeside Hotels Co., Ltd.');
    button.click();
    await vi.waitFor(() => expect(calls.filter(([t]) => t === 'links:add').map(([, p]) => p)).toEqual([{ tabId: 7, account: 'lakeside' }]));
  });
});

describe('small defects', () => {
  it('a saved answer with the API down is a warning, its Retry one unbroken button; the footer says "たった今更新"', async () => {
    const data = await ask({ email: 'aiko.tanaka@acme.example.jp', lang: 'ja' });
    const set = mount(ja);
    set({ ...modelOf(data), state: 'stale', error: { kind: 'offline', message: 'down' }, fetchedAt: Date.now() - 120_000 });
    const banner = q('[data-part=stale]')!;
    expect(banner.classList.contains('warn')).toBe(true);
    expect(banner.querySelector('button.retry')!.textContent).toBe('再試行');
    set({ ...modelOf(data), fetchedAt: Date.now() });
    await vi.waitFor(() => expect(q('.foot')!.textContent).toContain('たった今更新'));
  });
});

describe('another customer', () => {
  it('"Not them? Search" opens the same search box over a shown relay', async () => {
    mount()(modelOf(await ask({ email: 'taro.yamamoto@freemail.example', org: 'ミナト電機株式会社' })));
    expect(q('form[data-part=search-form]')).toBeNull();
    q<HTMLButtonElement>('[data-action=search-toggle]')!.click();
    await vi.waitFor(() => expect(q('form[data-part=search-form] input[role=combobox]')).not.toBeNull());
    expect(q('[data-action=search-toggle]')!.getAttribute('aria-expanded')).toBe('true');
  });
});

describe('theme', () => {
  it('light or dark from the setting wins over the system; auto leaves it to the system', async () => {
    mount({ ...en, theme: 'dark' });
    view!.setStrings({ ...en, theme: 'dark' });
    expect(document.documentElement.dataset.theme).toBe('dark');
    view!.setStrings({ ...en, theme: 'light' });
    expect(document.documentElement.dataset.theme).toBe('light');
    view!.setStrings({ ...en, theme: 'auto' });
    expect(document.documentElement.dataset.theme).toBeUndefined();
  });
});
