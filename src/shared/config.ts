/**
 * The config file's shape (PRODUCT.md "Config file"), as a valibot schema. Every message is
 * written for the admin who edits the YAML: the server prefixes it with file:line:col and the
 * field path (`baton.config.yaml:14:27 accounts[0].relay[0].person: …`).
 *
 * Cross-references (stage, person and team ids), duplicates and the like are checked by the
 * server after this schema passes each item (src/server/config.ts). Imports only src/shared.
 */
import * as v from 'valibot';
import { LOCALES } from './context';
import { linkProblem } from './links';
import { thousands } from './numbers';

export const CONFIG_VERSION = 1;
export const STAGE_SIDES = ['before', 'self', 'after'] as const;
export type StageSide = (typeof STAGE_SIDES)[number];

export const DEFAULT_RATE_LIMIT = { perSecond: 20, burst: 40 } as const;
export const DEFAULT_AUDIT = { retentionDays: 90 } as const;
/** Thanks one writer (a person, else a shared token) may give in 24 hours: in all, and to one person. */
export const DEFAULT_THANKS_LIMIT = { perDay: 100, perPersonPerDay: 10 } as const;
/** Wrong tokens one source address may send: `burst` at once, then `perMinute`. */
export const DEFAULT_AUTH_FAILURES = { burst: 10, perMinute: 10 } as const;

/** Longest piece of a value an error message quotes: a message never grows with the file. */
export const SHOWN_VALUE_MAX = 60;

/** How a value reads in an error message (long text cut to SHOWN_VALUE_MAX characters). */
export function showValue(x: unknown): string {
  if (x === null) return 'empty';
  if (typeof x === 'string') {
    if (x === '') return 'empty text';
    return x.length > SHOWN_VALUE_MAX ? `${JSON.stringify(x.slice(0, SHOWN_VALUE_MAX))}… (${thousands(x.length)} characters)` : JSON.stringify(x);
  }
  if (Array.isArray(x)) return 'a list';
  if (x instanceof Date) return x.toISOString().slice(0, 10);
  if (typeof x === 'object') return 'a map';
  return String(x);
}

type AnyIssue = { input: unknown };
/** "is missing" when absent, else "should be WHAT, not VALUE". */
const want = (what: string) => (issue: AnyIssue) =>
  issue.input === undefined ? 'is missing' : `should be ${what}, not ${showValue(issue.input)}`;

/**
 * Longest text per kind of field, in UTF-16 units (a 25 MB organisation name would otherwise be
 * in every answer). Checked before any pattern, so an error never quotes a huge value.
 */
export const FIELD_MAX = {
  id: 100,
  name: 200,
  label: 200,
  email: 320,
  link: 2000,
  /** Free text shown in the sidebar: a title, role, industry, society. */
  text: 500,
  /** A hand-off's or next teammate's note. */
  note: 2000,
  pattern: 1000,
  selector: 500,
  path: 1000,
} as const;

/** At most `max` characters; says how long the value is rather than quoting it. */
export const maxChars = (max: number) =>
  v.check((s: string) => s.length <= max, (i) => `is ${thousands(String(i.input).length)} characters long: at most ${thousands(max)}`);

const text = (what = 'text') => v.string(want(what));
const nonEmptyText = (what = 'text', max: number = FIELD_MAX.name) => v.pipe(text(what), maxChars(max), v.trim(), v.minLength(1, 'should not be empty'));
/** Optional free text; an empty value is '', a bare number (note: 2025) reads as text. */
const optText = (max: number = FIELD_MAX.text) =>
  v.optional(
    v.pipe(
      v.nullable(v.union([v.string(), v.number()], want('text'))),
      v.transform((s) => (s === null ? '' : String(s).trim())),
      maxChars(max),
    ),
    '',
  );
const wholeNumber = (what: string) =>
  v.pipe(
    v.number(want(what)),
    v.integer(want(what)),
    v.minValue(0, (i) => `should be 0 or more, not ${showValue(i.input)}`),
  );
