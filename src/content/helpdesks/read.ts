/** Small readers the adapters share: several fallbacks per field, never throwing. */

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;

/** Trimmed, whitespace-folded text; undefined when empty. */
export function clean(s: string | null | undefined): string | undefined {
  const t = (s ?? '').replace(/\s+/g, ' ').trim();
  return t ? t : undefined;
}

/** The text (or `value` of an input) of the first selector that finds non-empty content. */
export function firstText(root: ParentNode, selectors: readonly string[]): string | undefined {
  for (const sel of selectors) {
    let nodes: NodeListOf<Element>;
    try {
      nodes = root.querySelectorAll(sel);
    } catch {
      continue; // a bad selector (e.g. from a config) is skipped, not fatal
    }
    for (const el of nodes) {
      const t = clean(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement ? el.value : el.textContent);
      if (t) return t;
    }
  }
  return undefined;
}

/** Every non-empty text `selector` finds (tags, labels), commas taken out, joined by commas; undefined when none. */
export function allTexts(root: ParentNode, selector: string, max = 50): string | undefined {
  let nodes: NodeListOf<Element>;
  try {
    nodes = root.querySelectorAll(selector);
  } catch {
    return undefined;
  }
  const out = new Set<string>();
  for (const el of nodes) {
    const t = clean(el.textContent?.replace(/,/g, ' '));
    if (t) out.add(t.slice(0, 100));
    if (out.size >= max) break;
  }
  return out.size ? [...out].join(',') : undefined;
}

/** The first email address in a string. */
export function findEmail(s: string | null | undefined): string | undefined {
  const m = (s ?? '').match(EMAIL);
  return m ? m[0] : undefined;
}

/** Email from the first `mailto:` link under root (the last resort on any desk). */
export function mailtoEmail(root: ParentNode): string | undefined {
  for (const a of root.querySelectorAll<HTMLAnchorElement>('a[href^="mailto:" i]')) {
    const raw = decodeURIComponent((a.getAttribute('href') ?? '').slice('mailto:'.length).split('?')[0] ?? '');
    const e = findEmail(raw);
    if (e) return e;
  }
  return undefined;
}

/** First email found in the text or `mailto:` links of the selectors' elements. */
export function firstEmail(root: ParentNode, selectors: readonly string[]): string | undefined {
  for (const sel of selectors) {
    let nodes: NodeListOf<Element>;
    try {
      nodes = root.querySelectorAll(sel);
    } catch {
      continue;
    }
    for (const el of nodes) {
      const e = findEmail(el.getAttribute('href')?.replace(/^mailto:/i, '')) ?? findEmail(el.textContent) ?? findEmail((el as HTMLInputElement).value) ?? mailtoEmail(el);
      if (e) return e;
    }
  }
  return undefined;
}

/** Split `Real Name <email@x>` (RT, mail headers) into name and email. */
export function parseNameEmail(s: string | null | undefined): { name?: string; email?: string } {
  const t = clean(s);
  if (!t) return {};
  const m = t.match(/^(.*?)\s*<([^<>]+)>\s*$/);
  if (m) {
    const name = clean(m[1]?.replace(/^"|"$/g, ''));
    const email = findEmail(m[2]);
    return { ...(name ? { name } : {}), ...(email ? { email } : {}) };
  }
  const email = findEmail(t);
  return email ? { email } : { name: t };
}

/** Drop undefined fields so `{ ...a, ...b }` merges keep earlier values. */
export function compact<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

/* ---------------------------------------------------------------------------------------------
 * Added for the built-in desk adapters: URL tests, shadow-DOM queries, labelled rows, same-origin
 * JSON, and a factory for the common adapter shape.
 * ------------------------------------------------------------------------------------------- */

/**
 * A `ticketFromUrl` built from regular expressions tried against `path + search + hash`; the
 * first capture group of the first pattern that matches is the id.
 */
export function ticketFromPatterns(patterns: readonly RegExp[]): (url: URL) => string | null {
  return (url) => {
    const rest = url.pathname + url.search + url.hash;
    for (const re of patterns) {
      const m = rest.match(re);
      if (m?.[1]) return m[1];
    }
    return null;
  };
}

/** Whether any of the selectors finds an element (bad selectors count as no match). */
export function hasAny(root: ParentNode, selectors: readonly string[]): boolean {
  for (const sel of selectors) {
    try {
      if (root.querySelector(sel)) return true;
    } catch {
      /* skipped */
    }
  }
  return false;
}

/** Every element under root matching selector, looking inside open shadow roots as well. */
export function deepQueryAll(root: ParentNode, selector: string): Element[] {
  const out: Element[] = [];
  const visit = (node: ParentNode): void => {
    try {
      out.push(...node.querySelectorAll(selector));
    } catch {
      return;
    }
    for (const el of node.querySelectorAll('*')) {
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(root);
  return out;
}

/** The first element matching selector, looking inside open shadow roots (Salesforce Lightning). */
export function deepQuery(root: ParentNode, selector: string): Element | null {
  try {
    const light = root.querySelector(selector);
    if (light) return light;
  } catch {
    return null;
  }
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) {
      const found = deepQuery(el.shadowRoot, selector);
      if (found) return found;
    }
  }
  return null;
}

