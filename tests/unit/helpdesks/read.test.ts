// @vitest-environment happy-dom
// @vitest-environment-options {"settings":{"disableCSSFileLoading":true,"disableJavaScriptFileLoading":true,"disableJavaScriptEvaluation":true,"disableIframePageLoading":true}}
/**
 * Each built-in adapter on its fixture page: the active pane is found (the active one where the desk
 * keeps several tickets in the DOM) and email, name, company, ticket and subject are read.
 */
import { describe, expect, it } from 'vitest';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import type { CustomerRead, HelpdeskAdapter } from '../../../src/content/helpdesks/types';
import { loadFixture } from './fixture';

interface Case {
  url: string;
  expected: CustomerRead;
  /** Text of the other, inactive ticket that must not be read. */
  inactive?: string;
}

const cases: Record<string, Case> = {
  zendesk: {
    url: 'https://acme.zendesk.com/agent/tickets/4521',
    expected: { email: 'aiko.tanaka@acme.example.jp', name: '田中 愛子', org: '株式会社アクメ', subject: 'Cannot export survey results', ticket: '4521' },
    inactive: 'ken@other.example',
  },
  freshdesk: {
    url: 'https://acme.freshdesk.com/a/tickets/1042',
    expected: { email: 'maria.lopez@globex.example', name: 'Maria Lopez', org: 'Globex', subject: 'Survey emails bounce', ticket: '1042' },
  },
  intercom: {
    url: 'https://app.intercom.com/a/inbox/abc123/inbox/shared/all/conversation/42',
    expected: { email: 'sam.park@initech.example', name: 'Sam Park', org: 'Initech', subject: 'Billing question about seats', ticket: '42' },
  },
  hubspot: {
    url: 'https://app.hubspot.com/help-desk/123456/view/789/ticket/987654321',
    expected: { email: 'priya.nair@umbrella.example', name: 'Priya Nair', org: 'Umbrella Corp', subject: 'Login loop after SSO change', ticket: '987654321' },
  },
  salesforce: {
    url: 'https://acme.lightning.force.com/lightning/r/Case/5003h00000ABCdeAAF/view',
    expected: { email: 'pepper.potts@stark.example', name: 'Pepper Potts', org: 'Stark Industries', subject: 'Dashboard shows no data', ticket: '00001027' },
    inactive: 'old@hooli.example',
  },
  jira: {
    url: 'https://acme.atlassian.net/browse/SUP-123',
    expected: { email: 'ola@wayne.example', name: 'Ola Nordmann', org: 'Wayne Enterprises', subject: 'Export to CSV fails', ticket: 'SUP-123' },
  },
  helpscout: {
    url: 'https://secure.helpscout.net/conversation/2451234567/1234/',
    expected: { email: 'chen.wei@soylent.example', name: 'Chen Wei', org: 'Soylent Co', subject: 'Refund for annual plan', ticket: '1234' },
  },
  zoho: {
    url: 'https://desk.zoho.com/agent/acme/acme-support/tickets/details/123456000000654321',
    expected: { email: 'lars.berg@vandelay.example', name: 'Lars Berg', org: 'Vandelay Industries', subject: 'Cannot invite new users', ticket: '2087' },
    inactive: 'prev@kramerica.example',
  },
  front: {
    url: 'https://app.frontapp.com/open/cnv_55c8c149',
    expected: { email: 'noor@cyberdyne.example', subject: 'Question about SSO setup', ticket: 'cnv_55c8c149' },
  },
  gorgias: {
    url: 'https://acme.gorgias.com/app/ticket/31415926',
    expected: { email: 'olga@pied-piper.example', subject: 'Where is my order #1001?', ticket: '31415926' },
  },
  zammad: {
    url: 'https://support.example.com/#ticket/zoom/42',
    expected: { email: 'hans.mueller@initrode.example', name: 'Hans Müller', org: 'Initrode GmbH', subject: 'Password reset mail never arrives', ticket: '31042' },
    inactive: 'other@elsewhere.example',
  },
  chatwoot: {
    url: 'https://app.chatwoot.com/app/accounts/3/conversations/128',
    expected: { email: 'fatima@massive.example', name: 'Fatima Zahra', ticket: '128' },
  },
  osticket: {
    url: 'https://help.example.com/scp/tickets.php?id=42',
    expected: { email: 'ravi.kumar@tyrell.example', name: 'Ravi Kumar', org: 'Tyrell Corporation', subject: 'VPN client crashes on start', ticket: '580912' },
  },
  freescout: {
    url: 'https://help.example.com/conversation/1502',
    expected: { email: 'emma.stone@oscorp.example', name: 'Emma Stone', org: 'Oscorp', subject: 'Invoice address change', ticket: '377' },
  },
};

