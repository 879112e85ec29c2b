/**
 * Per-tab ticket state: what each tab's content script reported (the desk, the customer read off
 * the page), the relay the background looked up for it, and what the views of that tab (the
 * side panel following the window's active tab, the inline frame inside the tab) are shown.
 * Kept in memory and in storage.session (so a restarted service worker still knows its tabs;
 * content scripts cannot read storage.session).
 *
 * A page decides what its content script reads, so a page can make Baton look up customers by
 * rewriting its own DOM. That is rated per tab: a customer change soon after the agent clicked
 * or typed in the tab (or switched to it) is the agent's; more than `changes` others made in
 * place (or `loads` new pages) within `windowMs` pause the lookups of that tab until the agent
 * asks (Retry in the view).
 */
import type { KeyValueArea } from './cache';
import type { ContextQuery, ContextResponse, Locale } from '../shared/context';
import type { LookupOverride, LookupResult, SidebarUi, TicketReport } from '../shared/messages';
import { foldQueryText } from '../shared/query';
import { emptyModel, withResult, type CustomerOnPage, type SidebarModel, type TabView } from '../shared/view';

export interface RateLimit {
  /** Customer changes a page may make in place on its own (its DOM, its history) within `windowMs`. */
  changes: number;
  /**
   * Customers new page loads may bring within `windowMs` with no click or key press before them
   * (the agent's address bar, bookmarks, links from mail; a page reloading itself costs it a load).
   */
  loads: number;
  windowMs: number;
  /** How long after the agent's click or key press a customer change counts as theirs. */
  inputMs: number;
}

export const DEFAULT_RATE: RateLimit = { changes: 4, loads: 20, windowMs: 60_000, inputMs: 10_000 };
/** How long after a full page load a tab that had a ticket waits for its new page to report one. */
export const REPORT_GRACE_MS = 3_000;

