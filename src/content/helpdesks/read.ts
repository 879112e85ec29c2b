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
