/**
 * The content script: pick the adapter for the page, read the customer and report the ticket to
 * the background, which looks the relay up and shows it in the side panel or, inline, in the
 * extension's frame beside the page. The relay never comes back into the page. Follows in-app
 * navigation; each ticket's work runs under its own AbortSignal and switching tickets aborts the
 * last. Nothing runs on import.
 */
import type { CustomerRead, HelpdeskAdapter, ReadContext } from './helpdesks/types';
import { candidates, fromDeclared, matchPattern, pick } from './detect';
import { listen, runtime, send } from './ext';
import { waitFor, watchUrl } from './wait';
import type { InlineHandle } from './inline';
import { loadAdapter, loadInline, type InlineModule } from './inject';
import type { ContentInit, TicketReport } from '../shared/messages';

const STARTED = Symbol.for('baton.content.started');
/** The inline frame page (web_accessible_resources holds it and nothing else). */
export const FRAME_PAGE = 'src/frame/index.html';
/** How often a click or key press in the page is told to the background (it only needs one). */
const INPUT_EVERY_MS = 1000;

export interface MainOptions {
  win?: Window;
  /** Built-in adapters to try: one hosted desk's, or every one (loopback, granted origins). */
  adapters: HelpdeskAdapter[];
  /** Where inline mode's host code comes from (default: run by the background on the first ticket). */
  inline?: () => Promise<InlineModule>;
  /** Where a recogniser-only adapter's reader comes from (default: run by the background). */
  reader?: (id: string) => Promise<HelpdeskAdapter>;
  /** How long to wait for a late-rendering desk (ms). */
  waitMs?: number;
}

export interface ContentApp {
  /** Re-run detection and reading for the current URL. */
  refresh(): Promise<void>;
  /** What a URL change runs: like refresh, but a URL of the same ticket keeps what was read. */
  navigated(): Promise<void>;
  /** What the script last reported (null: no ticket). */
  reported(): TicketReport | null;
  /** Inline mode's host, once mounted. */
  inline(): InlineHandle | null;
  stop(): void;
}

async function readCustomer(adapter: HelpdeskAdapter, pane: ParentNode, ctx: ReadContext, win: Window, signal: AbortSignal, waitMs: number): Promise<CustomerRead> {
  if (adapter.fetchCustomer) {
    try {
      // The page's own fetch: same origin, the agent's session cookies. In MV3 both browsers give
      // content scripts the page's principal for it (Firefox's MV2-only `content.fetch` does not
      // exist in MV3; gecko's test_ext_secfetch.js: "window.fetch is the original fetch with the
      // page's principal"), so same-origin JSON reads carry the cookies.
      const c = await adapter.fetchCustomer({ ...ctx, signal, fetch: win.fetch.bind(win) });
      if (c && (c.email || c.org)) return { ticket: ctx.ticket, ...c };
    } catch (e) {
      if (signal.aborted) throw e;
    }
  }
  const read = () => {
    try {
      return adapter.read(pane, ctx);
    } catch {
      return {};
    }
  };
  const found = await waitFor(() => {
    const c = read();
    return c.email || c.org ? c : null;
  }, { signal, timeoutMs: waitMs });
  return { ticket: ctx.ticket, ...(found ?? read()) };
}

