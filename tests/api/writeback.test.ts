/**
 * Notes and thanks through app.request() on a real SQLite file: every route, every error,
 * who may delete, paging, the 60 s thanks window, and what /v1/context shows of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DELETE_KEY_HEADER,
  NoteDeletedSchema,
  NoteResponseSchema,
  NotesPageSchema,
  ThanksResponseSchema,
  type ContextResponse,
  type Note,
} from '../../src/shared/context';
import { createApp } from '../../src/server/app';
import type { LoadedConfig } from '../../src/server/config';
import { bearer, expectError, FIXTURES, getContext, jsonRequest, loadFixture, loadText, SECOND_TOKEN, tempStore, type TempStore } from './helpers';
import { STORE_KINDS } from '../support/stores';

describe.each(STORE_KINDS)('write-back (%s store)', (kind) => {
  let db: TempStore;
  let loaded: LoadedConfig;
  let app: ReturnType<typeof createApp>;
  /** The app's clock (ms); tests move it. */
  let now: number;

  beforeEach(async () => {
    db = await tempStore(kind);
    loaded = await loadFixture('valid.yaml');
    now = Date.parse('2026-05-01T09:00:00Z');
    app = createApp(loaded, db.store, { now: () => now });
  });
  afterEach(() => db.cleanup());

  /** `test-token` names the person sato (佐藤 健); `second-token` names nobody. */
  const SECOND = bearer(SECOND_TOKEN);

  async function postNote(body: unknown, account = 'acme', headers = bearer()): Promise<Note> {
    const res = await app.request(`/v1/accounts/${account}/notes`, jsonRequest('POST', body, headers));
    expect(res.status).toBe(201);
    return v.parse(NoteResponseSchema, await res.json()).note;
  }

  async function listNotes(query = '', account = 'acme', headers = bearer()) {
    const res = await app.request(`/v1/accounts/${account}/notes${query}`, { headers });
    expect(res.status).toBe(200);
    return v.parse(NotesPageSchema, await res.json());
  }

  async function thank(body: unknown, headers = bearer(), status = 201) {
    const res = await app.request('/v1/thanks', jsonRequest('POST', body, headers));
    expect(res.status).toBe(status);
    return v.parse(ThanksResponseSchema, await res.json());
  }

  const context = (query: string, headers = bearer()): Promise<ContextResponse> => getContext(app, query, headers);

  describe('POST /v1/accounts/{id}/notes', () => {
    it('stores a note and answers 201 with it; the token person is the author', async () => {
      const res = await app.request('/v1/accounts/acme/notes', jsonRequest('POST', { text: '  更新前に人事部長と話す  ', ticket: '42', author: 'Someone Else' }));
      expect(res.status).toBe(201);
      const body = (await res.json()) as unknown;
      expect(body).toEqual({
        note: { id: expect.stringMatching(/^\d+$/), text: '更新前に人事部長と話す', ticket: '42', author: '佐藤 健', at: '2026-05-01T09:00:00.000Z', mine: true, verified: true },
      });
      expect((await listNotes()).notes).toEqual([(body as { note: Note }).note]);
    });

    it('takes the author from the body when the token names nobody, else the token name', async () => {
      expect((await postNote({ text: 'a', author: ' Aiko ' }, 'acme', SECOND)).author).toBe('Aiko');
      expect((await postNote({ text: 'b' }, 'acme', SECOND)).author).toBe('second');
      expect((await postNote({ text: 'c', author: null, ticket: null }, 'acme', SECOND))).toMatchObject({ author: 'second', ticket: '' });
    });

    it('accepts 2,000 characters (counted as characters, not UTF-16 units) and refuses 2,001', async () => {
      expect((await postNote({ text: '🎌'.repeat(2000) })).text).toHaveLength(4000);
      const res = await app.request('/v1/accounts/acme/notes', jsonRequest('POST', { text: 'あ'.repeat(2001) }));
      expect(await expectError(res, 400, 'bad_request')).toBe('text should be at most 2,000 characters');
    });

    it.each([
      [{}, 'text is missing'],
      [{ text: '' }, 'text should not be empty'],
      [{ text: ' \n\t ' }, 'text should not be empty'],
      [{ text: 42 }, 'text should be text'],
      [{ text: 'ok', ticket: 7 }, 'ticket should be text'],
      [{ text: 'ok', ticket: 'x'.repeat(201) }, 'ticket should be at most 200 characters'],
      [{ text: 'ok', author: 'a'.repeat(101) }, 'author should be at most 100 characters'],
      [{ text: 'ok', author: 'two\nlines' }, 'author should be one line of text'],
    ])('refuses %j with 400', async (body, message) => {
      const res = await app.request('/v1/accounts/acme/notes', jsonRequest('POST', body, SECOND));
      expect(await expectError(res, 400, 'bad_request')).toBe(message);
      expect((await listNotes()).notes).toEqual([]);
    });

    it.each([
      ['{"text": "unterminated', /^the body is not valid JSON: /],
      ['["text"]', /^the body should be a JSON object$/],
      ['null', /^the body should be a JSON object$/],
      ['', /^the body is empty/],
    ])('bad JSON %j → 400', async (raw, message) => {
      const res = await app.request('/v1/accounts/acme/notes', jsonRequest('POST', raw));
      expect(await expectError(res, 400, 'bad_request')).toMatch(message);
    });

    it('refuses a body that is not sent as JSON (415), and one over the size limit (413)', async () => {
      const form = await app.request('/v1/accounts/acme/notes', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'text=hi' });
      expect(await expectError(form, 415, 'unsupported_media_type')).toMatch(/Content-Type: application\/json/);
      const big = await app.request('/v1/accounts/acme/notes', jsonRequest('POST', { text: 'x'.repeat(70 * 1024) }));
      await expectError(big, 413, 'payload_too_large');
      // A charset parameter is fine.
      const ok = await app.request('/v1/accounts/acme/notes', { method: 'POST', headers: { ...bearer(), 'Content-Type': 'application/json; charset=utf-8' }, body: '{"text":"hi"}' });
      expect(ok.status).toBe(201);
    });

    it('unknown account → 404', async () => {
      const res = await app.request('/v1/accounts/nope/notes', jsonRequest('POST', { text: 'hi' }));
      expect(await expectError(res, 404, 'not_found')).toBe('no account "nope" in the config');
    });
  });

  describe('GET /v1/accounts/{id}/notes', () => {
    it('lists newest first, a page at a time, per account', async () => {
      for (let i = 1; i <= 5; i++) {
        await postNote({ text: `note ${i}` });
        now += 1000;
      }
      await postNote({ text: 'elsewhere' }, 'northwind');
      const first = await listNotes('?limit=2');
      expect(first.notes.map((n) => n.text)).toEqual(['note 5', 'note 4']);
      expect(first.next).toBe(first.notes[1]!.id);
      const second = await listNotes(`?limit=2&before=${first.next}`);
      expect(second.notes.map((n) => n.text)).toEqual(['note 3', 'note 2']);
      const last = await listNotes(`?limit=2&before=${second.next}`);
      expect(last.notes.map((n) => n.text)).toEqual(['note 1']);
      expect(last.next).toBeNull();
      expect((await listNotes()).notes).toHaveLength(5); // default page size 20
      expect((await listNotes('', 'northwind')).notes.map((n) => n.text)).toEqual(['elsewhere']);
      expect(await listNotes('', 'gadget')).toEqual({ notes: [], next: null });
    });

    it('marks the caller’s own notes: by person, or by token and ?author= for tokens without one', async () => {
      await postNote({ text: 'by sato' });
      await postNote({ text: 'by aiko', author: 'Aiko' }, 'acme', SECOND);
      const mine = async (query: string, headers: Record<string, string>) =>
        (await listNotes(query, 'acme', headers)).notes.filter((n) => n.mine).map((n) => n.text);
      expect(await mine('', bearer())).toEqual(['by sato']);
      expect(await mine('?author=Aiko', bearer())).toEqual(['by sato']); // the person wins over ?author=
      expect(await mine('?author=Aiko', SECOND)).toEqual(['by aiko']);
      expect(await mine('?author=Ken', SECOND)).toEqual([]);
      expect(await mine('', SECOND)).toEqual([]);
    });

    it.each(['?limit=0', '?limit=101', '?limit=abc', '?before=-1', '?before=1.5', '?limit=1e2'])('refuses %s with 400', async (query) => {
      const res = await app.request(`/v1/accounts/acme/notes${query}`, { headers: bearer() });
      expect(await expectError(res, 400, 'bad_request')).toMatch(/^(limit|before) should be a whole number from/);
    });

    it('unknown account → 404', async () => {
      await expectError(await app.request('/v1/accounts/nope/notes', { headers: bearer() }), 404, 'not_found');
    });
  });

  describe('DELETE /v1/notes/{id}', () => {
    const del = (id: string, query = '', init: RequestInit = { headers: bearer() }) => app.request(`/v1/notes/${id}${query}`, { ...init, method: 'DELETE' });

    it('lets the token person delete their own note, once', async () => {
      const note = await postNote({ text: 'mine' });
      const res = await del(note.id);
      expect(res.status).toBe(200);
      expect(v.parse(NoteDeletedSchema, await res.json())).toEqual({ deleted: note.id });
      expect((await listNotes()).notes).toEqual([]);
      expect(await expectError(await del(note.id), 404, 'not_found')).toBe(`no note "${note.id}"`);
    });

    it('refuses anyone else with 403, whatever author they claim', async () => {
      const note = await postNote({ text: 'by sato' });
      expect(await expectError(await del(note.id, '?author=佐藤 健', { headers: SECOND }), 403, 'forbidden')).toBe("only 佐藤 健's own token can delete this note");
      expect((await listNotes()).notes).toHaveLength(1);
    });

    it('for tokens without a person: only the delete key given with the note, never a name (?author= or a JSON body)', async () => {
      const post = async (body: unknown) => {
        const res = await app.request('/v1/accounts/acme/notes', jsonRequest('POST', body, SECOND));
        expect(res.status).toBe(201);
        return v.parse(NoteResponseSchema, await res.json());
      };
      const a = await post({ text: 'a', author: 'Aiko' });
      const b = await post({ text: 'b', author: 'Aiko' });
      expect(a.note.verified).toBe(false);
      expect(a.deleteKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
      expect(a.deleteKey).not.toBe(b.deleteKey);
      // The writer's own name, through the writer's own token, deletes nothing (issue 11: forged by anyone on the team).
      expect(await expectError(await del(a.note.id, '?author=Aiko', { headers: SECOND }), 403, 'forbidden')).toMatch(/only its delete key \(X-Baton-Delete-Key/);
      expect((await del(b.note.id, '', jsonRequest('DELETE', { author: 'Aiko' }, SECOND))).status).toBe(403);
      // Another note's key, or a wrong one, neither.
      expect(await expectError(await del(a.note.id, '', { headers: { ...SECOND, [DELETE_KEY_HEADER]: b.deleteKey! } }), 403, 'forbidden')).toMatch(/the key sent is not it/);
      await expectError(await del(a.note.id, '', { headers: { ...SECOND, [DELETE_KEY_HEADER]: 'x'.repeat(500) } }), 403, 'forbidden');
      // The key: in the header, or the JSON body; with any valid token.
      expect((await del(a.note.id, '', { headers: { ...SECOND, [DELETE_KEY_HEADER]: a.deleteKey! } })).status).toBe(200);
      expect((await del(b.note.id, '', jsonRequest('DELETE', { deleteKey: b.deleteKey }, bearer()))).status).toBe(200);
      expect((await listNotes()).notes).toEqual([]);
    });

    it('a person token gets no delete key (its person deletes its notes)', async () => {
      const res = await app.request('/v1/accounts/acme/notes', jsonRequest('POST', { text: 'x' }));
      expect(Object.keys((await res.json()) as object)).toEqual(['note']);
    });

    it('a person token cannot delete a note written under another token with no person', async () => {
      const note = await postNote({ text: 'x', author: '佐藤 健' }, 'acme', SECOND);
      await expectError(await del(note.id), 403, 'forbidden');
    });

    it.each(['abc', '0x1', '99999999999999999999', '12.0'])('an id like %j → 404', async (id) => {
      await expectError(await del(id), 404, 'not_found');
    });

    it('refuses a DELETE body that is not JSON', async () => {
      const note = await postNote({ text: 'x' });
      const res = await del(note.id, '', { headers: { ...bearer(), 'Content-Type': 'text/plain' }, body: 'author=me' });
      await expectError(res, 415, 'unsupported_media_type');
      const bad = await del(note.id, '', jsonRequest('DELETE', '{oops'));
      await expectError(bad, 400, 'bad_request');
    });
  });

  describe('POST /v1/thanks', () => {
    it('stores a thanks from the token person and answers 201 with the new total', async () => {
      const res = await app.request('/v1/thanks', jsonRequest('POST', { to: 'suzuki', account: 'acme', ticket: '42', message: 'ウェビナーの資料、助かりました', from: 'ignored' }));
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({
        thanks: { id: expect.stringMatching(/^\d+$/), to: 'suzuki', from: '佐藤 健', account: 'acme', ticket: '42', message: 'ウェビナーの資料、助かりました', at: '2026-05-01T09:00:00.000Z', verified: true },
        total: 1,
      });
      expect((await thank({ to: 'suzuki', from: 'Aiko' }, SECOND)).thanks).toMatchObject({ from: 'Aiko', account: '', ticket: '', message: '', verified: false });
      expect((await thank({ to: 'suzuki' }, SECOND)).total).toBe(3);
    });

    it('counts a repeat from the same writer, person and ticket within 60 s once (200, the same thanks)', async () => {
      const first = await thank({ to: 'sato', ticket: '42' });
      now += 59_999;
      const again = await thank({ to: 'sato', ticket: '42', message: 'different words' }, bearer(), 200);
      expect(again).toEqual(first);
      // Not the same: another ticket, another writer, another person — or a minute later.
      expect((await thank({ to: 'sato', ticket: '43' })).total).toBe(2);
      expect((await thank({ to: 'sato', ticket: '42', from: 'Aiko' }, SECOND)).total).toBe(3);
      expect((await thank({ to: 'sato', ticket: '42', from: 'Ken' }, SECOND)).total).toBe(4);
      expect((await thank({ to: 'yamada', ticket: '42' })).total).toBe(1);
      now += 2;
      expect((await thank({ to: 'sato', ticket: '42' })).total).toBe(5);
    });

    it.each([
      [{}, 'to is missing: give the person id (people[].id)'],
      [{ to: null }, 'to should be a person id'],
      [{ to: '' }, 'to should be a person id'],
      [{ to: 5 }, 'to should be a person id'],
      [{ to: 'sato', message: 'x'.repeat(501) }, 'message should be at most 500 characters'],
      [{ to: 'sato', from: 'a\u0007b' }, 'from should be one line of text'],
    ])('refuses %j with 400', async (body, message) => {
      expect(await expectError(await app.request('/v1/thanks', jsonRequest('POST', body)), 400, 'bad_request')).toBe(message);
    });

    it('unknown person or account → 404; bad JSON → 400', async () => {
      expect(await expectError(await app.request('/v1/thanks', jsonRequest('POST', { to: 'satoo' })), 404, 'not_found')).toBe('no person "satoo" in the config');
      expect(await expectError(await app.request('/v1/thanks', jsonRequest('POST', { to: 'sato', account: 'nope' })), 404, 'not_found')).toBe('no account "nope" in the config');
      await expectError(await app.request('/v1/thanks', jsonRequest('POST', '{"to":')), 400, 'bad_request');
      expect((await thank({ to: 'sato' })).total).toBe(1); // nothing was stored by the failures
    });

    it('queues a notification only when the config has a webhook', async () => {
      await thank({ to: 'sato', account: 'acme', ticket: '1' });
      expect(await db.store.notificationStats()).toEqual({ pending: 0, sent: 0, lastError: null });
      const text = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8') + '\nnotifications: { webhook: "https://hooks.example/services/T0/B0/secret" }\n';
      const withHook = createApp(loadText(text), db.store, { now: () => now });
      const res = await withHook.request('/v1/thanks', jsonRequest('POST', { to: 'sato', account: 'acme', ticket: '2' }));
      expect(res.status).toBe(201);
      expect(await db.store.notificationStats()).toMatchObject({ pending: 1 });
      const queued = (await db.store.nextNotification())!;
      expect(JSON.parse(queued.body)).toEqual({ text: '👏 佐藤 健 さんから 佐藤 健 さんへ「ありがとう」（株式会社アクメ・チケット 2）' });
      // A repeat queues nothing more.
      expect((await withHook.request('/v1/thanks', jsonRequest('POST', { to: 'sato', account: 'acme', ticket: '2' }))).status).toBe(200);
      expect(await db.store.notificationStats()).toMatchObject({ pending: 1 });
      const health = (await (await withHook.request('/healthz')).json()) as { notifications: unknown };
      expect(health.notifications).toEqual({ webhook: true, pending: 1, sent: 0, failing: false });
      const status = (await (await withHook.request('/v1/status', { headers: bearer() })).json()) as { notifications: unknown };
      expect(status.notifications).toEqual({ webhook: true, pending: 1, sent: 0, lastError: null });
    });
  });

  describe('GET /v1/context — notes and thanks', () => {
    it('carries the account’s latest 5 notes, newest first', async () => {
      for (let i = 1; i <= 7; i++) {
        await postNote({ text: `note ${i}`, ticket: String(i) });
        now += 1000;
      }
      await postNote({ text: 'for northwind' }, 'northwind');
      const body = await context('email=aiko.tanaka@acme.example.jp');
      expect(body.notes.map((n) => n.text)).toEqual(['note 7', 'note 6', 'note 5', 'note 4', 'note 3']);
      expect(body.notes[0]).toEqual({ id: expect.any(String), text: 'note 7', ticket: '7', author: '佐藤 健', at: '2026-05-01T09:00:06.000Z', mine: true, verified: true });
      expect((await context('email=aiko.tanaka@acme.example.jp', SECOND)).notes.every((n) => !n.mine)).toBe(true);
      expect((await context('email=x@northwind.example.com')).notes.map((n) => n.text)).toEqual(['for northwind']);
      expect((await context('email=someone@nowhere.example')).notes).toEqual([]);
    });

    it('gives every person returned their thanks count', async () => {
      await thank({ to: 'sato', ticket: '1' });
      await thank({ to: 'sato', ticket: '2' });
      await thank({ to: 'yamada', ticket: '1' });
      await thank({ to: 'kuroda', ticket: '1' });
      const acme = await context('email=aiko.tanaka@acme.example.jp');
      const people = Object.fromEntries(
        [...acme.before.map((h) => h.person), ...acme.after.map((i) => i.person)].filter((p) => p !== null).map((p) => [p.id, p.thanks]),
      );
      expect(people).toEqual({ suzuki: 0, sato: 2, yamada: 1 });
      const northwind = await context('email=x@northwind.example.com');
      expect(northwind.before[0]!.person).toMatchObject({ id: 'kuroda', thanks: 1 });
    });
  });

  describe('auth, rate limit, methods, CORS on the write-back routes', () => {
    const routes: [string, string][] = [
      ['POST', '/v1/accounts/acme/notes'],
      ['GET', '/v1/accounts/acme/notes'],
      ['DELETE', '/v1/notes/1'],
      ['POST', '/v1/thanks'],
    ];

    it.each(routes)('%s %s without a token → 401', async (method, path) => {
      const res = await app.request(path, method === 'GET' ? {} : jsonRequest(method, { text: 'x', to: 'sato' }, {}));
      expect(await expectError(res, 401, 'unauthorized')).toMatch(/missing bearer token/);
    });

    it('writes use the token’s rate limit', async () => {
      const text = readFileSync(join(FIXTURES, 'valid.yaml'), 'utf8').replace(/^version: 1$/m, 'version: 1\nrateLimit: { perSecond: 1, burst: 2 }');
      const limited = createApp(loadText(text), db.store, { now: () => now });
      const note = () => limited.request('/v1/accounts/acme/notes', jsonRequest('POST', { text: 'x' }));
      expect((await note()).status).toBe(201);
      expect((await limited.request('/v1/thanks', jsonRequest('POST', { to: 'sato' }))).status).toBe(201);
      const res = await note();
      await expectError(res, 429, 'rate_limited');
      expect(res.headers.get('retry-after')).toBe('1');
      expect((await listNotes()).notes).toHaveLength(1);
    });

    it.each([
      ['PUT', '/v1/accounts/acme/notes', 'GET, HEAD, POST'],
      ['GET', '/v1/notes/1', 'DELETE'],
      ['GET', '/v1/thanks', 'POST'],
    ])('%s %s → 405 with Allow: %s', async (method, path, allow) => {
      const res = await app.request(path, { method, headers: bearer() });
      await expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBe(allow);
    });

    it('lets the extension preflight a DELETE and a JSON POST', async () => {
      const origin = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
      for (const method of ['DELETE', 'POST']) {
        const res = await app.request('/v1/notes/1', {
          method: 'OPTIONS',
          headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'authorization, content-type' },
        });
        expect(res.status).toBe(204);
        expect(res.headers.get('access-control-allow-methods')).toContain(method);
        expect(res.headers.get('access-control-allow-headers')).toMatch(/Content-Type/);
      }
    });
  });
});
