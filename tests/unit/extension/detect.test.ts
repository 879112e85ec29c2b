// @vitest-environment happy-dom
/** Which adapter a page gets: host patterns, loopback by URL and markup, config-declared desks. */
import { describe, expect, it } from 'vitest';
import { candidates, fromDeclared, isLoopback, matchPattern, pick } from '../../../src/content/detect';
import { builtinAdapters } from '../../../src/content/helpdesks/index';

describe('matchPattern', () => {
  it('follows manifest match-pattern rules', () => {
    const u = (s: string) => new URL(s);
    expect(matchPattern('https://*.zendesk.com/*', u('https://acme.zendesk.com/agent/tickets/1'))).toBe(true);
    expect(matchPattern('https://*.zendesk.com/*', u('https://zendesk.com/agent'))).toBe(true);
    expect(matchPattern('https://*.zendesk.com/*', u('https://evilzendesk.com/agent'))).toBe(false);
    expect(matchPattern('https://*.zendesk.com/*', u('https://acme.zendesk.com.evil.example/'))).toBe(false);
    expect(matchPattern('https://*.zendesk.com/*', u('http://acme.zendesk.com/'))).toBe(false);
    expect(matchPattern('http://127.0.0.1/*', u('http://127.0.0.1:8787/demo/'))).toBe(true);
    expect(matchPattern('https://app.hubspot.com/*', u('https://app.hubspot.com/help-desk/1?x=1'))).toBe(true);
    expect(matchPattern('not a pattern', u('https://x.example/'))).toBe(false);
  });

  it('knows loopback', () => {
    expect(isLoopback(new URL('http://localhost:3000/'))).toBe(true);
    expect(isLoopback(new URL('http://127.0.0.1/'))).toBe(true);
    expect(isLoopback(new URL('https://desk.example.com/'))).toBe(false);
  });
});

describe('candidates', () => {
  it('on a hosted desk: that desk only, by host, without waiting for markup', () => {
    const c = candidates(new URL('https://acme.zendesk.com/agent/tickets/4521'), builtinAdapters, []);
    expect([c[0]!.adapter.id, c[0]!.ticket, c[0]!.needsMarkup]).toEqual(['zendesk', '4521', false]);
    expect(c.slice(1).every((x) => x.needsMarkup)).toBe(true);
    expect(pick(c, document)?.adapter.id).toBe('zendesk');
  });

  it('a desk switched off in the options is never a candidate', () => {
    expect(candidates(new URL('https://acme.zendesk.com/agent/tickets/4521'), builtinAdapters, ['zendesk']).map((x) => x.adapter.id)).not.toContain('zendesk');
  });

  it('on a self-hosted origin the agent granted, desks are recognised by URL and markup', () => {
    const c = candidates(new URL('https://rt.example.com/Ticket/Display.html?id=9'), builtinAdapters, []);
    expect(c.find((x) => x.adapter.id === 'rt')).toMatchObject({ ticket: '9', needsMarkup: true });
  });

  it('on loopback every adapter whose URL test passes must also find its markup', () => {
    const c = candidates(new URL('http://127.0.0.1:8787/demo/tickets/2'), builtinAdapters, []);
    expect(c.map((x) => x.adapter.id)).toContain('demo');
    expect(c.every((x) => x.needsMarkup)).toBe(true);
    document.body.replaceChildren();
    expect(pick(c, document)).toBeNull();
  });
});

describe('adapters declared in the config', () => {
  const inhouse = fromDeclared({
    id: 'inhouse',
    label: 'In-house desk',
    urlPattern: '^https?://(?:desk\\.example\\.com|127\\.0\\.0\\.1:\\d+)/tickets/(?<ticket>\\d+)',
    selectors: { email: '.requester .email', name: '.requester .name', org: '.requester .company', subject: 'h1.subject', pane: '.ticket' },
  })!;

  it('take the ticket from the named group and read by the selectors', () => {
    expect(inhouse.id).toBe('config:inhouse');
    expect(inhouse.ticketFromUrl(new URL('http://127.0.0.1:9000/tickets/77'))).toBe('77');
    expect(inhouse.ticketFromUrl(new URL('http://127.0.0.1:9000/other/77'))).toBeNull();
    document.body.innerHTML = `<div class="ticket"><h1 class="subject">Printer on fire</h1><div class="requester"><span class="name">Emma Clark</span> <span class="email">emma.clark@northwind.example.com</span><span class="company">Northwind</span></div></div>`;
    expect(inhouse.detect(document)).toBe(true);
    const pane = inhouse.activePane(document, '77')!;
    expect(inhouse.read(pane, { url: new URL('http://127.0.0.1:9000/tickets/77'), ticket: '77', doc: document })).toEqual({
      email: 'emma.clark@northwind.example.com',
      name: 'Emma Clark',
      org: 'Northwind',
      subject: 'Printer on fire',
    });
    const c = candidates(new URL('http://127.0.0.1:9000/tickets/77'), [...builtinAdapters, inhouse], []);
    expect(pick(c, document)?.adapter.id).toBe('config:inhouse');
  });

  it('a broken pattern is dropped, not thrown', () => {
    expect(fromDeclared({ id: 'bad', label: 'Bad', urlPattern: '(', selectors: {} })).toBeNull();
  });
});
