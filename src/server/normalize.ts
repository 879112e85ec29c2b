/**
 * How the matching index compares names, emails and domains. Pure functions, no I/O.
 */
import { domainToASCII } from 'node:url';

/** Japanese legal-entity words, removed wherever they appear in a company name (after NFKC). */
const JA_LEGAL = [
  '特定非営利活動法人',
  '一般社団法人',
  '一般財団法人',
  '公益社団法人',
  '公益財団法人',
  '社会福祉法人',
  '独立行政法人',
  '株式会社',
  '有限会社',
  '合同会社',
  '合名会社',
  '合資会社',
  '医療法人',
  '学校法人',
  '宗教法人',
  'npo法人',
  '(株)',
  '(有)',
  '(同)',
  '(医)',
  '(学)',
  '(社)',
  '(財)',
];

/** English (and a few European) legal-entity words, removed as whole words. */
const EN_LEGAL = new Set([
  'inc',
  'incorporated',
  'corp',
  'corporation',
  'co',
  'company',
  'ltd',
  'limited',
  'llc',
  'llp',
  'plc',
  'lp',
  'gmbh',
  'ag',
  'sa',
  'bv',
  'nv',
  'kk',
  'pty',
  'pte',
]);

/**
 * A company name as the index keys it: Unicode NFKC (full-width ↔ half-width, ㈱ → (株)),
 * lower case, legal-entity words dropped, spaces and punctuation dropped.
 * "株式会社アクメ", "(株)アクメ", "ｱｸﾒ 株式会社" and "アクメ" all give "アクメ".
 */
export function normalizeCompany(name: string): string {
  let s = name.normalize('NFKC').toLowerCase().trim();
  for (const word of JA_LEGAL) if (s.includes(word)) s = s.split(word).join(' ');
  // "K.K." and "S.A." style abbreviations: drop the dots between single letters.
  if (s.includes('.')) s = s.replace(/\b(\p{L})\.(?=\p{L}\b)/gu, '$1');
  const words = s.split(/[\s\p{P}\p{S}]+/u).filter(Boolean);
  const kept = words.filter((w) => !EN_LEGAL.has(w));
  const result = (kept.length > 0 ? kept : words).join('');
  return result;
}

/**
 * Lower-case ASCII labels (letters, digits, hyphens; none punycode) that end in a label starting
 * with a letter (so not an IPv4 number) are their own IDNA ASCII form: domainToASCII would give
 * them back as they are, at about 5 µs a call (an import asks 10,000 times).
 */
const PLAIN_DOMAIN = /^(?:(?!xn--)[a-z0-9-]+\.)*(?!xn--)[a-z][a-z0-9-]*$/;

/** url.domainToASCII of a lower-case name ('' when it is no domain), without the call for plain ASCII names. */
export function asciiDomain(lower: string): string {
  return PLAIN_DOMAIN.test(lower) ? lower : domainToASCII(lower);
}

/** A domain as the index keys it: IDNA ASCII, lower case, no trailing dot. '' if it is not one. */
export function normalizeDomain(domain: string): string {
  const trimmed = domain.trim().replace(/\.$/, '').toLowerCase();
  if (trimmed === '') return '';
  return asciiDomain(trimmed) || '';
}

/** An email as the index keys it: trimmed, lower case (local part too, as people expect). */
export function normalizeEmail(email: string): string {
  // Most emails are trimmed lower-case ASCII already: one look at the characters, and they come
  // back as they are (what the steps below would give them), without three passes and two strings.
  let plain = true;
  for (let i = 0; i < email.length; i++) {
    const c = email.charCodeAt(i);
    if (c <= 32 || c >= 127 || (c >= 65 && c <= 90)) {
      plain = false;
      break;
    }
  }
  if (plain) return email;
  const s = email.trim();
  // NFKC leaves ASCII as it is: skip it for the common case (an import indexes 100,000 emails).
  return (/[^\x00-\x7f]/.test(s) ? s.normalize('NFKC') : s).toLowerCase();
}

/** The domain of an email address, normalised; '' when there is none. */
export function emailDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? '' : normalizeDomain(email.slice(at + 1));
}

/** The domain and its parents, longest first, down to two labels: a.b.example.jp → … → example.jp. */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split('.').filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i + 2 <= labels.length; i++) out.push(labels.slice(i).join('.'));
  return out;
}

/** Hiragana as katakana (れいくさいど → レイクサイド): a search matches either script. */
export function kanaFold(s: string): string {
  return s.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));
}

/**
 * Text as search compares it: NFKC (width), lower case, Latin accents dropped (Café → cafe),
 * hiragana as katakana. Spaces and punctuation stay (search splits words on them).
 */
export function foldSearch(s: string): string {
  // ASCII needs no NFKC (an index folds 100,000 names and emails).
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  let t = s.normalize('NFKC').toLowerCase();
  if (/[\u00c0-\u024f]/.test(t)) t = t.normalize('NFD').replace(/[\u0300-\u036f]/g, '').normalize('NFC');
  return kanaFold(t);
}

/** Words of a text as search indexes them: folded, split at spaces, punctuation and symbols. */
export function searchWords(s: string): string[] {
  const f = foldSearch(s);
  return (/^[\x00-\x7f]*$/.test(f) ? f.split(/[^a-z0-9]+/) : f.split(/[\s\p{P}\p{S}]+/u)).filter(Boolean);
}

/**
 * A company name's words as search indexes them: folded, Japanese legal-entity words cut out
 * (株式会社アクメ → アクメ), English ones dropped (Lakeside Hotels Co., Ltd. → lakeside, hotels);
 * all words when nothing else is left.
 */
export function companyWords(name: string): string[] {
  let s = foldSearch(name);
  for (const word of JA_LEGAL) if (s.includes(word)) s = s.split(word).join(' ');
  s = s.replace(/\b(\p{L})\.(?=\p{L}\b)/gu, '$1');
  const words = s.split(/[\s\p{P}\p{S}]+/u).filter(Boolean);
  const kept = words.filter((w) => !EN_LEGAL.has(w));
  return kept.length > 0 ? kept : words;
}
