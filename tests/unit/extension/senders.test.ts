/** Only this extension's own content scripts and pages are heard, and content scripts only partly. */
import { describe, expect, it } from 'vitest';
import { mayAsk, senderKind } from '../../../src/background/senders';

const ID = 'jildnfhiepnjahmaafpegklkngphojnn';
const ORIGIN = `chrome-extension://${ID}/`;

describe('senderKind', () => {
  it('knows its own pages (popup, options, the side panel, the inline frame inside a desk tab)', () => {
    expect(senderKind({ id: ID, url: `${ORIGIN}src/panel/index.html` }, ID, ORIGIN)).toBe('page');
    expect(senderKind({ id: ID, url: `${ORIGIN}src/frame/index.html`, tab: { id: 5 }, frameId: 9 }, ID, ORIGIN)).toBe('page');
    expect(senderKind({ id: ID, url: `${ORIGIN}src/popup/index.html` }, ID, ORIGIN)).toBe('page');
    expect(senderKind({ id: ID, url: `${ORIGIN}src/options/index.html`, tab: { id: 3 } }, ID, ORIGIN)).toBe('page');
    expect(senderKind({ id: 'uuid', url: 'moz-extension://uuid/src/options/index.html' }, 'uuid', 'moz-extension://uuid')).toBe('page');
  });

  it('knows its content scripts by their tab', () => {
    expect(senderKind({ id: ID, url: 'https://acme.zendesk.com/agent/tickets/1', tab: { id: 7 }, frameId: 0 }, ID, ORIGIN)).toBe('content');
  });

  it('refuses other extensions, tab-less senders and look-alike origins', () => {
    expect(senderKind({ id: 'other', url: `${ORIGIN}x.html`, tab: { id: 1 } }, ID, ORIGIN)).toBeNull();
    expect(senderKind({ id: ID, url: 'https://evil.example/' }, ID, ORIGIN)).toBeNull();
    expect(senderKind({ id: ID, url: `chrome-extension://${ID}.evil.example/`, tab: { id: -1 } }, ID, ORIGIN)).toBeNull();
    expect(senderKind({ url: `${ORIGIN}x.html` }, ID, ORIGIN)).toBeNull();
  });
});

describe('mayAsk', () => {
  it('lets content scripts report their ticket, and never look a relay up, write back, or read or change settings', () => {
    for (const t of ['content:init', 'tab:report', 'tab:input', 'adapter:load', 'inline:load', 'inline:hidden', 'ui:save', 'options:open']) expect(mayAsk('content', t), t).toBe(true);
    for (const t of ['context:get', 'view:get', 'view:channel', 'view:retry', 'view:search', 'view:ui', 'thanks:send', 'notes:add', 'notes:delete', 'override:get', 'override:set', 'messages:get', 'settings:get', 'settings:set', 'connection:test', 'adapters:get', 'settings:public']) {
      expect(mayAsk('content', t), t).toBe(false);
    }
  });

  it('lets pages ask everything and nobody else anything', () => {
    expect(mayAsk('page', 'settings:get')).toBe(true);
    expect(mayAsk(null, 'context:get')).toBe(false);
  });
});