export interface TabsDeps {
  /** storage.session (memory in tests). */
  session: KeyValueArea;
  lookup(query: ContextQuery, force: boolean): Promise<LookupResult>;
  /** Whether lookup() has the answer at hand (no need to draw the loading state first). */
  answered?(query: ContextQuery): boolean;
  getOverride(key: string): Promise<LookupOverride | null>;
  setOverride(key: string, o: LookupOverride | null): Promise<void>;
  /** The UI language the lookups ask in. */
  lang(): Promise<Locale>;
  /** The inline sidebar's state for a site. */
  readUi(origin: string): Promise<SidebarUi>;
  /** Labels of the desks Baton knows now. */
  desks(): Promise<string[]>;
  /** A tab's view changed: push it to the views that watch that tab. */
  changed(view: TabView): void;
  now?: () => number;
  rate?: RateLimit;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

interface TabRecord {
  ticket: TicketReport | null;
  model: SidebarModel | null;
  /** When the agent last clicked or typed in the tab, and whether a customer change used it. */
  inputAt: number;
  inputUsed: boolean;
  /** When the page changed the customer in place on its own (within the rate window). */
  changes: number[];
  /** When a new page brought a new customer with no input before it (within the rate window). */
  loads?: number[];
  /** A full page load started at this time and its page has not reported yet. */
  pendingSince: number | null;
  /** Inline mode: how the page keeps the sidebar from showing (until the next page). */
  hidden?: string | null;
}

const KEY = (tabId: number) => `tab:${tabId}`;
/** A cached answer checked with the API this recently is shown without asking again. */
export const REVALIDATE_MS = 15_000;

const fresh = (): TabRecord => ({ ticket: null, model: null, inputAt: 0, inputUsed: true, changes: [], pendingSince: null });

export function domainOf(email: string | undefined): string | undefined {
  const at = email?.lastIndexOf('@') ?? -1;
  return email && at > 0 ? email.slice(at + 1).toLowerCase() : undefined;
}

/** The question for the API: the agent's override when there is one, else what the page says. */
export function queryFor(c: CustomerOnPage, override: LookupOverride | null, ticket: string, lang: Locale): ContextQuery | null {
  const src = override ?? c;
  const q: ContextQuery = { ticket, lang };
  if (src.email) q.email = src.email;
  const domain = domainOf(src.email);
  if (domain) q.domain = domain;
  if (src.org) q.org = src.org;
  // What the ticket is about comes from the page, whoever is looked up (its product area).
  if (c.subject) q.subject = c.subject;
  if (c.tags) q.tags = c.tags;
  return q.email || q.org ? q : null;
}

/** Whether two reads or questions are about the same customer (case and width folded). */
export function sameCustomer(a: { email?: string | undefined; org?: string | undefined } | null | undefined, b: { email?: string | undefined; org?: string | undefined } | null | undefined): boolean {
  return !!a && !!b && foldQueryText(a.email) === foldQueryText(b.email) && foldQueryText(a.org) === foldQueryText(b.org);
}

const hasCustomer = (c: CustomerOnPage | undefined) => !!(c?.email || c?.org);

export interface Tabs {
  /** A content script's report (`ticket` null: no ticket on its page). */
  report(tabId: number, ticket: TicketReport | null): Promise<void>;
  /** The agent clicked or typed in the tab, or switched to it. */
  input(tabId: number): Promise<void>;
  /** What the tab shows now. */
  view(tabId: number): Promise<TabView>;
  /** Look the tab's customer up again (Retry), also after a pause. */
  retry(tabId: number): Promise<void>;
  /** The agent typed whom to look up for the tab's ticket (null: the page's customer again). */
  search(tabId: number, override: LookupOverride | null, force?: boolean): Promise<void>;
  /**
   * The tab's address changed (a new page, or the page's own history). `scripted`: a content
   * script of Baton's runs there and will report (else the tab has no ticket at once).
   */
  navigating(tabId: number, scripted: boolean): Promise<void>;
  /** The tab's page finished loading: a tab still waiting for a report drops its ticket after a grace. */
  loaded(tabId: number): Promise<void>;
  /** A new tab opened from another: clicks in the opener count for it. */
  opened(tabId: number, openerTabId: number): Promise<void>;
  removed(tabId: number): Promise<void>;
  /** Inline mode: the tab's page keeps the sidebar from showing. */
  hide(tabId: number, reason: string): Promise<void>;
  /** Settings changed: every tab with a ticket looks up again. */
  refreshAll(): Promise<void>;
  /** An answer changed after a write-back: rewrite the shown relays (`fn` returns null to keep one). */
  rewrite(fn: (d: ContextResponse) => ContextResponse | null): Promise<void>;
  /** Push every known tab's view again (the desks Baton knows, or the language, changed). */
  repush(): Promise<void>;
}

export function createTabs(deps: TabsDeps): Tabs {
  const now = deps.now ?? Date.now;
  const rate = deps.rate ?? DEFAULT_RATE;
  const setTimer = deps.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const memory = new Map<number, TabRecord>();
  /** Each tab's latest lookup: an older one finishing later is dropped. */
  const seq = new Map<number, number>();

  async function get(tabId: number): Promise<TabRecord> {
    let r = memory.get(tabId);
    if (!r) {
      const stored = (await deps.session.get(KEY(tabId)))[KEY(tabId)] as TabRecord | undefined;
      r = memory.get(tabId) ?? (stored && typeof stored === 'object' ? { ...fresh(), ...stored } : fresh());
      memory.set(tabId, r);
    }
    return r;
  }
  const save = (tabId: number, r: TabRecord) => {
    memory.set(tabId, r);
    return deps.session.set({ [KEY(tabId)]: r }).catch(() => undefined);
  };

  async function viewOf(tabId: number, r: TabRecord): Promise<TabView> {
    const origin = r.ticket ? new URL(r.ticket.url).origin : '';
    const [ui, desks] = await Promise.all([origin ? deps.readUi(origin) : Promise.resolve({ collapsed: false, width: 340 }), deps.desks()]);
    const stalePending = r.pendingSince !== null && now() - r.pendingSince > 10_000 + REPORT_GRACE_MS;
    return { tabId, model: stalePending ? null : r.model, ui, desks, ...(r.hidden ? { hidden: r.hidden } : {}) };
  }
  /** The views are told first, then the record is kept (storage.session is a round trip away). */
  async function push(tabId: number, r: TabRecord): Promise<void> {
    memory.set(tabId, r);
    deps.changed(await viewOf(tabId, r));
    await save(tabId, r);
  }

  const next = (tabId: number) => {
    const n = (seq.get(tabId) ?? 0) + 1;
    seq.set(tabId, n);
    return n;
  };
  const current = (tabId: number, n: number) => seq.get(tabId) === n;

  /** Look up the tab's ticket and push each step (loading, the answer, a revalidated answer). */
  async function lookup(tabId: number, force: boolean): Promise<void> {
    const n = next(tabId);
    const r = await get(tabId);
    const t = r.ticket;
    if (!t || t.reading) return;
    const [override, lang] = await Promise.all([deps.getOverride(t.key), deps.lang()]);
    if (!current(tabId, n)) return;
    const query = queryFor(t.customer, override, t.customer.ticket ?? '', lang);
    const shown = r.model;
    const base: SidebarModel = { ...(shown ?? emptyModel()), desk: t.desk, customer: t.customer, override, query, page: t.url };
    if (!query) {
      r.model = { ...base, state: 'not-found', data: null, fetchedAt: null, error: null };
      return push(tabId, r);
    }
    // A shown answer about the same customer stays while it is asked for again (revalidation,
    // Retry, settings changed, the page's ticket looked at again); another question shows loading.
    const keep = !!shown?.data && sameCustomer(shown.query, query) && shown.query?.lang === query.lang;
    r.model = keep ? base : { ...base, state: 'loading', data: null, fetchedAt: null, error: null };
    // An answer at hand (the cache, in memory) is drawn at once, with no loading state before it.
    if (!keep && (force || !deps.answered?.(query))) await push(tabId, r);
    const res = await deps.lookup(query, force);
    if (!current(tabId, n)) return;
    const latest = await get(tabId);
    if (latest.ticket?.key !== t.key) return;
    latest.model = withResult({ ...(latest.model ?? base), ...base }, res);
    await push(tabId, latest);
    // Revalidated on every view, a fresh answer too (unless checked within REVALIDATE_MS: the
    // same ticket reported again): once the API does not answer, the relay shown says
    // stale/offline (writes would fail), not ready (issue 11).
    if (res.ok && res.cached && !force && (res.stale || now() - res.fetchedAt >= REVALIDATE_MS)) await lookup(tabId, true);
  }

  const paused = (r: TabRecord, t: TicketReport): SidebarModel => ({
    ...emptyModel(),
    state: 'error',
    desk: t.desk,
    customer: t.customer,
    page: t.url,
    error: { kind: 'paused', message: String(r.changes.length) },
  });

  const tabs: Tabs = {
    async report(tabId, ticket) {
      const r = await get(tabId);
      r.pendingSince = null;
      const before = r.ticket;
      if (!ticket) {
        next(tabId);
        r.ticket = null;
        r.model = null;
        return push(tabId, r);
      }
      r.ticket = ticket;
      if (ticket.reading) {
        if (before?.key === ticket.key && r.model) return save(tabId, r).then(() => undefined);
        next(tabId);
        r.model = { ...emptyModel(), desk: ticket.desk, customer: { ticket: ticket.customer.ticket ?? '' }, page: ticket.url };
        return push(tabId, r);
      }
      const changed = hasCustomer(ticket.customer) && !sameCustomer(before?.reading ? null : before?.customer, ticket.customer);
      if (changed) {
        const t = now();
        if (!r.inputUsed && t - r.inputAt < rate.inputMs) {
          r.inputUsed = true;
        } else {
          const recent = (list: number[] | undefined) => [...(list ?? []).filter((c) => t - c < rate.windowMs), t];
          let over: boolean;
          if (ticket.fresh) {
            r.loads = recent(r.loads);
            over = r.loads.length > rate.loads;
          } else {
            r.changes = recent(r.changes);
            over = r.changes.length > rate.changes;
          }
          if (over) {
            next(tabId);
            r.model = paused(r, ticket);
            return push(tabId, r);
          }
        }
      } else if (r.model?.error?.kind === 'paused') {
        return save(tabId, r).then(() => undefined); // still paused until the agent says so
      }
      // Kept in memory at once; the lookup does not wait on storage.session.
      const kept = save(tabId, r);
      await lookup(tabId, false);
      await kept;
    },
    async input(tabId) {
      const r = await get(tabId);
      r.inputAt = now();
      r.inputUsed = false;
      await save(tabId, r);
    },
    async view(tabId) {
      return viewOf(tabId, await get(tabId));
    },
    async retry(tabId) {
      const r = await get(tabId);
      r.changes = [];
      r.loads = [];
      if (r.model?.error?.kind === 'paused') r.model = { ...r.model, state: 'loading', error: null };
      await save(tabId, r);
      return lookup(tabId, true);
    },
    async search(tabId, override, force = false) {
      const r = await get(tabId);
      if (!r.ticket) return;
      const key = r.ticket.key;
      await deps.setOverride(key, override);
      r.changes = [];
      r.loads = [];
      await save(tabId, r);
      await lookup(tabId, override !== null || force);
      // A search that found nobody is not pinned to the ticket: a reload shows the page's customer
      // again (the answer stays on screen until then).
      const after = await get(tabId);
      if (override && after.ticket?.key === key && after.model?.state !== 'ready' && after.model?.state !== 'stale') await deps.setOverride(key, null);
    },
    async navigating(tabId, scripted) {
      const r = await get(tabId);
      r.hidden = null;
      if (!r.ticket && !r.model) return save(tabId, r).then(() => undefined);
      if (!scripted) {
        next(tabId);
        r.ticket = null;
        r.model = null;
        r.pendingSince = null;
        return push(tabId, r);
      }
      // The page (a new one, or the same one's new address) says what it shows next; until then
      // the ticket stays. A page that never says (a desk page that is no ticket) drops it.
      r.pendingSince = now();
      return save(tabId, r).then(() => undefined);
    },
    async loaded(tabId) {
      const r = await get(tabId);
      if (r.pendingSince === null) return;
      const since = r.pendingSince;
      setTimer(() => {
        void get(tabId).then((latest) => {
          if (latest.pendingSince !== since) return;
          latest.pendingSince = null;
          latest.ticket = null;
          latest.model = null;
          return push(tabId, latest);
        });
      }, REPORT_GRACE_MS);
    },
    async opened(tabId, openerTabId) {
      const opener = await get(openerTabId);
      const r = await get(tabId);
      r.inputAt = opener.inputAt;
      r.inputUsed = false;
      await save(tabId, r);
    },
    async hide(tabId, reason) {
      const r = await get(tabId);
      r.hidden = reason;
      return push(tabId, r);
    },
    async removed(tabId) {
      memory.delete(tabId);
      seq.delete(tabId);
      await deps.session.remove(KEY(tabId)).catch(() => undefined);
    },
    async refreshAll() {
      const all = await deps.session.get(null);
      const ids = new Set([...memory.keys(), ...Object.keys(all).filter((k) => k.startsWith('tab:')).map((k) => Number(k.slice(4)))]);
      await Promise.all([...ids].map(async (id) => {
        const r = await get(id);
        if (r.ticket && !r.ticket.reading && r.model?.error?.kind !== 'paused') await lookup(id, false);
        else await push(id, r);
      }));
    },
    async rewrite(fn) {
      for (const [id, r] of memory) {
        const d = r.model?.data;
        if (!d) continue;
        const next = fn(structuredClone(d));
        if (!next) continue;
        r.model = { ...r.model!, data: next };
        await push(id, r);
      }
    },
    async repush() {
      await Promise.all([...memory].map(([id, r]) => push(id, r)));
    },
  };
  return tabs;
}
