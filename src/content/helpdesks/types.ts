/**
 * The shape every help-desk adapter exports (one file per desk in this folder, each
 * `export const adapter: HelpdeskAdapter`). Adapters read pages; they never render.
 */

/** What an adapter reads about the customer on the active ticket. Every field optional. */
export interface CustomerRead {
  email?: string;
  name?: string;
  org?: string;
  ticket?: string;
  subject?: string;
  /** The desk's tags or labels on the ticket, comma-separated (product areas match on them). */
  tags?: string;
}

export interface ReadContext {
  url: URL;
  /** The ticket id taken from the URL by `ticketFromUrl`. */
  ticket: string;
  doc: Document;
}

export interface FetchContext extends ReadContext {
  signal: AbortSignal;
  /** The page's own fetch (same origin, the agent's session cookies). */
  fetch: typeof fetch;
}

export interface HelpdeskAdapter {
  /** Stable id, the file name: 'zendesk', 'rt', 'demo' … */
  id: string;
  /** Name shown to people: 'Zendesk', 'Request Tracker' … */
  label: string;
  /**
   * Manifest match patterns of the hosted desk (e.g. 'https://*.zendesk.com/*'); empty for
   * self-hosted desks, which are enabled by origin from the options page.
   */
  matches: string[];
  /** URLs for the URL test, kept beside the code and run by the unit tests. */
  examples: {
    /** Ticket pages, each with the ticket id `ticketFromUrl` must return. */
    ticket: Array<{ url: string; id: string }>;
    /** Pages of the same desk that are not a single ticket (lists, settings …). */
    notTicket: string[];
  };
  /** The ticket id when `url` is one of this desk's ticket pages, else null. */
  ticketFromUrl(url: URL): string | null;
  /**
   * Whether this desk's markup is on the page. Used where the host name does not tell
   * (loopback, self-hosted origins); cheap: a few querySelector calls.
   */
  detect(doc: Document): boolean;
  /**
   * The element holding the ticket the agent is looking at, where a desk keeps several in the
   * DOM (Zendesk tabs, Salesforce console, Zammad tasks); null while it has not rendered yet.
   */
  activePane(doc: Document, ticket: string): ParentNode | null;
  /** Read the customer from the active pane, trying several selectors per field. */
  read(pane: ParentNode, ctx: ReadContext): CustomerRead;
  /**
   * Optional: read the customer from JSON the desk's own origin serves to the signed-in agent
   * (e.g. Zendesk `/api/v2/tickets/{id}.json?include=users,organizations`). Tried before `read`;
   * null or a throw falls back to the markup.
   */
  fetchCustomer?(ctx: FetchContext): Promise<CustomerRead | null>;
  /**
   * Optional, inline mode: how this desk makes room for the sidebar, when pushing the whole page
   * (a right margin on <html>) is not enough. Without it the whole page is pushed.
   */
  layout?: DeskLayout;
}

/**
 * How a desk makes room for the inline sidebar when a right margin on <html> is not enough.
 * A desk whose top bar is laid out by its own script from the window's width (which a margin
 * on <html> does not change; RT moves menu items into "More" that way): the bar keeps the whole
 * width, the sidebar starts under it, and what lies under the bar is pushed instead. A desk
 * with a fixed-width layout (osTicket's 960 px container) adds CSS that fits it into the room
 * while the sidebar is open.
 */
export interface DeskLayout {
  /** The desk's top bar (the sidebar starts at its bottom). */
  below?: string;
  /** The elements under the bar that get the right margin (all that would lie under the sidebar). */
  push?: string[];
  /** CSS applied while the inline sidebar is open (a `<style>` in the page). */
  css?: string;
}
