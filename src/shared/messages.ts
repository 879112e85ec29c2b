/**
 * The typed message protocol between the extension's parts. One map of message name →
 * request and response. The background is the only part that talks to the API; content
 * scripts, the options page and the popup talk to it only through these messages.
 */
import type { ContextQuery, ContextResponse, DeclaredAdapter, HandoffResponse, Link, Locale, Note, SearchResult, Thanks, WhoAmIResponse } from './context';
import type { CustomerOnPage, TabView } from './view';

/** Why a lookup could not give a fresh answer. The sidebar's data-state follows from it. */
export type LookupErrorKind =
  | 'unconfigured' // no apiUrl or token yet
  | 'unauthorized' // 401/403 from the API
  | 'offline' // network error or timeout, after one retry
  | 'server' // 5xx or 429
  | 'bad-response' // the answer did not match the shared schema
  | 'paused'; // the page changed the customer too often on its own: no lookup until the agent says so

export interface LookupError {
  kind: LookupErrorKind;
  message: string;
  status?: number;
}

export type LookupResult =
  /** `cached`: answered from the background's cache without asking the API (the view then revalidates). */
  | { ok: true; data: ContextResponse; fetchedAt: number; stale: boolean; cached?: boolean; error?: LookupError }
  | { ok: false; error: LookupError };

export type LanguageSetting = 'auto' | Locale;

/** Where the relay is shown: the browser's own side panel, or inline beside the page in a frame. */
export type DisplaySetting = 'panel' | 'inline';
export const DISPLAYS: DisplaySetting[] = ['panel', 'inline'];

/** The views' colours: as the system says (auto), or always light or dark. */
export type ThemeSetting = 'auto' | 'light' | 'dark';
export const THEMES: ThemeSetting[] = ['auto', 'light', 'dark'];

/** Settings as the options page sees them. The token never leaves background/options. */
export interface Settings {
  apiUrl: string;
  token: string;
  agentName: string;
  language: LanguageSetting;
  display: DisplaySetting;
  theme: ThemeSetting;
  /** Help desks switched off by the agent, by adapter id. */
  disabledDesks: string[];
  /**
   * Origins of self-hosted desks (e.g. `https://rt.example.com`) the agent added on the options
   * page and granted access to; the content script is registered there.
   */
  deskOrigins: string[];
}

export type SettingKey = 'apiUrl' | 'token' | 'agentName' | 'language' | 'display' | 'theme';

/** What the content script may know about settings: no token. */
export interface PublicSettings {
  configured: boolean;
  agentName: string;
  language: LanguageSetting;
  disabledDesks: string[];
  /** Where the relay shows on this browser: the setting, or inline where the browser has no panel. */
  display: DisplaySetting;
}

export interface SettingsView {
  settings: Settings;
  /** Keys pushed by an administrator (storage.managed); the options page shows them read-only. */
  managed: SettingKey[];
}

export type ConnectionTest =
  | { ok: true; info: WhoAmIResponse }
  | { ok: false; error: LookupError };