/** Text of an element including what its open shadow root renders (falls back to light text). */
export function deepText(el: Element): string | undefined {
  const parts: string[] = [];
  const walk = (node: Node): void => {
    if (node.nodeType === 3) parts.push(node.nodeValue ?? '');
    const host = node as Element;
    if (host.shadowRoot) walk(host.shadowRoot);
    for (const child of node.childNodes) walk(child);
  };
  walk(el);
  return clean(parts.join(' '));
}

/** Like firstText, but through open shadow roots. */
export function deepFirstText(root: ParentNode, selectors: readonly string[]): string | undefined {
  for (const sel of selectors) {
    for (const el of deepQueryAll(root, sel)) {
      const t = (el as HTMLInputElement).value !== undefined && /^(INPUT|TEXTAREA)$/.test(el.tagName) ? clean((el as HTMLInputElement).value) : deepText(el);
      if (t) return t;
    }
  }
  return undefined;
}

/** The element's own text (its direct text nodes), leaving out nested menus, counters, links. */
export function ownText(el: Element | null | undefined): string | undefined {
  if (!el) return undefined;
  let s = '';
  for (const n of el.childNodes) if (n.nodeType === 3) s += n.nodeValue ?? '';
  return clean(s);
}

/**
 * The value shown beside a label: finds an element matching `labelSel` whose text matches
 * `label` (osTicket `th` → `td`, Zammad `.userInfo-label` → `.userInfo-value`, Salesforce
 * `[title=…]` → next element) and reads the next element sibling (or `valueSel` inside the
 * label's parent). `own` reads only the value's own text nodes.
 */
export function labelledValue(
  root: ParentNode,
  label: RegExp,
  opts: { labelSel: string; valueSel?: string; own?: boolean } = { labelSel: 'th, dt, label' },
): string | undefined {
  let labels: Element[];
  try {
    labels = [...root.querySelectorAll(opts.labelSel)];
  } catch {
    return undefined;
  }
  for (const l of labels) {
    if (!label.test(clean(l.textContent) ?? '')) continue;
    const value = opts.valueSel ? l.parentElement?.querySelector(opts.valueSel) : l.nextElementSibling;
    const t = opts.own ? ownText(value) : clean(value?.textContent);
    if (t) return t;
  }
  return undefined;
}

/** Merge reads: the first non-empty value of each field wins. */
export function mergeReads<T extends object>(...reads: Array<Partial<T> | null | undefined>): Partial<T> {
  const out: Partial<T> = {};
  for (const r of reads) {
    if (!r) continue;
    for (const [k, v] of Object.entries(compact(r))) {
      if ((out as Record<string, unknown>)[k] === undefined) (out as Record<string, unknown>)[k] = v;
    }
  }
  return out;
}

/**
 * GET JSON from the desk's own origin with the agent's session (cookies ride along because the
 * request is same-origin). Throws on a non-2xx answer so the caller falls back to the markup.
 */
