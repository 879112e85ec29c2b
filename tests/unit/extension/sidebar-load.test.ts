/**
 * The sidebar's code is not in the content script a desk page loads: on the first ticket the
 * content script asks the background (`sidebar:load`), which runs content/sidebar.js in the
 * sender's own tab and frame. Only our content scripts may ask; a message with no tab is refused.
 */
import { describe, expect, it } from 'vitest';
import { createBackground, dispatch } from '../../../src/background/handlers';
import { mayAsk } from '../../../src/background/senders';
import { loadSidebar, provideSidebar, SIDEBAR_HOST_ID, SIDEBAR_KEY } from '../../../src/content/sidebar-bundle';
import { HOST_ID, mountSidebar } from '../../../src/sidebar/mount';
import { MemoryArea, loadLocale } from './helpers';

describe('sidebar:load', () => {
  it('runs the sidebar in the tab and frame that asked', async () => {
    const ran: Array<[number, number]> = [];
    const bg = createBackground({ local: new MemoryArea(), loadLocale, uiLanguage: () => 'en', openOptions: async () => undefined, injectSidebar: async (t, f) => void ran.push([t, f]) });
    await expect(dispatch(bg.handlers, 'sidebar:load', {}, { tabId: 7, frameId: 3 })).resolves.toEqual({ ok: true });
    expect(ran).toEqual([[7, 3]]);
    await expect(dispatch(bg.handlers, 'sidebar:load', {}, {})).rejects.toThrow(/tab/);
    expect(ran).toHaveLength(1);
  });

  it('content scripts may ask for it', () => {
    expect(mayAsk('content', 'sidebar:load')).toBe(true);
    expect(mayAsk(null, 'sidebar:load')).toBe(false);
  });
});

describe('loadSidebar', () => {
  it('asks the background only when the module is not there yet, and fails clearly when it never comes', async () => {
    const g: Record<symbol, unknown> = {};
    const sent: unknown[] = [];
    (globalThis as unknown as { chrome: unknown }).chrome = {
      runtime: { id: 'x', sendMessage: async (m: unknown) => void sent.push(m), onMessage: { addListener() {}, removeListener() {} } },
    };
    await expect(loadSidebar(g)).rejects.toThrow(/did not load/);
    expect(sent).toHaveLength(1);
    provideSidebar({ mountSidebar }, g);
    expect(g[SIDEBAR_KEY]).toEqual({ mountSidebar });
    await expect(loadSidebar(g)).resolves.toEqual({ mountSidebar });
    expect(sent).toHaveLength(1);
  });

  it('knows the host element by the sidebar’s own id', () => {
    expect(SIDEBAR_HOST_ID).toBe(HOST_ID);
  });
});
