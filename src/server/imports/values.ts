/**
 * Reading CRM cell values: dates, numbers, booleans, websites → domains, people's names.
 * Pure functions, no I/O. Each returns null (or '') for what it cannot read, and the caller
 * reports the row.
 */
import { createHash } from 'node:crypto';
import { DOMAIN_PATTERN } from '../../shared/config';
import { asciiDomain } from '../normalize';

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function ymd(y: number, m: number, d: number): string | null {
  if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1) return null;
  const last = m === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : DAYS[m - 1]!;
  return d <= last ? `${y}-${pad(m)}-${pad(d)}` : null;
}
/** NFKC only where it changes something (full-width digits): exports are mostly ASCII. */
const nfkc = (s: string) => (/[^\x00-\x7f]/.test(s) ? s.normalize('NFKC') : s);

/**
 * A calendar date as YYYY-MM-DD from what exports write: 2024-06-15, 2024-06-15T09:30:00.000Z
 * (the date as written, in the export's own time zone: UTC for Salesforce's Z stamps),
 * 2024-06-15 09:30, 2024/06/15, 2024.6.15, 2024年6月15日, 06/15/2024 (month first unless the
 * first number is over 12: 15/06/2024), Jun 15, 2024 and 15 Jun 2024. Null when it is none of these.
 */
/** Digit value of s[i], or -1. */
const digit = (s: string, i: number) => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
};

export function parseDate(raw: string): string | null {
  // Fast path for what most exports write (2024-06-15, 2024-06-15T09:30:00.000Z): no regex, no new string.
  if (raw.length >= 10 && raw.charCodeAt(4) === 45 && raw.charCodeAt(7) === 45 && (raw.length === 10 || raw.charCodeAt(10) === 84 || raw.charCodeAt(10) === 32)) {
    const y = digit(raw, 0) * 1000 + digit(raw, 1) * 100 + digit(raw, 2) * 10 + digit(raw, 3);
    const m = digit(raw, 5) * 10 + digit(raw, 6);
    const d = digit(raw, 8) * 10 + digit(raw, 9);
    if ((digit(raw, 0) | digit(raw, 1) | digit(raw, 2) | digit(raw, 3) | digit(raw, 5) | digit(raw, 6) | digit(raw, 8) | digit(raw, 9)) >= 0) return ymd(y, m, d) === null ? null : raw.length === 10 ? raw : raw.slice(0, 10);
  }
  const s = nfkc(raw).trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T\s]|$)/.exec(s);
  if (iso) return ymd(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  if (s === '') return null;
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T\s].*)?$/.exec(s) ?? /^(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日/.exec(s);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[T\s].*)?$/.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    return a > 12 ? ymd(Number(m[3]), b, a) : ymd(Number(m[3]), a, b);
  }
  m = /^([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})/.exec(s);
  if (m && MONTHS[m[1]!.toLowerCase()]) return ymd(Number(m[3]), MONTHS[m[1]!.toLowerCase()]!, Number(m[2]));
  m = /^(\d{1,2})[\s-]([A-Za-z]{3})[a-z]*\.?[\s-](\d{4})/.exec(s);
  if (m && MONTHS[m[2]!.toLowerCase()]) return ymd(Number(m[3]), MONTHS[m[2]!.toLowerCase()]!, Number(m[1]));
  return null;
}

/** A whole number from "1,200", "1200.0", "１，２００", "1 200" or "1.200" (thousands dots); null otherwise. */
export function parseWholeNumber(raw: string): number | null {
  let s = nfkc(raw).trim().replace(/[\s\u00a0'_]/g, '');
  if (s === '') return null;
  if (/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(s)) s = s.replace(/,/g, '');
  else if (/^\d{1,3}(?:\.\d{3}){2,}$/.test(s) || /^\d{1,3}\.\d{3}$/.test(s) && !s.startsWith('0')) s = s.replace(/\./g, '');
  if (!/^\d+(?:\.\d+)?$/.test(s)) return null;
  const n = Math.round(Number(s));
  return Number.isSafeInteger(n) ? n : null;
}

/** true / false from true, 1, yes, 〇, はい …; null when it is none of them. */
export function parseBool(raw: string): boolean | null {
  const s = raw.normalize('NFKC').trim().toLowerCase();
  if (['true', '1', 'yes', 'y', 't', 'x', '○', '〇', 'はい', 'won'].includes(s)) return true;
  if (['false', '0', 'no', 'n', 'f', '', 'いいえ'].includes(s)) return false;
  return null;
}

/**
 * A website or domain cell as a domain the matching index keys: no scheme, no www., no path,
 * port, query or trailing dot; IDNA names kept in Unicode; '' when it is not a domain.
 */
export function cleanDomain(raw: string): string {
  let s = raw.normalize('NFKC').trim().toLowerCase();
  if (s === '') return '';
  s = s.replace(/^[a-z][a-z0-9+.-]*:\/\//, '').replace(/^\/\//, '');
  s = s.split(/[/?#\s]/)[0] ?? '';
  s = s.replace(/^[^@]*@/, '').replace(/:\d*$/, '').replace(/\.+$/, '').replace(/^www\d?\./, '');
  if (!s.includes('.') || !DOMAIN_PATTERN.test(s)) return '';
  return asciiDomain(s) ? s : '';
}

/**
 * The schema's EMAIL_PATTERN (^[^\s@]+@[^\s@]+\.[^\s@]+$: one @ with something before it, no
 * white space, a dot in the domain with something on each side), read without backtracking.
 */
export function isEmail(s: string): boolean {
  const at = s.indexOf('@');
  if (at <= 0 || at !== s.lastIndexOf('@')) return false;
  const dot = s.indexOf('.', at + 2);
  return dot > 0 && dot < s.length - 1 && !/\s/.test(s);
}

const CJK = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]/;
/** Whether a name is written in Japanese, Chinese or Korean script (checked only past ASCII). */
const isCjk = (s: string) => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x3040) return CJK.test(s);
  return false;
};

/** "田中 愛子" for Japanese (family name first), "Aiko Tanaka" otherwise. */
export function personName(first: string, last: string): string {
  const f = first.trim();
  const l = last.trim();
  if (!f || !l) return f || l;
  return isCjk(f) || isCjk(l) ? `${l} ${f}` : `${f} ${l}`;
}

/** Text for a note: trimmed, runs of blank lines folded, at most `max` characters (… after). */
export function noteText(s: string, max = 400): string {
  const t = s.replace(/\r\n?/g, '\n').replace(/[ \t]+\n/g, '\n').replace(/\n{2,}/g, '\n').trim();
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

/** Joins the non-empty parts with " · ". */
export function joinNote(...parts: Array<string | undefined | null>): string {
  return parts.map((p) => (p ?? '').trim()).filter(Boolean).join(' · ');
}

/**
 * A CRM id as part of a Baton id: letters, digits, ".", "_" and "-" only. An id that had other
 * characters (a spreadsheet's "アクメ-1") gets a short hash of itself, so two such ids stay apart.
 */
export function idPart(raw: string): string {
  const id = raw.trim();
  const part = id.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').replace(/-+$/, '');
  if (part === id) return part;
  const hash = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return part ? `${part}-${hash}` : hash;
}

/** The key a name is compared by when matching CRM users to people: NFKC, lower case, no spaces. */
export function nameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[\s\u3000・.,]+/g, '');
}
