// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"disableCSSFileLoading":true,"disableJavaScriptFileLoading":true,"disableJavaScriptEvaluation":true}}
/** The two adapters this part owns, on their fixtures: Request Tracker 5 and the demo desk. */
import { describe, expect, it } from 'vitest';
import { adapter as rt } from '../../../src/content/helpdesks/rt';
import { adapter as demo } from '../../../src/content/helpdesks/demo';
import { candidates, pick } from '../../../src/content/detect';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { loadFixture as fixture } from '../helpdesks/fixture';

function readAt(adapter: typeof rt, doc: Document, href: string) {
  const url = new URL(href);
  const ticket = adapter.ticketFromUrl(url);
  expect(ticket).not.toBeNull();
  const pane = adapter.activePane(doc, ticket!);
  expect(pane).not.toBeNull();
  return adapter.read(pane!, { url, ticket: ticket!, doc });
}

describe('Request Tracker 5', () => {
  it('reads the requestor and subject of the captured RT 5 page', () => {
    const c = readAt(rt, fixture('rt-live.html'), 'http://127.0.0.1:8080/Ticket/Display.html?id=1');
    expect(c).toMatchObject({ email: 'aiko.tanaka@acme.example.jp', name: 'Aiko Tanaka', ticket: '1', subject: 'サーベイの回答率が下がっています' });
  });

  it('reads another ticket under a WebPath prefix', () => {
    const c = readAt(rt, fixture('rt.html'), 'https://rt.example.com/rt/Ticket/Display.html?id=7');
    expect(c).toMatchObject({ email: 'emma.clark@northwind.example.com', name: 'Emma Clark', ticket: '7', subject: 'Pulse survey reminders were not sent' });
  });

  it('falls back to the requestor accordion when the people box has no address', () => {
    const doc = fixture('rt.html');
    for (const el of doc.querySelectorAll('.ticket-info-people .requestors .current-value span.user')) el.textContent = 'emma';
    const c = readAt(rt, doc, 'http://127.0.0.1/Ticket/Display.html?id=7');
    expect(c.email).toBe('emma.clark@northwind.example.com');
  });

  it('is picked on loopback by URL and markup, and only on ticket pages', () => {
    const doc = fixture('rt.html');
    const at = (href: string) => pick(candidates(new URL(href), builtinAdapters, []), doc)?.adapter.id ?? null;
    expect(at('http://127.0.0.1:8080/Ticket/Display.html?id=7')).toBe('rt');
    expect(at('http://127.0.0.1:8080/Search/Results.html')).toBeNull();
    expect(candidates(new URL('http://127.0.0.1:8080/Ticket/Display.html?id=7'), builtinAdapters, ['rt'])).toEqual([]);
  });

  it("names its top bar and what lies under it (the sidebar's room) as they are on the captured page", () => {
    const doc = fixture('rt-live.html');
    const layout = rt.layout!;
    const bar = doc.querySelector(layout.below!)!;
    expect(bar.querySelector('#app-nav'), 'the bar holds the menus RT lays out from the window width').not.toBeNull();
    for (const sel of layout.push!) {
      const el = doc.querySelector(sel);
      expect(el, sel).not.toBeNull();
      expect(bar.contains(el) || el!.contains(bar), `${sel} lies outside the bar`).toBe(false);
    }
  });
});

describe('demo desk', () => {
  it('reads the rendered ticket', () => {
    const c = readAt(demo, fixture('demo.html'), 'http://127.0.0.1:8787/demo/tickets/3');
    expect(c).toEqual({ ticket: '3', email: 'kenji.ota@minato-denki.example.jp', name: '太田 健二', org: 'ミナト電機株式会社', subject: '鉄道システム事業部だけ回答画面が開けない' });
  });

  it('waits for the pane of the ticket in the URL, not the one still on screen', () => {
    const doc = fixture('demo.html');
    expect(demo.activePane(doc, '4')).toBeNull();
    expect(demo.activePane(doc, '3"], body, [x="')).toBeNull();
  });

  it('is the only adapter that claims the demo desk on loopback', () => {
    const doc = fixture('demo.html');
    const found = pick(candidates(new URL('http://127.0.0.1:8787/demo/tickets/3'), builtinAdapters, []), doc);
    expect(found?.adapter.id).toBe('demo');
    expect(found?.ticket).toBe('3');
  });
});
