// @vitest-environment happy-dom
// @vitest-environment-options {"url":"http://127.0.0.1:8787/demo/tickets/1"}
/**
 * The sidebar's write-back controls in a view (the side panel page's, an extension page),
 * clicked like an agent would, going through the runtime message channel (with the background's
 * sender check, as a page of the extension) to the real background handlers and the real demo
 * API in a child process: thank buttons with counts (no second thanks within a minute), the
 * note form under "you are here" and the notes list with delete on your own, ask links with the
 * ticket filled in, "Copy relay" (clipboard and its fallback), the tab's relay rewritten after a
 * write, and axe on it all.
 */
import axe from 'axe-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBackground } from '../../../src/background/handlers';
import { mountView, type ViewHandle } from '../../../src/ui/view';
import { emptyModel, withResult } from '../../../src/ui/model';
import { makeT } from '../../../src/ui/i18n';
import { relayMarkdown } from '../../../src/ui/write';
import type { ContextQuery } from '../../../src/shared/context';
import type { UiStrings } from '../../../src/shared/messages';
import { DEMO_TOKEN, MemoryArea, installPageRuntime, loadLocale, nodeFetch, spawnDemoApi, type RunningApi } from './helpers';

let api: RunningApi;
let uninstall: (() => void) | undefined;
let bg: ReturnType<typeof createBackground>;
let en: UiStrings;
const sent: string[] = [];
const aiko: ContextQuery = { email: 'aiko.tanaka@acme.example.jp', domain: 'acme.example.jp', ticket: '1', lang: 'en' };
const customer = { email: aiko.email!, name: '田中 愛子', ticket: '1', subject: 'CSV export is garbled' };

beforeAll(async () => {
  api = await spawnDemoApi();
  const local = new MemoryArea();
  await local.set({ apiUrl: api.url, token: DEMO_TOKEN, language: 'en', agentName: 'Agent A' });
  bg = createBackground({ local, loadLocale, uiLanguage: () => 'en-US', openOptions: async () => undefined, api: { fetch: nodeFetch, backoffMs: 5 } });
  // The view's side of runtime messaging (an extension page), answered by the real background.
  uninstall = installPageRuntime(bg.handlers, sent);
  en = await bg.handlers['messages:get']({ language: 'en' });
}, 30_000);
afterAll(async () => {
  uninstall?.();
  await api?.close();
});

let sb: ViewHandle | null = null;
const root = document.createElement('div');
document.body.append(root);
afterEach(() => {
  sb?.destroy();
  sb = null;
  sent.length = 0;
});

/** A view showing Aiko's relay as the background answers it now (tab 1, the demo desk's ticket 1). */
async function showAiko(): Promise<ViewHandle> {
  const r = await bg.handlers['context:get']({ query: aiko, force: true });
  sb = mountView({ root, host: 'panel', strings: en });
  sb.setView({ tabId: 1, model: withResult({ ...emptyModel(), customer, query: aiko, page: location.href }, r), ui: { collapsed: false, width: 340 }, desks: [] });
  return sb;
}
/** The view's model changed by hand (as a push from the background would). */
const update = (patch: Partial<NonNullable<ViewHandle['model']>>) => sb!.setView({ ...sb!.view!, model: { ...sb!.model!, ...patch } });
const q = <E extends Element = HTMLElement>(sel: string) => root.querySelector<E>(sel);
const qa = (sel: string) => [...root.querySelectorAll(sel)];
const status = () => q('[role=status].flash')?.textContent ?? '';
const apiAnswer = async () => {
  const r = await bg.handlers['context:get']({ query: aiko, force: true });
  if (!r.ok) throw new Error(r.error.message);
  return r.data;
};

describe('thanks', () => {
  it('every person on the relay has a thank button with their count; a click sends thanks and shows the new count, a second within a minute sends nothing', async () => {
    await showAiko();
    const people = sb!.model!.data!.before.filter((h) => h.person).length + sb!.model!.data!.after.filter((i) => i.person).length;
    expect(qa('[data-action=thank]')).toHaveLength(people);
    const button = () => q('[data-stage=sales] [data-action=thank]')!;
    const count = () => button().querySelector('[data-part=thanks-count]')!.textContent;
    const start = Number(count());
    const name = () => button().textContent!.replace(/\s+/g, ' ').trim(); // the accessible name: no aria-label, the text
    expect(button().getAttribute('aria-label')).toBeNull();
    expect(name()).toBe(`Thank 佐藤 健 · thanks so far: ${start}`);

    button().click();
    await vi.waitFor(() => expect(count()).toBe(String(start + 1)));
    expect(status()).toBe('Thanks sent to 佐藤 健');
    expect(name()).toBe(`You thanked 佐藤 健 · thanks so far: ${start + 1}`);
    expect(sent.filter((m) => m === 'thanks:send')).toHaveLength(1);

    button().click();
    await vi.waitFor(() => expect(status()).toBe('You already thanked 佐藤 健 for this ticket'));
    expect(count()).toBe(String(start + 1));
    expect(sent.filter((m) => m === 'thanks:send')).toHaveLength(1);
    expect((await apiAnswer()).before.find((h) => h.person?.id === 'sato')!.person!.thanks).toBe(start + 1);
  });

  it('a failed thanks says why and leaves the count', async () => {
    await showAiko();
    const d = structuredClone(sb!.model!.data!);
    d.before.find((h) => h.person?.id === 'ito')!.person!.id = 'no-such-person';
    update({ data: d });
    const b = q('[data-stage=inside-sales] [data-action=thank]')!;
    const before = b.textContent;
    b.click();
    await vi.waitFor(() => expect(status()).toMatch(/^Could not send thanks: .*no-such-person/));
    expect(q('[data-stage=inside-sales] [data-action=thank]')!.textContent).toBe(before);
  });
});

