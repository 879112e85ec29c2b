/**
 * A Baton view: the Sidebar rendered in one of the extension's own pages, for one tab at a time.
 * The side panel page (src/panel) follows its window's active tab; the inline frame page
 * (src/frame) follows the tab it is framed in. Both only wire this: mountView() renders what the
 * background pushes and turns the agent's actions into messages; startView() connects a page to
 * the background (its port, which the background pushes every change of the watched tab on).
 */
import { render } from 'preact';
import { runtime } from '../shared/runtime';
import { VIEW_PORT, type SidebarModel, type TabView, type ViewHello, type ViewWatch } from '../shared/view';
import type { SidebarUi, UiStrings, ViewPush } from '../shared/messages';
import { formatAge, makeT, type T } from './i18n';
import { applyTheme, call } from './page';
import { NoTicket, Sidebar, updated, type SidebarActions, type SidebarHost } from './Sidebar';
import { createWriteBack, type Send } from './write';

export interface ViewOptions {
  doc?: Document;
  /** Where the view renders (a page's #app). */
  root: HTMLElement;
  host: SidebarHost;
  strings: UiStrings;
  /** Messages to the background (default: runtime messages). */
  send?: Send;
}

export interface ViewHandle {
  readonly view: TabView | null;
  readonly model: SidebarModel | null;
  readonly ui: SidebarUi;
  setView(v: TabView): void;
  setStrings(s: UiStrings): void;
  destroy(): void;
}

export function mountView(opts: ViewOptions): ViewHandle {
  const doc = opts.doc ?? document;
  const send: Send = opts.send ?? call;
  let t: T = makeT(opts.strings);
  let view: TabView | null = null;
  let model: SidebarModel | null = null;
  let ui: SidebarUi = { collapsed: false, width: 340 };
  const tabId = () => view?.tabId ?? -1;
  const ask = <P,>(p: Promise<P>) => void p.catch((e: unknown) => console.warn('Baton:', e));

  const actions: SidebarActions = {
    retry: () => ask(send('view:retry', { tabId: tabId() })),
    search: (override) => ask(send('view:search', { tabId: tabId(), override })),
    clearOverride: () => ask(send('view:search', { tabId: tabId(), override: null })),
    suggest: async (q) => {
      const r = await send('search:run', { q }).catch(() => null);
      return r?.ok ? r.results : [];
    },
    link: (account) => {
      void send('links:add', { tabId: tabId(), account }).then(
        (r) => write.say(r.ok ? t('linked', model?.data?.account?.name ?? account) : t('linkFailed', r.error.message)),
        (e: unknown) => write.say(t('linkFailed', String((e as Error)?.message ?? e))),
      );
    },
    handOff: async (stage, note) => {
      const r = await send('handoffs:send', { tabId: tabId(), stage, note }).catch((e: unknown) => ({ ok: false as const, error: { kind: 'offline' as const, message: String((e as Error)?.message ?? e) } }));
      return r.ok ? { ok: true, to: r.handoff.to, stage: r.handoff.stage.label } : { ok: false, message: r.error.message };
    },
    openOptions: () => ask(send('options:open', {})),
    toggle: () => {
      ui = { ...ui, collapsed: !ui.collapsed };
      draw();
      ask(send('view:ui', { tabId: tabId(), ui: { collapsed: ui.collapsed }, done: true }));
    },
    resize: (width, done) => {
      ui = { ...ui, width: Math.min(640, Math.max(280, Math.round(width))) };
      draw();
      ask(send('view:ui', { tabId: tabId(), ui: { width: ui.width }, done }));
    },
  };

  const write = createWriteBack({
    send,
    model: () => model ?? ({} as SidebarModel),
    update: (patch) => {
      if (model) model = { ...model, ...patch };
      draw();
    },
    draw: () => draw(),
    t: () => t,
    doc,
  });

  /**
   * What the last view pushed showed when it was drawn (see shows()); null once anything else
   * drew (the agent's actions, a write-back's patch, the clock).
   */
  let drawn: string | null = null;
  /**
   * What a view shows: the view, with its answer's time as the words it is shown in ("Updated
   * just now", "2 min ago"). A revalidation that brings the same answer shows the same.
   */
  const shows = (v: TabView, now: number): string => {
    const at = v.model?.fetchedAt;
    const shownAt = typeof at === 'number' ? `${updated(at, now, t)}|${formatAge(at, now, t.lang)}` : at;
    return JSON.stringify(v.model ? { ...v, model: { ...v.model, fetchedAt: shownAt } } : v);
  };

  function draw(): void {
    drawn = null;
    const now = Date.now();
    render(
      model ? (
        <Sidebar model={model} t={t} ui={ui} now={now} actions={actions} write={write} host={opts.host} />
      ) : (
        <NoTicket t={t} desks={view?.desks ?? []} actions={actions} host={opts.host} />
      ),
      opts.root,
    );
  }
  draw();
  // "Updated 2 min ago" keeps up with the clock.
  const ticker = setInterval(() => model?.fetchedAt && draw(), 30_000);

  return {
    get view() {
      return view;
    },
    get model() {
      return model;
    },
    get ui() {
      return ui;
    },
    setView(v) {
      // The same on screen (a revalidated answer equal to the one shown): kept, not drawn again.
      const now = shows(v, Date.now());
      const same = now === drawn;
      view = v;
      model = v.model;
      ui = v.ui;
      if (same) return;
      draw();
      drawn = now;
    },
    setStrings(s) {
      drawn = null;
      t = makeT(s);
      doc.documentElement.lang = s.lang;
      applyTheme(doc, s);
      draw();
    },
    destroy() {
      clearInterval(ticker);
      render(null, opts.root);
    },
  };
}

/**
 * Connect a page to the background and show the tab `watch` names. The port is opened again when
 * the background's service worker restarts (it drops the port); the background then pushes the
 * watched tab's view again.
 */
export async function startView(opts: { host: SidebarHost; watch: () => Promise<ViewWatch>; root?: HTMLElement }): Promise<ViewHandle> {
  const root = opts.root ?? document.getElementById('app')!;
  const [strings, watch] = await Promise.all([call('messages:get', {}), opts.watch()]);
  document.documentElement.lang = strings.lang;
  applyTheme(document, strings);
  const handle = mountView({ root, host: opts.host, strings });
  const connect = () => {
    const port = runtime()!.connect({ name: VIEW_PORT });
    port.onMessage.addListener((m: unknown) => {
      const push = m as ViewPush;
      if (push?.type === 'view') handle.setView(push.view);
      else if (push?.type === 'strings') handle.setStrings(push.strings);
    });
    port.onDisconnect.addListener(() => setTimeout(connect, 50));
    port.postMessage({ watch } satisfies ViewHello);
  };
  connect();
  return handle;
}
