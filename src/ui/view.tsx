/**
 * A Baton view: the Sidebar rendered in one of the extension's own pages, for one tab at a time.
 * The side panel page (src/panel) follows its window's active tab; the inline frame page
 * (src/frame) follows the tab it is framed in. Both only wire this: mountView() renders what the
 * background pushes and turns the agent's actions into messages; startView() connects a page to
 * the background (its port, which the background pushes every change of the watched tab on).
 */
import { render } from 'preact';
import { runtime, type RuntimeLike } from '../shared/runtime';
import { senderKind, type SenderLike } from '../shared/senders';
import { VIEW_PORT, shownKey, type SidebarModel, type TabView, type ViewHello, type ViewWatch } from '../shared/view';
import { FRAME_CHANNEL, isEnvelope, ticketReport, type FrameChannelHello, type SidebarUi, type TicketReport, type UiStrings, type ViewPush } from '../shared/messages';
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

/** How many relays a view keeps to draw again at once when their ticket is reported again. */
export const RECALL_MAX = 32;
/**
 * How long after a report an answer about another customer is taken for an older one overtaken
 * (the background answers a report within milliseconds; this bounds what a lost report holds up).
 */
export const OVERTAKEN_MS = 2_000;
/**
 * How many tickets' rendered relays a view keeps beside the one shown (its DOM, out of the page
 * while another is shown): a switch back puts that DOM in again and updates what changed (the
 * answer's age, say), instead of rendering the whole relay over the last ticket's. 16: an agent's
 * queue of new tickets (each a new key: its own customer and subject) does not push out the few
 * tickets gone back to (the bench's cached switches: 5 tickets between blocks of 10 new questions;
 * at 8, every first switch back after such a block rendered its relay whole, the createElementNS
 * of a fresh mount in the Chromium trace). Each kept is one relay's elements (about 250), detached.
 */
export const SHELF_MAX = 16;
/** How often the shown view is drawn again to keep its times ("Updated 2 min ago") with the clock. */
export const TICK_MS = 30_000;

/** What a view shows: `body`, the view but for when its answer was fetched; `words`, that time as shown ('' for none). */
interface Shown {
  body: string;
  words: string;
}

export interface ViewHandle {
  readonly view: TabView | null;
  readonly model: SidebarModel | null;
  readonly ui: SidebarUi;
  setView(v: TabView): void;
  /**
   * What the shown tab's content script just reported to the background (the view hears it
   * too): a ticket whose relay this view drew before is drawn again at once, before the
   * background's view of it arrives; until then, an answer about another customer is an older
   * one overtaken and is not drawn.
   */
  reported(r: TicketReport | null): void;
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
      if (model) {
        forget(model); // changed here (a note, a thanks): the background's view of it comes next
        model = { ...model, ...patch };
      }
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
  const shows = (v: TabView, now: number): Shown => ({ body: timeless(v), words: timeWords(v, now) });
  /** What `drawn` holds for what a view shows. */
  const mark = (s: Shown): string => `${s.body}\u0000${s.words}`;
  /** The view but for when its answer was fetched. */
  const timeless = (v: TabView): string => JSON.stringify(v.model && typeof v.model.fetchedAt === 'number' ? { ...v, model: { ...v.model, fetchedAt: 0 } } : v);
  /** The words its answer's time is shown in now ('' for none). */
  const timeWords = (v: TabView, now: number): string => {
    const at = v.model?.fetchedAt;
    return typeof at === 'number' ? `${updated(at, now, t)}|${formatAge(at, now, t.lang)}` : '';
  };

  /** Relays drawn from the background's views, by shownKey, oldest first (at most RECALL_MAX). */
  const recall = new Map<string, SidebarModel>();
  const keyOf = (m: SidebarModel) => shownKey(m.page, m.desk, m.customer);
  const showsRelay = (m: SidebarModel | null): m is SidebarModel => !!m?.data && (m.state === 'ready' || m.state === 'stale');
  /** Drops what is kept for the model's ticket; its key (null: a model of no ticket). */
  const forget = (m: SidebarModel) => {
    const k = keyOf(m);
    if (k) recall.delete(k);
    return k;
  };
  const remember = (m: SidebarModel) => {
    const k = forget(m);
    if (k && showsRelay(m)) keepNewest(recall, k, m, RECALL_MAX);
  };
  /** The ticket the shown tab reported last (shownKey), until the background's view after it. */
  let awaited: { key: string | null; until: number } | null = null;

