/**
 * Search over accounts (name, aliases, domains) and contacts (name, email) for `GET /v1/search`:
 * prefix, word and fuzzy matching on an in-memory index built once per loaded config (on the
 * first search, or ahead of it: see `warmSearch`), kept beside the config in a WeakMap.
 *
 * The index is a sorted dictionary of terms, each with its postings (entry × field):
 *  - an account's name and aliases as whole keys (normalizeCompany: "レイクサイドホテルズ",
 *    "lakesidehotels") and as words, legal words left out (株式会社, Co., Ltd.);
 *  - its domains whole and as the words of their labels ("lakeside-hotels.example.com" →
 *    lakeside, hotels, example);
 *  - a contact's name whole and as words, its email whole, its local part whole and as words,
 *    and its account's name words.
 * All text is folded the same way on both sides (foldSearch: NFKC, lower case, Latin accents off,
 * hiragana as katakana), so "ﾚｲｸｻｲﾄﾞ", "れいくさいど" and "レイクサイド" are one query.
 *
 * A query word scores against a term, best first:
 *   exact 1 · prefix 0.7–0.95 (more of the term typed scores higher) · infix 0.55–0.65 (inside
 *   a Japanese term: "電機" in ミナト電機) · fuzzy 0.5 (one edit — a letter wrong, missing, extra,
 *   or two swapped — on name words of 4+ characters: "Nortwind", "lakside")
 * times the field's weight (account name 1, alias 0.97, contact name 0.95, email 0.92, domain 0.9,
 * and a contact's company 0.6 — so "grace lakeside" finds Grace Hill, and "acme" puts the account
 * above its contacts).
 * Several words must all match (an entry's score is their mean); the words run together are
 * tried as one key too ("lakeside hot" → lakesidehot…). A query with "@" also tries the whole
 * email and, by its domain, the account. Ties: accounts before contacts, then shorter names.
 *
 * Work per query is bounded whatever the data: at most MAX_TERMS dictionary terms and
 * MAX_POSTINGS postings per query word (a one-letter query over 100,000 contacts stops there;
 * its results are then a sample of equally good ones); a query of several words checks the
 * rarest word's matches, best first, until ENOUGH × the results asked for match every word.
 */
import type { AccountConfig, ContactConfig } from '../shared/config';
import type { SearchResult } from '../shared/context';
import type { LoadedConfig } from './config';
import { contactAt, contactsOf } from './contacts';
import { companyWords, foldSearch, normalizeCompany, normalizeDomain, kanaFold, searchWords } from './normalize';
import { giveBack } from './pace';

export const enum Field {
  Name = 0,
  Alias = 1,
  Domain = 2,
  ContactName = 3,
  Email = 4,
  /** A contact's company (its account's name words): "grace lakeside", "田中 アクメ". */
  Company = 5,
}
/** What an entry's flags say of its contact. */
const enum Flag {
  /** The email is ASCII, without a capital letter: mayMatch looks for a word in it natively. */
  LowerEmail = 1,
  /**
   * The name is only kana, kanji and spaces: each of its terms is too (folding leaves these
   * characters as they are, but for hiragana made katakana), so an ASCII word can match none of
   * them, not even one edit away (a term of them differs from it at every place).
   */
  KanaName = 2,
  /** The entry is an account's (not a contact's). */
  Account = 4,
}
/** Kana (U+3041–U+30FF), kanji (U+4E00–U+9FFF) and spaces only. */
const KANA_NAME = /^[\s\u3041-\u30ff\u4e00-\u9fff]*$/;

/** A contact entry's Flag bits. */
export function contactFlags(contact: ContactConfig): number {
  const lower = !NON_ASCII.test(contact.email) && !/[A-Z]/.test(contact.email);
  const kana = !!contact.name && NON_ASCII.test(contact.name) && KANA_NAME.test(contact.name);
  return (lower ? Flag.LowerEmail : 0) | (kana ? Flag.KanaName : 0);
}
const FIELD_WEIGHT = [1, 0.97, 0.9, 0.95, 0.92, 0.6];
/** Fields whose words are matched fuzzily (names, not emails or domains). */
const FUZZY_FIELDS = new Set([Field.Name, Field.Alias, Field.ContactName]);

const MAX_TERMS = 200;
const MAX_POSTINGS = 1000;
const FUZZY_MIN = 4;
/** A query of several words stops once this many times the results asked for match them all. */
const ENOUGH = 5;
const FUZZY_MAX = 24;


const NON_ASCII = /[^\x00-\x7f]/;

/** How well a query word matches one term (before the field's weight); 0 when not at all. `cjk`: `w` has non-ASCII text (so inside matches count). */
export function termScore(w: string, term: string, fuzzy: boolean, cjk: boolean): number {
  if (term === w) return 1;
  if (term.startsWith(w)) return 0.7 + 0.25 * (w.length / term.length);
  if (cjk && w.length >= 2 && term.includes(w)) return 0.55 + 0.1 * (w.length / term.length);
  if (fuzzy && w.length >= FUZZY_MIN && w.length <= FUZZY_MAX && withinOneEdit(w, term)) return 0.5;
  return 0;
}

/** How many items a loop of the build handles between two places a slice may end (a mask: 4,096). */
const STEP = 4095;

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A stable sort in steps (what items.sort(compare) gives): runs of 4,096 sorted natively, then
 * merged pairwise, a place for a slice to end after each run and every 4,096 items merged. The
 * merges go back and forth between `items` (sorted in place: the caller's array) and one other
 * array of its length, so a sort of millions leaves no array per merge round behind.
 */
export function* sortInSteps<T>(items: T[], compare: (a: T, b: T) => number): Generator<void, T[], void> {
  const RUN = STEP + 1;
  const n = items.length;
  for (let i = 0; i < n; i += RUN) {
    const run = items.slice(i, i + RUN).sort(compare);
    for (let k = 0; k < run.length; k++) items[i + k] = run[k]!;
    yield;
  }
  if (n <= RUN) return items;
  let from = items;
  let to: T[] = new Array<T>(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        to[k++] = compare(from[j]!, from[i]!) < 0 ? from[j++]! : from[i++]!; // ties: the earlier run's first (stable)
        if ((k & STEP) === 0) yield;
      }
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
      yield;
    }
    [from, to] = [to, from];
  }
  return from;
}

type Kind<A> = (new (length: number) => A) & { BYTES_PER_ELEMENT: number };

/**
 * What glibc's malloc always maps on its own, whatever its dynamic threshold (its maximum on
 * 64 bits), so that free gives it back to the system: 32 MiB.
 */
const MAPPED_BYTES = 32 * 2 ** 20;

/**
 * A zeroed array of `length` for the build's own use (let go before it ends), in memory that
 * goes back to the system when it is let go: at least MAPPED_BYTES of buffer, of which only the
 * pages written become resident. Typed arrays' buffers come from malloc, and glibc maps a large
 * one on its own only until the first such is freed (its threshold then rises to that size, up
 * to 32 MiB): after that the build's lists and tables (256 KB chunks, doubling tables, the
 * ranks) came from the heap malloc keeps, and once freed stayed resident in it as free space,
 * not used again by the index's own arrays. Measured at a million contacts (bench/heap-parts.ts
 * and the server under wrk): RSS beyond the heap and ArrayBuffers 142 MB after the build, 77 MB
 * with the threshold fixed (MALLOC_MMAP_THRESHOLD_), the same as this gives.
 */
