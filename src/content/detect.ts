/** Which adapter handles this page: hosted desks by host pattern, loopback by URL and markup. */
import { allTexts, clean, firstEmail, firstText } from './helpdesks/read';
import type { CustomerRead, HelpdeskAdapter } from './helpdesks/types';
import type { DeclaredAdapter } from '../shared/context';
import { matchPattern } from '../shared/desks';

export { matchPattern };

export function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

/** An adapter from a `adapters:` entry of the server config (runs on loopback and granted origins). */
export function fromDeclared(d: DeclaredAdapter): HelpdeskAdapter | null {
  let re: RegExp;
  try {
    re = new RegExp(d.urlPattern);
  } catch {
    return null;
  }
  const s = d.selectors;
  return {
    id: `config:${d.id}`,
    label: d.label,
    matches: [],
    examples: { ticket: [], notTicket: [] },
    ticketFromUrl(url) {
      const m = re.exec(url.href);
      if (!m) return null;
      return m.groups?.ticket ?? m[1] ?? url.pathname;
    },
    detect: (doc) => !s.pane || !!doc.querySelector(s.pane),
    activePane: (doc) => (s.pane ? doc.querySelector(s.pane) : doc),
    read(pane): CustomerRead {
      const out: CustomerRead = {};
      const email = s.email ? firstEmail(pane, [s.email]) : undefined;
      const name = s.name ? firstText(pane, [s.name]) : undefined;
      const org = s.org ? firstText(pane, [s.org]) : undefined;
      const subject = s.subject ? clean(firstText(pane, [s.subject])) : undefined;
      if (email) out.email = email;
      if (name) out.name = name;
      if (org) out.org = org;
      if (subject) out.subject = subject;
      const tags = s.tags ? allTexts(pane, s.tags) : undefined;
      if (tags) out.tags = tags;
      return out;
    },
  };
}

export interface Candidate {
  adapter: HelpdeskAdapter;
  ticket: string;
  /** Hosted desks are known by host; loopback ones must also show their markup. */
  needsMarkup: boolean;
}

/**
 * Adapters whose ticket URL this is, in the order to try them (enabled ones only). On a hosted
 * desk's own host that desk comes first and needs no markup check; everywhere else the script
 * runs (loopback, self-hosted origins the agent granted) every adapter is tried by URL and markup.
 */
export function candidates(url: URL, adapters: HelpdeskAdapter[], disabled: string[]): Candidate[] {
  const out: Candidate[] = [];
  for (const adapter of adapters) {
    if (disabled.includes(adapter.id)) continue;
    const hosted = adapter.matches.some((p) => matchPattern(p, url));
    let ticket: string | null = null;
    try {
      ticket = adapter.ticketFromUrl(url);
    } catch {
      ticket = null;
    }
    if (ticket) out.push({ adapter, ticket, needsMarkup: !hosted });
  }
  return out.sort((a, b) => Number(a.needsMarkup) - Number(b.needsMarkup));
}

/** The first candidate whose markup is on the page (hosted ones need none). */
export function pick(cands: Candidate[], doc: Document): Candidate | null {
  for (const c of cands) {
    if (!c.needsMarkup) return c;
    try {
      if (c.adapter.detect(doc)) return c;
    } catch {
      /* a broken adapter is skipped */
    }
  }
  return null;
}
