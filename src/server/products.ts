/**
 * Product areas (config `products:`): which part of the product a ticket is about, from its
 * subject and the desk's tags. A keyword is text — compared case-, width- and kana-insensitively,
 * as a whole word when it is Latin letters and digits ("SSO" matches "SSO login" and
 * "SSOでログイン", not "ASSOC"),
 * anywhere when it is Japanese — or `/a regex/flags`, tried on the subject as NFKC text. A tag
 * matches when it equals (folded) one of the area's keywords or `tags`, or a regex keyword.
 * The area with the most hits wins; ties go to the one listed first.
 */
import type { ProductConfig } from '../shared/config';
import { foldSearch } from './normalize';

type Test = (subject: string, foldedSubject: string) => boolean;

export interface ProductMatcher {
  product: ProductConfig;
  /** How many keywords hit the subject, plus tags that name the area. */
  hits(subject: string, tags: readonly string[]): number;
}

const LATIN_WORD = /^[a-z0-9][a-z0-9 ._+#-]*$/;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function keywordTest(raw: string): { test: Test; tag: (folded: string) => boolean } {
  const re = /^\/(.+)\/([a-z]*)$/s.exec(raw);
  if (re) {
    const rx = new RegExp(re[1]!, re[2]!.replace(/[gy]/g, ''));
    return { test: (subject) => rx.test(subject), tag: (t) => rx.test(t) };
  }
  const k = foldSearch(raw).trim();
  if (LATIN_WORD.test(k)) {
    // Whole Latin words: no Latin letter or digit right before or after ("SSOでログイン" has one).
    const rx = new RegExp(`(?<![a-z0-9])${escape(k)}(?![a-z0-9])`);
    return { test: (_s, folded) => rx.test(folded), tag: (t) => t === k };
  }
  return { test: (_s, folded) => folded.includes(k), tag: (t) => t === k };
}

export function compileProducts(products: readonly ProductConfig[]): ProductMatcher[] {
  return products.map((product) => {
    const keywords = product.keywords.map(keywordTest);
    const tags = new Set(product.tags.map((t) => foldSearch(t).trim()));
    return {
      product,
      hits(subject, deskTags) {
        const nfkc = subject.normalize('NFKC');
        const folded = foldSearch(subject);
        let n = 0;
        if (subject) for (const k of keywords) if (k.test(nfkc, folded)) n++;
        for (const raw of deskTags) {
          const t = foldSearch(raw).trim();
          if (t && (tags.has(t) || keywords.some((k) => k.tag(t)))) n++;
        }
        return n;
      },
    };
  });
}

/** The area a ticket is about, or null. */
export function matchProduct(matchers: readonly ProductMatcher[], subject: string, tags: readonly string[]): ProductConfig | null {
  let best: ProductConfig | null = null;
  let bestHits = 0;
  for (const m of matchers) {
    const n = m.hits(subject, tags);
    if (n > bestHits) {
      best = m.product;
      bestHits = n;
    }
  }
  return best;
}

/** `tags=` as a list: comma-separated, trimmed, at most 50, each at most 100 characters. */
export function parseTags(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((t) => t.trim().slice(0, 100))
    .filter(Boolean)
    .slice(0, 50);
}
