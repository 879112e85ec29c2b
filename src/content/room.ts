/**
 * Inline mode: the room the sidebar takes at the right edge of a desk page, so that nothing of
 * the desk that takes clicks lies under it.
 *
 *  - The page is pushed left by the sidebar's width: a right margin on <html>, or, on a desk
 *    whose top bar is laid out from the window's width (its DeskLayout), on what lies under
 *    that bar, with the sidebar starting below it. A desk may add CSS that fits its own layout
 *    into the room (osTicket's fixed-width container).
 *  - A margin does not move what is fixed to the window: bars with `left: 0; width: 100%`
 *    (osTicket's ticket bar once scrolled), buttons pinned to the right edge. Every fixed
 *    element that reaches under the sidebar is narrowed to end where the sidebar starts when it
 *    spans more than the room, else moved left until it does (the `translate` property, which
 *    adds to the page's own transforms). The page's own values come back when the sidebar goes.
 *    Fixed elements are looked for again when the page changes (a class or style flips a bar to
 *    fixed on scroll), at most every `rescanMs` (longer when a look takes long: at most about
 *    1/100 of the page's main thread goes to it; and up to 8 times longer while looks keep
 *    finding what the last found, LOOK_QUIET_MAX), and whenever the room is set again (the host
 *    does on a resize of the window). Between a change and that look the page is not observed
 *    (the look sees the whole page): a page changing its DOM all the time costs one batch of
 *    records per look, not one record per change.
 */
import type { DeskLayout } from './helpdesks/types';

export interface Room {
  /**
   * Take `width` px at the right edge, over the rows from the desk bar's bottom (or the top) to
   * the bottom, or over `rows` when given (the collapsed tab); 0 gives the room back. Returns
   * where the sidebar starts (px from the top of the window).
   */
  set(width: number, desk: DeskLayout | null, rows?: { top: number; height: number }): number;
  /** Fit the fixed elements again now (the page changed). */
  refit(): void;
  release(): void;
}

type Saved = { value: string; priority: string };

/** Inline style properties we set on a page element, and the page's own values to put back. */
class Styles {
  private saved = new Map<HTMLElement, Map<string, Saved>>();
  set(el: HTMLElement, prop: string, value: string): void {
    let props = this.saved.get(el);
    if (!props) this.saved.set(el, (props = new Map()));
    if (!props.has(prop)) props.set(prop, { value: el.style.getPropertyValue(prop), priority: el.style.getPropertyPriority(prop) });
    el.style.setProperty(prop, value, 'important');
  }
  has(el: HTMLElement): boolean {
    return this.saved.has(el);
  }
  elements(): HTMLElement[] {
    return [...this.saved.keys()];
  }
  restore(el: HTMLElement): void {
    const props = this.saved.get(el);
    if (!props) return;
    for (const [prop, s] of props) {
      if (s.value) el.style.setProperty(prop, s.value, s.priority);
      else el.style.removeProperty(prop);
    }
    this.saved.delete(el);
  }
  restoreAll(keep: (el: HTMLElement) => boolean = () => false): void {
    for (const el of this.elements()) if (!keep(el)) this.restore(el);
  }
}

/**
 * A look (fit(): the page's computed styles, element by element) waits this many times as long
 * as the last one took: at most about 1 % of the page's main thread goes to looks however often
 * the page changes (the content script's budget on a busy page is 3 %, bench/extension.ts).
 */
export const LOOK_PACE = 100;

/**
 * Looks that found what the one before found (the same fixed elements, fitted the same way) each
 * double the wait before the next, up to LOOK_QUIET_MAX times `rescanMs` (1.2 s by default). A
 * desk whose DOM changes all the time (a clock, a live feed, presence dots) but whose fixed bars
 * stay as they are is then looked at about once a second instead of every 150 ms: the look's
 * share of the page's own main-thread time (10 % busy at 10,000 mutations a second) stays well
 * under the content script's 3 % (bench/extension.ts). A look that finds a change, the room set
 * again (a resize), or the agent's own input (a scroll, a click, a key: what usually makes a bar
 * fixed or opens a menu) bring the wait back to `rescanMs`.
 */