function scratch<A extends Int32Array | Uint8Array>(kind: Kind<A>, length: number): A {
  if (length * kind.BYTES_PER_ELEMENT >= MAPPED_BYTES) return new kind(length);
  return new kind(MAPPED_BYTES / kind.BYTES_PER_ELEMENT).subarray(0, length) as A;
}

/** A growable Int32Array (or Uint8Array), in scratch memory (see scratch); done() copies it out. */
class Ints<A extends Int32Array | Uint8Array = Int32Array> {
  data: A;
  length = 0;
  constructor(private readonly Kind: Kind<A> = Int32Array as unknown as Kind<A>) {
    this.data = scratch(Kind, MAPPED_BYTES / Kind.BYTES_PER_ELEMENT);
  }
  push(x: number): void {
    if (this.length === this.data.length) {
      const next = new this.Kind(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = x;
  }
  /** The items in an array of their length; this one is emptied (its buffer let go at once). */
  done(): A {
    const out = this.data.slice(0, this.length) as A;
    this.data = new this.Kind(0);
    this.length = 0;
    return out;
  }
}


/**
 * A list of numbers pushed one at a time, kept in chunks (scratch memory, MAPPED_BYTES each), copied once into one array of
 * its length when done. Not a doubling array (Ints): at a million contacts each doubling left the
 * buffer before it behind until a GC let it go (the pairs' 33 MB, 8 MB for each of the entries'
 * lists), and done() copied out of a buffer up to twice the length: about 110 MB of RSS over what
 * the index keeps, while it was built. Here the most ever held is the chunks and their copy.
 */
class Chunked<A extends Int32Array | Uint8Array = Int32Array> {
  private chunks: A[] = [];
  private last: A | null = null;
  /** Items per chunk: MAPPED_BYTES of them (scratch memory, given back when done). */
  private readonly per: number;
  private at: number;
  length = 0;
  constructor(private readonly Kind: Kind<A> = Int32Array as unknown as Kind<A>) {
    this.per = MAPPED_BYTES / Kind.BYTES_PER_ELEMENT;
    this.at = this.per;
  }
  push(x: number): void {
    if (this.at === this.per) {
      this.last = scratch(this.Kind, this.per);
      this.chunks.push(this.last);
      this.at = 0;
    }
    this.last![this.at++] = x;
    this.length++;
  }
  /** The items in an array of their length; this one is emptied (its chunks let go). */
  done(): A {
    const out = new this.Kind(this.length);
    const n = this.chunks.length;
    for (let i = 0; i < n; i++) out.set(i === n - 1 ? this.chunks[i]!.subarray(0, this.at) : this.chunks[i]!, i * this.per);
    this.chunks = [];
    this.last = null;
    this.at = this.per;
    this.length = 0;
    return out;
  }
}

/**
 * Terms → ids in the order first seen (`terms[id]`), without a Map: at a million contacts there are
 * 2.3 million terms, and a Map of them is over 100 MB while it is built (more while it grows). Here:
 * open addressing in an Int32Array of slots, each term's hash kept to compare and to grow.
 */
class TermIds {
  readonly terms: string[] = [];
  private readonly hashes = new Ints();
  private slots = scratch(Int32Array, 1 << 16).fill(-1);

  /** The term's id, a new one when it is new. */
  id(term: string): number {
    const h = hashOf(term);
    const at = this.find(term, h);
    const id = this.slots[at]!;
    if (id >= 0) return id;
    const next = this.terms.push(term) - 1;
    this.hashes.push(h);
    this.slots[at] = next;
    if (this.terms.length * 2 > this.slots.length) this.grow();
    return next;
  }

  /** Lets the table go (its terms stay): no more ids. */
  release(): void {
    this.slots = new Int32Array(0);
    this.hashes.done();
  }

  /** The slot that holds the term, or the free one where it goes. */
  private find(term: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = this.slots[i]!;
      if (id < 0 || (this.hashes.data[id] === h && this.terms[id] === term)) return i;
    }
  }

  private grow(): void {
    const slots = scratch(Int32Array, this.slots.length * 2).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.terms.length; id++) {
      let i = this.hashes.data[id]! & mask;
      while (slots[i]! >= 0) i = (i + 1) & mask;
      slots[i] = id;
    }
    this.slots = slots;
  }
}

/** FNV-1a over the UTF-16 code units (31 bits). */
export function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0 & 0x7fffffff;
}

/** Where an entry's terms go, one at a time: `word`, a word of a name (matched fuzzily); whole keys (all words run together, emails) are not. */
export type TermSink = (term: string, field: Field, word?: boolean) => void;

/**
 * An account entry's own terms, to `add` (its names and aliases whole and as words, its domains
 * whole and as the words of their labels); returns its company terms (what each of its contacts
 * gets as Field.Company: the names' keys and words, once each, in order). The one derivation the
 * build and scoreOn (a word checked against one entry) both use, so they cannot drift apart.
 */
function accountTerms(account: AccountConfig, add: TermSink): string[] {
  const names: Array<[string, Field]> = [[account.name, Field.Name], ...account.aliases.map((a): [string, Field] => [a, Field.Alias])];
  const company: string[] = [];
  for (const [name, field] of names) {
    const whole = kanaFold(normalizeCompany(name));
    add(whole, field);
    company.push(whole);
    for (const w of companyWords(name)) {
      add(w, field, true);
      company.push(w);
    }
  }
  for (const d of account.domains) {
    const domain = normalizeDomain(d);
    if (!domain) continue;
    add(domain, Field.Domain);
    for (const label of domain.split('.').slice(0, -1)) for (const w of searchWords(label)) add(w, Field.Domain);
  }
  return [...new Set(company)].filter(Boolean);
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * searchWords(s) of an ASCII text already in lower case (s.split(/[^a-z0-9]+/) without its empty
 * strings), by hand: a word checked against a contact derives its terms again (scoreOn), up to
 * a thousand contacts a query, and the regular expressions took most of the 1.5 µs a contact.
 */
function asciiWords(s: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0;
    const word = (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
    if (word) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      out.push(s.slice(start, i));
      start = -1;
    }
  }
  return out;
}

/** A contact entry's own terms, to `add` (its name whole and as words, its email whole, its local part whole and as words); its company terms come after them (accountTerms). */
export function contactTerms(contact: ContactConfig, add: TermSink): void {
  const name = contact.name;
  const words = !name ? [] : ASCII.test(name) ? asciiWords(name.toLowerCase()) : searchWords(name);
  if (words.length > 1) add(words.join(''), Field.ContactName);
  for (const w of words) add(w, Field.ContactName, true);
  const trimmed = contact.email.trim();
  const ascii = ASCII.test(trimmed);
  const email = ascii ? trimmed.toLowerCase() : foldSearch(trimmed);
  add(email, Field.Email);
  const local = email.slice(0, Math.max(0, email.lastIndexOf('@')));
  add(local, Field.Email);
  for (const w of ascii ? asciiWords(local) : searchWords(local)) add(w, Field.Email);
}

/**
 * The sorted terms in one buffer, not a string each: at 1,000,000 contacts there are 2.3 million
 * terms (33.6 million characters), kept as strings 2.3 million objects and an array of them
 * (about 50 MB of heap, and more once the contacts' emails are no longer strings the index can
 * share). Here a term of code units below 256 takes a byte each, any other term two (little
 * endian, bit t of `wide` set); term t is bytes[start[t] … start[t + 1]). Compared and matched
 * in place (nothing allocated a probe); a term is made a string only by text().
 */
