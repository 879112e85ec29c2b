/**
 * What an agent can do for a requester Baton does not know (issue 10), and search:
 *
 *   GET    /v1/search?q=&limit=        → 200 { results: [ { kind, account, contact?, score } ] }
 *   POST   /v1/links     { email, account, name?, ticket?, author? }   → 201 { link }
 *          "This is <account>": the email now matches that account (by email) on every ticket.
 *   GET    /v1/links[?format=csv]      → 200 { links } (or CSV): every link, newest first
 *   DELETE /v1/links/{email}           → 200 { deleted }
 *   POST   /v1/handoffs  { stage, note, email?, name?, org?, ticket?, subject?, url?, author? }
 *          "Hand to sales" → 201 { handoff } (200 with the same one when repeated within 60 s);
 *          announced on `notifications.webhook` through the outbox (409 no_webhook without one).
 *
 * `linkedMatch` is how /v1/context reads the links: a requester whose email the config does
 * not list, but an agent linked, matches their account by email.
 */
import type { Context, Hono } from 'hono';
import {
  HandoffRequestSchema,
  LinkRequestSchema,
  SEARCH_LIMIT_DEFAULT,
  SEARCH_LIMIT_MAX,
  SEARCH_MAX_CHARS,
  THANKS_DEDUPE_MS,
  type HandoffResponse,
  type Link,
  type SearchResponse,
} from '../shared/context';
import type { AppEnv } from './app';
import type { LoadedConfig } from './config';
import { leadStages } from './context';
import { derived } from './derived';
import { ApiError } from './errors';
import type { Logger } from './log';
import { emailHit, type MatchResult } from './match';
import { normalizeEmail } from './normalize';
import { handoffMessage, type Notifier } from './notify';
import { searchIndexOf } from './search';
import type { HandoffRow, LinkRow, Store } from './store';
import { intParam, jsonObject, LOOKUP_STORE_TIMEOUT_MS, parse, writerOf } from './writeback';

export const LEAD_ROUTES: Record<string, string> = {
  '/v1/search': 'GET, HEAD',
  '/v1/links': 'GET, HEAD, POST',
  '/v1/links/:email': 'DELETE',
  '/v1/handoffs': 'POST',
};

export function linkOut(row: LinkRow): Link {
  return { email: row.email, account: row.accountId, name: row.name, ticket: row.ticket, by: row.author, at: row.at };
}

/**
 * The match of a requester the config does not list by email but an agent linked to an account;
 * null when there is no link (or its account is gone), or the store does not answer in time.
 */
