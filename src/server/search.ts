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
import { companyWords, foldSearch, normalizeCompany, normalizeDomain, kanaFold, searchWords } from './normalize';
import { giveBack } from './pace';

const enum Field {
  Name = 0,
  Alias = 1,
  Domain = 2,
  ContactName = 3,
  Email = 4,
  /** A contact's company (its account's name words): "grace lakeside", "田中 アクメ". */
  Company = 5,
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
function termScore(w: string, term: string, fuzzy: boolean, cjk: boolean): number {
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

/** A growable Int32Array (or Uint8Array). */
class Ints<A extends Int32Array | Uint8Array = Int32Array> {
  data: A;
  length = 0;
  constructor(private readonly Kind: new (length: number) => A = Int32Array as unknown as new (length: number) => A) {
    this.data = new Kind(1 << 16);
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

/** Items per chunk of a Chunked list (256 KB of Int32). */
const CHUNK = 1 << 16;

/**
 * A list of numbers pushed one at a time, kept in chunks of CHUNK, copied once into one array of
 * its length when done. Not a doubling array (Ints): at a million contacts each doubling left the
 * buffer before it behind until a GC let it go (the pairs' 33 MB, 8 MB for each of the entries'
 * lists), and done() copied out of a buffer up to twice the length: about 110 MB of RSS over what
 * the index keeps, while it was built. Here the most ever held is the chunks and their copy.
 */
class Chunked<A extends Int32Array | Uint8Array = Int32Array> {
  private chunks: A[] = [];
  private last: A | null = null;
  private at = CHUNK;
  length = 0;
  constructor(private readonly Kind: new (length: number) => A = Int32Array as unknown as new (length: number) => A) {}
  push(x: number): void {
    if (this.at === CHUNK) {
      this.last = new this.Kind(CHUNK);
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
    for (let i = 0; i < n; i++) out.set(i === n - 1 ? this.chunks[i]!.subarray(0, this.at) : this.chunks[i]!, i * CHUNK);
    this.chunks = [];
    this.last = null;
    this.at = CHUNK;
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
  private slots = new Int32Array(1 << 16).fill(-1);

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
    const slots = new Int32Array(this.slots.length * 2).fill(-1);
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

/**
 * The index as flat typed arrays (a handful of allocations for 100,000 contacts):
 *  - entry e is account `entryAccount[e]` (of the accounts indexed) and, when `entryContact[e]` is
 *    not -1, that contact of it; `entryLength[e]` sorts ties (the shown name's length);
 *  - `terms` sorted; term t's postings (entry × 8 + field) are post[postStart[t] … postStart[t + 1]);
 *  - entry e's own terms and fields are fwdTerm/fwdField[fwdStart[e] … fwdStart[e + 1]) (a
 *    word checked against one entry).
 */
export class SearchIndex {
  private constructor(
    private readonly accounts: readonly AccountConfig[],
    private readonly entryAccount: Int32Array,
    private readonly entryContact: Int32Array,
    private readonly entryLength: Int32Array,
    private readonly terms: string[],
    private readonly postStart: Int32Array,
    private readonly post: Int32Array,
    private readonly fwdStart: Int32Array,
    private readonly fwdTerm: Int32Array,
    private readonly fwdField: Uint8Array,
    /** Sorted suffixes of non-Latin terms (for infix matches), with the term each belongs to. */
    private readonly suffixes: string[],
    private readonly suffixTerm: Int32Array,
    /** Deletion neighbourhood (the word and each one-character deletion of it) → term indices, for name words. */
    private readonly deletions: Map<string, number[]>,
    /** Normalised domain → account entry. */
    private readonly domains: Map<string, number>,
  ) {}

  get size(): number {
    return this.entryAccount.length;
  }

  /** Entry e's account and contact (null: the entry is the account). */
  private entry(e: number): { account: AccountConfig; contact: ContactConfig | null } {
    const account = this.accounts[this.entryAccount[e]!]!;
    const c = this.entryContact[e]!;
    return { account, contact: c < 0 ? null : account.contacts[c]! };
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
    const entryAccount = new Chunked();
    const entryContact = new Chunked();
    const entryLength = new Chunked();
    let accountIndex = -1;
    const ids = new TermIds();
    const byId = ids.terms;
    const fuzzyWords = new Set<string>();
    const domains = new Map<string, number>();
    const fwdStart = new Chunked();
    fwdStart.push(0);
    const pairTerm = new Chunked();
    const pairField = new Chunked(Uint8Array);
    const idOf = (term: string) => ids.id(term);
    const newEntry = (contact: number, length: number): number => {
      entryAccount.push(accountIndex);
      entryContact.push(contact);
      entryLength.push(length);
      return entryAccount.length - 1;
    };
    // One entry's terms (a few: a linear scan dedupes them faster than a Map).
    const ownTerms: string[] = [];
    const ownFields: Field[] = [];
    /** `word`: a word of a name (matched fuzzily); whole keys (all words run together, emails) are not. */
    const add = (term: string, field: Field, word = false) => {
      if (!term) return;
      const at = ownTerms.indexOf(term);
      if (at < 0) {
        ownTerms.push(term);
        ownFields.push(field);
      } else if (FIELD_WEIGHT[field]! > FIELD_WEIGHT[ownFields[at]!]!) ownFields[at] = field;
      if (word && FUZZY_FIELDS.has(field) && term.length >= FUZZY_MIN && term.length <= FUZZY_MAX) fuzzyWords.add(term);
    };
    /** The entry's terms to the pairs; `extra`: term ids of the contact's company (their field is Company). */
    const flush = (entry: number, extra: readonly number[] = []) => {
      for (let i = 0; i < ownTerms.length; i++) {
        pairTerm.push(idOf(ownTerms[i]!));
        pairField.push(ownFields[i]!);
      }
      for (const id of extra) {
        pairTerm.push(id);
        pairField.push(Field.Company);
      }
      if (fwdStart.length !== entry + 1) throw new Error('search index: entries out of order');
      fwdStart.push(pairTerm.length);
      ownTerms.length = 0;
      ownFields.length = 0;
    };
    const addAccount = (account: AccountConfig) => {
      accountIndex++;
      const e = newEntry(-1, account.name.length);
      const names: Array<[string, Field]> = [[account.name, Field.Name], ...account.aliases.map((a): [string, Field] => [a, Field.Alias])];
      const companyTerms: string[] = [];
      for (const [name, field] of names) {
        const whole = kanaFold(normalizeCompany(name));
        add(whole, field);
        companyTerms.push(whole);
        for (const w of companyWords(name)) {
          add(w, field, true);
          companyTerms.push(w);
        }
      }
      for (const d of account.domains) {
        const domain = normalizeDomain(d);
        if (!domain) continue;
        if (!domains.has(domain)) domains.set(domain, e);
        add(domain, Field.Domain);
        for (const label of domain.split('.').slice(0, -1)) for (const w of searchWords(label)) add(w, Field.Domain);
      }
      flush(e);
      const companyIds = [...new Set(companyTerms)].filter(Boolean).map(idOf);
      for (let k = 0; k < account.contacts.length; k++) {
        const contact = account.contacts[k]!;
        const name = contact.name || contact.email;
        const c = newEntry(k, name.length);
        const words = contact.name ? searchWords(contact.name) : [];
        if (words.length > 1) add(words.join(''), Field.ContactName);
        for (const w of words) add(w, Field.ContactName, true);
        // The contact's own string when folding leaves it as it is (most emails): one string fewer a contact.
        const folded = foldSearch(contact.email.trim());
        const email = folded === contact.email ? contact.email : folded;
        add(email, Field.Email);
        const local = email.slice(0, Math.max(0, email.lastIndexOf('@')));
        add(local, Field.Email);
        for (const w of searchWords(local)) add(w, Field.Email);
        flush(c, companyIds);
      }
    };

    const finish = function* (): Generator<void, SearchIndex, void> {
      // Sorted terms; each pair's term id becomes its sorted position.
      ids.release();
      const order = new Array<number>(byId.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
      const sorted = yield* sortInSteps(order, (a, b) => byCodeUnits(byId[a]!, byId[b]!));
      const terms = new Array<string>(sorted.length);
      const rank = new Int32Array(byId.length);
      for (let i = 0; i < sorted.length; i++) {
        terms[i] = byId[sorted[i]!]!;
        rank[sorted[i]!] = i;
        if ((i & STEP) === STEP) yield;
      }
      byId.length = 0;
      const fwdTerm = pairTerm.done();
      for (let i = 0; i < fwdTerm.length; i++) {
        fwdTerm[i] = rank[fwdTerm[i]!]!;
        if ((i & STEP) === STEP) yield;
      }
      const fwdField = pairField.done();
      const fwd = fwdStart.done();
      // Postings by counting sort of the pairs on their term (entry order kept within a term).
      const postStart = new Int32Array(terms.length + 1);
      for (let i = 0; i < fwdTerm.length; i++) postStart[fwdTerm[i]! + 1]!++;
      for (let t = 0; t < terms.length; t++) postStart[t + 1]! += postStart[t]!;
      const fill = postStart.slice(0, terms.length);
      const post = new Int32Array(fwdTerm.length);
      for (let e = 0; e + 1 < fwd.length; e++) {
        for (let i = fwd[e]!, end = fwd[e + 1]!; i < end; i++) post[fill[fwdTerm[i]!]!++] = e * 8 + fwdField[i]!;
        if ((e & STEP) === STEP) yield;
      }
      yield;

      let unsorted: Array<[string, number]> = [];
      for (let i = 0; i < terms.length; i++) {
        const t = terms[i]!;
        if ((i & STEP) === STEP) yield;
        if (t.length < 3 || !NON_ASCII.test(t)) continue;
        for (let k = 1; k <= t.length - 2; k++) unsorted.push([t.slice(k), i]);
      }
      const suffixPairs = yield* sortInSteps(unsorted, (a, b) => byCodeUnits(a[0], b[0]));
      unsorted = [];

      const deletions = new Map<string, number[]>();
      const put = (key: string, t: number) => {
        const list = deletions.get(key);
        if (!list) deletions.set(key, [t]);
        else if (list[list.length - 1] !== t) list.push(t);
    };
    let n = 0;
    for (const word of fuzzyWords) {
      const t = lowerBound(terms, word); // its sorted position
      put(word, t);
      for (let k = 0; k < word.length; k++) put(word.slice(0, k) + word.slice(k + 1), t);
      if ((++n & 1023) === 0) yield;
    }

    return new SearchIndex(
      accounts,
      entryAccount.done(),
      entryContact.done(),
      entryLength.done(),
      terms,
      postStart,
      post,
      fwd,
      fwdTerm,
      fwdField,
      suffixPairs.map((p) => p[0]),
      Int32Array.from(suffixPairs.map((p) => p[1])),
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
      this.matches(rarest!, (entry, s) => {
        if ((checked.get(entry) ?? -1) >= s) return true;
        checked.set(entry, s);
        let sum = s;
        for (let k = 0; k < rest.length; k++) {
          const x = this.scoreOn(entry, rest[k]!, cjk[k]);
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
      const x = this.entryContact[a[0]]! < 0;
      const y = this.entryContact[b[0]]! < 0;
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
    const lo = lowerBound(this.terms, w);
    let n = 0;
    for (let i = lo; i < this.terms.length && i < lo + MAX_TERMS && this.terms[i]!.startsWith(w) && n < MAX_POSTINGS * 4; i++) n += this.postStart[i + 1]! - this.postStart[i]!;
    return n;
  }

  /** How well word `w` matches entry `e` (its best term, times the term's field weight); 0 when not at all. */
  private scoreOn(e: number, w: string, cjk = NON_ASCII.test(w)): number {
    let best = 0;
    for (let i = this.fwdStart[e]!, end = this.fwdStart[e + 1]!; i < end; i++) {
      const field = this.fwdField[i]!;
      const s = termScore(w, this.terms[this.fwdTerm[i]!]!, FUZZY_FIELDS.has(field), cjk) * FIELD_WEIGHT[field]!;
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
    const lo = lowerBound(this.terms, w);
    const range: number[] = [];
    for (let i = lo; i < this.terms.length && range.length < MAX_TERMS && this.terms[i]!.startsWith(w); i++) range.push(i);
    range.sort((a, b) => this.terms[a]!.length - this.terms[b]!.length);
    for (const i of range) {
      if (budget <= 0) return;
      take(i, termScore(w, this.terms[i]!, false, false));
    }

    // Inside a Japanese term (no spaces to split it at): "電機" in ミナト電機, "愛子" in 田中愛子.
    if (NON_ASCII.test(w) && w.length >= 2) {
      for (let i = lowerBound(this.suffixes, w), n = 0; i < this.suffixes.length && n < MAX_TERMS && budget > 0 && this.suffixes[i]!.startsWith(w); i++, n++) {
        const term = this.suffixTerm[i]!;
        take(term, 0.55 + 0.1 * (w.length / this.terms[term]!.length));
      }
    }

    // One edit away (name words of 4+ characters).
    if (w.length >= FUZZY_MIN && w.length <= FUZZY_MAX && budget > 0) {
      const seen = new Set<number>();
      const keys = [w];
      for (let k = 0; k < w.length; k++) keys.push(w.slice(0, k) + w.slice(k + 1));
      for (const key of keys) {
        for (const t of this.deletions.get(key) ?? []) {
          if (budget <= 0) return;
          if (seen.has(t)) continue;
          seen.add(t);
          const term = this.terms[t]!;
          if (term !== w && withinOneEdit(w, term)) take(t, 0.5);
        }
      }
    }
  }
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