class TermPool {
  private constructor(
    private readonly bytes: Uint8Array,
    private readonly start: Int32Array,
    private readonly wide: Int32Array,
  ) {}

  /** The pool of `terms` (sorted as they are to stay), built in steps. */
  static *of(terms: readonly string[]): Generator<void, TermPool, void> {
    const start = new Int32Array(terms.length + 1);
    const wide = new Int32Array((terms.length + 31) >>> 5);
    let at = 0;
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t]!;
      let two = false;
      for (let k = 0; k < term.length && !two; k++) two = term.charCodeAt(k) > 0xff;
      if (two) wide[t >>> 5]! |= 1 << (t & 31);
      start[t] = at;
      at += two ? term.length * 2 : term.length;
      if ((t & STEP) === STEP) yield;
    }
    start[terms.length] = at;
    const bytes = new Uint8Array(at);
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t]!;
      const s = start[t]!;
      if ((wide[t >>> 5]! >>> (t & 31)) & 1) {
        for (let k = 0; k < term.length; k++) {
          const c = term.charCodeAt(k);
          bytes[s + 2 * k] = c & 0xff;
          bytes[s + 2 * k + 1] = c >>> 8;
        }
      } else for (let k = 0; k < term.length; k++) bytes[s + k] = term.charCodeAt(k);
      if ((t & STEP) === STEP) yield;
    }
    return new TermPool(bytes, start, wide);
  }

  get count(): number {
    return this.start.length - 1;
  }

  /** The typed arrays (retained()). */
  arrays(): ArrayBufferView[] {
    return [this.bytes, this.start, this.wide];
  }

  private isWide(t: number): boolean {
    return ((this.wide[t >>> 5]! >>> (t & 31)) & 1) === 1;
  }

  /** Term t's length in code units. */
  length(t: number): number {
    const n = this.start[t + 1]! - this.start[t]!;
    return this.isWide(t) ? n >>> 1 : n;
  }

  /** Term t's code unit k. */
  private code(t: number, k: number): number {
    const s = this.start[t]!;
    return this.isWide(t) ? this.bytes[s + 2 * k]! | (this.bytes[s + 2 * k + 1]! << 8) : this.bytes[s + k]!;
  }

  /** Term t as a string. */
  text(t: number): string {
    const n = this.length(t);
    let out = '';
    for (let k = 0; k < n; k++) out += String.fromCharCode(this.code(t, k));
    return out;
  }

  /** Term t from its code unit `from` against `key`, as byCodeUnits (negative: it sorts first). */
  compare(t: number, key: string, from = 0): number {
    const n = this.length(t) - from;
    const m = key.length;
    const s = this.start[t]!;
    const b = this.bytes;
    if (this.isWide(t)) {
      for (let k = 0; k < n && k < m; k++) {
        const d = (b[s + 2 * (from + k)]! | (b[s + 2 * (from + k) + 1]! << 8)) - key.charCodeAt(k);
        if (d !== 0) return d;
      }
    } else {
      for (let k = 0; k < n && k < m; k++) {
        const d = b[s + from + k]! - key.charCodeAt(k);
        if (d !== 0) return d;
      }
    }
    return n - m;
  }

  /** Term t (from its code unit `from`) starts with `w`. */
  startsWith(t: number, w: string, from = 0): boolean {
    if (this.length(t) - from < w.length) return false;
    const s = this.start[t]!;
    const b = this.bytes;
    if (this.isWide(t)) {
      for (let k = 0; k < w.length; k++) if ((b[s + 2 * (from + k)]! | (b[s + 2 * (from + k) + 1]! << 8)) !== w.charCodeAt(k)) return false;
    } else {
      for (let k = 0; k < w.length; k++) if (b[s + from + k] !== w.charCodeAt(k)) return false;
    }
    return true;
  }

  /** Term t is `w`. */
  equals(t: number, w: string): boolean {
    return this.length(t) === w.length && this.startsWith(t, w);
  }

  /** Term t with its code unit `del` left out (-1: none) is `s` with its code unit `skip` left out. */
  keyIs(t: number, del: number, s: string, skip: number): boolean {
    const n = this.length(t) - (del >= 0 ? 1 : 0);
    if (n !== s.length - (skip >= 0 ? 1 : 0)) return false;
    for (let a = 0, b = 0, k = 0; k < n; k++, a++, b++) {
      if (a === del) a++;
      if (b === skip) b++;
      if (this.code(t, a) !== s.charCodeAt(b)) return false;
    }
    return true;
  }

  /** `w` is inside term t. */
  includes(t: number, w: string): boolean {
    for (let from = 0, end = this.length(t) - w.length; from <= end; from++) if (this.startsWith(t, w, from)) return true;
    return false;
  }

  /** The first term (from code unit `from[i]` of term `terms[i]`, or of term i itself) not below `key`: the sorted position of `key`. */
  lowerBound(key: string, terms?: Int32Array, from?: Int32Array): number {
    let lo = 0;
    let hi = terms ? terms.length : this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((terms ? this.compare(terms[mid]!, key, from![mid]!) : this.compare(mid, key)) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** termScore(w, term t, …) without making the term a string (but to check it one edit away). */
  score(w: string, t: number, fuzzy: boolean, cjk: boolean): number {
    const n = this.length(t);
    if (this.startsWith(t, w)) return n === w.length ? 1 : 0.7 + 0.25 * (w.length / n);
    if (cjk && w.length >= 2 && this.includes(t, w)) return 0.55 + 0.1 * (w.length / n);
    if (fuzzy && w.length >= FUZZY_MIN && w.length <= FUZZY_MAX && Math.abs(n - w.length) <= 1 && withinOneEdit(w, this.text(t))) return 0.5;
    return 0;
  }
}

/**
 * The fuzzy matcher's deletion neighbourhoods without a string a key: for each name word of
 * FUZZY_MIN to FUZZY_MAX (a term), the word itself and each of it with one code unit left out are
 * keys, and a key lists the terms it came from (in the order they came, each once in a row). A
 * key is the term and the place left out (keyTerm, keyDel: -1 for none), compared in the pool;
 * the keys are found by their hash (hashSkipping) in an open-addressing table. A query word's
 * keys are the word and the word with each code unit left out: none made as a string. At
 * 1,000,000 contacts a Map of them was 101,005 strings and as many arrays (546,305 terms).
 */
class DeletionTable {
  private constructor(
    private readonly pool: TermPool,
    private readonly keyTerm: Int32Array,
    private readonly keyDel: Int32Array,
    private readonly keyHash: Int32Array,
    private readonly slots: Int32Array,
    /** Key k's terms: listTerm[listStart[k] … listStart[k + 1]). */
    private readonly listStart: Int32Array,
    private readonly listTerm: Int32Array,
  ) {}

  /** The table of `words` (sorted position `termOf(word)` in `pool`), in steps. */
  static *of(pool: TermPool, words: Iterable<string>, termOf: (word: string) => number): Generator<void, DeletionTable, void> {
    const keyTerm = new Ints();
    const keyDel = new Ints();
    const keyHash = new Ints();
    const lastTerm = new Ints();
    const pairKey = new Chunked();
    const pairTerm = new Chunked();
    let slots: Int32Array = new Int32Array(1 << 12).fill(-1);
    let n = 0;
    for (const word of words) {
      const t = termOf(word);
      for (let skip = -1; skip < word.length; skip++) {
        const h = hashSkipping(word, skip);
        const mask = slots.length - 1;
        let i = h & mask;
        let k = slots[i]!;
        while (k >= 0 && !(keyHash.data[k] === h && pool.keyIs(keyTerm.data[k]!, keyDel.data[k]!, word, skip))) k = slots[(i = (i + 1) & mask)]!;
        if (k < 0) {
          k = keyTerm.length;
          keyTerm.push(t);
          keyDel.push(skip);
          keyHash.push(h);
          lastTerm.push(-1);
          slots[i] = k;
          if (keyTerm.length * 2 > slots.length) slots = DeletionTable.grow(slots.length * 2, keyHash.data, keyTerm.length);
        }
        if (lastTerm.data[k] !== t) {
          lastTerm.data[k] = t;
          pairKey.push(k);
          pairTerm.push(t);
        }
      }
      if ((++n & 1023) === 0) yield;
    }
    lastTerm.done();
    // The lists by counting sort of the pairs on their key (the order they came kept).
    const keys = keyTerm.length;
    const listStart = new Int32Array(keys + 1);
    const byKey = pairKey.done();
    const terms = pairTerm.done();
    for (let i = 0; i < byKey.length; i++) listStart[byKey[i]! + 1]!++;
    for (let k = 0; k < keys; k++) listStart[k + 1]! += listStart[k]!;
    const fill = scratch(Int32Array, keys);
    fill.set(listStart.subarray(0, keys));
    const listTerm = new Int32Array(terms.length);
    for (let i = 0; i < byKey.length; i++) listTerm[fill[byKey[i]!]!++] = terms[i]!;
    yield;
    return new DeletionTable(pool, keyTerm.done(), keyDel.done(), keyHash.done(), slots, listStart, listTerm);
  }

  private static grow(size: number, hashes: Int32Array, keys: number): Int32Array {
    const slots = new Int32Array(size).fill(-1);
    const mask = size - 1;
    for (let k = 0; k < keys; k++) {
      let i = hashes[k]! & mask;
      while (slots[i]! >= 0) i = (i + 1) & mask;
      slots[i] = k;
    }
    return slots;
  }

  get keys(): number {
    return this.keyTerm.length;
  }

  /** The typed arrays (retained()). */
  arrays(): ArrayBufferView[] {
    return [this.keyTerm, this.keyDel, this.keyHash, this.slots, this.listStart, this.listTerm];
  }

  /** The terms of key `w` with code unit `skip` left out (-1: none): listTerm[from … to), or from = to when there is no such key. */
  find(w: string, skip: number): { from: number; to: number } {
    const h = hashSkipping(w, skip);
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = this.slots[i]!;
      if (k < 0) return { from: 0, to: 0 };
      if (this.keyHash[k] === h && this.pool.keyIs(this.keyTerm[k]!, this.keyDel[k]!, w, skip)) return { from: this.listStart[k]!, to: this.listStart[k + 1]! };
    }
  }

  term(i: number): number {
    return this.listTerm[i]!;
  }
}

