/**
 * The content script: pick the adapter for the page, read the customer, ask the background for
 * the relay and show it in the sidebar. Follows in-app navigation; each ticket's work runs
 * under its own AbortSignal and switching tickets aborts the last. Nothing runs on import.
 */
import type { CustomerRead, HelpdeskAdapter, ReadContext } from './helpdesks/types';
import { candidates, fromDeclared, matchPattern, pick } from './detect';
import { listen, runtime, send } from './ext';
import { waitFor, watchUrl } from './wait';
import { loadSidebar, SIDEBAR_HOST_ID, type SidebarModule } from './sidebar-bundle';
import type { SidebarHandle } from '../sidebar/mount';
import { withResult, type SidebarModel } from '../sidebar/model';
import type { ContextQuery } from '../shared/context';
import { foldQueryText } from '../shared/query';
import type { ContentInit, LookupOverride, TabStatus } from '../shared/messages';

const STARTED = Symbol.for('baton.content.started');

export interface MainOptions {
  win?: Window;
  /** Built-in adapters to try: one hosted desk's, or every one (loopback, granted origins). */
  adapters: HelpdeskAdapter[];
  /** Where the sidebar comes from (default: injected by the background on the first ticket). */
  sidebar?: () => Promise<SidebarModule>;
  /** How long to wait for a late-rendering desk (ms). */
  waitMs?: number;
}

export interface ContentApp {
  /** Re-run detection and lookup for the current URL. */
  refresh(): Promise<void>;
  /** What a URL change runs: like refresh, but a URL of the same ticket keeps what is shown. */
  navigated(): Promise<void>;
  status(): TabStatus;
  sidebar(): SidebarHandle | null;
  stop(): void;
}

export function domainOf(email: string | undefined): string | undefined {
  const at = email?.lastIndexOf('@') ?? -1;
  return email && at > 0 ? email.slice(at + 1).toLowerCase() : undefined;
}

/** The question for the API: the agent's override when there is one, else what the page says. */
export function queryFor(c: CustomerRead, override: LookupOverride | null, ticket: string, lang: ContextQuery['lang']): ContextQuery | null {
  const src = override ?? c;
  const q: ContextQuery = { ticket, lang };
  if (src.email) q.email = src.email;
  const domain = domainOf(src.email);
  if (domain) q.domain = domain;
  if (src.org) q.org = src.org;
  return q.email || q.org ? q : null;
}

