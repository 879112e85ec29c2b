/**
 * Extension numbers in real Chromium with the built extension (issue 13) — hooks, not measured
 * yet: the side panel and the inline frame (issue 9) are in, the Chromium driver for these
 * numbers is not written yet. Each hook is a function with the measurement it is for and a budget
 * row marked "not measured yet"; fill the function in and its row turns into a number.
 *
 * - ticketSwitch: time from the ticket's customer element appearing to the relay on screen
 *   (`[data-part=before]` filled, `data-state=ready`) on the demo desk, cached and uncached,
 *   p50/p95 over 50 switches (Chromium through puppeteer-core, the built extension; the panel
 *   page's and the inline frame's render both count).
 * - mainThread: the content script's main-thread time on a desk page that mutates its DOM
 *   10,000 times a second for 10 s, against the same page without the extension (the
 *   DevTools protocol's Performance.getMetrics TaskDuration / ScriptDuration, or a trace).
 * - contentMemory: the memory the content script adds to a desk page (JS heap of the page's
 *   isolated world: Performance.getMetrics JSHeapUsedSize with and without the extension).
 * (Bundle sizes in panel and inline mode: bench/sizes.ts.)
 */
import type { Bench, Section } from './lib/harness';

function notYet(b: Bench, id: string, what: string, budget: string): void {
  b.budget({ id, what, now: '—', budget, status: 'not measured yet', note: 'the Chromium driver for it is not written yet' });
}

export async function ticketSwitch(b: Bench): Promise<void> {
  notYet(b, 'ext.switch.cached', 'ticket switch in an SPA desk to the new relay on screen, answer cached (demo desk, Chromium, 50 switches)', 'p95 ≤ 50 ms');
  notYet(b, 'ext.switch.uncached', 'the same, answer not cached', 'p95 ≤ 100 ms');
}

export async function mainThread(b: Bench): Promise<void> {
  notYet(b, 'ext.mainThread', "content script's main-thread time on a desk page mutating its DOM 10,000 times/s for 10 s, vs the page without the extension", '≤ 3 % extra');
}

export async function contentMemory(b: Bench): Promise<void> {
  notYet(b, 'ext.memory', 'memory the content script adds to a desk page', 'reported (no budget yet)');
}


export const extension: Section = {
  id: 'extension',
  title: 'Extension in Chromium (not measured yet)',
  async run(b: Bench) {
    await ticketSwitch(b);
    await mainThread(b);
    await contentMemory(b);
    b.line('Not measured yet: the side panel and the inline frame (issue 9) are in, but the Chromium driver for these numbers is not written yet. bench/extension.ts holds one function per measurement (ticket switch cached and uncached over 50 switches, main-thread time under 10,000 DOM mutations a second, the memory the content script adds, bundle sizes in panel and inline mode), each with its budget row above marked "not measured yet".');
  },
};