/** hashOf(s) of `s` with its code unit `skip` left out (-1: none). */
function hashSkipping(s: string, skip: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) if (i !== skip) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0 & 0x7fffffff;
}

/**
 * The index as flat typed arrays (a handful of allocations for 100,000 contacts):
 *  - account a's entry is accountEntry[a], its contacts' the entries after it, in their order (so
 *    entry e is of the last account whose entry is not after it: accountOf; no account and
 *    contact number an entry, 8.4 MB at 1,000,000 contacts); `entryLength[e]` sorts ties (the
 *    shown name's length);
 *  - `terms` sorted, in one pool (TermPool); term t's postings (entry × 8 + field) are
 *    post[postStart[t] … postStart[t + 1]).
 * No forward index (entry → its terms): a word checked against one entry (scoreOn, the words of a
 * query after its rarest) derives a contact's terms again from its name and email, with the
 * build's own function (contactTerms), once mayMatch finds they may match it; an account's are
 * kept (acctTerm: 100,000 accounts at 1,000,000 contacts). At 1,000,000 contacts the forward index
 * was 54 MB of ArrayBuffers (a term id and a field for each of 10.8 million pairs).
 * What it keeps, measured at 1,000,000 contacts (bench/heap-parts.ts): 3.6 MB of heap (the domains'
 * map) and 90.7 MB of ArrayBuffers: 29.6 MB of postings and 9.2 MB where each term's start, the
 * pool's 33.6 MB of characters and 9.2 MB of starts, 5.5 MB of entries, 4.6 MB of the deletion
 * table. It was 71 MB of heap (2.3 million term strings, a Map of deletions) and 89 MB of buffers.
 */
export class SearchIndex {
  private constructor(
    private readonly accounts: readonly AccountConfig[],
    /** Account a's entry (and, last, how many entries there are). */
    private readonly accountEntry: Int32Array,
    private readonly entryLength: Int32Array,
    /** Entry e's Flag bits (what mayMatch may assume of a contact's strings). */
    private readonly entryFlags: Uint8Array,
    /** The sorted terms. */
    private readonly terms: TermPool,
    private readonly postStart: Int32Array,
    private readonly post: Int32Array,
    /** Account a's entry's own terms and fields: acctTerm/acctField[acctStart[a] … acctStart[a + 1]) (its company terms: those of field Name or Alias). */
    private readonly acctStart: Int32Array,
    private readonly acctTerm: Int32Array,
    private readonly acctField: Uint8Array,
    /** Sorted suffixes of non-Latin terms (for infix matches): suffix i is term suffixTerm[i] from its code unit suffixAt[i]. */
    private readonly suffixTerm: Int32Array,
    private readonly suffixAt: Int32Array,
    /** Deletion neighbourhood (the word and each one-character deletion of it) → term indices, for name words. */
    private readonly deletions: DeletionTable,
    /** Normalised domain → account entry. */
    private readonly domains: Map<string, number>,
  ) {}

  get size(): number {
    return this.entryLength.length;
  }

  /**
   * What the index keeps besides the config: the bytes of its typed arrays (`termBytes` of them
   * the terms' pool, `fuzzyBytes` the deletion table), how many postings (entry × field) and terms
   * it has, and how many strings it holds itself (the keys of the domains' map; the strings of
   * the config's accounts and contacts not counted).
   */
  retained(): { arrayBytes: number; termBytes: number; fuzzyBytes: number; postings: number; terms: number; strings: number } {
    const bytes = (xs: unknown[]) => xs.reduce((n: number, x) => n + (ArrayBuffer.isView(x) ? x.byteLength : 0), 0);
    const termBytes = bytes(this.terms.arrays());
    const fuzzyBytes = bytes(this.deletions.arrays());
    return { arrayBytes: bytes(Object.values(this)) + termBytes + fuzzyBytes, termBytes, fuzzyBytes, postings: this.post.length, terms: this.terms.count, strings: this.domains.size };
  }