describe('notes', () => {
  it('a note left under "you are here" shows first with author and time, reaches the API, and its writer can delete it', async () => {
    await showAiko();
    const form = q<HTMLFormElement>('[data-part=you] form[data-part=note-form]')!;
    const area = form.querySelector('textarea')!;
    expect(q(`label[for=${area.id}]`)!.textContent).toBe('Note for the next person');

    form.requestSubmit(); // empty: nothing is sent
    expect(sent).not.toContain('notes:add');

    area.value = '  Told them to export as UTF-8 with BOM.\nCheck again at renewal.  ';
    form.requestSubmit();
    await vi.waitFor(() => expect(q('[data-part=notes] [data-part=note] .text')?.textContent).toBe('Told them to export as UTF-8 with BOM.\nCheck again at renewal.'));
    const note = q('[data-part=notes] [data-part=note]')!;
    expect(note.textContent).toContain('林 直子'); // the demo token names its person
    expect(note.textContent).toContain('ticket 1');
    expect(note.querySelector('time')!.getAttribute('datetime')).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(area.value).toBe('');
    expect(status()).toBe('Note saved');
    const id = note.getAttribute('data-note')!;
    expect((await apiAnswer()).notes[0]).toMatchObject({ id, mine: true });

    note.querySelector<HTMLButtonElement>('[data-action=delete-note]')!.click();
    await vi.waitFor(() => expect(q(`[data-note="${id}"]`)).toBeNull());
    expect(status()).toBe('Note deleted');
    expect((await apiAnswer()).notes.some((n) => n.id === id)).toBe(false);
  });

  it('Ctrl+Enter in the note leaves it, from the keyboard alone', async () => {
    await showAiko();
    const area = q<HTMLTextAreaElement>('form[data-part=note-form] textarea')!;
    area.focus();
    area.value = 'Sent from the keyboard';
    area.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true, bubbles: true }));
    await vi.waitFor(() => expect(q('[data-part=notes] [data-part=note] .text')?.textContent).toBe('Sent from the keyboard'));
    expect(sent.filter((m) => m === 'notes:add')).toHaveLength(1);
  });

  it("after a note, the tab's relay the background keeps has it too (another view, or the same tab later, shows it)", async () => {
    await showAiko();
    await bg.tabs.report(1, { key: 'http://127.0.0.1:8787|demo|1', desk: { id: 'demo', label: 'Demo' }, customer, url: location.href });
    await vi.waitFor(async () => expect((await bg.tabs.view(1)).model?.state).toBe('ready'));
    const form = q<HTMLFormElement>('form[data-part=note-form]')!;
    form.querySelector('textarea')!.value = 'Seen in every view';
    form.requestSubmit();
    await vi.waitFor(() => expect(status()).toBe('Note saved'));
    expect((await bg.tabs.view(1)).model!.data!.notes[0]!.text).toBe('Seen in every view');
  });

  it('notes are listed newest first; delete is offered on your own only', async () => {
    await showAiko();
    const d = structuredClone(sb!.model!.data!);
    d.notes = [
      { id: '902', text: 'newer', ticket: '', author: 'Agent B', at: new Date().toISOString(), mine: false },
      { id: '901', text: 'older', ticket: '3', author: 'Agent A', at: new Date(Date.now() - 3 * 3600_000).toISOString(), mine: true },
    ];
    update({ data: d });
    expect(qa('[data-part=note] .text').map((e) => e.textContent)).toEqual(['newer', 'older']);
    expect(qa('[data-part=note]').map((e) => !!e.querySelector('[data-action=delete-note]'))).toEqual([false, true]);
    expect(q('[data-note="901"] time')!.textContent).toBe('3 hr. ago');
  });

  it('a refused note says why and keeps the text', async () => {
    await showAiko();
    const d = structuredClone(sb!.model!.data!);
    d.account!.id = 'no-such-account';
    update({ data: d });
    const form = q<HTMLFormElement>('form[data-part=note-form]')!;
    form.querySelector('textarea')!.value = 'keep me';
    form.requestSubmit();
    await vi.waitFor(() => expect(q('form[data-part=note-form] [role=alert]')?.textContent).toMatch(/^Could not save the note: .*no-such-account/));
    expect(form.querySelector('textarea')!.value).toBe('keep me');
  });
});

