// @vitest-environment happy-dom
/**
 * Inline mode's room on a page that changes its DOM all the time (issue 13: the content script's
 * main-thread time under 10,000 DOM mutations a second, bench/extension.ts): once a change of the
 * page is seen, the room looks again at the whole page at its next rescan, so it records nothing
 * more until then. A page changing its DOM in every task costs it one batch of records per look,
 * not one per change; a change after the look is seen again.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { LOOK_QUIET_MAX, createRoom, nextLookIn } from '../../../src/content/room';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

it('records one batch of the page changes per look, and sees changes again after it', async () => {
  let callbacks = 0;
  const Real = window.MutationObserver;
  vi.spyOn(window, 'MutationObserver').mockImplementation(function (this: unknown, cb: MutationCallback) {
    return new Real((records, obs) => {
      callbacks += 1;
      cb(records, obs);
    });
  } as unknown as typeof MutationObserver);
  const ours = document.createElement('div');
  document.documentElement.append(ours);
  const feed = document.createElement('ul');
  document.body.append(feed);
  const room = createRoom(document, ours, { rescanMs: 60 });
  room.set(340, null);
  const turn = () => new Promise((r) => setTimeout(r, 0));
  // 20 changes, each in a task of its own, well within one rescan interval.
  for (let i = 0; i < 20; i++) {
    feed.append(document.createElement('li'));
    await turn();
  }
  expect(callbacks).toBe(1);
  // After the look the page is observed again.
  await vi.waitFor(() => {
    feed.append(document.createElement('li'));
    expect(callbacks).toBeGreaterThan(1);
  }, { timeout: 10_000, interval: 20 });
  room.release();
});

it('paces its looks by their cost: a page whose look takes 10 ms is looked at once a second at most (1 % of its main thread)', () => {
  expect(nextLookIn(10, 150, 0)).toBe(1_000);
  expect(nextLookIn(10, 150, 400)).toBe(600);
  expect(nextLookIn(0.5, 150, 0)).toBe(150); // a cheap look: the rescan interval
  expect(nextLookIn(0.5, 150, 200)).toBe(0);
});

it("looks again at a changed page in an animation frame (its reads come where the browser's own style and layout come anyway)", async () => {
  const ours = document.createElement('div');
  document.documentElement.append(ours);
  const room = createRoom(document, ours, { rescanMs: 10 });
  room.set(340, null);
  let inFrame = false;
  const raf = window.requestAnimationFrame.bind(window);
  vi.spyOn(window, 'requestAnimationFrame').mockImplementation((cb) => raf((t) => ((inFrame = true), cb(t), (inFrame = false))));
  const reads: boolean[] = [];
  const real = window.getComputedStyle.bind(window);
  vi.spyOn(window, 'getComputedStyle').mockImplementation((el, p) => (reads.push(inFrame), real(el, p)));
  document.body.append(document.createElement('p'));
  await vi.waitFor(() => expect(reads.length).toBeGreaterThan(0), { timeout: 2000, interval: 10 });
  expect(reads.every(Boolean)).toBe(true);
  room.release();
});

it('waits longer after each look that found what the last one found, up to LOOK_QUIET_MAX times the rescan interval', () => {
  expect(nextLookIn(0.5, 150, 0, 0)).toBe(150);
  expect(nextLookIn(0.5, 150, 0, 1)).toBe(300);
  expect(nextLookIn(0.5, 150, 0, 2)).toBe(600);
  expect(nextLookIn(0.5, 150, 0, 3)).toBe(150 * LOOK_QUIET_MAX);
  expect(nextLookIn(0.5, 150, 0, 50)).toBe(150 * LOOK_QUIET_MAX);
  expect(nextLookIn(20, 150, 0, 1)).toBe(2_000); // the pace by cost still holds
});

it("looks less and less often at a page that keeps changing its DOM but not its fixed elements, and at its pace again after the agent's input", async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'requestAnimationFrame', 'cancelAnimationFrame', 'Date', 'performance'] });
  const ours = document.createElement('div');
  document.documentElement.append(ours);
  const feed = document.createElement('ul');
  document.body.append(feed);
  const room = createRoom(document, ours, { rescanMs: 20 });
  room.set(340, null);
  let looks = 0;
  const walker = document.createTreeWalker.bind(document);
  vi.spyOn(document, 'createTreeWalker').mockImplementation((...a: Parameters<Document['createTreeWalker']>) => (looks++, walker(...a)));
  // 1.2 s of a change every 5 ms: at the plain rescan interval that is about 50 looks.
  for (let t = 0; t < 1_200; t += 5) {
    feed.append(document.createElement('li'));
    feed.firstChild?.remove();
    await vi.advanceTimersByTimeAsync(5);
  }
  expect(looks).toBeGreaterThanOrEqual(4); // still looked at
  expect(looks).toBeLessThan(15); // 20, 40, 80, then 160 ms apart
  // Just after a look (the next would be 160 ms on), the agent clicks: the next change is looked
  // at within the rescan interval and a frame.
  const seen = looks;
  while (looks === seen) {
    feed.append(document.createElement('li'));
    await vi.advanceTimersByTimeAsync(1);
  }
  const before = looks;
  window.dispatchEvent(new window.Event('pointerdown'));
  feed.append(document.createElement('li'));
  await vi.advanceTimersByTimeAsync(50);
  expect(looks).toBeGreaterThan(before);
  room.release();
});