  /** Entry e's account (its index in `accounts`). */
  private accountOf(e: number): number {
    let lo = 0;
    let hi = this.accountEntry.length - 1;
    while (lo + 1 < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.accountEntry[mid]! <= e) lo = mid;
      else hi = mid;
    }
    return lo;
  }

  /** Entry e's account and contact (null: the entry is the account). */
  private entry(e: number): { account: AccountConfig; contact: ContactConfig | null } {
    const a = this.accountOf(e);
    const account = this.accounts[a]!;
    const c = e - this.accountEntry[a]! - 1;
    return { account, contact: c < 0 ? null : contactAt(account, c) };
  }

  static build(accounts: readonly AccountConfig[]): SearchIndex {
    const steps = SearchIndex.steps(accounts);
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
    }
  }

  /**
   * The same index built in slices of about `sliceMs` of work, giving the event loop back in
   * between (a config of 100,000 contacts takes about a second to index, its sorts included:
   * requests keep being answered, none waits more than a slice). `share()`, asked after each
   * slice: the part of the thread the build may take (1: the next slice as soon as the requests
   * ready now are answered; 0.5: after each slice a pause as long as it, so lookups keep at least
   * half the thread while a config of 1,000,000 contacts is indexed for 10-20 s).
   */
  static async buildAsync(accounts: readonly AccountConfig[], sliceMs = 8, share: () => number = () => 1): Promise<SearchIndex> {
    const steps = SearchIndex.steps(accounts);
    let started = performance.now();
    let deadline = started + sliceMs;
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      const now = performance.now();
      if (now >= deadline) {
        await giveBack(now - started, Math.min(1, Math.max(0.05, share())));
        started = performance.now();
        deadline = started + sliceMs;
      }
    }
  }

  /** The build as steps: each yield is a place a slice may end. */
  private static *steps(accounts: readonly AccountConfig[]): Generator<void, SearchIndex, void> {
    const b = SearchIndex.builder(accounts);
    for (const account of accounts) {
      b.add(account);
      yield;
    }
    return yield* b.finish();
  }

  /** `accounts`: the list `add` is given each of, in its order. */
  private static builder(accounts: readonly AccountConfig[]): { add(account: AccountConfig): void; finish(): Generator<void, SearchIndex, void> } {
    const accountEntry = new Chunked();
    const entryLength = new Chunked();
    const entryFlags = new Chunked(Uint8Array);
    const ids = new TermIds();
    const byId = ids.terms;
    const fuzzyWords = new Set<string>();
    const domains = new Map<string, number>();
    // Entry e's pairs are pairTerm/pairField[pairStart[e] … pairStart[e + 1]) (while the index is built only).
    const pairStart = new Chunked();
    pairStart.push(0);
    const pairTerm = new Chunked();
    const pairField = new Chunked(Uint8Array);
    // The account entries' pairs again, kept (a forward index of the accounts only: 100,000 of them at 1,000,000 contacts).
    const acctStart = new Chunked();
    acctStart.push(0);
    const acctTerm = new Chunked();
    const acctField = new Chunked(Uint8Array);
    const idOf = (term: string) => ids.id(term);
    const newEntry = (length: number, flags: number): number => {
      entryLength.push(length);
      entryFlags.push(flags);
      return entryLength.length - 1;
    };
    // One entry's terms (a few: a linear scan dedupes them faster than a Map).
    const ownTerms: string[] = [];
    const ownFields: Field[] = [];
    const add: TermSink = (term, field, word = false) => {
      if (!term) return;
      const at = ownTerms.indexOf(term);
      if (at < 0) {
        ownTerms.push(term);
        ownFields.push(field);
      } else if (FIELD_WEIGHT[field]! > FIELD_WEIGHT[ownFields[at]!]!) ownFields[at] = field;
      if (word && FUZZY_FIELDS.has(field) && term.length >= FUZZY_MIN && term.length <= FUZZY_MAX) fuzzyWords.add(term);
    };
    /** The entry's terms to the pairs; `extra`: term ids of the contact's company (their field is Company); `account`: the entry is an account's. */
    const flush = (entry: number, extra: readonly number[], account: boolean) => {
      for (let i = 0; i < ownTerms.length; i++) {
        const id = idOf(ownTerms[i]!);
        pairTerm.push(id);
        pairField.push(ownFields[i]!);
        if (account) {
          acctTerm.push(id);
          acctField.push(ownFields[i]!);
        }
      }
      if (account) acctStart.push(acctTerm.length);
      for (const id of extra) {
        pairTerm.push(id);
        pairField.push(Field.Company);
      }
      if (pairStart.length !== entry + 1) throw new Error('search index: entries out of order');
      pairStart.push(pairTerm.length);
      ownTerms.length = 0;
      ownFields.length = 0;
    };
    const addAccount = (account: AccountConfig) => {
      const e = newEntry(account.name.length, Flag.Account);
      accountEntry.push(e);
      const companyIds = accountTerms(account, add).map(idOf);
      for (const d of account.domains) {
        const domain = normalizeDomain(d);
        if (domain && !domains.has(domain)) domains.set(domain, e);
      }
      flush(e, [], true);
      const contacts = contactsOf(account);
      for (let k = 0; k < contacts.length; k++) {
        const contact = contacts[k]!;
        const c = newEntry((contact.name || contact.email).length, contactFlags(contact));
        contactTerms(contact, add);
        flush(c, companyIds, false);
      }
    };

    const finish = function* (): Generator<void, SearchIndex, void> {
      // Sorted terms; each pair's term id becomes its sorted position.
      ids.release();
      const order = new Array<number>(byId.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
      const sorted = yield* sortInSteps(order, (a, b) => byCodeUnits(byId[a]!, byId[b]!));
      const terms = new Array<string>(sorted.length);
      const rank = scratch(Int32Array, byId.length);
      for (let i = 0; i < sorted.length; i++) {
        terms[i] = byId[sorted[i]!]!;
        rank[sorted[i]!] = i;
        if ((i & STEP) === STEP) yield;
      }
      byId.length = 0;
      // The pairs (entry, term, field), in entry order; each term id becomes its sorted position.
      const pairTerms = pairTerm.done();
      for (let i = 0; i < pairTerms.length; i++) {
        pairTerms[i] = rank[pairTerms[i]!]!;
        if ((i & STEP) === STEP) yield;
      }
      // Postings by counting sort of the pairs on their term (entry order kept within a term).
      const postStart = new Int32Array(terms.length + 1);
      for (let i = 0; i < pairTerms.length; i++) postStart[pairTerms[i]! + 1]!++;
      for (let t = 0; t < terms.length; t++) postStart[t + 1]! += postStart[t]!;
      const fill = scratch(Int32Array, terms.length);
      fill.set(postStart.subarray(0, terms.length));
      const post = new Int32Array(pairTerms.length);
      {
        const pairFields = pairField.done();
        const starts = pairStart.done();
        for (let e = 0; e + 1 < starts.length; e++) {
          for (let i = starts[e]!, end = starts[e + 1]!; i < end; i++) post[fill[pairTerms[i]!]!++] = e * 8 + pairFields[i]!;
          if ((e & STEP) === STEP) yield;
        }
      }
      const acctTerms = acctTerm.done();
      for (let i = 0; i < acctTerms.length; i++) acctTerms[i] = rank[acctTerms[i]!]!;
      yield;

      let unsorted: Array<[string, number, number]> = [];
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i]!;
        if ((i & STEP) === STEP) yield;
        if (t.length < 3 || !NON_ASCII.test(t)) continue;
        for (let k = 1; k <= t.length - 2; k++) unsorted.push([t.slice(k), i, k]);
      }
      const suffixPairs = yield* sortInSteps(unsorted, (a, b) => byCodeUnits(a[0], b[0]));
      unsorted = [];
      const suffixTerm = Int32Array.from(suffixPairs, (p) => p[1]);
      const suffixAt = Int32Array.from(suffixPairs, (p) => p[2]);
      suffixPairs.length = 0;

      // The terms as one buffer; the strings (the sort's) are let go.
      const pool = yield* TermPool.of(terms);
      const deletions = yield* DeletionTable.of(pool, fuzzyWords, (word) => lowerBound(terms, word)); // its sorted position
      fuzzyWords.clear();
      terms.length = 0;

    return new SearchIndex(
      accounts,
      (accountEntry.push(entryLength.length), accountEntry.done()),
      entryLength.done(),
      entryFlags.done(),
      pool,
      postStart,
      post,
      acctStart.done(),
      acctTerms,
      acctField.done(),
      suffixTerm,
      suffixAt,
      deletions,
      domains,
    );
    };
    return { add: addAccount, finish };
  }

  /** The best `limit` accounts and contacts for `query`, best first. */
  search(query: string, limit: number): SearchResult[] {
    const folded = foldSearch(query).trim();
    if (!folded) return [];
    let words = searchWords(folded);
    const meaningful = companyWords(folded);
    if (meaningful.length > 0 && meaningful.length < words.length) words = meaningful; // "Lakeside Co." → lakeside
    if (words.length > 6) words = words.slice(0, 6);

    let scores: Map<number, number>;
    if (words.length === 0) {
      scores = new Map();
    } else if (words.length === 1) {
      scores = this.scoreWord(words[0]!);
    } else {
      // All words must match: candidates from the rarest word, each checked for the others
      // against its own terms (so a common word's postings never need collecting).
      const order = [...words].sort((a, b) => this.estimate(a) - this.estimate(b));
      const [rarest, ...rest] = order;
      const cjk = rest.map((w) => NON_ASCII.test(w));
      scores = new Map();
      // The rarest word's matches come best first (exact terms, then the shortest completions):
      // enough of them matching every word is enough to rank.
      const checked = new Map<number, number>();
      const own = new OwnTerms();
      this.matches(rarest!, (entry, s) => {
        if ((checked.get(entry) ?? -1) >= s) return true;
        checked.set(entry, s);
        const a = this.accountOf(entry);
        const c = entry - this.accountEntry[a]! - 1;
        own.of(c < 0 ? null : contactAt(this.accounts[a]!, c), this.entryFlags[entry]!);
        let sum = s;
        for (let k = 0; k < rest.length; k++) {
          const x = this.scoreOn(entry, a, own, rest[k]!, cjk[k]!);
          if (x === 0) return true;
          sum += x;
        }
        const total = sum / words.length;
        if (total > (scores.get(entry) ?? 0)) scores.set(entry, total);
        return scores.size < limit * ENOUGH;
      });
    }
    const best = (entry: number, s: number) => {
      if (s > (scores.get(entry) ?? 0)) scores.set(entry, s);
    };
    // The words run together: a name typed without its spaces, or with them where the key has none.
    const joined = words.join('');
    if (words.length > 1) for (const [e, s] of this.scoreWord(joined)) best(e, s);
    // An email or a domain as typed (with its @ and dots).
    const compact = folded.replace(/\s+/g, '');
    if (/[@.]/.test(compact) && compact !== joined) for (const [e, s] of this.scoreWord(compact)) best(e, s);
    const at = compact.lastIndexOf('@');
    if (at >= 0) {
      const account = this.domains.get(normalizeDomain(compact.slice(at + 1)));
      if (account !== undefined) best(account, 0.9 * FIELD_WEIGHT[Field.Domain]!);
    }

    return this.top(scores, limit).map(([e, s]) => {
      const entry = this.entry(e);
      const out: SearchResult = { kind: entry.contact ? 'contact' : 'account', account: { id: entry.account.id, name: entry.account.name }, score: Math.round(s * 1000) / 1000 };
      if (entry.contact) out.contact = { email: entry.contact.email, name: entry.contact.name };
      return out;
    });
  }

  /** The `limit` best of `scores` (ties: accounts first, then shorter names), without sorting them all. */
  private top(scores: Map<number, number>, limit: number): Array<[number, number]> {
    const before = (a: [number, number], b: [number, number]) => {
      if (a[1] !== b[1]) return a[1] > b[1];
      const x = (this.entryFlags[a[0]]! & Flag.Account) !== 0;
      const y = (this.entryFlags[b[0]]! & Flag.Account) !== 0;
      if (x !== y) return x; // accounts first
      const lx = this.entryLength[a[0]]!;
      const ly = this.entryLength[b[0]]!;
      return lx !== ly ? lx < ly : a[0] < b[0];
    };
    const out: Array<[number, number]> = [];
    for (const item of scores) {
      if (out.length === limit && !before(item, out[out.length - 1]!)) continue;
      let i = out.length === limit ? out.length - 1 : out.length;
      while (i > 0 && before(item, out[i - 1]!)) {
        if (i < limit) out[i] = out[i - 1]!;
        i--;
      }
      if (out.length < limit) out.push(item);
      out[i] = item;
    }
    return out;
  }

  /** About how many postings a word reaches by prefix (counted up to a bound): which word of a query is rarest. */
  private estimate(w: string): number {
    const lo = this.terms.lowerBound(w);
    let n = 0;
    for (let i = lo; i < this.terms.count && i < lo + MAX_TERMS && this.terms.startsWith(i, w) && n < MAX_POSTINGS * 4; i++) n += this.postStart[i + 1]! - this.postStart[i]!;
    return n;
  }

  /**
   * How well word `w` matches entry `e` of account `a` (its best term, times the term's field
   * weight); 0 when not at all. `own`: the contact's own terms (OwnTerms.of its contact); the account's come
   * from acctTerm (for a contact: its company, the account's terms of field Name or Alias, as
   * Field.Company, as the build gave them to each contact).
   */
  private scoreOn(e: number, a: number, own: OwnTerms, w: string, cjk: boolean): number {
    let best = 0;
    if (own.mayMatch(w, cjk)) {
      for (let i = 0; i < own.length; i++) {
        const field = own.fields[i]!;
        const s = termScore(w, own.terms[i]!, FUZZY_FIELDS.has(field), cjk) * FIELD_WEIGHT[field]!;
        if (s > best) best = s;
      }
    }
    const contact = (this.entryFlags[e]! & Flag.Account) === 0;
    for (let i = this.acctStart[a]!, end = this.acctStart[a + 1]!; i < end; i++) {
      let field = this.acctField[i]! as Field;
      if (contact) {
        if (field !== Field.Name && field !== Field.Alias) continue;
        field = Field.Company;
      }
      const s = this.terms.score(w, this.acctTerm[i]!, FUZZY_FIELDS.has(field), cjk) * FIELD_WEIGHT[field]!;
      if (s > best) best = s;
    }
    return best;
  }

  /** Entry → best score of one query word over the dictionary (prefix, infix, fuzzy). */
  private scoreWord(w: string): Map<number, number> {
    const out = new Map<number, number>();
    this.matches(w, (e, s) => {
      if (s > (out.get(e) ?? 0)) out.set(e, s);
      return true;
    });
    return out;
  }

  /**
   * Calls `each(entry, score)` for the postings of one query word, best matches first: the
   * exact term, the shortest completions, inside Japanese terms, then one edit away; at most
   * MAX_POSTINGS postings, fewer when `each` returns false. An entry may come more than once.
   */
  private matches(w: string, each: (entry: number, score: number) => boolean): void {
    let budget = MAX_POSTINGS;
    const take = (term: number, match: number) => {
      for (let i = this.postStart[term]!, end = this.postStart[term + 1]!; i < end && budget > 0; i++, budget--) {
        const code = this.post[i]!;
        if (!each(code >> 3, match * FIELD_WEIGHT[code & 7]!)) budget = 0;
      }
    };

    // Prefix (and exact) on the dictionary: the exact term first, then the shortest
    // completions, so a budget spent goes to the closest.
    const terms = this.terms;
    const lo = terms.lowerBound(w);
    const range: number[] = [];
    for (let i = lo; i < terms.count && range.length < MAX_TERMS && terms.startsWith(i, w); i++) range.push(i);
    range.sort((a, b) => terms.length(a) - terms.length(b));
    for (const i of range) {
      if (budget <= 0) return;
      const n = terms.length(i);
      take(i, n === w.length ? 1 : 0.7 + 0.25 * (w.length / n)); // termScore of a term `w` starts
    }

    // Inside a Japanese term (no spaces to split it at): "電機" in ミナト電機, "愛子" in 田中愛子.
    if (NON_ASCII.test(w) && w.length >= 2) {
      const at = this.suffixAt;
      for (let i = terms.lowerBound(w, this.suffixTerm, at), n = 0; i < at.length && n < MAX_TERMS && budget > 0 && terms.startsWith(this.suffixTerm[i]!, w, at[i]!); i++, n++) {
        const term = this.suffixTerm[i]!;
        take(term, 0.55 + 0.1 * (w.length / terms.length(term)));
      }
    }

    // One edit away (name words of 4+ characters).
    if (w.length >= FUZZY_MIN && w.length <= FUZZY_MAX && budget > 0) {
      const seen = new Set<number>();
      for (let skip = -1; skip < w.length; skip++) {
        const { from, to } = this.deletions.find(w, skip);
        for (let i = from; i < to; i++) {
          const t = this.deletions.term(i);
          if (budget <= 0) return;
          if (seen.has(t)) continue;
          seen.add(t);
          if (!terms.equals(t, w) && withinOneEdit(w, terms.text(t))) take(t, 0.5);
        }
      }
    }
  }
}

