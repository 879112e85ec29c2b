// @vitest-environment happy-dom
// @vitest-environment-options {"url":"https://zammad.example.org/#ticket/zoom/42","settings":{"disableJavaScriptFileLoading":true,"disableCSSFileLoading":true}}
/**
 * A hash-routed desk on an origin the agent granted (Zammad's legacy UI, `#ticket/zoom/<id>`):
 * every built-in adapter is tried by URL and markup, only the active task is read, and a change
 * of the fragment alone — to a task already open, or to one whose pane renders later — reports
 * that ticket's customer.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createBackground, dispatch } from '../../../src/background/handlers';
import { builtinAdapters } from '../../../src/content/helpdesks/index';
import { main, type ContentApp } from '../../../src/content/main';
import type { MessageName } from '../../../src/shared/messages';
import { loadFixture } from '../helpdesks/fixture';
import { MemoryArea, loadLocale } from './helpers';

let app: ContentApp | null = null;
const bg = createBackground({
  local: new MemoryArea(),
  loadLocale,
  uiLanguage: () => 'en',
  openOptions: async () => undefined,
});

beforeAll(async () => {
  (globalThis as unknown as { chrome: unknown }).chrome = {
    runtime: {
      id: 'baton-test',
      sendMessage: (msg: { type: MessageName; payload: never }) => dispatch(bg.handlers, msg.type, msg.payload, { tabId: 1, frameId: 0 }),
      onMessage: { addListener: () => undefined, removeListener: () => undefined },
    },
  };
  const page = loadFixture('zammad.html');
  document.body.replaceChildren(...[...page.body.childNodes].map((n) => document.importNode(n, true)));
  // The page's own JSON API is not there: each adapter falls back to the markup.
  const adapters = builtinAdapters.map((a) => ({ ...a, fetchCustomer: undefined }));
  app = await main({ adapters, waitMs: 3000 });
});

afterAll(() => app?.stop());

/** What the content script last told the background about the page's customer (not while reading). */
const customer = () => (app!.reported()?.reading ? null : app!.reported()?.customer);

/** Zammad's task manager: the task shown is the one with `active`. */
function activate(id: string): void {
  for (const el of document.querySelectorAll('.content_permanent.active')) el.classList.remove('active');
  document.getElementById(`content_permanent_Ticket-${id}`)!.classList.add('active');
}

it('reads the active task on a granted origin (no host pattern: URL and markup)', () => {
  expect(app!.reported()?.desk).toEqual({ id: 'zammad', label: 'Zammad' });
  expect(customer()).toMatchObject({ email: 'hans.mueller@initrode.example', org: 'Initrode GmbH' });
});

it('follows a fragment change to a task that is already open', async () => {
  location.hash = '#ticket/zoom/7';
  activate('7');
  await vi.waitFor(() => expect(customer()?.email).toBe('other@elsewhere.example'), { timeout: 3000 });
});

it('follows a fragment change to a new task whose pane renders later', async () => {
  location.hash = '#ticket/zoom/99';
  expect(document.getElementById('content_permanent_Ticket-99')).toBeNull();
  const later = document.getElementById('content_permanent_Ticket-7')!.cloneNode(true) as HTMLElement;
  later.id = 'content_permanent_Ticket-99';
  later.querySelector('.userInfo-name')!.textContent = 'Nora New';
  later.querySelector('.userInfo-value')!.textContent = 'nora.new@initrode.example';
  setTimeout(() => {
    document.getElementById('content_permanent')!.append(later);
    activate('99');
  }, 200);
  await vi.waitFor(() => expect(customer()).toMatchObject({ email: 'nora.new@initrode.example', name: 'Nora New' }), { timeout: 3000 });
  expect(document.querySelectorAll('#baton-sidebar'), 'panel mode: nothing of Baton in the page').toHaveLength(0);
});
