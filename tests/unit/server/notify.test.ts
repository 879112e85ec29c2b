import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/server/config';
import { chatSafe, MAX_RETRY_MS, retryDelay, slackEscape, thanksMessage, webhookHost } from '../../../src/server/notify';
import type { ThanksRow } from '../../../src/server/store';

const valid = readFileSync(fileURLToPath(new URL('../../fixtures/config/valid.yaml', import.meta.url)), 'utf8');
const result = parseConfig(valid, 'valid.yaml');
if (!result.ok) throw new Error('valid.yaml should load');
const loaded = result.loaded;

const row = (over: Partial<ThanksRow> = {}): ThanksRow => ({
  id: 7,
  to: 'sato',
  from: 'Aiko',
  fromPerson: null,
  token: 'second',
  account: '',
  ticket: '',
  message: '',
  at: '2026-05-01T09:00:00.000Z',
  ...over,
});

describe('retryDelay', () => {
  it('doubles from the base and stops at 30 s', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelay(n))).toEqual([1000, 2000, 4000, 8000, 16000, 30000]);
    expect(retryDelay(1000)).toBe(MAX_RETRY_MS);
    expect(retryDelay(3, 10)).toBe(40);
    expect(retryDelay(0, 10)).toBe(10);
  });

  it('never waits longer than 30 s, whatever cap is asked for', () => {
    expect(retryDelay(20, 1000, 120_000)).toBe(30_000);
    expect(retryDelay(20, 1000, 5_000)).toBe(5_000);
  });
});

describe('thanksMessage', () => {
  it('names who thanked whom, the account and the ticket, in the config language', () => {
    expect(thanksMessage(loaded, row({ account: 'acme', ticket: '4711', message: 'ありがとう' }))).toEqual({
      text: '👏 Aiko さんから 佐藤 健 さんへ「ありがとう」（株式会社アクメ・チケット 4711）\n> ありがとう',
    });
    expect(thanksMessage(loaded, row({ account: 'northwind', ticket: '12' }), 'en')).toEqual({ text: '👏 Aiko thanked 佐藤 健 (Northwind Trading Ltd., ticket 12)' });
    expect(thanksMessage(loaded, row(), 'en')).toEqual({ text: '👏 Aiko thanked 佐藤 健' });
  });

  it('falls back to ids for people and accounts no longer in the config, and escapes Slack markup', () => {
    expect(thanksMessage(loaded, row({ to: 'gone', account: 'closed', from: '<!channel> & co' }), 'en')).toEqual({
      text: '👏 &lt;!channel&gt; &amp; co thanked gone (closed)',
    });
    expect(slackEscape('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });
});

describe('chatSafe: nothing an agent writes pings, links or hides a URL in the channel', () => {
  const Z = '\u200b';
  it.each([
    ['@channel please sign in', `@${Z}channel please sign in`],
    ['@here @everyone @all @sato', `@${Z}here @${Z}everyone @${Z}all @${Z}sato`],
    ['<!channel> <!here|here> <@U123>', `&lt;!channel&gt; &lt;!here|here&gt; &lt;@${Z}U123&gt;`],
    ['<https://evil.example/login|sign in again>', `&lt;https:${Z}//evil.example/login|sign in again&gt;`],
    ['[sign in again](https://evil.example/login)', `[sign in again]${Z}(https:${Z}//evil.example/login)`],
    ['[x] (https://e.example)', `[x]${Z} (https:${Z}//e.example)`],
    ['see https://evil.example', `see https:${Z}//evil.example`],
    ['mail aiko@acme.example', `mail aiko@${Z}acme.example`],
    ['ありがとう！ 100% & <3', 'ありがとう！ 100% &amp; &lt;3'],
  ])('%j', (input, out) => expect(chatSafe(input)).toBe(out));

  it('applies to every field of a thanks message (from, ticket, message)', () => {
    const text = thanksMessage(loaded, row({ from: '@channel', ticket: '[t](https://x.example)', message: 'hi @here\n[sign in again](https://evil.example/login)' }), 'en').text;
    expect(text).not.toMatch(/@(channel|here)|\]\(|:\/\//);
    expect(text.replaceAll(Z, '')).toBe('👏 @channel thanked 佐藤 健 (ticket [t](https://x.example))\n> hi @here\n> [sign in again](https://evil.example/login)');
  });
});

describe('webhookHost', () => {
  it('keeps the host, never the secret path', () => {
    expect(webhookHost('https://hooks.slack.com/services/T0/B0/secret')).toBe('hooks.slack.com');
    expect(webhookHost('http://127.0.0.1:9999/x')).toBe('127.0.0.1:9999');
  });
});
