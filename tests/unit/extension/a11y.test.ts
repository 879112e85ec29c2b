// @vitest-environment happy-dom
/**
 * axe-core on a view (the side panel's and the inline frame's) in every state, a tab with no
 * ticket, a paused tab and the collapsed tab: no serious or critical violations. Colour contrast
 * needs real layout and is checked in the browser tests.
 */
import axe from 'axe-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountView, type ViewHandle } from '../../../src/ui/view';
import { STATES, emptyModel, type SidebarModel } from '../../../src/ui/model';
import type { SidebarHost } from '../../../src/ui/Sidebar';
import type { ContextResponse } from '../../../src/shared/context';
import type { UiStrings } from '../../../src/shared/messages';
import { demoContext, loadLocale } from './helpers';

let strings: UiStrings;
let data: ContextResponse;
let view: ViewHandle | null = null;
const send = (async () => ({ ok: true })) as never;

beforeAll(async () => {
  strings = { lang: 'ja', messages: Object.fromEntries(Object.entries(await loadLocale('ja')).map(([k, v]) => [k, v.message])) };
  data = await demoContext({ email: 'aiko.tanaka@acme.example.jp', domain: 'acme.example.jp', lang: 'ja' });
});
afterEach(() => {
  view?.destroy();
  view = null;
  document.body.replaceChildren();
});

function show(model: SidebarModel | null, host: SidebarHost = 'panel', collapsed = false) {
  document.documentElement.lang = 'ja';
  document.title = 'Baton';
  const root = document.createElement('div');
  document.body.append(root);
  view = mountView({ root, host, strings, send });
  view.setView({ tabId: 1, model, ui: { collapsed, width: 340 }, desks: ['Request Tracker', 'Zendesk'] });
}

async function violations(): Promise<string[]> {
  const r = await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] },
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false }, 'page-has-heading-one': { enabled: false }, 'landmark-one-main': { enabled: false } },
  });
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility', () => {
  for (const host of ['panel', 'frame'] as const) {
    it.each(STATES.map((s) => [s]))(`${host}: %s has no serious or critical axe violations`, async (state) => {
      const withData = state === 'ready' || state === 'stale';
      show({ ...emptyModel(), state, data: withData ? data : null, fetchedAt: Date.now(), query: { email: 'x@y.example' }, error: { kind: 'offline', message: 'down' } }, host);
      expect(document.querySelector('aside[aria-label]')).not.toBeNull();
      expect(await violations()).toEqual([]);
    });
  }

  it('a tab with no ticket has no serious or critical axe violations', async () => {
    show(null);
    expect(document.querySelector('aside[data-part=no-ticket]')).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it('a paused tab has no serious or critical axe violations', async () => {
    show({ ...emptyModel(), state: 'error', error: { kind: 'paused', message: '5' } });
    expect(document.querySelector('[data-part=paused]')).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it('the collapsed tab (inline frame) has no serious or critical axe violations', async () => {
    show({ ...emptyModel(), state: 'ready', data, fetchedAt: Date.now() }, 'frame', true);
    expect(document.querySelector('button.tab')).not.toBeNull();
    expect(await violations()).toEqual([]);
  });
});