/** Messages to the background: name → [request, response]. */
export interface BackgroundProtocol {
  'context:get': [{ query: ContextQuery; force?: boolean }, LookupResult];
  'settings:public': [Record<string, never>, PublicSettings];
  'settings:get': [Record<string, never>, SettingsView];
  'settings:set': [{ settings: Partial<Settings> }, SettingsView];
  'connection:test': [{ apiUrl?: string; token?: string }, ConnectionTest];
  'adapters:get': [Record<string, never>, { adapters: DeclaredAdapter[] }];
  /**
   * Write-back (issue "pass the baton"): thank a person, leave or delete a note on an account.
   * The background adds the writer (agentName) and updates its cached answers.
   */
  'thanks:send': [{ to: string; account?: string; ticket?: string }, WriteResult<{ thanks: Thanks; total: number }>];
  'notes:add': [{ account: string; text: string; ticket?: string }, WriteResult<{ note: Note }>];
  'notes:delete': [{ id: string; account?: string }, WriteResult<{ deleted: string }>];
  /** The search box's suggestions (`GET /v1/search`): accounts and contacts, best first. */
  'search:run': [{ q: string; limit?: number }, WriteResult<{ results: SearchResult[] }>];
  /**
   * "This is <account>": link the requester of the tab's ticket to an account (the background
   * adds their email, name and the ticket from what the page showed), then look them up again.
   */
  'links:add': [{ tabId: number; account: string }, WriteResult<{ link: Link }>];
  /** "Hand to sales": the requester of the tab's ticket, handed to a stage's people with a note. */
  'handoffs:send': [{ tabId: number; stage: string; note: string }, WriteResult<HandoffResponse>];
  /** Everything a content script needs to start, in one round trip (no token, no relay inside). */
  'content:init': [{ origin: string }, ContentInit];
  /** The inline sidebar's per-site state (collapsed, width). */
  'ui:save': [{ origin: string; ui: Partial<SidebarUi> }, { ok: true }];
  /**
   * The content script tells what its tab shows: a ticket (desk, customer read from the page) or
   * none. The background looks the customer up and pushes the relay to the views of that tab;
   * the page never gets it back.
   */
  'tab:report': [{ ticket: TicketReport | null }, { ok: true }];
  /** The agent clicked or typed in the tab (a trusted event): the next customer change is theirs. */
  'tab:input': [Record<string, never>, { ok: true }];
  /** Run a built-in adapter's reader (content/adapters/<id>.js) in the sender's frame (content/all.js carries recognisers only). */
  'adapter:load': [{ id: string }, { ok: true }];
  /** Inline mode: run the inline host's code (content/inline.js) in the sender's frame. */
  'inline:load': [Record<string, never>, { ok: true }];
  /** Inline mode: the page hides or covers the sidebar, or made its own #baton-sidebar. */
  'inline:hidden': [{ reason: string }, { ok: true }];
  /**
   * The inline frame: ask its tab's content script for a direct channel (FRAME_CHANNEL), the
   * `nonce` the frame will know it by. Pages only; the background passes it on to the tab's top frame.
   */
  'view:channel': [{ nonce: string; origin: string }, { ok: true }];
  /** A view (panel, inline frame, popup): what a tab shows now. */
  'view:get': [{ tabId: number }, TabView];
  /** A view: look the tab's customer up again (Retry; also "look up anyway" after a pause). */
  'view:retry': [{ tabId: number }, { ok: true }];
  /** A view: the agent typed an email or company for the tab's ticket (null: the page's again). */
  'view:search': [{ tabId: number; override: LookupOverride | null }, { ok: true }];
  /** A view (inline frame): collapse, expand or resize; `done` saves it for the site. */
  'view:ui': [{ tabId: number; ui: Partial<SidebarUi>; done?: boolean }, { ok: true }];
  /** What the agent typed on the not-found state, remembered per ticket. */
  'override:get': [{ key: string }, { override: LookupOverride | null }];
  'override:set': [{ key: string; override: LookupOverride | null }, { ok: true }];
  /** UI strings for a language setting (the extension's own _locales). */
  'messages:get': [{ language?: LanguageSetting }, UiStrings];
  'options:open': [Record<string, never>, { ok: true }];
}

/** A write-back's answer: the API's body, or why it failed. */
export type WriteResult<T> = ({ ok: true } & T) | { ok: false; error: LookupError };

/** The sidebar's per-site state. */
export interface SidebarUi {
  collapsed: boolean;
  /** Width in CSS pixels while expanded. */
  width: number;
}

/** An email or company the agent typed when the page's customer matched nothing. */
export interface LookupOverride {
  email?: string;
  org?: string;
}

/** Resolved UI language and its strings (message name → text with $1… placeholders). */
export interface UiStrings {
  lang: Locale;
  messages: Record<string, string>;
  /** The theme setting, so every view draws in the agent's colours (absent: auto). */
  theme?: ThemeSetting;
}

export interface ContentInit {
  settings: PublicSettings;
  ui: SidebarUi;
  /** Adapters declared in the server config (`GET /v1/adapters`); [] when unavailable. */
  adapters: DeclaredAdapter[];
  /** The inline frame's title (its accessible name), in the agent's language. */
  label: string;
}

