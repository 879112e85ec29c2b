/**
 * Code a desk page loads only where it is needed (content/inject.ts): the chosen desk's reader
 * (content/all.js carries recognisers only) and inline mode's host. The content script asks the
 * background (`adapter:load`, `inline:load`), which runs the file in the sender's own tab and
 * frame; only content scripts may ask, only for a built-in adapter, and never without a tab.
 */
import { describe, expect, it } from 'vitest';
import { createBackground, dispatch } from '../../../src/background/handlers';
import { mayAsk } from '../../../src/background/senders';
import { INLINE_KEY, adapterKey, loadAdapter, loadInline, provide } from '../../../src/content/inject';
import { mountInline } from '../../../src/content/inline';
import { adapter as rt } from '../../../src/content/helpdesks/rt';
import { MemoryArea, loadLocale } from './helpers';

function background() {
  const ran: Array<[number, number, string]> = [];
  const bg = createBackground({
    local: new MemoryArea(),
    loadLocale,
    uiLanguage: () => 'en',
    openOptions: async () => undefined,
    injectInline: async (t, f) => void ran.push([t, f, 'inline']),
    injectAdapter: async (t, f, id) => void ran.push([t, f, id]),
  });
  return { bg, ran };
}

describe('adapter:load and inline:load', () => {
  it('run the file in the tab and frame that asked', async () => {
    const { bg, ran } = background();
    await expect(dispatch(bg.handlers, 'adapter:load', { id: 'rt' }, { tabId: 7, frameId: 3 })).resolves.toEqual({ ok: true });
    await expect(dispatch(bg.handlers, 'inline:load', {}, { tabId: 7, frameId: 0 })).resolves.toEqual({ ok: true });
    expect(ran).toEqual([[7, 3, 'rt'], [7, 0, 'inline']]);
  });

  it('refuse an adapter Baton does not have (no file name from a message), and a sender with no tab', async () => {
    const { bg, ran } = background();
    for (const id of ['../background/index', 'nope', 'constructor', '']) {
      await expect(dispatch(bg.handlers, 'adapter:load', { id }, { tabId: 7, frameId: 0 }), id).rejects.toThrow(/no built-in adapter/);
    }
    await expect(dispatch(bg.handlers, 'inline:load', {}, {})).rejects.toThrow(/tab/);
    expect(ran).toEqual([]);
  });

  it('content scripts may ask for them', () => {
    expect(mayAsk('content', 'adapter:load')).toBe(true);
    expect(mayAsk('content', 'inline:load')).toBe(true);
    expect(mayAsk(null, 'inline:load')).toBe(false);
  });
});

describe('loading injected code', () => {
  it('asks the background only when the module is not there yet, and fails clearly when it never comes', async () => {
    const g: Record<symbol, unknown> = {};
    const sent: unknown[] = [];
    (globalThis as unknown as { chrome: unknown }).chrome = {
      runtime: { id: 'x', sendMessage: async (m: unknown) => void sent.push(m), onMessage: { addListener() {}, removeListener() {} } },
    };
    await expect(loadInline(g)).rejects.toThrow(/did not load/);
    await expect(loadAdapter('rt', g)).rejects.toThrow(/rt adapter did not load/);
    expect(sent).toEqual([
      { baton: 1, type: 'inline:load', payload: {} },
      { baton: 1, type: 'adapter:load', payload: { id: 'rt' } },
    ]);
    provide(INLINE_KEY, { mountInline }, g);
    provide(adapterKey('rt'), rt, g);
    await expect(loadInline(g)).resolves.toEqual({ mountInline });
    await expect(loadAdapter('rt', g)).resolves.toBe(rt);
    expect(sent).toHaveLength(2);
  });
});
