// @vitest-environment happy-dom
/**
 * A ticket switch to a ticket the view has shown before (issue 13's cached switch): the view hears
 * the content script's report itself (extension pages get runtime messages too) and draws the
 * relay it drew before at once, without waiting for the background's view; the background's
 * view after it, the same, draws nothing more. An older answer still on its way when the report
 * came is not drawn over the new ticket. Only our own content script, in the top frame of the
 * shown tab, is heard.
 */
import { options, type VNode } from 'preact';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OVERTAKEN_MS, RECALL_MAX, SHELF_MAX, TICK_MS, hearReports, mountView, type ViewHandle } from '../../../src/ui/view';
import { Sidebar } from '../../../src/ui/Sidebar';
import { emptyModel, withResult, type SidebarModel } from '../../../src/ui/model';
import type { ContextResponse } from '../../../src/shared/context';
import { envelope, type TicketReport, type UiStrings } from '../../../src/shared/messages';
import type { RuntimeLike } from '../../../src/shared/runtime';
import type { TabView } from '../../../src/shared/view';
import { demoContext, uiStrings } from './helpers';

let en: UiStrings;
let ja: UiStrings;
let sidebarRenders = 0;
const before = options.diffed;
const AIKO = { email: 'aiko.tanaka@acme.example.jp', name: '田中 愛子' };
const KENJI = { email: 'kenji.ota@minato-denki.example.jp', name: '太田 健二' };
type Person = typeof AIKO;
const data = new Map<string, ContextResponse>();
beforeAll(async () => {
  en = await uiStrings('en');
  ja = await uiStrings('ja');
  for (const p of [AIKO, KENJI]) data.set(p.email, await demoContext({ email: p.email, domain: p.email.split('@')[1]!, lang: 'en' }));
  options.diffed = (vnode: VNode) => {
    if (vnode.type === Sidebar) sidebarRenders++;
    before?.(vnode);
  };
});
afterAll(() => {
  options.diffed = before;
});

const DESK = { id: 'demo', label: 'Demo desk' };
const ORIGIN = 'http://127.0.0.1:8787';
const TAB = 7;
const url = (ticket: string) => `${ORIGIN}/demo/tickets/${ticket}`;
const report = (p: Person, ticket: string, extra: Partial<TicketReport> = {}): TicketReport => ({
  key: `${ORIGIN}|demo|${ticket}`,
  desk: DESK,
  customer: { email: p.email, name: p.name, ticket },
  url: url(ticket),
  ...extra,
});
/** The background's model for a report and its answer (as tabs.ts builds it). */
const answered = (p: Person, ticket: string, fetchedAt = Date.now() - 60_000): SidebarModel => {
  const r = report(p, ticket);
  const query = { email: p.email, domain: p.email.split('@')[1]!, lang: 'en' as const };
  return withResult({ ...emptyModel(), desk: r.desk, customer: r.customer, override: null, query, page: r.url }, { ok: true, data: structuredClone(data.get(p.email)!), fetchedAt, stale: false, cached: true });
};
const tabView = (model: SidebarModel | null, tabId = TAB): TabView => ({ tabId, model, ui: { collapsed: false, width: 340 }, desks: [] });

let root: HTMLElement;
let view: ViewHandle | null = null;
function mount(): ViewHandle {
  root = document.createElement('div');
  document.body.append(root);
  view = mountView({ root, host: 'frame', strings: en, send: (async () => ({ ok: true })) as never });
  return view;
}
afterEach(() => {
  view?.destroy();
  view = null;
  root?.remove();
});
const shownName = () => root.querySelector('[data-state]')?.textContent ?? '';

