/** UI strings from the extension's _locales (chosen by the language setting), with $1… filled in. */
import type { Locale } from '../shared/context';
import type { UiStrings } from '../shared/messages';

export interface T {
  (key: string, ...subs: Array<string | number>): string;
  lang: Locale;
}

export function makeT(strings: UiStrings): T {
  const t = ((key: string, ...subs: Array<string | number>) => {
    const msg = strings.messages[key];
    if (msg === undefined) return key;
    return msg.replace(/\$(\d)/g, (_, n: string) => String(subs[Number(n) - 1] ?? ''));
  }) as T;
  t.lang = strings.lang;
  return t;
}

/**
 * Intl formatters made once per language and kind: making one costs about 0.1 ms (a date's
 * 0.4 ms), and one relay renders dozens of numbers and dates.
 */
const formatters = new Map<string, Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>();
function formatter<F extends Intl.NumberFormat | Intl.RelativeTimeFormat | Intl.DateTimeFormat>(key: string, make: () => F): F {
  let f = formatters.get(key) as F | undefined;
  if (!f) formatters.set(key, (f = make()));
  return f;
}

export function formatNumber(n: number, lang: Locale): string {
  return formatter(`n:${lang}`, () => new Intl.NumberFormat(lang)).format(n);
}

/** "2 min ago" / "2 分前" for a timestamp. */
export function formatAge(then: number, now: number, lang: Locale): string {
  const s = Math.round((then - now) / 1000);
  const abs = Math.abs(s);
  const rtf = formatter(`r:${lang}`, () => new Intl.RelativeTimeFormat(lang, { numeric: 'auto', style: 'short' }));
  if (abs < 45) return rtf.format(0, 'second');
  if (abs < 45 * 60) return rtf.format(Math.round(s / 60), 'minute');
  if (abs < 22 * 3600) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86400), 'day');
}

/** A config date (YYYY-MM, YYYY-MM-DD or ISO) for people; the raw text when it is not a date. */
export function formatDate(raw: string, lang: Locale): string {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(raw.trim());
  if (!m) return raw;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3] ?? 1)));
  if (Number.isNaN(d.getTime())) return raw;
  const opts: Intl.DateTimeFormatOptions = m[3]
    ? { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' }
    : { year: 'numeric', month: 'short', timeZone: 'UTC' };
  return formatter(`d:${lang}:${m[3] ? 'day' : 'month'}`, () => new Intl.DateTimeFormat(lang, opts)).format(d);
}