describe('ask and copy', () => {
  it('mail links ask with the ticket subject and link filled in; chat links stay https', async () => {
    await showAiko();
    const mail = q<HTMLAnchorElement>('[data-stage=sales] a[data-action=ask][href^="mailto:"]')!;
    const url = new URL(mail.getAttribute('href')!);
    expect(url.pathname).toBe('ken.sato@hibiki-survey.example');
    expect(url.searchParams.get('subject')).toBe('About ticket: CSV export is garbled');
    expect(url.searchParams.get('body')).toBe(`Ticket: ${location.href}`);
    expect(q('[data-stage=sales] a[data-action=ask][href^="https://chat."]')).not.toBeNull();
  });

  it('"Copy relay" puts a Markdown summary of the relay and impact on the clipboard and says so', async () => {
    await showAiko();
    q('[data-action=copy-relay]')!.click();
    await vi.waitFor(() => expect(status()).toBe('Copied'));
    const text = await navigator.clipboard.readText();
    expect(text).toBe(relayMarkdown(sb!.model!, makeT(en), location.href));
    const lines = text.split('\n');
    expect(lines[0]).toBe('**Baton**: 田中 愛子 · 株式会社アクメ');
    expect(lines[1]).toBe(`[CSV export is garbled](${location.href})`);
    const stages = sb!.model!.data!.before.map((h) => h.stage.label);
    const at = stages.map((s) => lines.findIndex((l) => l.startsWith(`- ${s}: `)));
    expect(at.every((i, n) => i > 0 && (n === 0 || i > at[n - 1]!))).toBe(true); // relay order
    expect(text).toContain('- Sales: 佐藤 健 (2024-06-15) — 課題: 若手の離職');
    expect(text).toContain('- **You are here: ');
    expect(text).toContain('- Users at the company: 株式会社アクメ (1,200 people)');
    expect(text).toMatch(/- Next in line \(.+\): 山田 花子/);
  });

  it('without the async clipboard, copies through a selected textarea', async () => {
    await showAiko();
    const clip = navigator.clipboard;
    let copied: string | null = null;
    const exec = document.execCommand;
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: () => Promise.reject(new Error('denied')) }, configurable: true });
    document.execCommand = ((cmd: string) => {
      const ta = document.querySelector('textarea[readonly]') as HTMLTextAreaElement | null;
      copied = cmd === 'copy' && ta ? ta.value : null;
      return copied !== null;
    }) as typeof document.execCommand;
    try {
      q('[data-action=copy-relay]')!.click();
      await vi.waitFor(() => expect(status()).toBe('Copied'));
      expect(copied).toContain('**Baton**: 田中 愛子');
      expect(document.querySelector('textarea[readonly]')).toBeNull();
    } finally {
      Object.defineProperty(navigator, 'clipboard', { value: clip, configurable: true });
      document.execCommand = exec;
    }
  });

  it('data with Markdown in it cannot add links or markup to the summary', () => {
    const t = makeT({ lang: 'en', messages: {} });
    const m = { ...emptyModel(), data: { match: { by: 'email' as const }, organization: { name: '' }, self: null, account: { id: 'a', name: '[x](javascript:alert(1))', employees: 0, industry: '', society: '' }, contact: null, before: [], after: [], notes: [], lang: 'en' as const } };
    expect(relayMarkdown(m, t, 'javascript:alert(1)').split('\n')[0]).toBe('**Baton**: \\[x\\](javascript:alert(1))');
    expect(relayMarkdown(m, t, 'javascript:alert(1)')).not.toMatch(/(^|[^\\])\]\(javascript/); // no unescaped link
  });
});

describe('accessibility with the write-back controls', () => {
  it('the relay with a note of your own, a note being typed and a thanked person has no serious or critical axe violations', async () => {
    document.documentElement.lang = 'en';
    document.title = 'Desk';
    await showAiko();
    const d = structuredClone(sb!.model!.data!);
    d.notes = [{ id: '1', text: 'hello', ticket: '1', author: 'Agent A', at: new Date().toISOString(), mine: true }];
    update({ data: d });
    root.querySelector<HTMLFormElement>('form[data-part=note-form]')!.querySelector('textarea')!.value = 'x';
    q('[data-stage=marketing] [data-action=thank]')!.click();
    await vi.waitFor(() => expect(status()).toContain('Thanks sent'));
    const r = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'best-practice'] },
      rules: { 'color-contrast': { enabled: false }, region: { enabled: false }, 'page-has-heading-one': { enabled: false }, 'landmark-one-main': { enabled: false } },
    });
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    expect(bad).toEqual([]);
  });
});
