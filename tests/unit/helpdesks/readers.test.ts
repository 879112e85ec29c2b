// @vitest-environment happy-dom
/** The shared readers the built-in adapters are made of (src/content/helpdesks/read.ts additions). */
import { describe, expect, it } from 'vitest';
import {
  deepFirstText,
  deepQuery,
  defineAdapter,
  hostOrMarkup,
  labelledValue,
  mergeReads,
  ownText,
  panelMailto,
  readFields,
  str,
  ticketFromPatterns,
  ticketNumber,
} from '../../../src/content/helpdesks/read';

const parse = (body: string) => new DOMParser().parseFromString(`<!DOCTYPE html><html><body>${body}</body></html>`, 'text/html');

describe('ticketFromPatterns', () => {
  const t = ticketFromPatterns([/^\/a\/(\d+)(?:[/?#]|$)/, /#x\/(\d+)/]);
  it('tries each pattern on path, query and hash', () => {
    expect(t(new URL('https://d.example/a/12?x=1'))).toBe('12');
    expect(t(new URL('https://d.example/#x/7'))).toBe('7');
    expect(t(new URL('https://d.example/a/12b'))).toBeNull();
    expect(t(new URL('https://d.example/b/12'))).toBeNull();
  });
});

describe('shadow DOM', () => {
  it('deepQuery and deepFirstText look inside open shadow roots', () => {
    const doc = parse('<x-host></x-host><p class="v">light</p>');
    const host = doc.querySelector('x-host')!;
    const root = host.attachShadow({ mode: 'open' });
    const inner = doc.createElement('span');
    inner.className = 'v2';
    inner.textContent = ' in shadow ';
    root.append(inner);
    expect(doc.querySelector('.v2')).toBeNull();
    expect(deepQuery(doc, '.v2')).toBe(inner);
    expect(deepFirstText(doc, ['.missing', '.v2'])).toBe('in shadow');
  });

  it('does not see into closed shadow roots', () => {
    const doc = parse('<x-host></x-host>');
    const root = doc.querySelector('x-host')!.attachShadow({ mode: 'closed' });
    const inner = doc.createElement('b');
    inner.className = 'hidden-inside';
    root.append(inner);
    expect(deepQuery(doc, '.hidden-inside')).toBeNull();
  });
});

describe('labelled rows', () => {
  const doc = parse(`<table><tr><th>Email:</th><td>a@b.example</td></tr>
    <tr><th>Organization:</th><td><i></i> Acme Inc <a href="#">(3)</a><ul><li>3 Open Tickets</li></ul></td></tr></table>
    <div class="row"><span class="k">会社</span><span class="v">株式会社アクメ</span></div>`);
  it('reads the cell beside a matching label, own text only when asked', () => {
    expect(labelledValue(doc, /^organization:?$/i, { labelSel: 'th', own: true })).toBe('Acme Inc');
    expect(labelledValue(doc, /^organization:?$/i, { labelSel: 'th' })).toContain('3 Open Tickets');
    expect(labelledValue(doc, /^会社$/, { labelSel: '.k', valueSel: '.v' })).toBe('株式会社アクメ');
    expect(labelledValue(doc, /^phone$/i, { labelSel: 'th' })).toBeUndefined();
  });
  it('ownText skips nested elements', () => {
    expect(ownText(doc.querySelector('td:has(i)') ?? doc.querySelectorAll('td')[1])).toBe('Acme Inc');
    expect(ownText(null)).toBeUndefined();
  });
});

describe('fallbacks', () => {
  it('the first non-empty value of each field wins', () => {
    expect(mergeReads<{ email: string; name: string; org: string }>({ email: '', name: 'A' }, { email: 'x@y.example', name: 'B' }, { org: 'O' })).toEqual({ email: 'x@y.example', name: 'A', org: 'O' });
  });

  it('readFields tries selectors in order, then the Name <email> text', () => {
    const doc = parse('<h1 class="s2">Subject two</h1><select><option selected>Ann Lee &lt;ann@lee.example&gt;</option></select><span class="n">#A-42 open</span>');
    expect(readFields(doc, { subject: ['.s1', '.s2'], requester: ['select option'], ticket: ['.n'] })).toEqual({
      subject: 'Subject two', name: 'Ann Lee', email: 'ann@lee.example', ticket: 'A-42',
    });
  });

  it('the mailto last resort reads the customer panel, never the thread, where a desk names a panel', () => {
    const doc = parse('<div class="thread"><a href="mailto:someone@else.example">x</a></div><aside class="cust"><a href="mailto:Real%40Customer.example?subject=hi">c</a></aside>');
    expect(panelMailto(doc, ['.nope', '.cust'])).toBe('Real@Customer.example');
    expect(panelMailto(doc, ['.nope'])).toBeUndefined();
    expect(panelMailto(doc)).toBe('someone@else.example');
  });

  it('defineAdapter: selectors, then desk-specific reads, then mailto, then the URL id', () => {
    const a = defineAdapter({
      id: 't', label: 'T', matches: [], examples: { ticket: [], notTicket: [] },
      urls: [/^\/t\/(\d+)/], detect: ['#desk'], fields: { name: ['.nm'] },
      extra: () => ({ name: 'from extra', org: 'Org from extra' }),
    });
    const doc = parse('<div id="desk"><b class="nm">Nm</b><a href="mailto:c@d.example">c</a></div>');
    const url = new URL('https://x.example/t/5');
    expect(a.detect(doc)).toBe(true);
    expect(a.detect(parse('<div></div>'))).toBe(false);
    expect(a.read(a.activePane(doc, '5')!, { url, ticket: '5', doc })).toEqual({ name: 'Nm', org: 'Org from extra', email: 'c@d.example', ticket: '5' });
  });
});

describe('small readers', () => {
  it('ticketNumber keeps the first token with a digit', () => {
    expect(ticketNumber('Ticket #580912')).toBe('580912');
    expect(ticketNumber(' # 377')).toBe('377');
    expect(ticketNumber('no number')).toBeUndefined();
  });
  it('str accepts strings and finite numbers only', () => {
    expect(str(' a ')).toBe('a');
    expect(str(12)).toBe('12');
    expect(str(NaN)).toBeUndefined();
    expect(str({})).toBeUndefined();
  });
  it('hostOrMarkup: the desk host or its asset links', () => {
    const d = hostOrMarkup(/(^|\.)desk\.example$/, ['link[href*="desk-cdn"]']);
    expect(d(parse('<link href="https://desk-cdn.example/a.css">'))).toBe(true);
    expect(d(parse('<p>nothing</p>'))).toBe(false);
  });
});