  /** Each ticket's rendered view (by shownKey; '' for no ticket), the shown one last. */
  const shelf = new Map<string, HTMLElement>();
  /**
   * What each kept element showed when it was last drawn, and when: the view pushed and the
   * write-back state (sent thanks, a note being saved) then (`drawnAs`). A switch back to a ticket
   * whose element shows that view puts it back as it is, with no render (the relay is on screen
   * in the next frame); one drawn longer than TICK_MS ago is drawn again once the browser is idle,
   * for the words of its times ("Updated 3 min ago") and a thanks that has since expired.
   */
  const kept = new Map<HTMLElement, { as: string; words: string; at: number }>();
  /**
   * What a kept element shows but for its times' words: the view's timeless() (so an answer
   * revalidated since, the same but for when it was fetched, is still what it shows) and the
   * write-back state.
   */
  const drawnAs = (body: string): string => {
    const w = write.state;
    return `${body}\u0000${w.status}\u0000${w.noteError}\u0000${[...w.busy].join(',')}\u0000${[...w.thanked.keys()].join(',')}`;
  };
  /** Where the model's view renders: its ticket's own element, put in the root (alone). */
  /** A model's key on the shelf: its ticket's shownKey, '' for no ticket. */
  const shelfKey = (m: SidebarModel | null): string => (m && keyOf(m)) ?? '';
  const placeFor = (m: SidebarModel | null): HTMLElement => {
    const key = shelfKey(m);
    let place = shelf.get(key);
    if (!place) {
      place = doc.createElement('div');
      place.style.display = 'contents'; // no box of its own: the view lays out as if in the root
    }
    keepNewest(shelf, key, place, SHELF_MAX, (old) => {
      kept.delete(old);
      render(null, old);
    });
    if (opts.root.firstChild !== place || opts.root.childNodes.length !== 1) opts.root.replaceChildren(place);
    return place;
  };

  /** Shows `v`: drawn, unless it shows what is on screen already (a revalidated equal answer). */
  function present(v: TabView): void {
    const at = Date.now();
    const now = shows(v, at);
    const { body, words } = now;
    const same = mark(now) === drawn;
    view = v;
    model = v.model;
    ui = v.ui;
    if (same) return;
    const place = shelf.get(shelfKey(model));
    const was = place && kept.get(place);
    // Another ticket's element (this one's is on screen: it is drawn, at once).
    if (was && place !== opts.root.firstChild && was.as === drawnAs(body)) {
      placeFor(model); // its element, on screen again as it was drawn
      drawn = mark({ body, words: was.words });
      // Its times in other words now (or drawn long ago: a thanks since expired), once idle.
      if (was.words !== words || at - was.at >= TICK_MS) whenIdle(() => view === v && draw(shows(v, Date.now())));
      return;
    }
    draw(now);
  }

