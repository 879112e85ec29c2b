// @vitest-environment happy-dom
/**
 * What a ticket switch costs the view (issue 13): a view pushed again with what is on screen
 * already (the revalidation of a cached answer bringing the same answer) draws nothing; one that
 * changes anything shown (the answer, its age as shown, the state) draws; and a relay's numbers
 * and dates do not make a new Intl formatter each.
 */
import { options, type VNode } from 'preact';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mountView, type ViewHandle } from '../../../src/ui/view';
import { Sidebar } from '../../../src/ui/Sidebar';
import { emptyModel, withResult, type SidebarModel } from '../../../src/ui/model';
import type { ContextResponse } from '../../../src/shared/context';
import type { UiStrings } from '../../../src/shared/messages';
import { demoContext, uiStrings } from './helpers';

let en: UiStrings;
let ja: UiStrings;
/** How many times the Sidebar component rendered. */
let sidebarRenders = 0;
const before = options.diffed;
beforeAll(async () => {
  en = await uiStrings('en');
  ja = await uiStrings('ja');
  options.diffed = (vnode: VNode) => {
    if (vnode.type === Sidebar) sidebarRenders++;
    before?.(vnode);
  };
});
afterAll(() => {
  options.diffed = before;
});

let root: HTMLElement;
let view: ViewHandle | null = null;
function mount(s: UiStrings = en) {
  root = document.createElement('div');
  document.body.append(root);
  view = mountView({ root, host: 'frame', strings: s, send: (async () => ({ ok: true })) as never });
  return (model: SidebarModel | null) => view!.setView({ tabId: 1, model, ui: { collapsed: false, width: 340 }, desks: [] });
}
afterEach(() => {
  view?.destroy();
  view = null;
  root?.remove();
});

const aiko = { email: 'aiko.tanaka@acme.example.jp', domain: 'acme.example.jp', lang: 'en' as const };
const answer = (data: ContextResponse, fetchedAt: number, stale = false) =>
  withResult({ ...emptyModel(), customer: { email: aiko.email, name: '田中 愛子', ticket: '1' }, query: aiko }, { ok: true, data, fetchedAt, stale, cached: true });

describe('a view pushed again', () => {
  it('with the same answer (a revalidation, seconds later): not drawn again', async () => {
    const data = await demoContext(aiko);
    const set = mount();
    set(answer(data, Date.now() - 5_000));
    const drawn = sidebarRenders;
    const html = root.innerHTML;
    // The revalidated answer: equal data (another copy, as a port delivers it), fetched now.
    set(answer(structuredClone(data), Date.now()));
    expect(sidebarRenders).toBe(drawn);
    expect(root.innerHTML).toBe(html);
    expect(view!.model?.fetchedAt).toBeGreaterThan(Date.now() - 1_000); // the new answer is the view's
  });

  it('with a changed answer, state or shown age: drawn', async () => {
    const data = await demoContext(aiko);
    const set = mount();
    set(answer(data, Date.now() - 5 * 60_000, true)); // stale, "5 min ago"
    expect(root.querySelector('[data-part=stale]')).not.toBeNull();
    let drawn = sidebarRenders;
    set(answer(structuredClone(data), Date.now())); // ready, "just now"
    expect(sidebarRenders).toBe(drawn + 1);
    expect(root.querySelector('[data-part=stale]')).toBeNull();
    expect(root.textContent).toContain(en.messages.updatedNow);
    drawn = sidebarRenders;
    const changed = structuredClone(data);
    changed.contact!.name = 'Aiko Tanaka (changed)';
    set(answer(changed, Date.now()));
    expect(sidebarRenders).toBe(drawn + 1);
    expect(root.textContent).toContain('Aiko Tanaka (changed)');
  });

  it('after the view drew something of its own (the agent collapsed it), the same push draws again', async () => {
    const data = await demoContext(aiko);
    const set = mount();
    const m = answer(data, Date.now());
    set(m);
    root.querySelector<HTMLButtonElement>('button[aria-expanded=true]')!.click();
    expect(root.querySelector('aside.collapsed')).not.toBeNull();
    set(m); // the background's view (not collapsed: the agent's click did not reach it in this test)
    expect(root.querySelector('aside.collapsed')).toBeNull();
  });
});

describe('Intl formatters', () => {
  it('are made once per language, not per number or date shown', async () => {
    const counted = <K extends 'NumberFormat' | 'DateTimeFormat' | 'RelativeTimeFormat'>(k: K) => {
      const Orig = Intl[k] as unknown as new (...a: unknown[]) => object;
      let made = 0;
      (Intl as unknown as Record<string, unknown>)[k] = class extends Orig {
        constructor(...a: unknown[]) {
          super(...a);
          made++;
        }
      };
      return { made: () => made, restore: () => ((Intl as unknown as Record<string, unknown>)[k] = Orig) };
    };
    const kinds = [counted('NumberFormat'), counted('DateTimeFormat'), counted('RelativeTimeFormat')];
    try {
      const set = mount(ja);
      for (const email of ['aiko.tanaka@acme.example.jp', 'kenji.ota@minato-denki.example.jp', 'aiko.tanaka@acme.example.jp']) {
        const data = await demoContext({ email, domain: email.split('@')[1]!, lang: 'ja' });
        set(answer(data, Date.now() - 3 * 60_000));
      }
      expect(root.querySelector('[data-part=before] [data-part=handoff]')).not.toBeNull();
      // At most: numbers; dates by day and by month; relative times.
      expect(kinds.reduce((n, k) => n + k.made(), 0)).toBeLessThanOrEqual(4);
    } finally {
      for (const k of kinds) k.restore();
    }
  });
});
