// @vitest-environment happy-dom
/**
 * axe-core on the sidebar in every state (open shadow root, as the tests build it): no serious
 * or critical violations. Colour contrast needs real layout and is checked in the browser tests.
 */
import axe from 'axe-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountSidebar, type SidebarHandle } from '../../../src/sidebar/mount';
import { STATES, emptyModel } from '../../../src/sidebar/model';
import type { ContextResponse } from '../../../src/shared/context';
import type { UiStrings } from '../../../src/shared/messages';
import { demoContext, loadLocale } from './helpers';

let strings: UiStrings;
let data: ContextResponse;
let sb: SidebarHandle | null = null;
const noop = () => undefined;

beforeAll(async () => {
  strings = { lang: 'ja', messages: Object.fromEntries(Object.entries(await loadLocale('ja')).map(([k, v]) => [k, v.message])) };
  data = await demoContext({ email: 'aiko.tanaka@acme.example.jp', domain: 'acme.example.jp', lang: 'ja' });
});
afterEach(() => {
  sb?.destroy();
  sb = null;
});

async function violations(): Promise<string[]> {
  const r = await axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] },
    rules: { 'color-contrast': { enabled: false }, region: { enabled: false }, 'page-has-heading-one': { enabled: false }, 'landmark-one-main': { enabled: false } },
  });
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility', () => {
  it.each(STATES)('%s has no serious or critical axe violations', async (state) => {
    document.documentElement.lang = 'ja';
    document.title = 'Desk';
    sb = mountSidebar({ strings, ui: { collapsed: false, width: 340 }, shadow: 'open', actions: { retry: noop, search: noop, clearOverride: noop, openOptions: noop, toggle: noop, resize: noop } });
    const withData = state === 'ready' || state === 'stale';
    sb.setModel({ ...emptyModel(), state, data: withData ? data : null, fetchedAt: Date.now(), query: { email: 'x@y.example' }, error: { kind: 'offline', message: 'down' } });
    expect(sb.root.querySelector('aside[aria-label]')).not.toBeNull();
    expect(await violations()).toEqual([]);
  });

  it('the collapsed tab has no serious or critical axe violations', async () => {
    sb = mountSidebar({ strings, ui: { collapsed: true, width: 340 }, shadow: 'open', actions: { retry: noop, search: noop, clearOverride: noop, openOptions: noop, toggle: noop, resize: noop } });
    expect(await violations()).toEqual([]);
  });
});