const list = <T extends v.GenericSchema>(item: T) => v.array(item, want('a list (one "- item" per line)'));
const optList = <T extends v.GenericSchema>(item: T) =>
  v.optional(v.pipe(v.nullable(list(item)), v.transform((x) => x ?? [])), []);
const map = <T extends v.ObjectEntries>(entries: T) => v.strictObject(entries, want('a map of fields'));
/** A whole number of 1 or more (a limit, a count of days). */
const atLeastOne = (what: string) => v.pipe(wholeNumber(what), v.minValue(1, 'should be 1 or more'));

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const idSchema = v.pipe(
  text('an id'),
  maxChars(FIELD_MAX.id),
  v.regex(ID_PATTERN, (i) => `${showValue(i.input)} is not an id: use letters, digits, ".", "_" or "-" (like customer-success)`),
);

export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const emailSchema = v.pipe(
  text('an email address'),
  maxChars(FIELD_MAX.email),
  v.trim(),
  v.regex(EMAIL_PATTERN, (i) => `${showValue(i.input)} is not an email address`),
);

export const DOMAIN_PATTERN = /^(?=.{1,253}$)[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)+\.?$/u;
export const domainSchema = v.pipe(
  text('a domain'),
  maxChars(FIELD_MAX.name),
  v.trim(),
  v.check(
    (s) => DOMAIN_PATTERN.test(s),
    (i) =>
      `${showValue(i.input)} is not a domain: write it like acme.example.jp (no https://, no @, no path)`,
  ),
);

/** True when `s` is a URL with one of these schemes ('https:', …). */
function hasScheme(s: string, schemes: readonly string[]): boolean {
  try {
    return schemes.includes(new URL(s).protocol);
  } catch {
    return false;
  }
}

/** `https:` or `mailto:` links only, by the same test the sidebar renders with (src/shared/links.ts). */
export const linkSchema = v.pipe(
  text('a link'),
  maxChars(FIELD_MAX.link),
  v.trim(),
  v.check((s) => s === '' || linkProblem(s) === null, (i) => `${showValue(i.input)} ${linkProblem(String(i.input)) ?? 'is not a link'}`),
);

/** A calendar date: 2024-06-15, 2024-06 or 2024 (YAML dates stay text: the loader reads them so). */
export function isValidDate(s: string): boolean {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(s);
  if (!m) return false;
  const [, y, mo, d] = m;
  if (mo === undefined) return true;
  const month = Number(mo);
  if (month < 1 || month > 12) return false;
  if (d === undefined) return true;
  const day = Number(d);
  const last = new Date(Date.UTC(Number(y), month, 0)).getUTCDate();
  return day >= 1 && day <= last;
}
export const dateSchema = v.pipe(
  v.union([v.string(), v.number()], want('a date like 2024-06-15')),
  v.transform((x) => String(x).trim()),
  // '' is "no date": what an omitted `at:` defaults to (valibot runs a default through the pipe).
  v.check((s) => s === '' || isValidDate(s), (i) => `${showValue(i.input)} is not a date: write it like 2024-06-15 (or 2024-06)`),
);

/** Where notifications go: an http(s) URL (a Slack, Mattermost or Teams incoming webhook). */
export const webhookSchema = v.pipe(
  text('a webhook URL'),
  maxChars(FIELD_MAX.link),
  v.trim(),
  v.check((s) => hasScheme(s, ['https:', 'http:']), (i) => `${showValue(i.input)} is not an https:// (or http://) URL`),
);

export const SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;
export const sha256Schema = v.pipe(
  v.string((i) =>
    i.input === undefined
      ? 'is missing'
      : `should be quoted text of 64 hex characters (put it in quotes: '…'), not ${showValue(i.input)}`,
  ),
  v.trim(),
  v.check(
    (s) => SHA256_PATTERN.test(s),
    (i) => {
      const s = String(i.input);
      return `should be 64 hex characters (the SHA-256 of the token, from \`npx baton hash-token\`), not ${s.length} characters${/[^0-9a-fA-F]/.test(s) ? ' with non-hex ones' : ''}`;
    },
  ),
  v.toLowerCase(),
);

