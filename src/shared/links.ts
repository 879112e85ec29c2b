/**
 * The one link test for links that come from data (a person's `chat`, a config field): only
 * `https:` (without user:password@) and `mailto:` with a plausible address ever become an href.
 * Used by the config check (src/shared/config.ts `linkSchema`) and by whatever renders a link,
 * so what `baton check` accepts is exactly what the sidebar shows. Never throws: a malformed
 * percent-escape (`mailto:%E0%A4%A`) or any other oddity is "not a link" (null).
 * Imports nothing.
 */

const EMAIL = /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

/** A plausible email address (what a mailto: link may carry). */
export function isEmail(s: string): boolean {
  return EMAIL.test(s.trim());
}

/** `mailto:` for a valid address (with `subject`, `body` … filled in), else null. */
export function mailtoHref(email: string, fields: Record<string, string> = {}): string | null {
  const e = email.trim();
  const q = Object.entries(fields)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
  return isEmail(e) ? `mailto:${e}${q ? `?${q}` : ''}` : null;
}

/** The URL `s` names, or null when it is none (new URL without the throw). */
export function parseUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

/** decodeURIComponent that answers null instead of throwing on a malformed escape. */
export function decodeOrNull(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

/** The URL when it is https: or a valid mailto:, else null (javascript:, data:, http:, malformed …). */
export function safeHref(raw: string | null | undefined): string | null {
  const s = typeof raw === 'string' ? raw.trim() : '';
  const u = s ? parseUrl(s) : null;
  if (!u) return null;
  if (u.protocol === 'https:') return u.username || u.password || !u.hostname ? null : u.href;
  if (u.protocol === 'mailto:') {
    const address = decodeOrNull(u.pathname);
    return address === null ? null : mailtoHref(address);
  }
  return null;
}

/** Why `raw` is not a link the sidebar would open (for the config check), or null when it is one. */
export function linkProblem(raw: string): string | null {
  const s = raw.trim();
  const u = parseUrl(s);
  if (!u || (u.protocol !== 'https:' && u.protocol !== 'mailto:')) return 'is not an https:// or mailto: link';
  if (u.protocol === 'https:' && (u.username || u.password)) return 'is an https:// link with a user name or password in it: leave them out';
  if (safeHref(s) !== null) return null;
  if (u.protocol === 'mailto:' && decodeOrNull(u.pathname) === null) return 'is a mailto: link with a broken %-escape';
  return u.protocol === 'mailto:' ? 'is a mailto: link without a valid email address' : 'is not an https:// link with a host';
}
