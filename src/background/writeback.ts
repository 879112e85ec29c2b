/**
 * Write-back (issue "pass the baton"): thanks to a person on the relay and notes on an account,
 * sent to the API with the agent's name as the writer (the API uses the token's person instead
 * when the config names one). Writes are sent once (no retry: a retried POST could write
 * twice); answers are validated with the shared schemas; after a write the cached answers are
 * updated so a reload shows the new note or count at once.
 */
import { DELETE_KEY_HEADER, NoteDeletedSchema, NoteResponseSchema, ThanksResponseSchema, type ContextResponse, type Note, type Person, type Thanks } from '../shared/context';
import type { BackgroundProtocol, WriteResult } from '../shared/messages';
import { apiGet, type ApiOptions, type ApiTarget } from './api';
import type { SecretStore } from './secret-store';

type WriteNames = 'thanks:send' | 'notes:add' | 'notes:delete';
export type WriteHandlers = { [K in WriteNames]: (req: BackgroundProtocol[K][0]) => Promise<BackgroundProtocol[K][1]> };

export interface WriteBackDeps {
  /** The API address and token, and the agent's name from the settings. */
  target(): Promise<ApiTarget & { agentName: string }>;
  /** Rewrite the answers kept (the cache, the relays the tabs show); `fn` returns null to keep one. */
  rewrite(fn: (data: ContextResponse) => ContextResponse | null): Promise<void>;
  api?: ApiOptions;
  /**
   * Where the delete key of a note written through a shared token is kept (the API gives it
   * once, in the 201): without it the API lets nobody delete that note. Extension storage that
   * no content script can read (the token's IndexedDB).
   */
  keys?: SecretStore;
}

const keyName = (id: string) => `note-delete-key:${id}`;

/** Notes a `/v1/context` answer carries (the API's latest 5). */
const CONTEXT_NOTES = 5;
const text = (x: unknown) => (typeof x === 'string' ? x : '');
const bad = (message: string): { ok: false; error: { kind: 'bad-response'; message: string } } => ({ ok: false, error: { kind: 'bad-response', message } });

/** Every person in an answer (hand-offs and teammates). */
function people(d: ContextResponse): Person[] {
  return [...d.before.map((h) => h.person), ...d.after.map((i) => i.person)].filter((p): p is Person => !!p);
}

export function writeBackHandlers(deps: WriteBackDeps): WriteHandlers {
  /** One settings read per write: the path and body get the agent's name from it. */
  async function write<T>(
    method: string,
    path: string | ((agent: string) => string),
    schema: Parameters<typeof apiGet>[2],
    body?: (agent: string) => unknown,
    headers?: Record<string, string>,
  ): Promise<WriteResult<T>> {
    const t = await deps.target();
    const url = typeof path === 'string' ? path : path(t.agentName);
    const r = await apiGet(t, url, schema, { ...deps.api, retry: false, method, ...(body ? { body: body(t.agentName) } : {}), ...(headers ? { headers } : {}) });
    return r.ok ? { ok: true, ...(r.data as T) } : r;
  }

  return {
    'thanks:send': async ({ to, account, ticket }) => {
      if (!text(to).trim()) return bad('to should be a person id');
      const r = await write<{ thanks: Thanks; total: number }>('POST', '/v1/thanks', ThanksResponseSchema, (from) => ({
        to,
        account: text(account),
        ticket: text(ticket),
        from,
      }));
      if (r.ok) {
        await deps.rewrite((d) => {
          const hit = people(d).filter((p) => p.id === to);
          for (const p of hit) p.thanks = r.total;
          return hit.length ? d : null;
        });
      }
      return r;
    },
    'notes:add': async ({ account, text: body, ticket }) => {
      if (!text(account)) return bad('no account to leave the note on');
      const r = await write<{ note: Note; deleteKey?: string }>('POST', `/v1/accounts/${encodeURIComponent(account)}/notes`, NoteResponseSchema, (author) => ({
        text: text(body),
        ticket: text(ticket),
        author,
      }));
      if (r.ok && r.deleteKey) await deps.keys?.set(keyName(r.note.id), r.deleteKey).catch(() => undefined);
      if (r.ok) {
        await deps.rewrite((d) =>
          d.account?.id === account ? { ...d, notes: [r.note, ...d.notes.filter((n) => n.id !== r.note.id)].slice(0, CONTEXT_NOTES) } : null,
        );
      }
      return r;
    },
    'notes:delete': async ({ id }) => {
      if (!/^\d+$/.test(text(id))) return bad('no such note');
      const key = await deps.keys?.get(keyName(id)).catch(() => undefined);
      const r = await write<{ deleted: string }>('DELETE', (author) => `/v1/notes/${id}?${new URLSearchParams({ author })}`, NoteDeletedSchema, undefined, key ? { [DELETE_KEY_HEADER]: key } : undefined);
      if (r.ok && key) await deps.keys?.delete(keyName(id)).catch(() => undefined);
      if (r.ok) await deps.rewrite((d) => (d.notes.some((n) => n.id === id) ? { ...d, notes: d.notes.filter((n) => n.id !== id) } : null));
      return r;
    },
  };
}
