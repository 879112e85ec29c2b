// What of a desk page lies under Baton's inline sidebar, as the browser lays it out. An element
// that takes clicks (a, button, input, select, textarea, [role=button], [onclick]; in open shadow
// roots too), is visible, and has its centre inside the sidebar's rectangle, where the browser's
// own hit test (elementsFromPoint) finds it — so a clipped or scrolled-away one does not count —
// is one the agent could not click.
import type { Page } from 'puppeteer-core';

export interface Hidden {
  what: string;
  x: number;
  y: number;
}

export const UNDER_SIDEBAR = `(() => {
  const host = document.getElementById('baton-sidebar');
  if (!host) return { error: 'no #baton-sidebar' };
  const s = host.getBoundingClientRect();
  if (s.width < 1 || getComputedStyle(host).display === 'none') return { error: 'the sidebar is not shown' };
  const SEL = 'a[href], button, input:not([type=hidden]), select, textarea, [role=button], [onclick]';
  const all = [];
  const visit = (root) => {
    for (const el of root.querySelectorAll(SEL)) all.push(el);
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot && el !== host) visit(el.shadowRoot);
  };
  visit(document);
  /** The element as the page's hit test sees it: its outermost shadow host. */
  const outer = (el) => { let e = el; while (e.getRootNode() instanceof ShadowRoot) e = e.getRootNode().host; return e; };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
    + ' "' + (el.textContent || el.value || el.title || '').trim().replace(/\\s+/g, ' ').slice(0, 30) + '"';
  const under = [];
  for (const el of all) {
    if (host.contains(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== 'visible' || cs.display === 'none') continue;
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < s.left || x >= s.right || y < s.top || y >= s.bottom || y < 0 || y >= innerHeight || x >= innerWidth) continue;
    const o = outer(el);
    const stack = document.elementsFromPoint(x, y);
    if (!stack.some((e) => e === o || o.contains(e) || (o === el && el.contains(e)))) continue;
    under.push({ what: name(el), x: Math.round(x), y: Math.round(y) });
  }
  return { under, sidebar: { x: Math.round(s.left), y: Math.round(s.top), w: Math.round(s.width), h: Math.round(s.height) } };
})()`;

/**
 * Waits (up to `timeout`) until nothing that takes clicks lies under the sidebar — the page may
 * still be fitting a bar that just became fixed — and returns what still does then ([] when
 * nothing).
 */
export async function clickableUnderSidebar(page: Page, timeout = 3000): Promise<Hidden[]> {
  const settled = await page
    .waitForFunction(`(() => { const r = ${UNDER_SIDEBAR}; return !r.error && r.under.length === 0; })()`, { timeout, polling: 100 })
    .then(() => true, () => false);
  if (settled) return [];
  const r = (await page.evaluate(UNDER_SIDEBAR)) as { error?: string; under?: Hidden[] };
  if (r.error) throw new Error(r.error);
  return r.under!;
}

/** Waits until the inline sidebar is shown beside the page at its full width. */
export async function sidebarShown(page: Page, timeout = 20_000): Promise<void> {
  await page.waitForFunction(
    `(() => { const h = document.getElementById('baton-sidebar'); if (!h) return false; const r = h.getBoundingClientRect(); return r.width >= 280 && r.height > 100 && Math.abs(r.right - document.documentElement.clientWidth) < 2; })()`,
    { timeout, polling: 100 },
  );
}