describe('a ticket the view showed before, reported again', () => {
  it('is drawn from the view at once, and the background’s same view after it draws nothing more', () => {
    const v = mount();
    const aiko = answered(AIKO, '1');
    v.setView(tabView(aiko));
    v.setView(tabView(answered(KENJI, '2')));
    expect(shownName()).toContain(KENJI.name);

    v.reported(report(AIKO, '1'));
    expect(root.querySelector('[data-state]')?.getAttribute('data-state')).toBe('ready');
    expect(shownName()).toContain(AIKO.name);
    expect(root.querySelector('[data-part=before] [data-part=handoff]')).not.toBeNull();
    expect(v.model?.page).toBe(url('1'));

    const drawn = sidebarRenders;
    const html = root.innerHTML;
    v.setView(tabView(structuredClone(aiko))); // the background's view of the report: the same answer
    expect(sidebarRenders).toBe(drawn);
    expect(root.innerHTML).toBe(html);
  });

  it('a ticket never shown, or another customer on the same ticket, waits for the background', () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    v.setView(tabView(answered(KENJI, '2')));
    const drawn = sidebarRenders;
    v.reported(report(AIKO, '3')); // Aiko, but on a ticket not shown before
    v.reported(report(KENJI, '1')); // ticket 1, but its customer is now Kenji
    expect(sidebarRenders).toBe(drawn);
    expect(shownName()).toContain(KENJI.name);
  });

  it('an older answer still on its way when the report came is not drawn over the reported ticket', () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    v.setView(tabView(answered(KENJI, '2')));
    v.reported(report(AIKO, '1'));
    expect(shownName()).toContain(AIKO.name);
    v.setView(tabView(answered(KENJI, '2', Date.now()))); // Kenji's revalidated answer, overtaken
    expect(shownName()).toContain(AIKO.name);
    v.setView(tabView(answered(AIKO, '1', Date.now()))); // the background's view after the report
    expect(shownName()).toContain(AIKO.name);
    v.setView(tabView(answered(KENJI, '2', Date.now()))); // and then, a new view from the background: drawn
    expect(shownName()).toContain(KENJI.name);
  });

  it('a report the background never answered holds back no answer for longer than OVERTAKEN_MS', () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    v.setView(tabView(answered(KENJI, '2')));
    const t0 = Date.now();
    vi.useFakeTimers({ now: t0, toFake: ['Date'] });
    try {
      v.reported(report(AIKO, '1'));
      v.setView(tabView(answered(KENJI, '2', t0)));
      expect(shownName()).toContain(AIKO.name);
      vi.setSystemTime(t0 + OVERTAKEN_MS);
      v.setView(tabView(answered(KENJI, '2', t0)));
      expect(shownName()).toContain(KENJI.name);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a report while reading, or of no ticket, holds nothing back', () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    v.reported(report(KENJI, '2', { reading: true }));
    v.setView(tabView(answered(KENJI, '2')));
    expect(shownName()).toContain(KENJI.name);
    v.reported(report(AIKO, '1'));
    v.reported(null);
    v.setView(tabView(answered(KENJI, '2', Date.now())));
    expect(shownName()).toContain(KENJI.name);
  });

  it('a paused tab stays paused (the agent says when to look up again)', () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    const paused: SidebarModel = { ...emptyModel(), state: 'error', desk: DESK, customer: report(KENJI, '2').customer, page: url('2'), error: { kind: 'paused', message: '4' } };
    v.setView(tabView(paused));
    v.reported(report(AIKO, '1'));
    expect(v.model?.error?.kind).toBe('paused');
  });

  it('what the view keeps goes with a new language, an answer that is no relay, and beyond RECALL_MAX', () => {
    const v = mount();
    const drawnAfter = (p: Person, ticket: string) => {
      v.reported(report(p, ticket));
      const drawn = shownName().includes(p.name) && v.model?.page === url(ticket);
      v.reported(null); // the page shows no ticket: the next views are drawn whatever they show
      return drawn;
    };
    // A new language.
    v.setView(tabView(answered(AIKO, '1')));
    v.setView(tabView(answered(KENJI, '2')));
    v.setStrings(ja);
    expect(drawnAfter(AIKO, '1')).toBe(false);
    // An answer that is no relay (the API could not be reached, nothing kept) replaces the one kept.
    v.setView(tabView(answered(AIKO, '1')));
    v.setView(tabView({ ...answered(AIKO, '1'), state: 'offline', data: null, fetchedAt: null, error: { kind: 'offline', message: '' } }));
    v.setView(tabView(answered(KENJI, '2')));
    expect(drawnAfter(AIKO, '1')).toBe(false);
    // Beyond RECALL_MAX tickets, the oldest is let go.
    const who = (i: number) => (i % 2 ? AIKO : KENJI);
    for (let i = 0; i <= RECALL_MAX; i++) v.setView(tabView(answered(who(i), String(100 + i))));
    v.setView(tabView(answered(KENJI, '2'))); // 34 kept in all: 100 and 101 let go
    expect(drawnAfter(who(1), '101')).toBe(false);
    v.setView(tabView(answered(KENJI, '2')));
    expect(drawnAfter(who(3), '103')).toBe(true);
  });

  it('a relay the agent changed here (a thanks sent) is not drawn from the view again: the background’s view of it comes next', async () => {
    root = document.createElement('div');
    document.body.append(root);
    const send = (async (type: string) => (type === 'thanks:send' ? { ok: true, thanks: {}, total: 99 } : { ok: true })) as never;
    const v = (view = mountView({ root, host: 'frame', strings: en, send }));
    v.setView(tabView(answered(AIKO, '1')));
    const thank = root.querySelector<HTMLButtonElement>('[data-action=thank]')!;
    thank.click();
    await expect.poll(() => thank.querySelector('[data-part=thanks-count]')?.textContent).toBe('99');
    v.setView(tabView(answered(KENJI, '2')));
    const drawn = sidebarRenders;
    v.reported(report(AIKO, '1'));
    expect(sidebarRenders).toBe(drawn);
    expect(shownName()).toContain(KENJI.name);
  });
});

