// Reaching into Baton's relay view from a test. The view is an extension page: the browser's
// side panel (a page of its own), or, inline, the frame (src/frame/index.html) inside the host
// `#baton-sidebar` of the desk page. One element inside carries `data-state`. Everything here
// waits on conditions in the view (waitForFunction polling), never on time.
//
// A desk Page given where a view is expected means its inline frame: found among the page's
// frames by its own location (Firefox reports an extension frame's URL as about:blank), found
// again after the desk page navigated (a new frame). In-page code is passed as strings so no
// transpiler helper can leak into the page.
import type { ElementHandle, Frame, Page } from 'puppeteer-core';

export type SidebarState =
  | 'loading'
  | 'ready'
  | 'stale'
  | 'offline'
  | 'not-found'
  | 'unauthorized'
  | 'unconfigured'
  | 'error';

export interface SidebarSnapshot {
  state: string | null;
  /** data-stage of each [data-part=handoff] inside [data-part=before], in DOM order. */
  stages: string[];
  /** data-level of each [data-part=impact] inside [data-part=after], in DOM order. */
  levels: string[];
  /** The view's visible text (header: customer, company). */
  text: string;
}

/** Where a view is: a desk page (its inline frame), a view's own page (the side panel), or a frame. */
export type ViewTarget = Page | Frame;

export const FRAME_PATH = '/src/frame/index.html';
const EXTENSION_PAGE = /^(chrome|moz)-extension:\/\//;

const isPage = (t: ViewTarget): t is Page => typeof (t as Page).mainFrame === 'function';

/** The inline frame of a desk page, when it is there (null otherwise). */
export async function inlineFrame(page: Page): Promise<Frame | null> {
  for (const f of page.frames()) {
    if (f === page.mainFrame()) continue;
    if (f.url().endsWith(FRAME_PATH)) return f;
    const path = await f.evaluate('location.protocol.endsWith("-extension:") ? location.pathname : ""').catch(() => '');
    if (path === FRAME_PATH) return f;
  }
  return null;
}

/** The frame a view renders in, waiting for it up to `timeout` ms. */
export async function viewFrame(target: ViewTarget, timeout = 20_000): Promise<Frame> {
  if (!isPage(target)) return target;
  const deadline = Date.now() + timeout;
  for (;;) {
    const main = target.mainFrame();
    const own = await main.evaluate('location.href').catch(() => target.url());
    if (EXTENSION_PAGE.test(String(own))) return main; // the side panel page (or the panel page in a tab)
    const f = await inlineFrame(target);
    if (f) return f;
    if (Date.now() > deadline) throw new Error(`no Baton frame (${FRAME_PATH}) in ${target.url()} within ${timeout} ms`);
    await new Promise((r) => setTimeout(r, 100)); // polling for a frame to appear (no event for an OOPIF in both browsers)
  }
}

const SNAPSHOT_EXPR = `(() => {
  const s = document.querySelector('[data-state]');
  const attrs = (sel, name) => Array.from(document.querySelectorAll(sel)).map((e) => e.getAttribute(name));
  return {
    state: s ? s.getAttribute('data-state') : null,
    stages: attrs('[data-part=before] [data-part=handoff]', 'data-stage'),
    levels: attrs('[data-part=after] [data-part=impact]', 'data-level'),
    text: (s || document.body || document.documentElement).textContent.replace(/\\s+/g, ' ').trim(),
  };
})()`;

export async function sidebarState(target: ViewTarget): Promise<string | null> {
  return (await sidebarSnapshot(target))?.state ?? null;
}

export async function sidebarSnapshot(target: ViewTarget): Promise<SidebarSnapshot | null> {
  const f = await viewFrame(target, 2_000).catch(() => null);
  return f ? ((await f.evaluate(SNAPSHOT_EXPR).catch(() => null)) as SidebarSnapshot | null) : null;
}

/** Runs `fn` on the view's frame until it settles, again on a new frame when the old one went. */
async function inView<T>(target: ViewTarget, timeout: number, fn: (f: Frame, remaining: number) => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw last instanceof Error ? last : new Error(`timed out after ${timeout} ms`);
    try {
      return await fn(await viewFrame(target, remaining), remaining);
    } catch (e) {
      last = e;
      const gone = /detached|destroyed|navigat|context|Target closed|no such frame|not found/i.test(String((e as Error)?.message ?? e));
      if (!gone) throw e;
    }
  }
}

