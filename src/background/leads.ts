/**
 * Search and what an agent can do for a requester Baton does not know (issue 10): the search
 * box's suggestions (`GET /v1/search`), "This is <account>" (`POST /v1/links`: the requester's
 * email belongs to that account from now on) and "Hand to sales" (`POST /v1/handoffs`: a note to
 * a stage's people, announced on the team's webhook). The views send only what the agent chose;
 * who the requester is (email, name, company, ticket, subject, page) comes from what the tab's
 * content script read, as the background holds it. Writes are sent once (no retry).
 */
import { HandoffResponseSchema, LinkResponseSchema, SEARCH_LIMIT_DEFAULT, SEARCH_LIMIT_MAX, type HandoffResponse, type Link, type SearchResult } from '../shared/context';
import type { BackgroundProtocol, WriteResult } from '../shared/messages';
import type { TabView } from '../shared/view';
import { apiGet, getSearch, type ApiOptions, type ApiTarget } from './api';

type LeadNames = 'search:run' | 'links:add' | 'handoffs:send';
export type LeadHandlers = { [K in LeadNames]: (req: BackgroundProtocol[K][0]) => Promise<BackgroundProtocol[K][1]> };

export interface LeadDeps {
  target(): Promise<ApiTarget & { agentName: string }>;
  /** What a tab shows (its ticket's customer as the page showed it). */
  view(tabId: number): Promise<TabView>;
  /** Look the tab's customer (the page's, not a typed one) up again, past the cache. */
  relookup(tabId: number): Promise<void>;
  api?: ApiOptions;
}

const bad = (message: string): { ok: false; error: { kind: 'bad-response'; message: string } } => ({ ok: false, error: { kind: 'bad-response', message } });
const text = (x: unknown, max: number) => (typeof x === 'string' ? x.trim().slice(0, max) : '');

export function leadHandlers(deps: LeadDeps): LeadHandlers {
  const customerOf = async (tabId: unknown) => {
    if (typeof tabId !== 'number') return null;
    const m = (await deps.view(tabId)).model;
    return m?.customer ? { customer: m.customer, page: m.page ?? '' } : null;
  };

  return {
    'search:run': async ({ q, limit }) => {
      const query = text(q, 200);
      if (!query) return { ok: true, results: [] as SearchResult[] };
      const n = typeof limit === 'number' && limit >= 1 ? Math.min(SEARCH_LIMIT_MAX, Math.floor(limit)) : SEARCH_LIMIT_DEFAULT;
      // Suggestions while typing: one try, a short wait (the next key press asks again).
      const r = await getSearch(await deps.target(), query, n, { ...deps.api, retry: false, timeoutMs: Math.min(deps.api?.timeoutMs ?? 3000, 3000) });
      return r.ok ? { ok: true, results: r.data.results } : r;
    },
    'links:add': async ({ tabId, account }) => {
      const on = await customerOf(tabId);
      const email = on?.customer.email ?? '';
      if (!email) return bad('the ticket shows no email address to link');
      if (!text(account, 200)) return bad('no account to link to');
      const t = await deps.target();
      const r = await apiGet(t, '/v1/links', LinkResponseSchema, {
        ...deps.api,
        retry: false,
        method: 'POST',
        body: { email, account: text(account, 200), name: on!.customer.name ?? '', ticket: on!.customer.ticket ?? '', author: t.agentName },
      });
      if (!r.ok) return r;
      await deps.relookup(tabId);
      return { ok: true, link: r.data.link as Link };
    },
    'handoffs:send': async ({ tabId, stage, note }) => {
      const on = await customerOf(tabId);
      if (!on) return bad('no ticket on this tab');
      if (!text(note, 2000)) return bad('note should not be empty');
      const c = on.customer;
      const t = await deps.target();
      const r = await apiGet(t, '/v1/handoffs', HandoffResponseSchema, {
        ...deps.api,
        retry: false,
        method: 'POST',
        body: {
          stage: text(stage, 200),
          note: text(note, 2000),
          email: c.email ?? '',
          name: c.name ?? '',
          org: c.org ?? '',
          ticket: c.ticket ?? '',
          subject: c.subject ?? '',
          url: /^https?:\/\//.test(on.page) ? on.page : '',
          author: t.agentName,
        },
      });
      return r.ok ? ({ ok: true, ...(r.data as HandoffResponse) } satisfies WriteResult<HandoffResponse>) : r;
    },
  };
}