describe('each ticket’s rendered view, kept', () => {
  /**
   * DOM changes inside the view (not the root's own children: putting a kept view in is one; not
   * an empty text node touched, which shows nothing).
   */
  const changesIn = async (fn: () => void) => {
    const seen: MutationRecord[] = [];
    const mo = new MutationObserver((r) => seen.push(...r));
    mo.observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    fn();
    await Promise.resolve();
    seen.push(...mo.takeRecords());
    mo.disconnect();
    return seen.filter((r) => r.target !== root && !(r.type === 'characterData' && r.target.textContent === '')).length;
  };

  it('a switch back puts the ticket’s view in again and changes only what changed, not the whole relay', async () => {
    const v = mount();
    const aiko = answered(AIKO, '1');
    v.setView(tabView(aiko));
    const aside = root.querySelector('aside');
    v.setView(tabView(answered(KENJI, '2')));
    expect(root.childNodes).toHaveLength(1);
    const back = await changesIn(() => v.reported(report(AIKO, '1')));
    expect(back, 'DOM changes inside the view on the switch back').toBeLessThanOrEqual(3);
    expect(root.querySelector('aside')).toBe(aside);
    expect(shownName()).toContain(AIKO.name);
    expect(root.childNodes).toHaveLength(1);
    // The background's newer answer (fetched now): only its age changes on screen.
    const newer = await changesIn(() => v.setView(tabView(answered(AIKO, '1', Date.now()))));
    expect(newer).toBeGreaterThan(0);
    expect(newer).toBeLessThanOrEqual(3);
    expect(root.textContent).toContain(en.messages.updatedNow);
  });

  /** Kenji's ticket shown, then Aiko's ticket 1 reported again: its element put back as it was, nothing rendered. */
  const switchBackPutsBack = async (v: ViewHandle, aside: Element | null): Promise<number> => {
    v.setView(tabView(answered(KENJI, '2')));
    const renders = sidebarRenders;
    const back = await changesIn(() => v.reported(report(AIKO, '1')));
    expect(sidebarRenders, 'Sidebar renders on the switch back').toBe(renders);
    expect(back, 'DOM changes inside the view').toBe(0);
    expect(root.querySelector('aside')).toBe(aside);
    expect(shownName()).toContain(AIKO.name);
    return renders;
  };

  it('a switch back to a view still as it was drawn renders nothing: its element is put back as it is', async () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    const aside = root.querySelector('aside');
    const renders = await switchBackPutsBack(v, aside);
    // The background's view after the report, the same: nothing drawn either.
    v.setView(tabView(answered(AIKO, '1')));
    expect(sidebarRenders).toBe(renders);
  });

  it('a switch back to a view whose answer was revalidated since (fetched again, the same words on screen) renders nothing either', async () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1', Date.now() - 10_000)));
    const aside = root.querySelector('aside');
    // The background's revalidation of the shown ticket: the same answer, fetched again.
    v.setView(tabView(answered(AIKO, '1', Date.now() - 5_000)));
    await switchBackPutsBack(v, aside);
    expect(root.textContent).toContain(en.messages.updatedNow);
    // Once its words would change ("1 min ago"), the same answer is drawn again, not put back.
    v.setView(tabView(answered(KENJI, '2')));
    const later = sidebarRenders;
    v.reported(report(AIKO, '1', { url: url('1') }));
    expect(sidebarRenders).toBe(later);
    v.setView(tabView(answered(AIKO, '1', Date.now() - 90_000)));
    expect(sidebarRenders).toBeGreaterThan(later);
    expect(root.textContent).not.toContain(en.messages.updatedNow);
  });

  it('a kept view drawn longer than TICK_MS ago is put back at once, then drawn again when the browser is idle (its times)', async () => {
    vi.useFakeTimers({ now: Date.now() });
    try {
      const v = mount();
      const aiko = answered(AIKO, '1', Date.now() - 10_000);
      v.setView(tabView(aiko));
      expect(root.textContent).toContain(en.messages.updatedNow);
      v.setView(tabView(answered(KENJI, '2')));
      vi.setSystemTime(Date.now() + TICK_MS + 60_000);
      const renders = sidebarRenders;
      v.reported(report(AIKO, '1'));
      expect(sidebarRenders, 'nothing rendered before the relay is back on screen').toBe(renders);
      expect(shownName()).toContain(AIKO.name);
      await vi.runOnlyPendingTimersAsync();
      expect(sidebarRenders, "drawn again (its times)").toBeGreaterThan(renders);
      expect(root.textContent).not.toContain(en.messages.updatedNow);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a kept view whose write-back state changed since (a note being saved) is drawn again, not put back as it was', () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    v.setView(tabView(answered(KENJI, '2')));
    const form = root.querySelector<HTMLFormElement>('form[data-part=note-form]');
    expect(form).not.toBeNull();
    form!.querySelector('textarea')!.value = 'Called back about the CSV export';
    form!.requestSubmit();
    const renders = sidebarRenders;
    v.reported(report(AIKO, '1'));
    expect(sidebarRenders).toBeGreaterThan(renders);
    expect(shownName()).toContain(AIKO.name);
  });

  it('a queue of ten new questions between does not push out a ticket gone back to', async () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    const aside = root.querySelector('aside');
    for (let i = 0; i < 10; i++) {
      const m = answered(KENJI, String(300 + i));
      v.setView(tabView({ ...m, customer: { ...m.customer, subject: `question ${i}` } }));
    }
    await switchBackPutsBack(v, aside);
  });

  it('beyond SHELF_MAX other tickets, a ticket’s view is let go (unmounted) and made anew', () => {
    const v = mount();
    v.setView(tabView(answered(AIKO, '1')));
    const aside = root.querySelector('aside');
    for (let i = 0; i < SHELF_MAX; i++) v.setView(tabView(answered(KENJI, String(200 + i))));
    v.setView(tabView(answered(AIKO, '1')));
    expect(root.querySelector('aside')).not.toBe(aside);
    expect(aside!.isConnected).toBe(false);
    expect(aside!.parentNode?.childNodes.length ?? 0, 'the let-go view was unmounted').toBe(0);
    expect(shownName()).toContain(AIKO.name);
  });
});