export async function getJson<T = unknown>(
  ctx: { url: URL; signal: AbortSignal; fetch: typeof fetch },
  path: string,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await ctx.fetch(new URL(path, ctx.url.origin).href, {
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...headers },
    signal: ctx.signal,
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

/** A string field of untyped JSON (numbers are turned into strings); undefined otherwise. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' ? clean(v) : undefined;
}

/** The first capture of `re` in the text, cleaned. */
export function capture(s: string | undefined, re: RegExp): string | undefined {
  return clean(s?.match(re)?.[1]);
}

import type { CustomerRead, FetchContext, HelpdeskAdapter, ReadContext } from './types';

/** Selectors for each field, tried in order; the adapter factory reads them with fallbacks. */
export interface FieldSelectors {
  email?: readonly string[];
  name?: readonly string[];
  org?: readonly string[];
  subject?: readonly string[];
  /** The number shown to people (not the URL's internal id); cleaned by `ticketNumber`. */
  ticket?: readonly string[];
  /** Elements whose text is `Real Name <email>` (reply-to selects, requester chips). */
  requester?: readonly string[];
  /** Containers searched for the last-resort `mailto:` link (the customer panel); then the pane. */
  customerPanel?: readonly string[];
}

export interface AdapterSpec {
  id: string;
  label: string;
  matches: string[];
  examples: HelpdeskAdapter['examples'];
  /** Ticket URL patterns, tried against path + search + hash; capture 1 is the id. */
  urls: readonly RegExp[];
  /** Desk-specific markup: detect() is true when any is present. */
  detect: readonly string[];
  /** The active pane; default: the document body once any `ready` (default `detect`) selector is there. */
  activePane?: (doc: Document, ticket: string) => ParentNode | null;
  ready?: readonly string[];
  fields: FieldSelectors;
  /** Read fields through open shadow roots (Salesforce Lightning). */
  deep?: boolean;
  /** Desk-specific reads merged after the selector reads (fallbacks). */
  extra?: (pane: ParentNode, ctx: ReadContext) => Partial<CustomerRead>;
  fetchCustomer?: HelpdeskAdapter['fetchCustomer'];
  /** Override detect entirely (e.g. to look at script text). */
  detectFn?: (doc: Document) => boolean;
  /** Inline mode: how the desk makes room for the sidebar (HelpdeskAdapter.layout). */
  layout?: HelpdeskAdapter['layout'];
}

/** The first token containing a digit: `Ticket #123456` → `123456`, `#KEY-12` → `KEY-12`. */
export function ticketNumber(s: string | undefined): string | undefined {
  return capture(s, /([A-Za-z0-9-]*\d[A-Za-z0-9-]*)/);
}

/** Read a pane with the field selectors, then the `Name <email>` requester text. */
export function readFields(pane: ParentNode, f: FieldSelectors, deep = false): Partial<CustomerRead> {
  const text = (sels: readonly string[] | undefined) => (sels ? (deep ? deepFirstText(pane, sels) : firstText(pane, sels)) : undefined);
  const email = f.email ? (deep ? findEmail(deepFirstText(pane, f.email)) ?? deepMailto(pane, f.email) : firstEmail(pane, f.email)) : undefined;
  return mergeReads<CustomerRead>(
    { email, name: text(f.name), org: text(f.org), subject: text(f.subject), ticket: ticketNumber(text(f.ticket)) },
    parseNameEmail(text(f.requester)),
  );
}

/**
 * The last resort: the first `mailto:` link inside the customer panel. Only where a desk names no
 * panel (hashed markup: Front) is the whole pane searched — a thread's mailto links can be anyone's.
 */
export function panelMailto(pane: ParentNode, panels: readonly string[] = [], deep = false): string | undefined {
  const find = (root: ParentNode) => mailtoEmail(root) ?? (deep ? deepMailto(root, ['a[href^="mailto:" i]']) : undefined);
  if (!panels.length) return find(pane);
  for (const sel of panels) {
    for (const panel of deep ? deepQueryAll(pane, sel) : safeQueryAll(pane, sel)) {
      const mail = find(panel);
      if (mail) return mail;
    }
  }
  return undefined;
}

function safeQueryAll(root: ParentNode, sel: string): Element[] {
  try {
    return [...root.querySelectorAll(sel)];
  } catch {
    return [];
  }
}

function deepMailto(root: ParentNode, sels: readonly string[]): string | undefined {
  for (const sel of sels) {
    for (const el of deepQueryAll(root, sel)) {
      const href = el.getAttribute('href') ?? el.querySelector('a[href^="mailto:" i]')?.getAttribute('href');
      const e = findEmail(href?.replace(/^mailto:/i, ''));
      if (e) return e;
    }
  }
  return undefined;
}

/** Build an adapter from selectors: URL test, detect, pane and read with several fallbacks. */
export function defineAdapter(spec: AdapterSpec): HelpdeskAdapter {
  const ready = spec.ready ?? spec.detect;
  return {
    ...defineRecogniser(spec),
    activePane: spec.activePane ?? ((doc) => (spec.deep ? ready.some((sel) => deepQuery(doc, sel)) : hasAny(doc, ready)) ? doc.body : null),
    read(pane, ctx) {
      return mergeReads<CustomerRead>(
        readFields(pane, spec.fields, spec.deep),
        spec.extra?.(pane, ctx),
        { email: panelMailto(pane, spec.fields.customerPanel, spec.deep) },
        { ticket: ctx.ticket },
      ) as CustomerRead;
    },
    ...(spec.fetchCustomer ? { fetchCustomer: spec.fetchCustomer } : {}),
    ...(spec.layout ? { layout: spec.layout } : {}),
  };
}

/**
 * The recogniser of a desk only: how its ticket URLs and its markup are told apart, without the
 * reader (pane, fields, JSON). content/all.js is built with this in place of defineAdapter (the
 * build's recogniser transform); the reader comes from content/adapters/<id>.js when a page is
 * one of this desk's tickets. `read` and `activePane` are absent: the content script loads them.
 */
export function defineRecogniser(spec: Pick<AdapterSpec, 'id' | 'label' | 'matches' | 'examples' | 'urls' | 'detect' | 'detectFn'>): HelpdeskAdapter {
  return {
    id: spec.id,
    label: spec.label,
    matches: spec.matches,
    examples: spec.examples,
    ticketFromUrl: ticketFromPatterns(spec.urls),
    detect: spec.detectFn ?? ((doc) => hasAny(doc, spec.detect)),
  } as HelpdeskAdapter;
}

export type { FetchContext };

/**
 * detect() for desks with hashed class names (Front, Gorgias): the desk's own host, or its asset /
 * manifest links when it runs elsewhere (loopback captures).
 */
export function hostOrMarkup(host: RegExp, markers: readonly string[]): (doc: Document) => boolean {
  return (doc) => host.test(doc.location?.hostname ?? '') || hasAny(doc, markers);
}
