/** Links from data: only https: and mailto: (with a plausible address) ever become an href. */

const EMAIL = /^[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/;

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

/** The URL when it is https: or a valid mailto:, else null (javascript:, data:, http: …). */
export function safeHref(raw: string | null | undefined): string | null {
  const s = (raw ?? '').trim();
  if (!s) return null;
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return null;
  }
  if (u.protocol === 'https:') return u.username || u.password ? null : u.href;
  if (u.protocol === 'mailto:') return mailtoHref(decodeURIComponent(u.pathname));
  return null;
}
