// Reaching into Baton's sidebar from a test: the host `#baton-sidebar` has an OPEN shadow root
// in test builds (BATON_SHADOW=open); one element inside carries `data-state`. Everything here
// waits on conditions in the page (waitForFunction polling), never on time.
//
// In-page code is passed as strings so no transpiler helper can leak into the page.
import type { Page } from 'puppeteer-core';

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
  /** The shadow root's visible text (header: customer, company). */
  text: string;
}

const ROOT_EXPR = `(document.getElementById('baton-sidebar') && document.getElementById('baton-sidebar').shadowRoot)`;
const STATE_EXPR = `(() => { const r = ${ROOT_EXPR}; const e = r && r.querySelector('[data-state]'); return e ? e.getAttribute('data-state') : null; })()`;
const SNAPSHOT_EXPR = `(() => {
  const r = ${ROOT_EXPR};
  if (!r) return null;
  const s = r.querySelector('[data-state]');
  const attrs = (sel, name) => Array.from(r.querySelectorAll(sel)).map((e) => e.getAttribute(name));
  return {
    state: s ? s.getAttribute('data-state') : null,
    stages: attrs('[data-part=before] [data-part=handoff]', 'data-stage'),
    levels: attrs('[data-part=after] [data-part=impact]', 'data-level'),
    text: (s || r).textContent.replace(/\\s+/g, ' ').trim(),
  };
})()`;

export async function sidebarState(page: Page): Promise<string | null> {
  return (await page.evaluate(STATE_EXPR)) as string | null;
}

export async function sidebarSnapshot(page: Page): Promise<SidebarSnapshot | null> {
  return (await page.evaluate(SNAPSHOT_EXPR)) as SidebarSnapshot | null;
}

/**
 * Waits until the sidebar's data-state is one of `states` (and its text contains `containing`,
 * and the in-page expression `also` — with `r`, the shadow root, in scope — is true), and
 * returns the snapshot taken in that same instant. The error says what the sidebar showed.
 */
export async function waitForSidebarState(
  page: Page,
  states: SidebarState | SidebarState[],
  opts: { timeout?: number; containing?: string; also?: string } = {},
): Promise<SidebarSnapshot> {
  const want = Array.isArray(states) ? states : [states];
  const containing = opts.containing ?? '';
  const expr = `(() => {
    const s = ${SNAPSHOT_EXPR};
    if (!s || !${JSON.stringify(want)}.includes(s.state) || !s.text.includes(${JSON.stringify(containing)})) return null;
    const r = ${ROOT_EXPR};
    return (${opts.also ?? 'true'}) ? JSON.stringify(s) : null;
  })()`;
  try {
    const handle = await page.waitForFunction(expr, { timeout: opts.timeout ?? 20_000, polling: 100 });
    return JSON.parse((await handle.jsonValue()) as string) as SidebarSnapshot;
  } catch (e) {
    const now = await sidebarSnapshot(page).catch(() => null);
    throw new Error(
      `sidebar never reached data-state=${want.join('|')}${containing ? ` containing "${containing}"` : ''}${opts.also ? ` with ${opts.also}` : ''} on ${page.url()}; ` +
        `last seen: ${now ? `state=${now.state} text="${now.text.slice(0, 300)}"` : 'no #baton-sidebar with an open shadow root'}` +
        ` (${e instanceof Error ? e.message.split('\n')[0] : e})`,
    );
  }
}

export interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: string[] }>;
  /** How many checked elements lay inside the sidebar's shadow root (0 = the scan saw nothing). */
  shadowNodesChecked: number;
}

/** Injects axe-core into the page and runs it on the sidebar, shadow content included. */
export async function axeOnSidebar(page: Page, axeSource: string): Promise<AxeResult> {
  await page.evaluate(axeSource);
  return (await page.evaluate(`(async () => {
    const res = await window.axe.run({ include: [['#baton-sidebar']] }, { resultTypes: ['violations', 'passes'] });
    const inShadow = (n) => Array.isArray(n.target[0]) && n.target[0].length > 1;
    return {
      violations: res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) })),
      shadowNodesChecked: res.passes.concat(res.violations).reduce((k, r) => k + r.nodes.filter(inShadow).length, 0),
    };
  })()`)) as AxeResult;
}