/** Start the content script on this page; returns null where it must not run (frames, twice). */
export async function main(opts: MainOptions): Promise<ContentApp | null> {
  const win = opts.win ?? window;
  const doc = win.document;
  const flags = win as unknown as Record<symbol, boolean>;
  if (win.top !== win || flags[STARTED]) return null;
  flags[STARTED] = true;
  const waitMs = opts.waitMs ?? 8000;
  const builtins = opts.adapters;
  const inlineModule = opts.inline ?? (() => loadInline());
  const reader = opts.reader ?? ((id: string) => loadAdapter(id));
  /** The adapter with its reader: a recogniser (content/all.js carries only those) gets it now. */
  const readers = new Map<string, Promise<HelpdeskAdapter>>();
  /** The readers loaded so far. */
  const loadedReaders = new Map<string, HelpdeskAdapter>();
  const withReader = (a: HelpdeskAdapter): Promise<HelpdeskAdapter> => {
    if (typeof a.read === 'function') return Promise.resolve(a);
    let p = readers.get(a.id);
    if (!p) {
      p = reader(a.id);
      p.then((r) => loadedReaders.set(a.id, r), () => readers.delete(a.id));
      readers.set(a.id, p);
    }
    return p;
  };
  /** Whether the page shows the ticket's customer right now (its reader loaded, no fetch needed). */
  const readableNow = (a: HelpdeskAdapter, ctx: ReadContext): boolean => {
    const r = typeof a.read === 'function' ? a : loadedReaders.get(a.id);
    if (!r || r.fetchCustomer) return false;
    try {
      const pane = r.activePane(doc, ctx.ticket);
      const c = pane ? r.read(pane, ctx) : null;
      return !!(c?.email || c?.org);
    } catch {
      return false;
    }
  };
  const origin = win.location.origin;

  // Settings and declared adapters: asked for only once the page may be a ticket, so the pages
  // of a hosted desk's domain that are not tickets never wake the background.
  let init!: ContentInit; // set by load(); undefined until then
  let declared: HelpdeskAdapter[] = [];
  let loaded: Promise<void> | null = null;
  const load = () =>
    (loaded ??= send('content:init', { origin }).then((i) => {
      init = i;
      declared = i.adapters.map(fromDeclared).filter((a): a is HelpdeskAdapter => !!a);
      listenForInput();
    }).catch((e: unknown) => {
      loaded = null;
      throw e;
    }));
  const life = new AbortController();
  let current: AbortController | null = null;
  /** The ticket being read or shown (origin|adapter|ticket). */
  let target: string | null = null;
  let last: TicketReport | null = null;
  let lastSent = '';
  /** No customer reported from this page yet: the next one came with the page's load. */
  let fresh = true;

  const report = async (ticket: TicketReport | null) => {
    const key = JSON.stringify(ticket);
    last = ticket;
    if (key === lastSent) return;
    lastSent = key;
    inline?.tell(ticket); // the frame's direct channel first (a pipe, no browser process between)
    await send('tab:report', { ticket });
  };

  // Inline mode's host, mounted on the first ticket (its code is loaded then).
  let inline: InlineHandle | null = null;
  let mounting: Promise<InlineHandle> | null = null;
  const inlineMode = () => init?.settings.display === 'inline';
  const ensureInline = (): Promise<InlineHandle> =>
    (mounting ??= inlineModule().then((mod) => {
      if (inline) return inline;
      if (life.signal.aborted) throw new Error('Baton stopped on this page');
      inline = mod.mountInline({
        doc,
        ui: init.ui,
        src: runtime()!.getURL(FRAME_PAGE),
        label: init.label,
        onHidden: (reason) => void send('inline:hidden', { reason }).catch(() => undefined),
      });
      return inline;
    }).catch((e: unknown) => {
      mounting = null;
      throw e;
    }));
  const dropInline = () => {
    inline?.destroy();
    inline = null;
    mounting = null;
  };

  /** Clicks and key presses of the agent (trusted events only: a page script cannot make them). */
  let listening = false;
  function listenForInput(): void {
    if (listening) return;
    listening = true;
    let at = 0;
    const seen = (e: Event) => {
      if (!e.isTrusted || Date.now() - at < INPUT_EVERY_MS) return;
      at = Date.now();
      void send('tab:input', {}).catch(() => undefined);
    };
    for (const type of ['pointerdown', 'keydown']) win.addEventListener(type, seen, { capture: true, passive: true, signal: life.signal });
  }

  function toggle(): boolean {
    if (!inline) return false;
    const collapsed = !inline.ui.collapsed;
    inline.setUi({ collapsed });
    if (!collapsed) inline.focus();
    void send('ui:save', { origin, ui: { collapsed } }).catch(() => undefined);
    return collapsed;
  }

  /** The ticket the page shows now, when it can be told at once (URL and markup as they are). */
  function ticketNow(): string | null {
    if (!init) return null; // settings not read yet (or being read)
    const url = new URL(win.location.href);
    const c = pick(candidates(url, [...builtins, ...declared], init.settings.disabledDesks), doc);
    return c ? `${url.origin}|${c.adapter.id}|${c.ticket}` : null;
  }

  /** Look at the page again; `force` re-reads even when it still shows the same ticket. */
  async function refresh(force = true): Promise<void> {
    // A URL change within the same ticket (an anchor, a tab of the ticket) keeps what is shown
    // or being read.
    const now = ticketNow();
    if (!force && now && now === target) {
      // The same ticket at a new address: say so (the background waits to hear after a URL change).
      if (last) await report({ ...last, url: win.location.href }).catch(() => undefined);
      return;
    }
    target = now;
    if (force) lastSent = ''; // a new look: the background looks again too (a stale answer is refreshed)
    current?.abort();
    const ac = new AbortController();
    current = ac;
    const { signal } = ac;
    try {
      const url = new URL(win.location.href);
      const hostedHere = builtins.some((a) => a.matches.some((p) => matchPattern(p, url)));
      if (!loaded && hostedHere && !candidates(url, builtins, []).length) return; // a hosted desk's page that is no ticket: nothing to tell yet
      await load();
      if (signal.aborted) return;
      const cands = candidates(url, [...builtins, ...declared], init.settings.disabledDesks);
      const chosen = cands.length ? await waitFor(() => pick(cands, doc), { signal, timeoutMs: waitMs }) : null;
      if (signal.aborted) return;
      if (!chosen) {
        inline?.show(false);
        await report(null);
        return;
      }
      const { ticket } = chosen;
      const key = `${url.origin}|${chosen.adapter.id}|${ticket}`;
      const desk = { id: chosen.adapter.id, label: chosen.adapter.label };
      // A new ticket whose customer is not on the page yet: its view says so (no old relay) while
      // the page renders. One that is (an SPA desk switching tickets) goes straight to its lookup.
      if (last?.key !== key && !readableNow(chosen.adapter, { url, ticket, doc })) await report({ key, desk, customer: { ticket }, url: url.href, reading: true });
      const adapter = await withReader(chosen.adapter);
      if (signal.aborted) return;
      if (inlineMode()) {
        const host = await ensureInline();
        if (signal.aborted) return;
        host.setLayout(adapter.layout ?? null);
        host.show(true);
      } else if (inline) {
        dropInline();
      }
      const pane = (await waitFor(() => adapter.activePane(doc, ticket), { signal, timeoutMs: waitMs })) ?? doc;
      const customer = await readCustomer(adapter, pane, { url, ticket, doc }, win, signal, waitMs);
      if (signal.aborted) return;
      target = key;
      const first = fresh;
      fresh = false;
      await report({ key, desk, customer: { ...customer, ticket: customer.ticket ?? ticket }, url: url.href, ...(first ? { fresh: true } : {}) });
    } catch (e) {
      if (signal.aborted) return; // the next ticket took over
      if (!runtime()?.id) return app.stop(); // the extension was updated or removed: leave the page
      console.debug('[Baton]', e);
    }
  }

  const unlisten = listen({
    'sidebar:toggle': () => ({ collapsed: toggle() }),
    'inline:ui': ({ ui }) => {
      inline?.setUi(ui);
      return { ok: true };
    },
    'inline:channel': ({ nonce, origin }) => {
      inline?.channel(String(nonce), String(origin));
      return { ok: true };
    },
    'settings:changed': async () => {
      if (!loaded) return { ok: true }; // nothing asked yet: the next look reads the new settings
      loaded = null;
      await load();
      if (!inlineMode()) dropInline();
      else inline?.setUi(init.ui);
      lastSent = '';
      void refresh();
      return { ok: true };
    },
  });
  watchUrl(win, () => void refresh(false), life.signal);
  const app: ContentApp = {
    refresh: () => refresh(true),
    navigated: () => refresh(false),
    reported: () => last,
    inline: () => inline,
    stop() {
      life.abort();
      current?.abort();
      unlisten();
      dropInline();
      flags[STARTED] = false;
    },
  };
  await refresh();
  return app;
}

