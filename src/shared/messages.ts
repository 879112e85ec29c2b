/**
 * The typed message protocol between the extension's parts. One map of message name →
 * request and response. The background is the only part that talks to the API; content
 * scripts, the options page and the popup talk to it only through these messages.
 */
import type { ContextQuery, ContextResponse, DeclaredAdapter, Locale, Note, Thanks, WhoAmIResponse } from './context';

/** Why a lookup could not give a fresh answer. The sidebar's data-state follows from it. */
export type LookupErrorKind =
  | 'unconfigured' // no apiUrl or token yet
  | 'unauthorized' // 401/403 from the API
  | 'offline' // network error or timeout, after one retry
  | 'server' // 5xx or 429
  | 'bad-response'; // the answer did not match the shared schema

export interface LookupError {
  kind: LookupErrorKind;
  message: string;
  status?: number;
}

export type LookupResult =
  | { ok: true; data: ContextResponse; fetchedAt: number; stale: boolean; error?: LookupError }
  | { ok: false; error: LookupError };

export type LanguageSetting = 'auto' | Locale;

/** Settings as the options page sees them. The token never leaves background/options. */
export interface Settings {
  apiUrl: string;
  token: string;
  agentName: string;
  language: LanguageSetting;
  /** Help desks switched off by the agent, by adapter id. */
  disabledDesks: string[];
  /**
   * Origins of self-hosted desks (e.g. `https://rt.example.com`) the agent added on the options
   * page and granted access to; the content script is registered there.
   */
  deskOrigins: string[];
}

export type SettingKey = 'apiUrl' | 'token' | 'agentName' | 'language';

/** What the content script may know about settings: no token. */
export interface PublicSettings {
  configured: boolean;
  agentName: string;
  language: LanguageSetting;
  disabledDesks: string[];
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
  /** Everything a content script needs to start, in one round trip (no token inside). */
  'content:init': [{ origin: string }, ContentInit];
  /** The sidebar's per-site state (collapsed, width). */
  'ui:save': [{ origin: string; ui: Partial<SidebarUi> }, { ok: true }];
  /** What the agent typed on the not-found state, remembered per ticket. */
  'override:get': [{ key: string }, { override: LookupOverride | null }];
  'override:set': [{ key: string; override: LookupOverride | null }, { ok: true }];
  /** UI strings for a language setting (the extension's own _locales). */
  'messages:get': [{ language?: LanguageSetting }, UiStrings];
  'options:open': [Record<string, never>, { ok: true }];
  /** A content script found a ticket: run the sidebar's code (content/sidebar.js) in its frame. */
  'sidebar:load': [Record<string, never>, { ok: true }];
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
}

export interface ContentInit {
  settings: PublicSettings;
  strings: UiStrings;
  ui: SidebarUi;
  /** Adapters declared in the server config (`GET /v1/adapters`); [] when unavailable. */
  adapters: DeclaredAdapter[];
}

/** Status a content script reports for its tab (the popup shows it). */
export interface TabStatus {
  desk: { id: string; label: string } | null;
  customer: { email?: string; name?: string; org?: string; ticket?: string } | null;
  state: string;
  collapsed: boolean;
}

/** Messages from the background or popup to a tab's content script. */
export interface ContentProtocol {
  'sidebar:toggle': [Record<string, never>, { collapsed: boolean }];
  /** Settings changed (options page): re-read and look up again. */
  'settings:changed': [Record<string, never>, { ok: true }];
  'tab:status': [Record<string, never>, TabStatus];
}

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
