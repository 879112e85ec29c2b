/**
 * lookup.ts serialises an answer from parts kept per account; the bytes must be exactly
 * JSON.stringify of the answer built whole (buildContext, then the store's notes and thanks
 * counts), for every kind of match, both languages, with and without notes and thanks, and
 * after the store's stamp moves.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ContextResponse, Locale } from '../../../src/shared/context';
import { parseConfig, type LoadedConfig } from '../../../src/server/config';
import { buildContext } from '../../../src/server/context';
import { answerLookup, type LookupQuery } from '../../../src/server/lookup';
import { silentLogger } from '../../../src/server/log';
import { matchQuery } from '../../../src/server/match';
import type { NoteRow, Store, Writer } from '../../../src/server/store';
import { noteOut } from '../../../src/server/writeback';
import { parseTags } from '../../../src/server/products';

const text = readFileSync(new URL('../../fixtures/config/valid.yaml', import.meta.url), 'utf8');
const parsed = parseConfig(text, 'valid.yaml');
if (!parsed.ok) throw new Error('fixture does not load');
const loaded: LoadedConfig = parsed.loaded;
const token = loaded.tokens[0]!;
const caller: Writer = { name: 'Mika', person: null, token: 'second' };

/** A store with what the test puts in it; its stamp moves when `change()` is called (or is absent). */
function fakeStore(withStamp: boolean) {
  const notes = new Map<string, NoteRow[]>();
  const thanks = new Map<string, number>();
  let stamp = 1;
  let audits = 0;
  const store = {
    readForLookup: async (accountId: string | null, people: readonly string[], limit: number) => ({
      notes: accountId === null ? [] : (notes.get(accountId) ?? []).slice(0, limit),
      thanks: new Map(people.filter((p) => thanks.has(p)).map((p) => [p, thanks.get(p)!])),
      ...(withStamp ? { stamp } : {}),
    }),
    recordLookup: () => void audits++,
  } as unknown as Store;
  return { store, notes, thanks, change: () => void stamp++, audits: () => audits };
}

/** The answer built whole, as the route built it before the parts (the old addWriteBack). */
function whole(q: LookupQuery, notes: NoteRow[], thanks: Map<string, number>, config: LoadedConfig = loaded): string {
  const extras = { email: q.email, domain: q.domain, subject: q.subject, tags: parseTags(q.tags) };
  const body: ContextResponse = buildContext(config, matchQuery(config.index, q), q.lang, extras);
  for (const p of [...body.before.map((h) => h.person), ...body.after.map((i) => i.person)]) if (p) p.thanks = thanks.get(p.id) ?? 0;
  body.notes = notes.map((r) => noteOut(r, caller));
  return JSON.stringify(body);
}

const queries: Array<Omit<LookupQuery, 'lang'>> = [
  ...loaded.config.accounts.flatMap((a) => a.contacts.map((c) => ({ email: c.email, domain: undefined, org: undefined, ticket: undefined }))),
  { email: 'new.person@acme.example.jp', domain: undefined, org: undefined, ticket: '1' },
  { email: undefined, domain: 'gadget.example.org', org: undefined, ticket: undefined },
  { email: undefined, domain: undefined, org: 'ＡＣＭＥ', ticket: undefined },
  { email: 'someone@elsewhere.example', domain: undefined, org: undefined, ticket: undefined },
];

describe.each([true, false])('answerLookup (store gives a stamp: %s)', (withStamp) => {
  it('gives the bytes of the answer built whole, for every match, language and store state', async () => {
    const s = fakeStore(withStamp);
    const check = async () => {
      for (const base of queries) {
        for (const lang of ['ja', 'en'] as Locale[]) {
          const q = { ...base, lang };
          const m = matchQuery(loaded.index, q);
          const got = await answerLookup(loaded, s.store, token, q, caller, silentLogger);
          expect(got.json.toString(), `${JSON.stringify(base)} ${lang}`).toBe(whole(q, (m.account && s.notes.get(m.account.id)) || [], s.thanks));
          expect(got.match.by).toBe(m.by);
          expect(got.bytes, 'Content-Length').toBe(Buffer.byteLength(got.json));
        }
      }
    };
    await check(); // nothing in the store
    await check(); // the same again (parts kept)
    s.notes.set('acme', [
      { id: 2, accountId: 'acme', text: '次の人へ "quoted"', ticket: '9', author: 'Mika', authorPerson: null, token: 'second', at: '2026-05-01T09:00:00.000Z' },
      { id: 1, accountId: 'acme', text: 'older', ticket: '', author: '佐藤 健', authorPerson: 'sato', token: 'test', at: '2026-04-01T09:00:00.000Z' },
    ]);
    s.thanks.set('sato', 3).set('yamada', 1);
    s.change();
    await check(); // notes and thanks
    s.thanks.set('sato', 4);
    s.change();
    await check(); // a thanks more
    expect(s.audits()).toBe(queries.length * 2 * 4);
  });
});

it('answers without notes and thanks when the store fails, and marks it', async () => {
  const failing = { readForLookup: () => Promise.reject(new Error('down')), recordLookup: () => undefined } as unknown as Store;
  const q: LookupQuery = { email: 'aiko.tanaka@acme.example.jp', domain: undefined, org: undefined, ticket: undefined, lang: 'en' };
  const got = JSON.parse((await answerLookup(loaded, failing, token, q, caller, silentLogger)).json.toString()) as ContextResponse;
  expect(got.writeBack).toBe('unavailable');
  expect(got.notes).toEqual([]);
  expect(JSON.stringify(got)).toBe(JSON.stringify({ ...JSON.parse(whole(q, [], new Map())), writeBack: 'unavailable' }));
});

it('the demo config: product areas by subject and tags, free-mail domains, verify notes — the same bytes as the whole answer', async () => {
  const demoText = readFileSync(new URL('../../../baton.config.yaml', import.meta.url), 'utf8');
  const demo = parseConfig(demoText, 'baton.config.yaml');
  if (!demo.ok) throw new Error('demo config does not load');
  const s = fakeStore(true);
  const emails = demo.loaded.config.accounts.flatMap((a) => a.contacts.map((c) => c.email));
  const asks: Array<Partial<LookupQuery>> = [
    ...emails.map((email) => ({ email })),
    ...emails.map((email) => ({ email, subject: 'SSO login fails since Monday' })),
    ...emails.map((email) => ({ email, subject: 'question', tags: 'dashboards,billing' })),
    { email: 'someone@freemail.example', org: demo.loaded.config.accounts[0]!.name },
    { email: 'new.person@' + demo.loaded.config.accounts[1]!.domains[0], subject: 'ダッシュボード' },
    { domain: demo.loaded.config.accounts[2]!.domains[0] },
  ];
  for (const round of [0, 1]) {
    if (round === 1) {
      s.thanks.set(demo.loaded.config.people[0]!.id, 2);
      s.change();
    }
    for (const ask of asks) {
      for (const lang of ['ja', 'en'] as Locale[]) {
        const q: LookupQuery = { email: undefined, domain: undefined, org: undefined, ticket: undefined, ...ask, lang };
        const got = await answerLookup(demo.loaded, s.store, demo.loaded.tokens[0]!, q, caller, silentLogger);
        expect(got.json.toString(), `${JSON.stringify(ask)} ${lang}`).toBe(whole(q, [], s.thanks, demo.loaded));
        expect(got.bytes, 'Content-Length').toBe(Buffer.byteLength(got.json));
      }
    }
  }
});
