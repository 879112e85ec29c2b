/**
 * The help desks Baton knows, as every part names them: the built-in desks (each adapter takes
 * its id and label from here, so the options page and the panel list them without loading the
 * adapters), and the desks an agent or the config adds by address (`deskOrigin`,
 * `declaredPatterns`). Pure functions of strings; imports nothing else from src but shared.
 */
import type { DeclaredAdapter } from './context';

/** Built-in desks by adapter id: the label people see. */
export const BUILTIN_DESKS = {
  chatwoot: 'Chatwoot',
  demo: 'Baton demo desk',
  freescout: 'FreeScout',
  freshdesk: 'Freshdesk',
  front: 'Front',
  gorgias: 'Gorgias',
  helpscout: 'Help Scout',
  hubspot: 'HubSpot',
  intercom: 'Intercom',
  jira: 'Jira Service Management',
  osticket: 'osTicket',
  rt: 'Request Tracker',
  salesforce: 'Salesforce Service Console',
  zammad: 'Zammad',
  zendesk: 'Zendesk',
  zoho: 'Zoho Desk',
} as const;

export type BuiltinDeskId = keyof typeof BUILTIN_DESKS;

/** `{ id, label }` of a built-in desk, for its adapter. */
export function desk<K extends BuiltinDeskId>(id: K): { id: K; label: (typeof BUILTIN_DESKS)[K] } {
  return { id, label: BUILTIN_DESKS[id] };
}

/** Every built-in desk, by label (what the options page and the panel list). */
export function builtinDesks(): Array<{ id: BuiltinDeskId; label: string }> {
  return (Object.keys(BUILTIN_DESKS) as BuiltinDeskId[]).map((id) => desk(id)).sort((a, b) => a.label.localeCompare(b.label));
}

/** Whether a manifest match pattern (`https://*.zendesk.com/*`) matches the URL. */
export function matchPattern(pattern: string, url: URL): boolean {
  const m = /^(\*|https?):\/\/(\*|\*\.[^/]+|[^/*]+)(\/.*)$/.exec(pattern);
  if (!m) return false;
  const [, scheme, host, path] = m as unknown as [string, string, string, string];
  const proto = url.protocol.slice(0, -1);
  if (scheme === '*' ? proto !== 'http' && proto !== 'https' : proto !== scheme) return false;
  const h = url.hostname;
  if (host !== '*') {
    if (host.startsWith('*.')) {
      const base = host.slice(2);
      if (h !== base && !h.endsWith('.' + base)) return false;
    } else if (h !== host) return false;
  }
  const re = new RegExp('^' + path.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(url.pathname + url.search);
}

/** `https://rt.example.com` from what an agent types (`rt.example.com/rt/`, a ticket URL …), or null. */
export function deskOrigin(input: string): string | null {
  const s = input.trim();
  if (!s) return null;
  let u: URL;
  try {
    u = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`);
  } catch {
    return null;
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || !u.hostname.includes('.') && u.hostname !== 'localhost') return null;
  return u.origin;
}

const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])$/;

/**
 * The host patterns a config-declared adapter's `urlPattern` (a regular expression) runs on,
 * e.g. `^https?://desk\.example\.com/tickets/(?<ticket>\d+)` → `https://desk.example.com/*` and
 * `http://desk.example.com/*`. Read only when the scheme and host are literal (dots escaped or
 * not, any port); otherwise [] (the agent adds the desk's address by hand). Loopback
 * gives [] too: the content script always runs there.
 */
export function declaredPatterns(urlPattern: string): string[] {
  const m = /^\^?(https\?|https|http):(?:\\?\/){2}((?:[a-z0-9-]|\\?\.)+)(?:\(\?::\\d\+\)\?|:\\d\+|:\d+)?(?:\\?\/|\$|$)/i.exec(urlPattern);
  if (!m) return [];
  const host = m[2]!.replace(/\\\./g, '.').toLowerCase(); // `\.` or a bare `.` (what the admin meant)
  if (!host.includes('.') || host.startsWith('.') || host.endsWith('.') || LOOPBACK_HOST.test(host)) return [];
  const schemes = m[1]!.toLowerCase() === 'https?' ? ['https', 'http'] : [m[1]!.toLowerCase()];
  return schemes.map((sc) => `${sc}://${host}/*`);
}

/** A config-declared desk as the options page shows it: where it runs, and whether it may. */
export interface DeclaredDesk {
  id: string;
  label: string;
  patterns: string[];
}

export function declaredDesks(adapters: DeclaredAdapter[]): DeclaredDesk[] {
  return adapters.map((a) => ({ id: a.id, label: a.label, patterns: declaredPatterns(a.urlPattern) }));
}