export const LOOK_QUIET_MAX = 8;

/**
 * When the next look may run (ms from now): `rescanMs` after the last (doubled per `quiet` look,
 * up to LOOK_QUIET_MAX times), or LOOK_PACE × its cost.
 */
export function nextLookIn(lastCostMs: number, rescanMs: number, sinceLastMs: number, quiet = 0): number {
  const wait = rescanMs * Math.min(LOOK_QUIET_MAX, 2 ** quiet);
  return Math.max(0, Math.max(wait, lastCostMs * LOOK_PACE) - sinceLastMs);
}

export function createRoom(doc: Document, ours: Element, opts: { rescanMs?: number } = {}): Room {
  const win = doc.defaultView!;
  const html = doc.documentElement;
  const pushed = new Styles();
  const fixed = new Styles();
  let width = 0;
  let desk: DeskLayout | null = null;
  let rows: { top: number; height: number } | null = null;
  let top = 0;
  let style: HTMLStyleElement | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let frame: number | undefined;
  let lastScan = 0;
  /** How long the last look took (ms): the next waits at least LOOK_PACE times that. */
  let scanCost = 0;
  /** Looks in a row that found what the one before found (nextLookIn's `quiet`), and what that was. */
  let quiet = 0;
  let lastFit: Array<[HTMLElement, string]> = [];
  const rescanMs = opts.rescanMs ?? 150;

  /** What to push and where the sidebar starts: under the desk's top bar, or the whole page. */
  const layout = (): { push: HTMLElement[]; top: number } => {
    const bar = desk?.below ? doc.querySelector(desk.below) : null;
    const push = desk?.push ? desk.push.flatMap((sel) => [...doc.querySelectorAll<HTMLElement>(sel)]) : [];
    if (!bar || !push.length) return { push: [html], top: 0 };
    const r = bar.getBoundingClientRect();
    const barFixed = /^(fixed|sticky)$/.test(win.getComputedStyle(bar).position);
    // Where the bar ends on the page (it scrolls away with it; RT pins its page menu up there).
    const top = Math.max(0, Math.round(r.bottom + (barFixed ? 0 : win.scrollY)));
    // A bar taller than a good part of the window (its styles did not load, a window that is
    // mostly bar) would leave the sidebar a sliver: then the whole page makes room.
    if (top > win.innerHeight * 0.4) return { push: [html], top: 0 };
    return { push, top };
  };

  const deskCss = (css: string | undefined) => {
    if (!css || !width) {
      style?.remove();
      style = null;
      return;
    }
    if (!style) {
      style = doc.createElement('style');
      style.dataset.batonRoom = '';
    }
    if (style.textContent !== css) style.textContent = css;
    if (!style.isConnected) (doc.head ?? html).appendChild(style);
  };

  const isOurs = (el: Element) => el === ours || ours.contains(el);

  /** Fixed elements of the page that reach under the room, fitted left of it. */
  function fit(): void {
    lastScan = Date.now();
    const t0 = win.performance.now();
    try {
      fitNow();
    } finally {
      scanCost = win.performance.now() - t0;
    }
  }
  function fitNow(): void {
    fixed.restoreAll();
    if (!width) return;
    const vw = html.clientWidth || win.innerWidth;
    const vh = win.innerHeight;
    const left = vw - width;
    const band = rows ?? { top, height: vh - top };
    const found: HTMLElement[] = [];
    const walker = doc.createTreeWalker(doc.body ?? html, 1 /* NodeFilter.SHOW_ELEMENT */);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n as HTMLElement;
      if (isOurs(el) || !(el instanceof win.HTMLElement)) continue;
      if (win.getComputedStyle(el).position === 'fixed') found.push(el);
    }
    // Measure all first, then change: one layout for the measuring.
    const boxes = found.map((el) => [el, el.getBoundingClientRect()] as const);
    const fitted: Array<[HTMLElement, string]> = [];
    for (const [el, r] of boxes) {
      if (r.width < 1 || r.height < 1 || r.right <= left + 0.5) continue;
      if (r.bottom <= band.top || r.top >= band.top + band.height || r.top >= vh || r.bottom <= 0) continue;
      if (r.width > left || r.left < 0) {
        // Spans more than the room (a bar across the window): it ends where the sidebar starts.
        const max = `${Math.max(0, Math.floor(left - Math.max(0, r.left)))}px`;
        fixed.set(el, 'box-sizing', 'border-box');
        fixed.set(el, 'max-width', max);
        fitted.push([el, max]);
      } else {
        const by = `${-Math.ceil(r.right - left)}px 0`;
        fixed.set(el, 'translate', by);
        fitted.push([el, by]);
      }
    }
    observer.takeRecords(); // our own changes are no reason to look again
    const same = fitted.length === lastFit.length && fitted.every(([el, v], i) => lastFit[i]![0] === el && lastFit[i]![1] === v);
    quiet = same ? quiet + 1 : 0;
    lastFit = fitted;
  }

  const schedule = () => {
    if (timer !== undefined || frame !== undefined || !width) return;
    timer = setTimeout(() => {
      timer = undefined;
      // In the next frame, just before the browser's own style and layout: the look's reads
      // bring those forward instead of adding one more of each between two frames (a page that
      // changes all the time has them to do again at every frame).
      frame = win.requestAnimationFrame(() => {
        frame = undefined;
        fit();
        observe(true);
      });
    }, nextLookIn(scanCost, rescanMs, Date.now() - lastScan, quiet));
  };

  const observer = new win.MutationObserver((records) => {
    if (records.every((r) => isOurs(r.target as Element) || (r.target === html && r.type === 'attributes'))) return;
    if (!width) return;
    // Until the look, the page's changes need not be recorded one by one.
    observe(false);
    schedule();
  });

  function apply(): number {
    if (!width) {
      pushed.restoreAll();
      fixed.restoreAll();
      deskCss(undefined);
      return 0;
    }
    const room = layout();
    top = room.top;
    pushed.restoreAll((el) => room.push.includes(el));
    for (const el of room.push) pushed.set(el, 'margin-right', `${width}px`);
    deskCss(desk?.css);
    fit();
    quiet = 0; // set again (a resize, a new layout): the next looks come at their pace from the start
    observer.takeRecords();
    return top;
  }

  let watching = false;
  let observing = false;
  function observe(on: boolean): void {
    if (on && watching && !observing) observer.observe(html, { subtree: true, childList: true, attributes: true, attributeFilter: ['class', 'style', 'hidden'] });
    else if (!on && observing) observer.disconnect();
    observing = on && watching;
  }
  /** The agent's own input: the next look comes at `rescanMs` again (nextLookIn's `quiet`). */
  const wake = () => {
    if (!quiet) return;
    quiet = 0;
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    schedule();
  };
  let input: AbortController | null = null;
  const watch = (on: boolean) => {
    if (on === watching) return;
    watching = on;
    if (on) {
      observe(true);
      input = new AbortController();
      for (const type of ['scroll', 'pointerdown', 'keydown']) win.addEventListener(type, wake, { capture: true, passive: true, signal: input.signal });
    } else {
      input?.abort();
      input = null;
      observe(false);
      clearTimeout(timer);
      timer = undefined;
      if (frame !== undefined) win.cancelAnimationFrame(frame);
      frame = undefined;
    }
  };

  return {
    set(w, l, r) {
      width = Math.max(0, Math.round(w));
      desk = l;
      rows = r ?? null;
      watch(width > 0);
      return apply();
    },
    refit: () => (width ? fit() : undefined),
    release() {
      width = 0;
      watch(false);
      apply();
    },
  };
}