/** Whether two questions ask about the same customer (the language and ticket aside). */
export function sameCustomer(a: ContextQuery | null, b: ContextQuery | null): boolean {
  return !!a && !!b && foldQueryText(a.email) === foldQueryText(b.email) && foldQueryText(a.org) === foldQueryText(b.org);
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
  if (win.top !== win || flags[STARTED] || doc.getElementById(SIDEBAR_HOST_ID)) return null;
  flags[STARTED] = true;
  const waitMs = opts.waitMs ?? 8000;
  const builtins = opts.adapters;
  const sidebarModule = opts.sidebar ?? (() => loadSidebar());
  const origin = win.location.origin;

  // Settings, strings and declared adapters: asked for only once the page may be a ticket, so
  // the pages of a hosted desk's domain that are not tickets never wake the background.
  let init!: ContentInit; // set by load(); undefined until then
  let declared: HelpdeskAdapter[] = [];
  let loaded: Promise<void> | null = null;
  const load = () =>
    (loaded ??= send('content:init', { origin }).then((i) => {
      init = i;
      declared = i.adapters.map(fromDeclared).filter((a): a is HelpdeskAdapter => !!a);
    }).catch((e: unknown) => {
      loaded = null;
      throw e;
    }));
  let sidebar: SidebarHandle | null = null;
  let current: AbortController | null = null;
  let session: { adapter: HelpdeskAdapter; ticket: string; key: string; customer: CustomerRead; signal: AbortSignal } | null = null;
  const life = new AbortController();
  /** The ticket shown or being looked up (origin|adapter|ticket). */
  let target: string | null = null;
  /** The ticket the sidebar's model belongs to: a new look at it keeps its relay on screen. */
  let shownKey: string | null = null;

  const set = (patch: Partial<SidebarModel>) => sidebar?.update(patch);

  async function lookup(force: boolean): Promise<void> {
    const s = session;
    if (!s || !sidebar) return;
    const { override } = await send('override:get', { key: s.key });
    if (s.signal.aborted) return;
    const query = queryFor(s.customer, override, s.ticket, init.strings.lang);
    const asked = sidebar.model.query;
    set({ override, query });
    if (!query) {
      set({ state: 'not-found', data: null, fetchedAt: null, error: null });
      return;
    }
    // A shown answer about the same customer stays while it is asked for again (revalidation,
    // Retry, settings changed, the page's ticket looked at again); another question shows loading.
    if (!sidebar.model.data || !sameCustomer(asked, query)) set({ state: 'loading', data: null, fetchedAt: null, error: null });
    const r = await send('context:get', { query, force });
    if (s.signal.aborted || s !== session) return;
    sidebar.setModel(withResult(sidebar.model, r));
    if (r.ok && r.stale && !r.error && !force) await lookup(true); // stale-while-revalidate
  }

  let mounting: Promise<SidebarHandle> | null = null;
  /** The sidebar, mounted once (its code is loaded on the first ticket). */
  const ensureSidebar = (): Promise<SidebarHandle> =>
    (mounting ??= sidebarModule().then((mod) => mountNow(mod)).catch((e: unknown) => {
      mounting = null;
      throw e;
    }));
  const mountNow = ({ mountSidebar }: SidebarModule): SidebarHandle => {
    if (sidebar) return sidebar;
    if (life.signal.aborted) throw new Error('Baton stopped on this page');
    sidebar = mountSidebar({
      doc,
      strings: init.strings,
      ui: init.ui,
      actions: {
        retry: () => void lookup(true),
        search: (o) => {
          const s = session;
          if (!s) return;
          void send('override:set', { key: s.key, override: o }).then(() => lookup(true));
        },
        clearOverride: () => {
          const s = session;
          if (!s) return;
          void send('override:set', { key: s.key, override: null }).then(() => lookup(false));
        },
        openOptions: () => void send('options:open', {}),
        toggle,
        resize: (width, done) => {
          sidebar?.setUi({ width: Math.min(640, Math.max(280, Math.round(width))) });
          if (done && sidebar) void send('ui:save', { origin, ui: { width: sidebar.ui.width } });
        },
      },
    });
    return sidebar;
  };

  function toggle(): void {
    if (!sidebar) return;
    const collapsed = !sidebar.ui.collapsed;
    sidebar.setUi({ collapsed });
    void send('ui:save', { origin, ui: { collapsed } });
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
    // or being looked up.
    const now = ticketNow();
    if (!force && now && now === target) return;
    target = now;
    current?.abort();
    const ac = new AbortController();
    current = ac;
    const { signal } = ac;
    session = null;
    try {
      const url = new URL(win.location.href);
      const hostedHere = builtins.some((a) => a.matches.some((p) => matchPattern(p, url)));
      if (!loaded && hostedHere && !candidates(url, builtins, []).length) {
        sidebar?.show(false); // a hosted desk's page that is no ticket: nothing to ask yet
        return;
      }
      await load();
      if (signal.aborted) return;
      const cands = candidates(url, [...builtins, ...declared], init.settings.disabledDesks);
      const chosen = cands.length ? await waitFor(() => pick(cands, doc), { signal, timeoutMs: waitMs }) : null;
      if (!chosen) {
        sidebar?.show(false);
        return;
      }
      const { adapter, ticket } = chosen;
      const sb = await ensureSidebar();
      if (signal.aborted) return;
      const key = `${url.origin}|${adapter.id}|${ticket}`;
      // The same ticket again (a refresh, settings changed, the desk re-rendering it): what is
      // shown stays until its new answer; another ticket starts from loading.
      if (key !== shownKey || !sb.model.data) {
        sb.setModel({ ...sb.model, state: 'loading', desk: { id: adapter.id, label: adapter.label }, customer: null, data: null, fetchedAt: null, error: null, query: null, override: null });
        shownKey = key;
      }
      sb.setLayout(adapter.layout ?? null);
      sb.show(true);
      const pane = (await waitFor(() => adapter.activePane(doc, ticket), { signal, timeoutMs: waitMs })) ?? doc;
      const customer = await readCustomer(adapter, pane, { url, ticket, doc }, win, signal, waitMs);
      if (signal.aborted) return;
      sb.update({ customer });
      target = key;
      session = { adapter, ticket, key: target, customer, signal };
      await lookup(false);
    } catch (e) {
      if (signal.aborted) return; // the next ticket took over
      if (!runtime()?.id) return app.stop(); // the extension was updated or removed: leave the page
      set({ state: 'error', error: { kind: 'server', message: String((e as Error)?.message ?? e) } });
    }
  }

  function status(): TabStatus {
    const m = sidebar?.model;
    const visible = !!session || (m?.desk && sidebar?.host.style.display !== 'none');
    return {
      desk: visible && m?.desk ? m.desk : null,
      customer: visible && m?.customer ? { ...m.customer } : null,
      state: visible && m ? m.state : 'no-desk',
      collapsed: sidebar?.ui.collapsed ?? false,
    };
  }

  const unlisten = listen({
    'sidebar:toggle': () => {
      toggle();
      return { collapsed: sidebar?.ui.collapsed ?? false };
    },
    'tab:status': () => status(),
    'settings:changed': async () => {
      if (!loaded) return { ok: true }; // nothing asked yet: the next look reads the new settings
      loaded = null;
      await load();
      sidebar?.setStrings(init.strings);
      void refresh();
      return { ok: true };
    },
  });
  watchUrl(win, () => void refresh(false), life.signal);
  const app: ContentApp = {
    refresh: () => refresh(true),
    navigated: () => refresh(false),
    status,
    sidebar: () => sidebar,
    stop() {
      life.abort();
      current?.abort();
      unlisten();
      sidebar?.destroy();
      sidebar = null;
      mounting = null;
      flags[STARTED] = false;
    },
  };
  await refresh();
  return app;
}