export const LabelSchema = v.pipe(
  v.union(
    [
      v.pipe(v.string(), v.maxLength(FIELD_MAX.label), v.trim(), v.minLength(1)),
      v.strictObject({
        en: v.optional(v.pipe(v.string(), v.maxLength(FIELD_MAX.label), v.trim(), v.minLength(1))),
        ja: v.optional(v.pipe(v.string(), v.maxLength(FIELD_MAX.label), v.trim(), v.minLength(1))),
      }),
    ],
    (i) =>
      i.input === undefined
        ? 'is missing'
        : `should be text of at most ${FIELD_MAX.label} characters, or { en: …, ja: … } with at least one of them, not ${showValue(i.input)}`,
  ),
  v.transform((l) => (typeof l === 'string' ? { en: l, ja: l } : l)),
  v.check((l) => !!(l.en || l.ja), 'should have at least one of en, ja'),
);

export const StageConfigSchema = map({
  id: idSchema,
  side: v.picklist(STAGE_SIDES, want('one of before, self, after')),
  label: LabelSchema,
  /** Optional colour for the sidebar's relay dot, like '#3b82f6'. */
  color: v.optional(
    v.pipe(text('a colour'), v.regex(/^#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?$/, (i) => `${showValue(i.input)} is not a colour like '#3b82f6' (quote it)`)),
  ),
});

/** A person's title: text, or { en: …, ja: … } so each UI language gets its own ('' when absent). */
export const TitleSchema = v.optional(
  v.pipe(
    v.nullable(
      v.union(
        [
          v.pipe(v.union([v.string(), v.number()]), v.transform((s) => String(s).trim())),
          v.strictObject({ en: v.optional(v.pipe(v.string(), v.trim())), ja: v.optional(v.pipe(v.string(), v.trim())) }),
        ],
        (i) => `should be text, or { en: …, ja: … }, not ${showValue(i.input)}`,
      ),
    ),
    v.transform((t): string | { en?: string; ja?: string } => t ?? ''),
  ),
  '',
);

export const PersonConfigSchema = map({
  id: idSchema,
  name: nonEmptyText('a name'),
  email: v.optional(emailSchema),
  stage: v.optional(idSchema),
  title: TitleSchema,
  chat: v.optional(linkSchema, ''),
});

export const HandoffConfigSchema = map({
  stage: idSchema,
  person: v.optional(idSchema),
  at: v.optional(dateSchema, ''),
  note: optText(FIELD_MAX.note),
});

export const NextConfigSchema = map({
  stage: idSchema,
  person: idSchema,
  note: optText(FIELD_MAX.note),
});

export const TeamConfigSchema = map({
  id: idSchema,
  name: nonEmptyText('a team name'),
  members: v.optional(wholeNumber('a whole number of people'), 0),
});

export const ContactConfigSchema = map({
  email: emailSchema,
  name: optText(),
  team: v.optional(idSchema),
  role: optText(),
});

/** How an account is doing, as the account card shows it (imports map Green/Yellow/Red and scores to these). */
export const HEALTH_LEVELS = ['good', 'watch', 'at-risk'] as const;
export type HealthLevel = (typeof HEALTH_LEVELS)[number];

/** An open deal on the account card: what is being sold or renewed now. */
export const DealConfigSchema = map({
  name: nonEmptyText('a deal name'),
  stage: optText(),
  /** When it is expected to close. */
  close: v.optional(dateSchema, ''),
  /** Its value as the CRM writes it (free text: "¥1,200,000", "$12k"). */
  amount: optText(),
});

export const AccountConfigSchema = map({
  id: idSchema,
  name: nonEmptyText('a company name'),
  aliases: optList(nonEmptyText('a company name')),
  domains: optList(domainSchema),
  employees: v.optional(wholeNumber('a whole number of people (like 1200, without commas)'), 0),
  industry: optText(),
  society: optText(),
  relay: optList(HandoffConfigSchema),
  next: optList(NextConfigSchema),
  teams: optList(TeamConfigSchema),
  contacts: optList(ContactConfigSchema),
  /** Account card (optional): the plan, the renewal date, health, open deals. */
  plan: v.optional(v.pipe(v.union([v.string(), v.number()], want('text')), v.transform((s) => String(s).trim()))),
  renewal: v.optional(dateSchema),
  health: v.optional(v.picklist(HEALTH_LEVELS, want(`one of ${HEALTH_LEVELS.join(', ')}`))),
  deals: v.optional(list(DealConfigSchema)),
  /**
   * Changes on this account need the requester verified first (a bank, a hospital): true, or
   * text saying how (「登録電話番号へ折り返して確認」). The sidebar shows it before the relay.
   */
  verify: v.optional(
    v.pipe(
      v.union([v.boolean(), v.string()], want('true, or text saying how to verify')),
      v.transform((x) => (typeof x === 'string' ? x.trim() || true : x)),
    ),
  ),
});

/** A product keyword: text (case- and width-insensitive; whole words for Latin text), or /a regex/flags. */
export const KeywordSchema = v.pipe(
  v.union([v.string(), v.number()], want('text or /a regular expression/')),
  v.transform((s) => String(s).trim()),
  v.check((s) => s !== '', 'should not be empty'),
  v.check(
    (s) => {
      const m = /^\/(.+)\/([a-z]*)$/s.exec(s);
      if (!m) return true;
      try {
        new RegExp(m[1]!, m[2]);
        return true;
      } catch {
        return false;
      }
    },
    (i) => `${showValue(i.input)} is not a valid /regular expression/flags`,
  ),
);

/**
 * A product area (`products:`): who built it and who takes its bugs. A ticket whose subject has
 * one of its keywords (or whose desk tags include one of them or of its `tags`) shows the
 * builders first in "before" and the owner among the teammates "after".
 */
export const ProductConfigSchema = map({
  id: idSchema,
  name: LabelSchema,
  keywords: optList(KeywordSchema),
  /** Desk tags or labels that mean this area (compared like keywords, whole tags). */
  tags: optList(nonEmptyText('a tag')),
  /** people[].id of who built it; the first is named on the hand-off. */
  builtBy: list(idSchema),
  /** people[].id of who takes its bugs and requests. */
  owner: v.optional(idSchema),
  /** The builders' stage, when the first builder's own `stage` is not it. */
  stage: v.optional(idSchema),
});

export const TokenConfigSchema = map({
  name: nonEmptyText('a token name'),
  sha256: sha256Schema,
  /** The person (people[].id) who uses this token, shown by "Test connection". */
  person: v.optional(idSchema),
});

export const AdapterConfigSchema = map({
  id: v.pipe(
    text('an id'),
    v.regex(/^[a-z0-9][a-z0-9-]*$/, (i) => `${showValue(i.input)} is not an adapter id: lowercase letters, digits and dashes`),
  ),
  label: nonEmptyText('a label'),
  urlPattern: v.pipe(
    nonEmptyText('a regular expression', FIELD_MAX.pattern),
    v.check(
      (s) => {
        try {
          new RegExp(s);
          return true;
        } catch {
          return false;
        }
      },
      (i) => `${showValue(i.input)} is not a valid regular expression`,
    ),
  ),
  selectors: map({
    email: v.optional(nonEmptyText('a CSS selector', FIELD_MAX.selector)),
    name: v.optional(nonEmptyText('a CSS selector', FIELD_MAX.selector)),
    org: v.optional(nonEmptyText('a CSS selector', FIELD_MAX.selector)),
    subject: v.optional(nonEmptyText('a CSS selector', FIELD_MAX.selector)),
    /** Each tag or label of the ticket (its text): product areas match on them. */
    tags: v.optional(nonEmptyText('a CSS selector', FIELD_MAX.selector)),
    pane: v.optional(nonEmptyText('a CSS selector', FIELD_MAX.selector)),
  }),
});

export const IMPORT_SOURCES = ['salesforce', 'hubspot', 'pipedrive', 'zoho', 'csv'] as const;
export type ImportSource = (typeof IMPORT_SOURCES)[number];
/** The CRM roles an import maps to stages (docs/import.md); 'team:<role>' adds Salesforce account-team roles. */
export const IMPORT_ROLES = ['source', 'lead-owner', 'deal-owner', 'account-owner'] as const;
export type ImportRole = (typeof IMPORT_ROLES)[number];
export const IMPORT_ENCODINGS = ['auto', 'utf-8', 'cp932', 'shift_jis', 'utf-16le'] as const;

/** One CRM export to read (`imports:`): where it is, and which stage each CRM role is. */
export const ImportConfigSchema = map({
  from: v.picklist(IMPORT_SOURCES, want(`one of ${IMPORT_SOURCES.join(', ')}`)),
  /** A folder of CSV files, one .csv, or a .zip; relative to the config file's folder. */
  path: nonEmptyText('a file or folder path', FIELD_MAX.path),
  stages: v.pipe(
    v.record(v.string(), idSchema, want('a map of CRM role → stage id (source: marketing, deal-owner: sales, …)')),
    v.check(
      (r) => Object.keys(r).every((k) => (IMPORT_ROLES as readonly string[]).includes(k) || /^team:.+/.test(k)),
      (i) => {
        const bad = Object.keys(i.input as Record<string, unknown>).filter((k) => !(IMPORT_ROLES as readonly string[]).includes(k) && !/^team:.+/.test(k));
        return `unknown role ${bad.map((b) => `"${b}"`).join(', ')}: the roles are ${IMPORT_ROLES.join(', ')} (and 'team:<Salesforce TeamMemberRole>')`;
      },
    ),
  ),
  /** Header → field, for custom fields and renamed or translated headers (docs/import.md). */
  columns: v.optional(v.pipe(v.nullable(v.record(v.string(), nonEmptyText('a field name'), want('a map of header → field'))), v.transform((x) => x ?? {})), {}),
  /** The column that says how many people at the client use the product. */
  employees: v.optional(nonEmptyText('a column name')),
  encoding: v.optional(v.picklist(IMPORT_ENCODINGS, want(`one of ${IMPORT_ENCODINGS.join(', ')}`)), 'auto'),
  /** Account ids are this prefix + the CRM's id (default: the CRM's name and a dash, e.g. hubspot-123). */
  idPrefix: v.optional(v.pipe(text('an id prefix'), maxChars(FIELD_MAX.id), v.regex(/^[A-Za-z0-9._-]*$/, (i) => `${showValue(i.input)} is not an id prefix: letters, digits, ".", "_" or "-"`))),
});

export const ConfigSchema = map({
  version: v.literal(CONFIG_VERSION, (i) =>
    i.input === undefined
      ? `is missing: add "version: ${CONFIG_VERSION}" at the top`
      : `${showValue(i.input)} is not supported: this Baton reads version ${CONFIG_VERSION}`,
  ),
  organization: map({
    name: nonEmptyText('a name'),
    defaultLocale: v.optional(v.picklist(LOCALES, want('ja or en')), 'en'),
  }),
  stages: list(StageConfigSchema),
  people: optList(PersonConfigSchema),
  accounts: optList(AccountConfigSchema),
  tokens: optList(TokenConfigSchema),
  rateLimit: v.optional(
    map({
      perSecond: v.optional(
        v.pipe(v.number(want('a number of requests')), v.gtValue(0, 'should be more than 0')),
        DEFAULT_RATE_LIMIT.perSecond,
      ),
      burst: v.optional(
        atLeastOne('a whole number of requests'),
        DEFAULT_RATE_LIMIT.burst,
      ),
    }),
    { ...DEFAULT_RATE_LIMIT },
  ),
  thanksLimit: v.optional(
    map({
      perDay: v.optional(atLeastOne('a whole number of thanks'), DEFAULT_THANKS_LIMIT.perDay),
      perPersonPerDay: v.optional(
        atLeastOne('a whole number of thanks'),
        DEFAULT_THANKS_LIMIT.perPersonPerDay,
      ),
    }),
    { ...DEFAULT_THANKS_LIMIT },
  ),
  authFailures: v.optional(
    map({
      burst: v.optional(atLeastOne('a whole number of requests'), DEFAULT_AUTH_FAILURES.burst),
      perMinute: v.optional(v.pipe(v.number(want('a number of requests')), v.gtValue(0, 'should be more than 0')), DEFAULT_AUTH_FAILURES.perMinute),
    }),
    { ...DEFAULT_AUTH_FAILURES },
  ),
  /** Behind a reverse proxy: take the client's address from the last X-Forwarded-For entry (for the wrong-token throttle). */
  trustProxy: v.optional(v.boolean(want('true or false')), false),
  audit: v.optional(
    map({
      retentionDays: v.optional(
        atLeastOne('a whole number of days'),
        DEFAULT_AUDIT.retentionDays,
      ),
    }),
    { ...DEFAULT_AUDIT },
  ),
  /** Where agents' notes and thanks are kept: a SQLite file (relative to this file), or postgres://user:pass@host/db for several instances. */
  store: v.optional(
    v.pipe(
      nonEmptyText('a SQLite file path or a postgres:// URL', FIELD_MAX.link),
      v.check(
        (s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^postgres(?:ql)?:\/\/[^/]/i.test(s),
        (i) => `${showValue(String(i.input).replace(/:[^:@/]*@/, ':…@'))} is not a store: give a SQLite file path (like .baton/baton.db) or postgres://user:password@host/database`,
      ),
    ),
  ),
  adapters: optList(AdapterConfigSchema),
  /** CRM exports whose accounts, contacts, people and hand-offs join the config's (docs/import.md). */
  imports: optList(ImportConfigSchema),
  /** Product areas: who built what a ticket is about, and who takes its bugs. */
  products: optList(ProductConfigSchema),
  /** More free-mail domains (added to the built-in list): a match there says "verify who this is". */
  freemail: optList(domainSchema),
  /** Where "Hand to sales" sends an unknown requester by default: `leads: { stage: inside-sales }`. */
  leads: v.optional(map({ stage: idSchema })),
  /** Where thanks are announced: `notifications: { webhook: https://hooks.slack.com/… }`. */
  notifications: v.optional(
    v.pipe(
      v.nullable(map({ webhook: v.optional(webhookSchema) })),
      v.transform((n): { webhook: string | null } => ({ webhook: n?.webhook ?? null })),
    ),
    null,
  ),
});

export type BatonConfig = v.InferOutput<typeof ConfigSchema>;
export type StageConfig = v.InferOutput<typeof StageConfigSchema>;
export type PersonConfig = v.InferOutput<typeof PersonConfigSchema>;
export type AccountConfig = v.InferOutput<typeof AccountConfigSchema>;
export type ContactConfig = v.InferOutput<typeof ContactConfigSchema>;
export type TeamConfig = v.InferOutput<typeof TeamConfigSchema>;
export type TokenConfig = v.InferOutput<typeof TokenConfigSchema>;
export type ImportConfig = v.InferOutput<typeof ImportConfigSchema>;
export type HandoffConfig = v.InferOutput<typeof HandoffConfigSchema>;
export type NextConfig = v.InferOutput<typeof NextConfigSchema>;
export type ProductConfig = v.InferOutput<typeof ProductConfigSchema>;
export type DealConfig = v.InferOutput<typeof DealConfigSchema>;