/** A ticket a content script found on its page. */
export interface TicketReport {
  /** `origin|adapter id|ticket id`: the same ticket looked at again has the same key. */
  key: string;
  desk: { id: string; label: string };
  customer: CustomerOnPage;
  /** The page's address. */
  url: string;
  /** The ticket is known (URL, desk) but its customer is still being read off the page. */
  reading?: boolean;
  /** The first ticket this page (document) reports: a page load, not a change the page made in place. */
  fresh?: boolean;
}

/** Messages from the background to a tab's content script. */
export interface ContentProtocol {
  /** Inline mode: collapse or expand the sidebar (the keyboard command). */
  'sidebar:toggle': [Record<string, never>, { collapsed: boolean }];
  /** Settings changed (options page): re-read and report again. */
  'settings:changed': [Record<string, never>, { ok: true }];
  /** Inline mode: the sidebar's new size (a view collapsed, expanded or resized it). */
  'inline:ui': [{ ui: SidebarUi }, { ok: true }];
  /** Inline mode: the frame asks for a direct channel (FRAME_CHANNEL) by this nonce. */
  'inline:channel': [{ nonce: string; origin: string }, { ok: true }];
}

/**
 * The inline frame's direct channel: the content script posts a MessagePort to its frame (the
 * frame's own origin as the target, so a frame the page navigated elsewhere gets nothing) with
 * the nonce the frame asked for through the background; on that port it then sends each ticket
 * report as `{ ticket }`, at the moment it sends the runtime message. A runtime message from the
 * desk's renderer to the frame's goes through the browser process (about 10 ms on a ticket
 * switch, bench/extension.ts); a port is a pipe between the two. The page cannot take part: it
 * never learns the nonce (runtime messages only), and the frame takes a port only with it.
 */
export const FRAME_CHANNEL = 'baton:channel';
export interface FrameChannelHello {
  type: typeof FRAME_CHANNEL;
  nonce: string;
}
/** The origin of an extension page, the only target of the channel's port. */
export const FRAME_ORIGIN = /^(chrome|moz)-extension:\/\/[a-z0-9-]+$/i;
/** A nonce as the frame makes it (crypto.randomUUID). */
export const CHANNEL_NONCE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What the background pushes on a view's port. */
export type ViewPush = { type: 'view'; view: TabView } | { type: 'strings'; strings: UiStrings };

export type MessageName = keyof BackgroundProtocol;
export type Request<K extends MessageName> = BackgroundProtocol[K][0];
export type Response<K extends MessageName> = BackgroundProtocol[K][1];
export type ContentMessageName = keyof ContentProtocol;

export interface Envelope<K extends string = string, P = unknown> {
  baton: 1;
  type: K;
  payload: P;
}

export function envelope<K extends MessageName>(type: K, payload: Request<K>): Envelope<K, Request<K>> {
  return { baton: 1, type, payload };
}

export function contentEnvelope<K extends ContentMessageName>(
  type: K,
  payload: ContentProtocol[K][0],
): Envelope<K, ContentProtocol[K][0]> {
  return { baton: 1, type, payload };
}

export function isEnvelope(x: unknown): x is Envelope {
  return typeof x === 'object' && x !== null && (x as Envelope).baton === 1 && typeof (x as Envelope).type === 'string';
}

const str = (x: unknown, max = 500): string | undefined => (typeof x === 'string' && x.trim() ? x.trim().slice(0, max) : undefined);

/**
 * A content script's report, as its types say (our own script sent it, but it read a page any
 * script can write): strings only, bounded lengths, an http(s) page address.
 */
export function ticketReport(raw: unknown): TicketReport | null {
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const desk = r.desk as Record<string, unknown> | undefined;
  const c = (r.customer ?? {}) as Record<string, unknown>;
  const key = str(r.key, 2000);
  const url = str(r.url, 4000);
  if (!key || !url || !/^https?:\/\//i.test(url) || !str(desk?.id) || !str(desk?.label)) return null;
  const customer: TicketReport['customer'] = {};
  for (const f of ['email', 'name', 'org', 'ticket', 'subject', 'tags'] as const) {
    const v = str(c[f], f === 'tags' ? 1000 : 500);
    if (v) customer[f] = v;
  }
  return { key, url, desk: { id: str(desk!.id)!, label: str(desk!.label)! }, customer, ...(r.reading === true ? { reading: true } : {}), ...(r.fresh === true ? { fresh: true } : {}) };
}