/**
 * A contact's own terms and their fields, derived again as the build derived them (contactTerms),
 * for scoreOn: only once a query word may match one of them (mayMatch). Not deduplicated as
 * the build does (a term twice keeps its heaviest field there): the fields matched fuzzily all
 * weigh more than the others, so a term's best score is the same either way.
 */
class OwnTerms {
  /** The terms are terms/fields[0 … length) (the arrays reused from contact to contact). */
  readonly terms: string[] = [];
  readonly fields: Field[] = [];
  length = 0;
  private contact: ContactConfig | null = null;
  private derived = false;
  private readonly add: TermSink = (term, field) => {
    if (!term) return;
    this.terms[this.length] = term;
    this.fields[this.length++] = field;
  };

  private flags = 0;

  /** Now the terms of `contact` (none for null: an account's come from the index); `flags`: its entry's. */
  of(contact: ContactConfig | null, flags: number): void {
    this.length = 0;
    this.contact = contact;
    this.derived = false;
    this.flags = flags;
  }

  /** False when no term of the contact can match `w`; else true, its terms derived. `cjk`: `w` is not ASCII. */
  mayMatch(w: string, cjk: boolean): boolean {
    const contact = this.contact;
    if (!contact) return false;
    if (this.derived) return true;
    if (!mayMatch(contact.name ?? '', contact.email, w, this.flags, !cjk)) return false;
    this.derived = true;
    contactTerms(contact, this.add);
    return true;
  }
}

