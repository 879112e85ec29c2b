/** What the sidebar shows, and how a lookup's result becomes a data-state. */
import type { ContextQuery, ContextResponse, Impact, ImpactLevel } from '../shared/context';
import type { LookupError, LookupOverride, LookupResult } from '../shared/messages';

export const STATES = ['loading', 'ready', 'stale', 'offline', 'not-found', 'unauthorized', 'unconfigured', 'error'] as const;
export type SidebarState = (typeof STATES)[number];

export interface CustomerOnPage {
  email?: string;
  name?: string;
  org?: string;
  ticket?: string;
  subject?: string;
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

const LEVEL_ORDER: ImpactLevel[] = ['contact', 'team', 'company', 'society', 'teammate'];

/** Impacts in ring order: contact, team, company, society, then the teammates next in line. */
export function orderedImpacts(after: Impact[]): Impact[] {
  return [...after].sort((a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level));
}
