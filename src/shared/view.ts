/**
 * What every Baton view shows (the side panel page and the inline frame): the model of one tab's
 * ticket, built by the background from what the tab's content script reported and what the API
 * answered, and pushed to the views that watch that tab. Imports nothing else from src but
 * shared.
 */
import type { ContextQuery, ContextResponse } from './context';
import type { LookupError, LookupOverride, LookupResult, SidebarUi } from './messages';

export const STATES = ['loading', 'ready', 'stale', 'offline', 'not-found', 'unauthorized', 'unconfigured', 'error'] as const;
export type SidebarState = (typeof STATES)[number];

/** What the content script read on the page about the customer of the ticket. */
export interface CustomerOnPage {
  email?: string;
  name?: string;
  org?: string;
  ticket?: string;
  subject?: string;
  /** The desk's tags or labels, comma-separated. */
  tags?: string;
}

export interface SidebarModel {
  state: SidebarState;
  desk: { id: string; label: string } | null;
  customer: CustomerOnPage | null;
  /** What was asked (page values or the agent's override). */
  query: ContextQuery | null;
  override: LookupOverride | null;
  data: ContextResponse | null;
  fetchedAt: number | null;
  error: LookupError | null;
  /** The ticket page's address (mail links and "Copy relay" point at it). */
  page?: string;
}

export const emptyModel = (): SidebarModel => ({
  state: 'loading',
  desk: null,
  customer: null,
  query: null,
  override: null,
  data: null,
  fetchedAt: null,
  error: null,
});

/** The data-state for a lookup result. */
export function stateOf(r: LookupResult): SidebarState {
  if (r.ok) {
    if (r.data.match.by === 'none') return 'not-found';
    return r.stale ? 'stale' : 'ready';
  }
  switch (r.error.kind) {
    case 'unconfigured':
      return 'unconfigured';
    case 'unauthorized':
      return 'unauthorized';
    case 'offline':
      return 'offline';
    default:
      return 'error';
  }
}

/** Apply a lookup result to the model. */
export function withResult(m: SidebarModel, r: LookupResult): SidebarModel {
  const state = stateOf(r);
  if (r.ok) return { ...m, state, data: r.data, fetchedAt: r.fetchedAt, error: r.error ?? null };
  return { ...m, state, data: null, fetchedAt: null, error: r.error };
}

/**
 * Which ticket and customer a model is about, as one string: the page's origin, the desk and the
 * customer as the content script read it (the ticket's id is part of it). The same ticket
 * reported again with the same customer has the same key; null without a page, desk or customer.
 */
export function shownKey(page: string | undefined, desk: { id: string } | null, customer: CustomerOnPage | null): string | null {
  if (!page || !desk || !customer) return null;
  let origin: string;
  try {
    origin = new URL(page).origin;
  } catch {
    return null;
  }
  const c = customer;
  return JSON.stringify([origin, desk.id, c.ticket ?? '', c.email ?? '', c.org ?? '', c.name ?? '', c.subject ?? '', c.tags ?? '']);
}

/** One tab as the views see it. */
export interface TabView {
  tabId: number;
  /** The ticket on the tab, or null: no ticket on this tab. */
  model: SidebarModel | null;
  /** The inline sidebar's state on the tab's site (collapsed, width). */
  ui: SidebarUi;
  /** Labels of the desks Baton knows (built-in ones switched on, and those from the config). */
  desks: string[];
  /** Inline mode: how the page keeps the sidebar from showing, when it does (`covered` …). */
  hidden?: string;
}

/** Which tab a view follows: the active tab of a window, one tab, or the tab it is framed in. */
export type ViewWatch = { window: number } | { tab: number } | { self: true };

/** The name of the port a view opens to the background. */
export const VIEW_PORT = 'baton-view';

/** What a view sends on its port (once, after connecting). */
export interface ViewHello {
  watch: ViewWatch;
}