const byId = new Map(builtinAdapters.map((a) => [a.id, a]));

function run(adapter: HelpdeskAdapter, c: Case, doc: Document) {
  const url = new URL(c.url);
  const ticket = adapter.ticketFromUrl(url);
  expect(ticket, 'ticketFromUrl').not.toBeNull();
  const pane = adapter.activePane(doc, ticket!);
  expect(pane, 'activePane').not.toBeNull();
  return { pane: pane!, read: adapter.read(pane!, { url, ticket: ticket!, doc }) };
}

describe.each(Object.entries(cases))('%s on its fixture', (id, c) => {
  const adapter = byId.get(id);

  it('is a built-in adapter', () => expect(adapter).toBeDefined());

  it('detects the page', () => expect(adapter!.detect(loadFixture(`${id}.html`))).toBe(true));

  it('reads the customer of the active ticket', () => {
    const { read } = run(adapter!, c, loadFixture(`${id}.html`));
    expect(read).toEqual(c.expected);
  });

  if (c.inactive) {
    it('reads only the active pane, not the other open ticket', () => {
      const { pane, read } = run(adapter!, c, loadFixture(`${id}.html`));
      expect(pane.textContent ?? '').not.toContain(c.inactive);
      expect(JSON.stringify(read)).not.toContain(c.inactive);
    });
  }

  it('has no pane on an empty page (not rendered yet)', () => {
    const blank = new DOMParser().parseFromString('<!DOCTYPE html><html><body><div id="app"></div></body></html>', 'text/html');
    expect(adapter!.activePane(blank, adapter!.ticketFromUrl(new URL(c.url))!)).toBeNull();
  });
});

it('covers every built-in adapter but the extension core’s own (rt, demo)', () => {
  const mine = builtinAdapters.map((a) => a.id).filter((id) => id !== 'rt' && id !== 'demo');
  expect(Object.keys(cases).sort()).toEqual(mine.sort());
});

describe('osTicket 1.18 and FreeScout 1.8 as they really render (issue 9)', () => {
  const read = (id: string, file: string, url: string, edit?: (doc: Document) => void) => {
    const doc = loadFixture(file);
    edit?.(doc);
    return run(byId.get(id)!, { url, expected: {} }, doc).read;
  };
  const OST = 'https://help.example.com/scp/tickets.php?id=42';
  const FS = 'https://help.example.com/conversation/1502';

  it('osTicket: a user with no organization has no Organization row, and none is read from the other rows', () => {
    const noOrg = (doc: Document) => {
      [...doc.querySelectorAll('table.ticket_info th')].find((th) => /Organization/.test(th.textContent!))!.parentElement!.remove();
      doc.querySelector('#user-row td span')!.textContent = '"Mina Park" <mina.park@freemail.example>';
      doc.querySelector('select#reply-to option[value=user]')!.textContent = 'Ticket Owner (mina.park@freemail.example)';
    };
    expect(read('osticket', 'osticket.html', OST, noOrg)).toEqual({ email: 'mina.park@freemail.example', name: 'Mina Park', subject: 'VPN client crashes on start', ticket: '580912' });
  });

  it('osTicket: without the user row, the reply select names the ticket owner', () => {
    const got = read('osticket', 'osticket.html', OST, (doc) => doc.getElementById('user-row')!.remove());
    expect(got.email).toBe('ravi.kumar@tyrell.example');
  });

  it('osTicket: there is no mailto: link on the page (the adapter never needs one)', () => {
    expect(loadFixture('osticket.html').querySelector('a[href^="mailto:"]')).toBeNull();
    expect(loadFixture('osticket.html').querySelector('select#emailreply')).toBeNull();
  });

  it('FreeScout: the subject is the input’s value; without the customer panel the recipients select names the customer', () => {
    expect(read('freescout', 'freescout.html', FS).subject).toBe('Invoice address change');
    const got = read('freescout', 'freescout.html', FS, (doc) => doc.getElementById('conv-layout-customer')!.remove());
    expect(got.email).toBe('emma.stone@oscorp.example');
    expect(loadFixture('freescout.html').querySelector('select[name=to]')).toBeNull();
  });
});
