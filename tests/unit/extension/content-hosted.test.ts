// @vitest-environment happy-dom
// @vitest-environment-options {"url":"https://desk.example.test/home","settings":{"disableJavaScriptFileLoading":true,"disableCSSFileLoading":true}}
/**
 * On a hosted desk's domain the content script runs on every page; it must not wake the
 * background until the page is a ticket. Then it asks, reports the ticket, and (not configured)
 * the tab's view says so.
 */
import { afterAll, expect, it, vi } from 'vitest';
import { createBackground, dispatch } from '../../../src/background/handlers';
import { main, type ContentApp } from '../../../src/content/main';
import type { HelpdeskAdapter } from '../../../src/content/helpdesks/types';
import type { MessageName } from '../../../src/shared/messages';
import { MemoryArea, loadLocale } from './helpers';

const asked: string[] = [];
const bg = createBackground({
  local: new MemoryArea(),
  loadLocale,
  uiLanguage: () => 'en',
  openOptions: async () => undefined,
});
(globalThis as unknown as { chrome: unknown }).chrome = {
  runtime: {
    id: 'baton-test',
    async sendMessage(msg: { type: MessageName; payload: never }) {
      asked.push(msg.type);
      return dispatch(bg.handlers, msg.type, msg.payload, { tabId: 1, frameId: 0 });
    },
    onMessage: { addListener: () => undefined, removeListener: () => undefined },
  },
};

const desk: HelpdeskAdapter = {
  id: 'testdesk',
  label: 'Test desk',
  matches: ['https://desk.example.test/*'],
  examples: { ticket: [], notTicket: [] },
  ticketFromUrl: (u) => u.pathname.match(/^\/tickets\/(\d+)$/)?.[1] ?? null,
  detect: () => true,
  activePane: (doc) => doc.querySelector('.ticket'),
  read: (pane) => ({ email: pane.querySelector('.email')?.textContent ?? undefined }),
};

let app: ContentApp | null = null;
afterAll(() => app?.stop());

it('asks nothing on pages that are not tickets, then looks up on a ticket', async () => {
  app = await main({ adapters: [desk], waitMs: 2000 });
  expect(app).not.toBeNull();
  expect(asked).toEqual([]);

  const ticket = document.createElement('div');
  ticket.className = 'ticket';
  const email = document.createElement('span');
  email.className = 'email';
  email.textContent = 'emma.clark@northwind.example.com';
  ticket.append(email);
  document.body.append(ticket);
  history.pushState(null, '', '/tickets/12');
  await app!.refresh();
  // Woken only now, on the first ticket: the settings, then the customer the page shows (at once:
  // no report of a ticket still being read first).
  expect(asked).toEqual(['content:init', 'tab:report']);
  await vi.waitFor(async () => expect((await bg.tabs.view(1)).model?.state).toBe('unconfigured'));
  expect(app!.reported()).toMatchObject({ desk: { id: 'testdesk' }, customer: { email: 'emma.clark@northwind.example.com', ticket: '12' } });
  expect(document.getElementById('baton-sidebar')).toBeNull();
});