/**
 * Waits until the view's data-state is one of `states` (and its text contains `containing`,
 * and the in-view expression `also` — with `r`, the view's document, in scope — is true), and
 * returns the snapshot taken in that same instant. The error says what the view showed.
 */
export async function waitForSidebarState(
  target: ViewTarget,
  states: SidebarState | SidebarState[],
  opts: { timeout?: number; containing?: string; also?: string } = {},
): Promise<SidebarSnapshot> {
  const want = Array.isArray(states) ? states : [states];
  const containing = opts.containing ?? '';
  const expr = `(() => {
    const s = ${SNAPSHOT_EXPR};
    if (!s || !${JSON.stringify(want)}.includes(s.state) || !s.text.includes(${JSON.stringify(containing)})) return null;
    const r = document;
    return (${opts.also ?? 'true'}) ? JSON.stringify(s) : null;
  })()`;
  try {
    return await inView(target, opts.timeout ?? 20_000, async (f, remaining) => {
      const handle = await f.waitForFunction(expr, { timeout: remaining, polling: 100 });
      return JSON.parse((await handle.jsonValue()) as string) as SidebarSnapshot;
    });
  } catch (e) {
    const now = await sidebarSnapshot(target).catch(() => null);
    const where = isPage(target) ? target.url() : target.url();
    throw new Error(
      `Baton never reached data-state=${want.join('|')}${containing ? ` containing "${containing}"` : ''}${opts.also ? ` with ${opts.also}` : ''} on ${where}; ` +
        `last seen: ${now ? `state=${now.state} text="${now.text.slice(0, 300)}"` : 'no Baton view'}` +
        ` (${e instanceof Error ? e.message.split('\n')[0] : e})`,
    );
  }
}

/** The element of the view `selector` finds, once it is there. */
export async function inSidebar(target: ViewTarget, selector: string, timeout = 10_000): Promise<ElementHandle<Element>> {
  return inView(target, timeout, async (f, remaining) => {
    const el = await f.waitForSelector(selector, { timeout: remaining });
    if (!el) throw new Error(`no ${selector} in the Baton view`);
    return el as ElementHandle<Element>;
  });
}

/** Clicks the element of the view `selector` finds, as a person would (a trusted click). */
export async function clickInSidebar(target: ViewTarget, selector: string): Promise<void> {
  await (await inSidebar(target, selector)).click();
}

/** Clicks the view's button whose text matches, as a person would. */
export async function clickSidebarButton(target: ViewTarget, text: RegExp): Promise<void> {
  const find = `(() => Array.from(document.querySelectorAll('button')).find((b) => new RegExp(${JSON.stringify(text.source)}, ${JSON.stringify(text.flags)}).test(b.textContent.trim())) || null)()`;
  const el = await inView(target, 10_000, async (f, remaining) => {
    const handle = await f.waitForFunction(find, { timeout: remaining, polling: 100 }).catch(async (e: unknown) => {
      const seen = await f.evaluate(`Array.from(document.querySelectorAll('button')).map((b) => b.textContent.trim() || b.title)`).catch(() => 'n/a');
      throw new Error(`no Baton button matching ${text}; buttons: ${JSON.stringify(seen)} (${e})`);
    });
    return handle.asElement() as ElementHandle<Element>;
  });
  await el.click();
}

export interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: string[] }>;
  /** How many elements the scan checked inside the view (0 = it saw nothing). */
  nodesChecked: number;
}

/** Injects axe-core into the view and runs it on the view's document. */
export async function axeOnSidebar(target: ViewTarget, axeSource: string): Promise<AxeResult> {
  const f = await viewFrame(target);
  await f.evaluate(axeSource);
  return (await f.evaluate(`(async () => {
    const res = await window.axe.run(document, { resultTypes: ['violations', 'passes'] });
    return {
      violations: res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) })),
      nodesChecked: res.passes.concat(res.violations).reduce((k, r) => k + r.nodes.length, 0),
    };
  })()`)) as AxeResult;
}