/**
 * False when folded query word `w` can match no term contactTerms derives from this name and
 * email, read in place (nothing allocated); true when it may, or when they are not ASCII (folding
 * ASCII is lower-casing it; other text, NFKC and all, is left to contactTerms). Most contacts a
 * word is checked against do not match it (the rarest word's matches, checked for the others),
 * and deriving their terms took 0.8 µs a contact (1.5 µs with the regular expressions of
 * searchWords): on the search bench's queries of several words, 1,000 candidates a query at the
 * most, it leaves one contact in six to derive (385,020 of 2,321,810). Each condition is
 * necessary for a match:
 *  - exact or by prefix (`w` ASCII: no inside matches) is `w` at a word's start in the email or
 *    the name (the email, its local part and their words; the name's words), or `w` a prefix of
 *    the name's words run together;
 *  - one edit away (name terms only, words of FUZZY_MIN to FUZZY_MAX) is a name word or the words
 *    run together, one letter longer or shorter at most, whose first two letters and last two
 *    allow it (oneEditEnds).
 * A non-ASCII `w` can only be one edit away from ASCII terms.
 */
export function mayMatch(name: string, email: string, w: string, flags = 0, ascii = !NON_ASCII.test(w)): boolean {
  const m = w.length;
  if (flags & Flag.LowerEmail) {
    // The email, known ASCII and in lower case: `w` at a word's start, found natively.
    if (ascii) for (let p = email.indexOf(w); p >= 0; p = email.indexOf(w, p + 1)) if (p === 0 || !isWordCode(email.charCodeAt(p - 1))) return true;
  } else {
    let found = false;
    for (let p = 0, wordBefore = false; p < email.length; p++) {
      const c = lowerCode(email.charCodeAt(p));
      if (c >= 128) return true;
      if (!found && ascii && !wordBefore && p + m <= email.length && startsAt(email, p, w)) found = true;
      wordBefore = isWordCode(c);
    }
    if (found) return true;
  }
  if (flags & Flag.KanaName) return !ascii;
  // The name: `w` at a word's start, or a prefix of the words run together; its words' lengths and ends.
  const fuzzy = m >= FUZZY_MIN && m <= FUZZY_MAX;
  let joined = ascii ? 0 : -1; // of `w` matched by the words run together so far (-1: not a prefix)
  let total = 0; // the words' letters
  let j0 = -1; // the words' first two letters and their last two
  let j1 = -1;
  let jy = -1;
  let jz = -1;
  let start = -1; // the word being read: its start
  for (let p = 0; p <= name.length; p++) {
    const c = p < name.length ? lowerCode(name.charCodeAt(p)) : 0;
    if (c >= 128) return true;
    if (isWordCode(c)) {
      if (start < 0) {
        start = p;
        if (ascii && p + m <= name.length && startsAt(name, p, w)) return true;
      }
      if (joined >= 0 && joined < m) joined = c === w.charCodeAt(joined) ? joined + 1 : -1;
      if (total === 0) j0 = c;
      else if (total === 1) j1 = c;
      jy = jz;
      jz = c;
      total++;
    } else if (start >= 0) {
      const n = p - start;
      if (fuzzy && n >= m - 1 && n <= m + 1) {
        const t1 = n > 1 ? lowerCode(name.charCodeAt(start + 1)) : -1;
        const ty = n > 1 ? lowerCode(name.charCodeAt(p - 2)) : -1;
        if (oneEditEnds(w, lowerCode(name.charCodeAt(start)), t1, ty, lowerCode(name.charCodeAt(p - 1)))) return true;
      }
      start = -1;
    }
    if (p === name.length) break;
  }
  if (joined === m) return true;
  return fuzzy && total >= m - 1 && total <= m + 1 && oneEditEnds(w, j0, j1, jy, jz);
}

/**
 * Whether a term of these first two and last two letters may be one edit from `w` (of 4 or more):
 * where its first letters differ the edit is there, so it is their change (the second letters
 * the same), a swap or a letter taken out (its first is w's second) or put in (its second is w's
 * first); and so at the end, read backwards.
 */
function oneEditEnds(w: string, t0: number, t1: number, ty: number, tz: number): boolean {
  const m = w.length;
  const w0 = w.charCodeAt(0);
  const w1 = w.charCodeAt(1);
  const wy = w.charCodeAt(m - 2);
  const wz = w.charCodeAt(m - 1);
  return (t0 === w0 || t1 === w1 || t0 === w1 || t1 === w0) && (tz === wz || ty === wy || tz === wy || ty === wz);
}