export async function linkedMatch(loaded: LoadedConfig, store: Store, email: string, log?: Logger): Promise<{ match: MatchResult; linked: { by: string; at: string } } | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const link = await Promise.race([
      store.findLink(normalizeEmail(email)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${LOOKUP_STORE_TIMEOUT_MS} ms`)), LOOKUP_STORE_TIMEOUT_MS);
      }),
    ]);
    const account = link ? derived(loaded).accountById.get(link.accountId) : undefined;
    if (!link || !account) return null;
    return { match: { by: 'email', account, contact: { email: email.trim(), name: link.name, role: '' } }, linked: { by: link.author, at: link.at } };
  } catch (err) {
    log?.warn(`lookup without links: ${(err as Error).message}`);
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/** CSV of the links (the admin's export): one row each, RFC 4180 quoting. */
export function linksCsv(rows: readonly LinkRow[], loaded: LoadedConfig): string {
  const q = (s: string) => (/[",\r\n]/.test(s) || /^[=+\-@\t]/.test(s) ? `"${(/^[=+\-@\t]/.test(s) ? `'${s}` : s).replace(/"/g, '""')}"` : s);
  const accounts = derived(loaded).accountById;
  const lines = ['email,account,account_name,name,ticket,linked_by,linked_at'];
  for (const r of rows) lines.push([r.email, r.accountId, accounts.get(r.accountId)?.name ?? '', r.name, r.ticket, r.author, r.at].map(q).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Only http(s) addresses go into a chat message. */
function httpUrl(s: string): string {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : '';
  } catch {
    return '';
  }
}

export interface LeadDeps {
  store: Store;
  now: () => number;
  notifier?: Notifier;
}

export function registerLeads(app: Hono<AppEnv>, deps: LeadDeps): void {
  const { store, now } = deps;

  app.get('/v1/search', async (c) => {
    const raw = c.req.query('q');
    if (raw === undefined || raw.trim() === '') throw new ApiError(400, 'bad_request', 'give q: the text to search for (a name, company or email)');
    if ([...raw].length > SEARCH_MAX_CHARS) throw new ApiError(400, 'bad_request', `q is longer than ${SEARCH_MAX_CHARS} characters`);
    const limit = intParam(c, 'limit', 1, SEARCH_LIMIT_MAX, SEARCH_LIMIT_DEFAULT)!;
    const body: SearchResponse = { results: (await searchIndexOf(c.get('loaded'))).search(raw, limit) };
    c.header('Cache-Control', 'no-store');
    return c.json(body);
  });

  app.post('/v1/links', async (c) => {
    const loaded = c.get('loaded');
    const req = parse(LinkRequestSchema, await jsonObject(c));
    const account = derived(loaded).accountById.get(req.account);
    if (!account) throw new ApiError(404, 'not_found', `no account "${req.account}" in the config`);
    const email = normalizeEmail(req.email);
    const listed = emailHit(loaded.index, email);
    if (listed) {
      throw new ApiError(409, 'already_contact', `${req.email} is already a contact of ${listed.account.name} (${listed.account.id}) in the config: it matches by email without a link`);
    }
    const writer = writerOf(loaded, c.get('token'), req.author);
    const row = await store.linkEmail({ email, accountId: account.id, name: req.name, ticket: req.ticket, writer, at: new Date(now()) });
    c.set('logNote', ` link account=${account.id}`);
    return c.json({ link: linkOut(row) }, 201);
  });

  app.get('/v1/links', async (c) => {
    const rows = await store.listLinks();
    c.header('Cache-Control', 'no-store');
    if (c.req.query('format') === 'csv') {
      c.header('Content-Type', 'text/csv; charset=utf-8');
      c.header('Content-Disposition', 'attachment; filename="baton-links.csv"');
      return c.body(linksCsv(rows, c.get('loaded')));
    }
    const format = c.req.query('format');
    if (format !== undefined && format !== '' && format !== 'json') throw new ApiError(400, 'bad_request', 'format should be json or csv');
    return c.json({ links: rows.map(linkOut) });
  });

  app.delete('/v1/links/:email', async (c) => {
    const email = normalizeEmail(c.req.param('email'));
    if (!(await store.deleteLink(email))) throw new ApiError(404, 'not_found', `no link for "${c.req.param('email')}"`);
    c.set('logNote', ' link deleted');
    return c.json({ deleted: email });
  });

  app.post('/v1/handoffs', async (c: Context<AppEnv>) => {
    const loaded = c.get('loaded');
    const req = parse(HandoffRequestSchema, await jsonObject(c));
    const lang = loaded.config.organization.defaultLocale;
    const offered = leadStages(loaded, lang).stages.find((s) => s.id === req.stage);
    if (!offered) {
      const ids = leadStages(loaded, lang).stages.map((s) => s.id);
      throw new ApiError(400, 'bad_request', `stage "${req.stage}" takes no hand-offs: give a stage before support that has people (${ids.join(', ') || 'none in the config'})`);
    }
    if (!loaded.config.notifications.webhook) {
      throw new ApiError(409, 'no_webhook', 'the config has no notifications.webhook: nobody would get this hand-off (ask your admin to set one)');
    }
    const writer = writerOf(loaded, c.get('token'), req.author);
    const at = new Date(now());
    const result = await store.addHandoff({
      stage: req.stage,
      email: req.email ? normalizeEmail(req.email) : '',
      name: req.name,
      org: req.org,
      ticket: req.ticket,
      subject: req.subject,
      url: httpUrl(req.url),
      note: req.note,
      writer,
      at,
      sameSince: new Date(at.getTime() - THANKS_DEDUPE_MS),
      notification: (row: HandoffRow) => ({ kind: 'handoff', body: JSON.stringify(handoffMessage(loaded, row)) }),
    });
    if (result.created) deps.notifier?.kick();
    c.set('logNote', ` handoff=${result.row.id} stage=${req.stage}${result.created ? '' : ' repeated'}`);
    const stage = loaded.stages.get(req.stage)!;
    const body: HandoffResponse = {
      handoff: { id: String(result.row.id), stage: { id: stage.id, label: offered.label, color: stage.color ?? '' }, to: offered.people.map((p) => p.name), at: result.row.at },
    };
    return c.json(body, result.created ? 201 : 200);
  });
}