describe('hearReports', () => {
  type Listener = (msg: unknown, sender: object, reply: (r: unknown) => void) => unknown;
  function fakeRuntime() {
    const listeners = new Set<Listener>();
    const rt = {
      id: 'baton-id',
      getURL: (p: string) => `chrome-extension://baton-id/${p}`,
      sendMessage: async () => undefined,
      connect: () => {
        throw new Error('not in this test');
      },
      onMessage: {
        addListener: (fn: Listener) => void listeners.add(fn),
        removeListener: (fn: Listener) => void listeners.delete(fn),
      },
    } as unknown as RuntimeLike;
    const deliver = (msg: unknown, sender: object) => [...listeners].map((fn) => fn(msg, sender, () => undefined));
    return { rt, deliver, listeners };
  }
  const own = { id: 'baton-id', tab: { id: TAB, url: url('1') }, frameId: 0, url: url('1') };

  it('hands on our content script’s report from the top frame of the shown tab, and never answers it', () => {
    const heard: Array<TicketReport | null> = [];
    const { rt, deliver, listeners } = fakeRuntime();
    const stop = hearReports({ view: tabView(null), reported: (r) => heard.push(r) }, rt);
    const replies = deliver(envelope('tab:report', { ticket: report(AIKO, '1') }), own);
    expect(heard).toEqual([report(AIKO, '1')]);
    expect(replies).toEqual([undefined]); // the background answers
    deliver(envelope('tab:report', { ticket: null }), own);
    expect(heard).toEqual([report(AIKO, '1'), null]);
    stop();
    expect(listeners.size).toBe(0);
  });

  it('refuses another tab, a frame inside the page, our own pages, another extension and other messages', () => {
    const heard: Array<TicketReport | null> = [];
    const { rt, deliver } = fakeRuntime();
    hearReports({ view: tabView(null), reported: (r) => heard.push(r) }, rt);
    const msg = envelope('tab:report', { ticket: report(AIKO, '1') });
    deliver(msg, { ...own, tab: { id: TAB + 1 } });
    deliver(msg, { ...own, frameId: 3 });
    deliver(msg, { ...own, url: 'chrome-extension://baton-id/src/options/index.html' });
    deliver(msg, { ...own, id: 'another-extension' });
    deliver({ ...msg, baton: 2 }, own);
    deliver(envelope('tab:input', {}), own);
    expect(heard).toEqual([]);
  });

  it('cleans what a report says as the background does (strings only, an http(s) page)', () => {
    const heard: Array<TicketReport | null> = [];
    const { rt, deliver } = fakeRuntime();
    hearReports({ view: tabView(null), reported: (r) => heard.push(r) }, rt);
    deliver(envelope('tab:report', { ticket: { ...report(AIKO, '1'), url: 'javascript:alert(1)' } }), own);
    deliver(envelope('tab:report', { ticket: { ...report(AIKO, '1'), customer: { email: ` ${AIKO.email} `, name: 42, ticket: '1' } } as never }), own);
    expect(heard).toEqual([null, { ...report(AIKO, '1'), customer: { email: AIKO.email, ticket: '1' } }]);
  });
});