const lowerCode = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
const isWordCode = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

/** `w` (lower case) at `text[p …]`, lower-cased. */
function startsAt(text: string, p: number, w: string): boolean {
  for (let k = 0; k < w.length; k++) if (lowerCode(text.charCodeAt(p + k)) !== w.charCodeAt(k)) return false;
  return true;
}

/** First index whose value is not below `key` (sorted `list`). */
function lowerBound(list: readonly string[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** True when `a` becomes `b` with at most one edit: a letter changed, added, removed, or two neighbours swapped. */
export function withinOneEdit(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a[i] === b[i]) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // one changed
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // two swapped
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

/**
 * The part of the serving thread a build ahead of any search takes (warmSearch): the rest stays
 * with the lookups (a restart under load at 1,000,000 contacts: without it the build took about
 * 85 % of the thread for 10-15 s, lookups fell to a sixth and their p99 to hundreds of ms). Once
 * a search waits for the index, the build takes the thread as it can (share 1).
 */
export const WARM_SHARE = 0.5;

interface Building {
  index: Promise<SearchIndex>;
  /** A search waits for it: the rest of the build goes at full pace. */
  awaited: boolean;
}

const indexes = new WeakMap<LoadedConfig, Building>();

/**
 * The search index of a loaded config: built on first use (a slice at a time), then kept.
 * `awaited` false: built ahead of the first search, at WARM_SHARE of the thread until one waits.
 */
export function searchIndexOf(loaded: LoadedConfig, awaited = true): Promise<SearchIndex> {
  let b = indexes.get(loaded);
  if (!b) {
    const state = { awaited };
    b = Object.assign(state, { index: SearchIndex.buildAsync(loaded.config.accounts, 8, () => (state.awaited ? 1 : WARM_SHARE)) });
    indexes.set(loaded, b);
  }
  if (awaited) b.awaited = true;
  return b.index;
}

/** Starts building a config's index (the first request that sees a new config calls it), so the first search need not wait. */
export function warmSearch(loaded: LoadedConfig): void {
  if (!indexes.has(loaded)) void searchIndexOf(loaded, false);
}

/** A config's index taken as it is (one read from a file: indexFromBytes), not built. */
export function presetSearch(loaded: LoadedConfig, index: SearchIndex): void {
  indexes.set(loaded, { index: Promise.resolve(index), awaited: true });
}

/*
 * The index as a file (snapshot.ts keeps one beside a config's snapshot, under its key): a start
 * from a snapshot reads its index too instead of building it (at a million contacts 10-20 s of the
 * serving thread shared with the lookups, and some 150 MB of transient heap for its terms: the
 * start's peak RSS). Layout: the head's UTF-8 length (4 bytes, little-endian), the head (JSON: the
 * format, the key, the accounts' count, the index as a tree of fields), zeros to a multiple of 8,
 * then every typed array's bytes, each at a multiple of 8. Read back, the arrays are views of the
 * one buffer read (nothing copied), so the index takes what the file takes.
 */
const INDEX_FORMAT = 1;
type IndexNode =
  | { a: 'i32' | 'u8'; o: number; n: number }
  | { c: string; f: Record<string, IndexNode> }
  /** The object of that number (in the order they were first met): the pool an index and its deletions share. */
  | { r: number }
  | { m: Array<[string, number]> }
  | { accounts: true }
  | { v: unknown };
const INDEX_CLASSES: Record<string, { prototype: object }> = { SearchIndex, TermPool, DeletionTable };

/** The index's bytes as a file (see above), for `key` (the snapshot's). */
export function indexBytes(index: SearchIndex, key: string): Buffer[] {
  const blobs: Uint8Array[] = [];
  const met = new Map<object, number>();
  let at = 0;
  const node = (value: unknown): IndexNode => {
    if (value instanceof Int32Array || value instanceof Uint8Array) {
      const o = at;
      blobs.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
      const pad = (8 - (value.byteLength % 8)) % 8;
      if (pad) blobs.push(new Uint8Array(pad));
      at += value.byteLength + pad;
      return { a: value instanceof Int32Array ? 'i32' : 'u8', o, n: value.length };
    }
    if (value instanceof Map) return { m: [...(value as Map<string, number>)] };
    if (value === (index as unknown as { accounts: unknown }).accounts) return { accounts: true };
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const name = Object.keys(INDEX_CLASSES).find((n) => Object.getPrototypeOf(value) === INDEX_CLASSES[n]!.prototype);
      if (!name) throw new Error('search index: a field of an unknown kind');
      const seen = met.get(value);
      if (seen !== undefined) return { r: seen };
      met.set(value, met.size);
      const f: Record<string, IndexNode> = {};
      for (const [k, v] of Object.entries(value)) f[k] = node(v);
      return { c: name, f };
    }
    return { v: value };
  };
  const root = node(index);
  const head = Buffer.from(JSON.stringify({ format: INDEX_FORMAT, key, accounts: (index as unknown as { accounts: unknown[] }).accounts.length, root }));
  const lead = Buffer.alloc(4);
  lead.writeUInt32LE(head.length);
  const pad = (8 - ((4 + head.length) % 8)) % 8;
  return [lead, head, Buffer.alloc(pad), ...blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))];
}

/**
 * The index a file of indexBytes holds, over `accounts` (the snapshot's, in their order), or null
 * when it is not one for `key` and these accounts (another format, another key, cut short).
 */
export function indexFromBytes(bytes: Buffer, key: string, accounts: readonly AccountConfig[]): SearchIndex | null {
  if (bytes.length < 4) return null;
  const headLength = bytes.readUInt32LE(0);
  if (4 + headLength > bytes.length) return null;
  const head = JSON.parse(bytes.toString('utf8', 4, 4 + headLength)) as { format?: unknown; key?: unknown; accounts?: unknown; root?: IndexNode };
  if (head.format !== INDEX_FORMAT || head.key !== key || head.accounts !== accounts.length || !head.root) return null;
  const base = 4 + headLength + ((8 - ((4 + headLength) % 8)) % 8);
  // Views need their element's alignment in the buffer: a Buffer of its own starts at 0.
  const data = (bytes.byteOffset + base) % 8 === 0 ? bytes : Buffer.from(bytes);
  const made: object[] = [];
  const read = (n: IndexNode): unknown => {
    if ('r' in n) {
      if (!made[n.r]) throw new Error('search index file: a reference before its object');
      return made[n.r];
    }
    if ('a' in n) {
      const size = n.a === 'i32' ? 4 : 1;
      if (base + n.o + n.n * size > data.length) throw new Error('search index file: cut short');
      return n.a === 'i32' ? new Int32Array(data.buffer, data.byteOffset + base + n.o, n.n) : new Uint8Array(data.buffer, data.byteOffset + base + n.o, n.n);
    }
    if ('m' in n) return new Map(n.m);
    if ('accounts' in n) return accounts;
    if ('c' in n) {
      const kind = INDEX_CLASSES[n.c];
      if (!kind) throw new Error('search index file: an unknown kind');
      const out = Object.create(kind.prototype) as Record<string, unknown>;
      made.push(out);
      for (const [k, v] of Object.entries(n.f)) out[k] = read(v);
      return out;
    }
    return n.v;
  };
  const index = read(head.root);
  return index instanceof SearchIndex ? index : null;
}
