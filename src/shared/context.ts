/**
 * The v1 context API's response shapes (PRODUCT.md "HTTP API"), shared by the server (which
 * builds them) and the extension (which validates every answer before trusting it).
 * Imports nothing from the rest of src.
 */
import * as v from 'valibot';
import { thousands } from './numbers';

export const MATCH_KINDS = ['email', 'domain', 'org', 'none'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

export const IMPACT_LEVELS = ['contact', 'team', 'company', 'society', 'teammate'] as const;
export type ImpactLevel = (typeof IMPACT_LEVELS)[number];

export const LOCALES = ['ja', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const StageRefSchema = v.object({
  id: v.string(),
  label: v.string(),
  /** The stage's `color` from the config ('#3b82f6'), '' when it has none. */
  color: v.optional(v.string(), ''),
});
export type StageRef = v.InferOutput<typeof StageRefSchema>;

/** A person on the relay. Empty strings where the config has no value. */
export const PersonSchema = v.object({
  id: v.string(),
  name: v.string(),
  email: v.string(),
  title: v.string(),
  chat: v.string(),
  /** How many thanks this person has received (issue "pass the baton"); 0 until then. */
  thanks: v.optional(v.number(), 0),
});
export type Person = v.InferOutput<typeof PersonSchema>;

export const HandoffSchema = v.object({
  stage: StageRefSchema,
  person: v.nullable(PersonSchema),
  at: v.string(),
  note: v.string(),
});
export type Handoff = v.InferOutput<typeof HandoffSchema>;

export const ImpactSchema = v.object({
  level: v.picklist(IMPACT_LEVELS),
  label: v.string(),
  /** People reached at this level (team members, employees using the product); 0 when unknown. */
  count: v.number(),
  /** Only for `teammate`: who takes the account next. `null` on the other levels. */
  person: v.nullable(PersonSchema),
  /** Stage of the teammate (e.g. customer-success); null on the other levels. */
  stage: v.optional(v.nullable(StageRefSchema), null),
  note: v.string(),
});
export type Impact = v.InferOutput<typeof ImpactSchema>;

/** An open deal on the account card. */
export const DealSchema = v.object({ name: v.string(), stage: v.string(), close: v.string(), amount: v.string() });
export type Deal = v.InferOutput<typeof DealSchema>;

export const AccountSchema = v.object({
  id: v.string(),
  name: v.string(),
  employees: v.number(),
  industry: v.string(),
  society: v.string(),
  /** Account card (issue 10), each only when the config or an import has it. */
  plan: v.optional(v.string()),
  /** YYYY-MM-DD (or YYYY-MM): the next renewal; the sidebar counts down to it, or says overdue. */
  renewal: v.optional(v.string()),
  health: v.optional(v.picklist(['good', 'watch', 'at-risk'])),
  deals: v.optional(v.array(DealSchema)),
});
export type Account = v.InferOutput<typeof AccountSchema>;

export const ContactSchema = v.object({
  email: v.string(),
  name: v.string(),
  role: v.string(),
  team: v.nullable(v.object({ name: v.string(), members: v.number() })),
});
export type Contact = v.InferOutput<typeof ContactSchema>;

export const NoteSchema = v.object({
  id: v.string(),
  text: v.string(),
  ticket: v.string(),
  author: v.string(),
  at: v.string(),
  /** Written by the caller (token person, else `?author=`): the sidebar offers delete on these. */
  mine: v.optional(v.boolean(), false),
  /**
   * true: written through a token that names a person, so `author` is that person (the server
   * vouches for it). false: written through a shared token (no person): `author` is the name the
   * agent's extension sent, which the server cannot check — show it as such.
   */
  verified: v.optional(v.boolean()),
});
export type Note = v.InferOutput<typeof NoteSchema>;

/** Longest note text, in characters (Unicode code points). */
export const NOTE_MAX_CHARS = 2000;
/** Longest ticket id, author / from name, and thanks message, in characters. */
export const TICKET_MAX_CHARS = 200;
export const AUTHOR_MAX_CHARS = 100;
export const THANKS_MESSAGE_MAX_CHARS = 500;
/** A second thanks from the same writer to the same person for the same ticket within this window is the same thanks. */
export const THANKS_DEDUPE_MS = 60_000;

const chars = (s: string) => [...s].length;
/** Optional trimmed text of at most `max` characters; absent, null and '' all read as ''. */
const optionalText = (field: string, max: number, singleLine = true) =>
  v.optional(
    v.pipe(
      v.nullable(v.string(`${field} should be text`)),
      v.transform((s) => (s ?? '').trim()),
      v.check((s) => chars(s) <= max, `${field} should be at most ${thousands(max)} characters`),
      v.check((s) => !singleLine || !/[\u0000-\u001f\u007f]/.test(s), `${field} should be one line of text`),
    ),
    '',
  );

/** A request body's message for a missing field (valibot reports those on the object). */
const missingField = (issue: v.ObjectIssue) => {
  const key = issue.path?.[issue.path.length - 1]?.key;
  return issue.input === undefined && typeof key === 'string' ? `${key} is missing` : 'the body should be a JSON object';
};

/** `POST /v1/accounts/{id}/notes` body. `author` is ignored when the token names a person. */
export const NoteRequestSchema = v.object({
  text: v.pipe(
    v.string('text should be text'),
    v.transform((s) => s.trim()),
    v.check((s) => chars(s) >= 1, 'text should not be empty'),
    v.check((s) => chars(s) <= NOTE_MAX_CHARS, `text should be at most ${thousands(NOTE_MAX_CHARS)} characters`),
  ),
  ticket: optionalText('ticket', TICKET_MAX_CHARS),
  author: optionalText('author', AUTHOR_MAX_CHARS),
}, missingField);
export type NoteRequest = v.InferInput<typeof NoteRequestSchema>;

/**
 * `POST /v1/accounts/{id}/notes` → 201. `deleteKey` only for a shared token (no person): the one
 * secret that lets the writer delete this note later (`DELETE /v1/notes/{id}` with
 * `X-Baton-Delete-Key`); shown once, stored by the server only as its SHA-256.
 */
export const NoteResponseSchema = v.object({ note: NoteSchema, deleteKey: v.optional(v.string()) });
export type NoteResponse = v.InferOutput<typeof NoteResponseSchema>;

/** `GET /v1/accounts/{id}/notes?limit=&before=` → newest first; `next` is the `before` of the next page, null on the last. */
export const NotesPageSchema = v.object({ notes: v.array(NoteSchema), next: v.nullable(v.string()) });
export type NotesPage = v.InferOutput<typeof NotesPageSchema>;

/** `DELETE /v1/notes/{id}` → 200. */
export const NoteDeletedSchema = v.object({ deleted: v.string() });
export type NoteDeleted = v.InferOutput<typeof NoteDeletedSchema>;

/** `POST /v1/thanks` body. `from` is ignored when the token names a person. */
export const ThanksRequestSchema = v.object({
  to: v.pipe(
    v.string('to should be a person id'),
    v.transform((s) => s.trim()),
    v.check((s) => s.length >= 1 && s.length <= 200, 'to should be a person id'),
  ),
  /** The account the ticket is about (account.id from /v1/context), named in the notification. */
  account: optionalText('account', 200),
  ticket: optionalText('ticket', TICKET_MAX_CHARS),
  message: optionalText('message', THANKS_MESSAGE_MAX_CHARS, false),
  from: optionalText('from', AUTHOR_MAX_CHARS),
}, (issue) => (missingField(issue) === 'to is missing' ? 'to is missing: give the person id (people[].id)' : missingField(issue)));
export type ThanksRequest = v.InferInput<typeof ThanksRequestSchema>;

export const ThanksSchema = v.object({
  id: v.string(),
  /** people[].id of the thanked person. */
  to: v.string(),
  from: v.string(),
  account: v.string(),
  ticket: v.string(),
  message: v.string(),
  at: v.string(),
  /** As Note.verified: true when given through a token that names a person. */
  verified: v.optional(v.boolean()),
});
export type Thanks = v.InferOutput<typeof ThanksSchema>;

/** The header a shared-token writer sends a note's delete key in. */
export const DELETE_KEY_HEADER = 'X-Baton-Delete-Key';

/** `POST /v1/thanks` → 201 (new) or 200 (the same thanks again within 60 s). `total`: the person's thanks count now. */
export const ThanksResponseSchema = v.object({ thanks: ThanksSchema, total: v.number() });
export type ThanksResponse = v.InferOutput<typeof ThanksResponseSchema>;

/** Why a match asks the agent to verify who the requester is. */
export const VERIFY_REASONS = ['org', 'freemail', 'account'] as const;
export type VerifyReason = (typeof VERIFY_REASONS)[number];

export const MatchSchema = v.object({
  by: v.picklist(MATCH_KINDS),
  /**
   * True when the match is by company name or by a free-mail domain, or the account asks for
   * changes to be verified: the sidebar says "verify who this is" before the relay.
   */
  verify: v.optional(v.boolean()),
  /** What makes it uncertain (with verify): org, freemail, account. */
  reasons: v.optional(v.array(v.picklist(VERIFY_REASONS))),
  /** The requester's email domain when it is a free-mail one (anyone can have an address there). */
  freemail: v.optional(v.string()),
  /** The account's own words on how to verify (config `verify: text`). */
  note: v.optional(v.string()),
  /** The email was linked to the account by an agent ("This is <account>"), not listed in the config. */
  linked: v.optional(v.object({ by: v.string(), at: v.string() })),
});
export type Match = v.InferOutput<typeof MatchSchema>;

/** A product area a ticket is about (config `products:`). */
export const ProductRefSchema = v.object({ id: v.string(), name: v.string() });

/** Where "Hand to sales" can send an unknown requester: the before-stages with people. */
export const LeadStagesSchema = v.object({
  stages: v.array(v.object({ id: v.string(), label: v.string(), people: v.array(v.object({ id: v.string(), name: v.string() })) })),
  /** The stage chosen by default (config `leads.stage`, else inside sales or sales). */
  default: v.string(),
});
export type LeadStages = v.InferOutput<typeof LeadStagesSchema>;

export const ContextResponseSchema = v.object({
  match: MatchSchema,
  /** The vendor running Baton (config `organization`). */
  organization: v.optional(v.object({ name: v.string() }), { name: '' }),
  /** The stage with `side: self` (support): where the "you are here" marker goes. */
  self: v.optional(v.nullable(StageRefSchema), null),
  account: v.nullable(AccountSchema),
  contact: v.nullable(ContactSchema),
  before: v.array(HandoffSchema),
  after: v.array(ImpactSchema),
  /** Latest notes left for the account (issue "pass the baton"); [] until then. */
  notes: v.optional(v.array(NoteSchema), []),
  /** Present only when the store did not answer: notes are [] and thanks 0 for now, the rest is complete. */
  writeBack: v.optional(v.literal('unavailable')),
  /** Locale the labels are in. */
  lang: v.optional(v.picklist(LOCALES), 'en'),
  /** The product area the ticket is about (its builders lead `before`), when one matched. */
  product: v.optional(v.nullable(ProductRefSchema)),
  /** Nothing matched: where "Hand to sales" can send this requester. */
  leads: v.optional(LeadStagesSchema),
});
export type ContextResponse = v.InferOutput<typeof ContextResponseSchema>;

/** What the extension asks `/v1/context` with. All optional; at least one of email/domain/org. */
export interface ContextQuery {
  email?: string;
  domain?: string;
  org?: string;
  ticket?: string;
  lang?: Locale;
  /** The agent's name, so the answer marks their own notes (`mine`); the background adds it. */
  author?: string;
  /** The ticket's subject: product areas are matched on it. */
  subject?: string;
  /** The desk's tags or labels on the ticket, comma-separated. */
  tags?: string;
}

/** `GET /v1/search?q=&limit=`: accounts and contacts, best first. */
export const SearchResultSchema = v.object({
  kind: v.picklist(['account', 'contact']),
  account: v.object({ id: v.string(), name: v.string() }),
  contact: v.optional(v.object({ email: v.string(), name: v.string() })),
  /** 0–1: 1 is an exact name or email. */
  score: v.number(),
});
export type SearchResult = v.InferOutput<typeof SearchResultSchema>;
export const SearchResponseSchema = v.object({ results: v.array(SearchResultSchema) });
export type SearchResponse = v.InferOutput<typeof SearchResponseSchema>;
export const SEARCH_MAX_CHARS = 200;
export const SEARCH_LIMIT_DEFAULT = 8;
export const SEARCH_LIMIT_MAX = 50;

/** `POST /v1/links`: "This is <account>" — the requester's email belongs to that account. */
export const LinkRequestSchema = v.object({
  email: v.pipe(
    v.string('email should be text'),
    v.transform((s) => s.trim()),
    v.check((s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) && s.length <= 320, 'email should be an email address'),
  ),
  account: v.pipe(v.string('account should be an account id'), v.transform((s) => s.trim()), v.check((s) => s.length >= 1 && s.length <= 200, 'account should be an account id')),
  name: optionalText('name', AUTHOR_MAX_CHARS),
  ticket: optionalText('ticket', TICKET_MAX_CHARS),
  author: optionalText('author', AUTHOR_MAX_CHARS),
}, missingField);
export type LinkRequest = v.InferInput<typeof LinkRequestSchema>;

export const LinkSchema = v.object({
  email: v.string(),
  account: v.string(),
  /** The requester's name as the desk showed it. */
  name: v.string(),
  ticket: v.string(),
  /** Who linked it. */
  by: v.string(),
  at: v.string(),
});
export type Link = v.InferOutput<typeof LinkSchema>;
export const LinkResponseSchema = v.object({ link: LinkSchema });
export const LinksResponseSchema = v.object({ links: v.array(LinkSchema) });

/** `POST /v1/handoffs`: "Hand to sales" — an unknown requester handed to a stage's people through the webhook. */
export const HandoffRequestSchema = v.object({
  stage: v.pipe(v.string('stage should be a stage id'), v.transform((s) => s.trim()), v.check((s) => s.length >= 1 && s.length <= 200, 'stage should be a stage id')),
  note: v.pipe(
    v.string('note should be text'),
    v.transform((s) => s.trim()),
    v.check((s) => chars(s) >= 1, 'note should not be empty'),
    v.check((s) => chars(s) <= NOTE_MAX_CHARS, `note should be at most ${thousands(NOTE_MAX_CHARS)} characters`),
  ),
  email: optionalText('email', 320),
  name: optionalText('name', AUTHOR_MAX_CHARS),
  org: optionalText('org', 200),
  ticket: optionalText('ticket', TICKET_MAX_CHARS),
  subject: optionalText('subject', 500),
  /** The ticket's address (http/https only; anything else is dropped). */
  url: optionalText('url', 2000),
  author: optionalText('author', AUTHOR_MAX_CHARS),
}, missingField);
export type HandoffRequest = v.InferInput<typeof HandoffRequestSchema>;

export const HandoffResponseSchema = v.object({
  handoff: v.object({ id: v.string(), stage: StageRefSchema, to: v.array(v.string()), at: v.string() }),
});
export type HandoffResponse = v.InferOutput<typeof HandoffResponseSchema>;

/** An adapter an admin declares in the config (PRODUCT.md, `adapters:`). */
export const DeclaredAdapterSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]*$/, 'an id of lowercase letters, digits and dashes')),
  label: v.string(),
  urlPattern: v.string(),
  selectors: v.object({
    email: v.optional(v.string()),
    name: v.optional(v.string()),
    org: v.optional(v.string()),
    subject: v.optional(v.string()),
    tags: v.optional(v.string()),
    /** The element that holds the ticket; the sidebar waits for it. */
    pane: v.optional(v.string()),
  }),
});
export type DeclaredAdapter = v.InferOutput<typeof DeclaredAdapterSchema>;

export const AdaptersResponseSchema = v.object({ adapters: v.array(DeclaredAdapterSchema) });
export type AdaptersResponse = v.InferOutput<typeof AdaptersResponseSchema>;

/** `GET /v1/whoami`: what "Test connection" shows. */
export const WhoAmIResponseSchema = v.object({
  organization: v.object({ name: v.string() }),
  token: v.object({ name: v.string(), person: v.optional(v.nullable(v.string()), null) }),
});
export type WhoAmIResponse = v.InferOutput<typeof WhoAmIResponseSchema>;

export const ErrorResponseSchema = v.object({
  error: v.object({ code: v.string(), message: v.string() }),
});
export type ErrorResponse = v.InferOutput<typeof ErrorResponseSchema>;