  /** Draws the view; `as`: the shows() of the view pushed that this draws (`drawn` becomes its mark). */
  function draw(as: Shown | null = null): void {
    drawn = as && mark(as);
    const now = Date.now();
    const place = placeFor(model);
    render(
      model ? (
        <Sidebar model={model} t={t} ui={ui} now={now} actions={actions} write={write} host={opts.host} />
      ) : (
        <NoTicket t={t} desks={view?.desks ?? []} actions={actions} host={opts.host} />
      ),
      place,
    );
    // What it shows now is the view pushed (not a model or ui changed here since): kept as such.
    if (view && model === view.model && ui === view.ui) {
      const shown = as ?? shows(view, now);
      kept.set(place, { as: drawnAs(shown.body), words: shown.words, at: now });
    } else kept.delete(place);
  }
  const whenIdle = (fn: () => void) => {
    const w = doc.defaultView as (Window & { requestIdleCallback?: (cb: () => void, o: { timeout: number }) => number }) | null;
    if (w?.requestIdleCallback) w.requestIdleCallback(fn, { timeout: 250 });
    else setTimeout(fn, 0);
  };
  draw();
  // "Updated 2 min ago" keeps up with the clock.
  // What it then shows is the view pushed as of now (its times' words), when it showed that before.
  const ticker = setInterval(() => model?.fetchedAt && draw(drawn !== null && view ? shows(view, Date.now()) : null), TICK_MS);

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
      if (awaited) {
        // An answer about another customer than the one reported last: an older lookup's,
        // overtaken by the report (the background drops those it still holds; this one was on
        // its way). The background's view after the report follows.
        if (Date.now() < awaited.until && v.tabId === view?.tabId && showsRelay(v.model) && keyOf(v.model) !== awaited.key) return;
        awaited = null;
      }
      if (v.model) remember(v.model);
      present(v);
    },
    reported(r) {
      if (!view || !r || r.reading) {
        awaited = null;
        return;
      }
      const k = shownKey(r.url, r.desk, r.customer);
      awaited = { key: k, until: Date.now() + OVERTAKEN_MS };
      const known = k ? recall.get(k) : undefined;
      // A paused tab waits for the agent's word; one showing this customer has nothing to draw.
      if (!known || model?.error?.kind === 'paused' || (model && keyOf(model) === k)) return;
      present({ ...view, model: { ...known, page: r.url } });
    },
    setStrings(s) {
      recall.clear(); // another language or theme: every relay is drawn from the background again
      kept.clear();
      drawn = null;
      t = makeT(s);
      doc.documentElement.lang = s.lang;
      applyTheme(doc, s);
      draw();
    },
    destroy() {
      clearInterval(ticker);
      for (const place of shelf.values()) render(null, place);
      shelf.clear();
      opts.root.replaceChildren();
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
  hearReports(handle, runtime()!);
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

/**
 * The shown tab's content script reports each ticket to the background; extension pages hear
 * runtime messages too, so a view hears the report at the same moment and hands it to
 * `handle.reported`. Only our own content script (not another extension, not a page: neither
 * can send this extension's runtime messages), in the top frame of the tab the view shows. The
 * background answers it, not the view. Returns the unsubscribe.
 */
export function hearReports(handle: Pick<ViewHandle, 'view' | 'reported'>, rt: RuntimeLike): () => void {
  const own = rt.getURL('');
  const heard = (msg: unknown, sender: { id?: string }) => {
    if (!isEnvelope(msg) || msg.type !== 'tab:report') return;
    const from = sender as SenderLike;
    if (senderKind(from, rt.id, own) !== 'content' || from.frameId !== 0 || from.tab?.id !== handle.view?.tabId) return;
    handle.reported(ticketReport((msg.payload as { ticket?: unknown } | undefined)?.ticket));
  };
  rt.onMessage.addListener(heard);
  return () => rt.onMessage.removeListener(heard as never);
}

/**
 * The inline frame's direct channel (FRAME_CHANNEL): asks for it with a nonce of its own (`ask`:
 * through the background, to the tab's content script, with the frame's own origin), takes a
 * port posted by its parent window with that nonce, and hands each ticket report on it to
 * `handle.reported`, as hearReports does with the runtime message (both come; the second finds
 * the ticket drawn). Anything else posted to the frame (another nonce, no port, another window
 * than its parent) is ignored. Returns the stop.
 */
export function hearFrameChannel(handle: Pick<ViewHandle, 'reported'>, win: Window, ask: (nonce: string, origin: string) => Promise<unknown>): () => void {
  if (win.parent === win) return () => undefined; // not framed: the side panel, a tab
  const nonce = win.crypto.randomUUID();
  let port: MessagePort | null = null;
  const hello = (e: MessageEvent) => {
    const d = e.data as Partial<FrameChannelHello> | null;
    if (e.source !== win.parent || d?.type !== FRAME_CHANNEL || d.nonce !== nonce || !e.ports[0]) return;
    port?.close();
    port = e.ports[0];
    port.onmessage = (m: MessageEvent) => handle.reported(ticketReport((m.data as { ticket?: unknown } | null)?.ticket));
  };
  win.addEventListener('message', hello);
  void ask(nonce, win.location.origin).catch(() => undefined); // no channel: the runtime messages still tell the frame
  return () => {
    win.removeEventListener('message', hello);
    port?.close();
  };
}

/**
 * Puts `value` under `key` as the newest entry of `map` (a Map keeps insertion order), then lets
 * the oldest go beyond `max`, each handed to `dropped`.
 */
function keepNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number, dropped?: (v: V) => void): void {
  map.delete(key);
  map.set(key, value);
  for (const [k, old] of map) {
    if (map.size <= max) break;
    map.delete(k);
    dropped?.(old);
  }
}
