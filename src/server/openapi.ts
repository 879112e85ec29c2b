/** The OpenAPI 3.1 description of the context API, served at /v1/openapi.json. Hand-written. */

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (name: string) => ({ oneOf: [ref(name), { type: 'null' }] });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const badRequest = (what: string) => error(`${what}; or the body is not a JSON object.`);
const jsonBody = (name: string) => ({ required: true, content: { 'application/json': { schema: ref(name) } } });
const idParam = (description: string) => ({ name: 'id', in: 'path', required: true, schema: str, description });
const authorParam = {
  name: 'author',
  in: 'query',
  schema: { type: 'string', maxLength: 100 },
  description: 'The caller\'s name (the extension\'s agentName) when the token names no person: decides `mine`, and who may delete.',
};
const writeErrors = {
  '413': error('The body is over the size limit (64 KiB).'),
  '415': error('The body is not sent as application/json.'),
  '503': error('`store_unavailable`: the store (PostgreSQL) does not answer; nothing was changed. Retry after Retry-After seconds.'),
  '507': error('`store_full`: the store\'s disk is full (SQLITE_FULL, ENOSPC, PostgreSQL 53100); nothing was changed. /healthz says `degraded` with `store.problem: "full"` until a write succeeds.'),
};
const authErrors = {
  '401': error('Missing or unknown bearer token.'),
  '429': {
    ...error('`rate_limited`: too many requests for this token; or `too_many_failures`: too many wrong tokens from this address (its requests are not checked until Retry-After). See Retry-After.'),
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Baton context API',
    version: '1',
    description:
      'Who passed this ticket to support, and who the answer reaches. Data comes from the admin\'s YAML config; every /v1 route needs `Authorization: Bearer <token>`.',
  },
  security: [{ bearer: [] }],
  paths: {
    '/healthz': {
      get: {
        summary: 'Liveness and the loaded config: status and counts only',
        description: 'No token needed, so it says no more than a monitor needs: no error texts, values, paths or store address. The details are GET /v1/status.',
        security: [],
        responses: { '200': json(ref('Health'), 'The config is loaded.') },
      },
    },
    '/v1/status': {
      get: {
        summary: 'Health with the details: the reload errors, the imports, the store\'s place and errors',
        description: 'What /healthz says, plus the file name, each reload error (at most 50, with the whole count), what each import read, where the store is and why it does not answer, and the webhook\'s last error.',
        responses: { '200': json(ref('Status'), 'The config is loaded.'), ...authErrors },
      },
    },
    '/v1/context': {
      get: {
        summary: 'The relay around one customer',
        description:
          'Matches in order: contact email (case-insensitive); the email\'s domain and its parent domains; the `domain` parameter and its parents; the company name (Unicode NFKC, case, width, spaces and legal-entity words such as 株式会社 or Inc. ignored); else none. Give at least one of email, domain, org.',
        parameters: [
          { name: 'email', in: 'query', schema: { type: 'string', maxLength: 320 }, description: 'Requester email.' },
          { name: 'domain', in: 'query', schema: { type: 'string', maxLength: 253 }, description: 'A domain (parents are tried too).' },
          { name: 'org', in: 'query', schema: { type: 'string', maxLength: 200 }, description: 'Company name as the help desk shows it.' },
          { name: 'ticket', in: 'query', schema: { type: 'string', maxLength: 200 }, description: 'Ticket id, kept in the audit trail.' },
          { name: 'lang', in: 'query', schema: { type: 'string', enum: ['ja', 'en'] }, description: 'Label language; else Accept-Language; else the config\'s organization.defaultLocale.' },
          { name: 'subject', in: 'query', schema: { type: 'string', maxLength: 500 }, description: 'The ticket\'s subject: a product area (config `products:`) whose keyword it has puts its builders first in `before` and its owner first among the teammates.' },
          { name: 'tags', in: 'query', schema: { type: 'string', maxLength: 1000 }, description: 'The desk\'s tags or labels, comma-separated: matched against the product areas\' `tags` and keywords.' },
        ],
        responses: {
          '200': json(ref('Context'), 'Always 200 when the query is well-formed; `match.by` is `none` and account/contact are null when nothing matched.'),
          '400': error('No email, domain or org; a parameter too long; or lang not ja/en.'),
          ...authErrors,
        },
      },
    },
    '/v1/adapters': {
      get: { summary: 'Help-desk adapters declared in the config', responses: { '200': json(ref('Adapters'), 'The config\'s adapters.'), ...authErrors } },
    },
    '/v1/whoami': {
      get: { summary: 'Who this token is (the extension\'s "Test connection")', responses: { '200': json(ref('WhoAmI'), 'The organization and the token\'s name.'), ...authErrors } },
    },
    '/v1/accounts/{id}/notes': {
      post: {
        summary: 'Leave a note on an account for whoever takes it next',
        description:
          'The author is the token\'s `person` when the config names one (a given `author` is then ignored), else `author`, else the token\'s name. Acknowledged only once the note is on disk.',
        parameters: [idParam('accounts[].id from the config')],
        requestBody: jsonBody('NoteRequest'),
        responses: {
          '201': json(ref('NoteResponse'), 'The note, stored.'),
          '400': badRequest('Bad JSON; text empty or over 2,000 characters; ticket or author too long'),
          '404': error('No such account in the config.'),
          ...writeErrors,
          ...authErrors,
        },
      },
      get: {
        summary: 'An account\'s notes, newest first, a page at a time',
        parameters: [
          idParam('accounts[].id from the config'),
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
          { name: 'before', in: 'query', schema: { type: 'string' }, description: 'The `next` of the previous page.' },
          authorParam,
        ],
        responses: {
          '200': json(ref('NotesPage'), 'One page; `next` is null on the last.'),
          '400': error('limit or before is not a whole number in range.'),
          '404': error('No such account in the config.'),
          ...authErrors,
        },
      },
    },
    '/v1/notes/{id}': {
      delete: {
        summary: 'Delete a note (its writer only)',
        description:
          'Allowed for a token that names a person, on that person\'s notes; and for any token that sends the note\'s delete key (the `deleteKey` of the 201 that created it, given to shared tokens) as the `X-Baton-Delete-Key` header or a JSON body `{ "deleteKey" }`. A name (`?author=`) alone deletes nothing: anyone with a shared token could send it.',
        parameters: [idParam('The note\'s id.'), authorParam, { name: 'X-Baton-Delete-Key', in: 'header', schema: str, description: 'The note\'s delete key.' }],
        responses: {
          '200': json(ref('NoteDeleted'), 'Deleted.'),
          '403': error('Not this note\'s writer, and no (or another) delete key.'),
          '404': error('No such note.'),
          '503': writeErrors['503'],
          '507': writeErrors['507'],
          ...authErrors,
        },
      },
    },
    '/v1/thanks': {
      post: {
        summary: 'Thank a person on the relay',
        description:
          'Stored, counted in `thanks` on the person in /v1/context, and — when the config has `notifications.webhook` — announced there as a Slack-compatible `{ "text" }` naming who thanked whom, the account and the ticket (queued durably, retried with backoff up to 30 s). The same writer thanking the same person for the same ticket again within 60 s gets the first thanks back with 200, counted once.',
        requestBody: jsonBody('ThanksRequest'),
        responses: {
          '201': json(ref('ThanksResponse'), 'A new thanks.'),
          '200': json(ref('ThanksResponse'), 'The same thanks as one given in the last 60 s; nothing new stored or sent.'),
          '400': badRequest('Bad JSON; `to` missing; a field too long'),
          '404': error('No such person (or account) in the config.'),
          ...writeErrors,
          ...authErrors,
          '429': error('`thanks_limit`: the writer (its person, else the shared token) gave `thanksLimit.perDay` thanks in the last 24 hours, or `thanksLimit.perPersonPerDay` to this person; or the rate limits above.'),
        },
      },
    },
    '/v1/search': {
      get: {
        summary: 'Accounts and contacts matching what the agent types',
        description:
          'Prefix, word and fuzzy matching (one edit) over account names, aliases and domains and contact names and emails; case, width and kana (hiragana/katakana) insensitive. Best first; `score` 1 is an exact name or email.',
        parameters: [
          { name: 'q', in: 'query', required: true, schema: { type: 'string', minLength: 1, maxLength: 200 } },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 50, default: 8 } },
        ],
        responses: { '200': json(ref('Search'), 'Best first; empty when nothing matches.'), '400': error('q missing, empty or over 200 characters; limit out of range.'), ...authErrors },
      },
    },
    '/v1/links': {
      post: {
        summary: '"This is <account>": link a requester\'s email to an account',
        description: 'From then on /v1/context matches that email to the account by email (`match.linked` says who linked it). Linking it again replaces the link.',
        requestBody: jsonBody('LinkRequest'),
        responses: {
          '201': json({ type: 'object', required: ['link'], properties: { link: ref('Link') } }, 'Linked.'),
          '400': badRequest('Not an email; account missing'),
          '404': error('No such account.'),
          '409': error('`already_contact`: the config lists the email as a contact already.'),
          ...writeErrors,
          ...authErrors,
        },
      },
      get: {
        summary: 'Every link, newest first (the admin\'s export)',
        parameters: [{ name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'csv'], default: 'json' }, description: '`csv`: email, account, account_name, name, ticket, linked_by, linked_at.' }],
        responses: {
          '200': { description: 'The links.', content: { 'application/json': { schema: { type: 'object', required: ['links'], properties: { links: { type: 'array', items: ref('Link') } } } }, 'text/csv': {} } },
          ...authErrors,
        },
      },
    },
    '/v1/links/{email}': {
      delete: {
        summary: 'Remove a link',
        parameters: [{ name: 'email', in: 'path', required: true, schema: str }],
        responses: { '200': json({ type: 'object', properties: { deleted: str } }, 'Removed.'), '404': error('No link for that email.'), ...authErrors },
      },
    },
    '/v1/handoffs': {
      post: {
        summary: '"Hand to sales": hand a requester Baton does not know to a stage\'s people',
        description:
          'Announced on `notifications.webhook` (a Slack-compatible `{ "text" }` naming the stage\'s people, the requester, the ticket and the note), queued durably with the hand-off and retried like thanks. The same writer handing the same requester to the same stage again within 60 s gets the first hand-off back with 200, sent once.',
        requestBody: jsonBody('HandoffRequest'),
        responses: {
          '201': json(ref('HandoffResponse'), 'Handed off; the message is queued.'),
          '200': json(ref('HandoffResponse'), 'The same hand-off as one given in the last 60 s; nothing new sent.'),
          '400': badRequest('No note; a stage that is not before support or has no people'),
          '409': error('`no_webhook`: the config has no notifications.webhook, so nobody would get it.'),
          ...writeErrors,
          ...authErrors,
        },
      },
    },
    '/v1/openapi.json': {
      get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } }, ...authErrors } },
    },
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'A token whose SHA-256 is listed under `tokens:` in the config.' } },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: str, message: str } } },
      },
      StageRef: {
        type: 'object',
        required: ['id', 'label'],
        properties: { id: str, label: str, color: { type: 'string', description: 'The stage\'s colour from the config, like #3b82f6; empty when it has none.' } },
      },
      Person: {
        type: 'object',
        required: ['id', 'name', 'email', 'title', 'chat'],
        properties: {
          id: str,
          name: str,
          email: str,
          title: str,
          chat: { type: 'string', description: 'https: or mailto: link, or empty' },
          thanks: { ...int, description: 'Thanks this person has received.' },
        },
      },
      Handoff: {
        type: 'object',
        required: ['stage', 'person', 'at', 'note'],
        properties: { stage: ref('StageRef'), person: nullable('Person'), at: { type: 'string', description: 'YYYY-MM-DD, YYYY-MM, YYYY or empty' }, note: str },
      },
      Impact: {
        type: 'object',
        required: ['level', 'label', 'count', 'person', 'note'],
        properties: {
          level: { type: 'string', enum: ['contact', 'team', 'company', 'society', 'teammate'] },
          label: str,
          count: int,
          person: nullable('Person'),
          stage: nullable('StageRef'),
          note: str,
        },
      },
      Account: {
        type: 'object',
        required: ['id', 'name', 'employees', 'industry', 'society'],
        properties: {
          id: str,
          name: str,
          employees: int,
          industry: str,
          society: str,
          plan: { type: 'string', description: 'Account card: the plan (only when known).' },
          renewal: { type: 'string', description: 'Account card: the next renewal, YYYY-MM-DD or YYYY-MM.' },
          health: { type: 'string', enum: ['good', 'watch', 'at-risk'] },
          deals: { type: 'array', items: { type: 'object', properties: { name: str, stage: str, close: str, amount: str } }, description: 'Open deals, closing soonest first.' },
        },
      },
      Contact: {
        type: 'object',
        required: ['email', 'name', 'role', 'team'],
        properties: {
          email: str,
          name: str,
          role: str,
          team: { oneOf: [{ type: 'object', required: ['name', 'members'], properties: { name: str, members: int } }, { type: 'null' }] },
        },
      },
      Context: {
        type: 'object',
        required: ['match', 'account', 'contact', 'before', 'after'],
        properties: {
          match: {
            type: 'object',
            required: ['by'],
            properties: {
              by: { type: 'string', enum: ['email', 'domain', 'org', 'none'] },
              verify: { type: 'boolean', description: 'True when the match is by company name or by a free-mail domain, or the account asks for verification: "verify who this is".' },
              reasons: { type: 'array', items: { type: 'string', enum: ['org', 'freemail', 'account'] } },
              freemail: { type: 'string', description: 'The requester\'s free-mail domain, when that is a reason.' },
              note: { type: 'string', description: 'The account\'s own words on how to verify (config `verify: text`).' },
              linked: { type: 'object', properties: { by: str, at: str }, description: 'The email was linked to the account by an agent (POST /v1/links).' },
            },
          },
          product: { oneOf: [{ type: 'object', properties: { id: str, name: str } }, { type: 'null' }], description: 'The product area the ticket is about (subject=, tags=).' },
          leads: {
            type: 'object',
            description: 'Only when nothing matched: the stages "Hand to sales" can send the requester to.',
            properties: { stages: { type: 'array', items: { type: 'object', properties: { id: str, label: str, people: { type: 'array', items: { type: 'object', properties: { id: str, name: str } } } } } }, default: str },
          },
          organization: { type: 'object', properties: { name: str } },
          self: nullable('StageRef'),
          account: nullable('Account'),
          contact: nullable('Contact'),
          before: { type: 'array', items: ref('Handoff'), description: 'Hand-offs before support, oldest first.' },
          after: { type: 'array', items: ref('Impact'), description: 'contact → team → company → society, then teammates.' },
          notes: { type: 'array', items: ref('Note'), description: 'The account\'s latest 5 notes, newest first.' },
          writeBack: { type: 'string', enum: ['unavailable'], description: 'Only when the store did not answer: `notes` is [] and every `thanks` 0 for now; the rest is complete.' },
          lang: { type: 'string', enum: ['ja', 'en'] },
        },
      },
      Note: {
        type: 'object',
        required: ['id', 'text', 'ticket', 'author', 'at', 'mine'],
        properties: {
          id: str,
          text: str,
          ticket: str,
          author: { type: 'string', description: 'The writer\'s name.' },
          at: { type: 'string', format: 'date-time' },
          mine: { type: 'boolean', description: 'Written by the caller (who may delete it).' },
          verified: {
            type: 'boolean',
            description: 'true when written through a token that names a person (the server vouches for `author`); false through a shared token, where `author` is the name the agent\'s extension sent.',
          },
        },
      },
      NoteRequest: {
        type: 'object',
        required: ['text'],
        properties: {
          text: { type: 'string', minLength: 1, maxLength: 2000, description: 'Trimmed; 1–2,000 characters.' },
          ticket: { type: 'string', maxLength: 200 },
          author: { type: 'string', maxLength: 100, description: 'The agent\'s name; ignored when the token names a person.' },
        },
      },
      NoteResponse: {
        type: 'object',
        required: ['note'],
        properties: {
          note: ref('Note'),
          deleteKey: { type: 'string', description: 'Only for a shared token (no person): send it as X-Baton-Delete-Key to delete this note later. Shown once.' },
        },
      },
      NotesPage: {
        type: 'object',
        required: ['notes', 'next'],
        properties: { notes: { type: 'array', items: ref('Note') }, next: { type: ['string', 'null'], description: 'Pass as `before` for the next page.' } },
      },
      NoteDeleted: { type: 'object', required: ['deleted'], properties: { deleted: { type: 'string', description: 'The note\'s id.' } } },
      ThanksRequest: {
        type: 'object',
        required: ['to'],
        properties: {
          to: { type: 'string', description: 'people[].id of the person thanked.' },
          account: { type: 'string', description: 'accounts[].id the ticket is about.' },
          ticket: { type: 'string', maxLength: 200 },
          message: { type: 'string', maxLength: 500 },
          from: { type: 'string', maxLength: 100, description: 'The agent\'s name; ignored when the token names a person.' },
        },
      },
      Thanks: {
        type: 'object',
        required: ['id', 'to', 'from', 'account', 'ticket', 'message', 'at'],
        properties: { id: str, to: str, from: str, account: str, ticket: str, message: str, at: { type: 'string', format: 'date-time' } },
      },
      ThanksResponse: {
        type: 'object',
        required: ['thanks', 'total'],
        properties: { thanks: ref('Thanks'), total: { ...int, description: 'Thanks the person has received, this one included.' } },
      },
      Search: {
        type: 'object',
        required: ['results'],
        properties: {
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['kind', 'account', 'score'],
              properties: {
                kind: { type: 'string', enum: ['account', 'contact'] },
                account: { type: 'object', required: ['id', 'name'], properties: { id: str, name: str } },
                contact: { type: 'object', required: ['email', 'name'], properties: { email: str, name: str } },
                score: { type: 'number', minimum: 0, maximum: 1 },
              },
            },
          },
        },
      },
      LinkRequest: {
        type: 'object',
        required: ['email', 'account'],
        properties: { email: str, account: { type: 'string', description: 'accounts[].id' }, name: { type: 'string', maxLength: 100 }, ticket: { type: 'string', maxLength: 200 }, author: { type: 'string', maxLength: 100 } },
      },
      Link: {
        type: 'object',
        required: ['email', 'account', 'name', 'ticket', 'by', 'at'],
        properties: { email: str, account: str, name: str, ticket: str, by: str, at: { type: 'string', format: 'date-time' } },
      },
      HandoffRequest: {
        type: 'object',
        required: ['stage', 'note'],
        properties: {
          stage: { type: 'string', description: 'A stage before support with people (see `leads` in /v1/context).' },
          note: { type: 'string', minLength: 1, maxLength: 2000 },
          email: str,
          name: str,
          org: str,
          ticket: str,
          subject: { type: 'string', maxLength: 500 },
          url: { type: 'string', description: 'The ticket\'s address (http/https; others are dropped).' },
          author: { type: 'string', maxLength: 100 },
        },
      },
      HandoffResponse: {
        type: 'object',
        required: ['handoff'],
        properties: { handoff: { type: 'object', properties: { id: str, stage: ref('StageRef'), to: { type: 'array', items: str }, at: { type: 'string', format: 'date-time' } } } },
      },
      Adapter: {
        type: 'object',
        required: ['id', 'label', 'urlPattern', 'selectors'],
        properties: {
          id: str,
          label: str,
          urlPattern: { type: 'string', description: 'JavaScript regular expression; a named group `ticket` gives the ticket id.' },
          selectors: { type: 'object', properties: { email: str, name: str, org: str, subject: str, tags: str, pane: str } },
        },
      },
      Adapters: { type: 'object', required: ['adapters'], properties: { adapters: { type: 'array', items: ref('Adapter') } } },
      WhoAmI: {
        type: 'object',
        required: ['organization', 'token'],
        properties: {
          organization: { type: 'object', required: ['name'], properties: { name: str } },
          token: { type: 'object', required: ['name'], properties: { name: str, person: { type: ['string', 'null'], description: 'people[].id of the token\'s user' } } },
        },
      },
      Health: {
        type: 'object',
        required: ['status', 'config', 'lastReloadError', 'store'],
        description: 'Counts only: nothing in it names a customer, a path or an address.',
        properties: {
          status: { type: 'string', enum: ['ok', 'degraded'], description: '`degraded`: the store does not answer (writes get 503) or its disk is full (writes get 507); lookups still work.' },
          config: { type: 'object', properties: { hash: str, loadedAt: str, counts: { type: 'object', additionalProperties: { type: 'integer' } } } },
          imports: { type: 'array', items: { type: 'object', description: 'As in Status, without the path.' } },
          lastReloadError: { oneOf: [{ type: 'null' }, { type: 'object', properties: { at: str, errors: { ...int, description: 'How many errors (the texts are in /v1/status and the log).' } } }] },
          store: {
            type: 'object',
            properties: {
              kind: { type: 'string', enum: ['sqlite', 'postgres'] },
              ok: { type: 'boolean' },
              problem: { type: 'string', enum: ['unavailable', 'full'], description: 'Only when `ok` is false.' },
              schemaVersion: int,
              synchronous: str,
              audit: { type: 'object', properties: { flushMs: int, pending: int, dropped: int } },
            },
          },
          notifications: { type: 'object', properties: { webhook: { type: 'boolean' }, pending: { type: ['integer', 'null'] }, sent: { type: ['integer', 'null'] }, failing: { type: 'boolean' } } },
        },
      },
      Status: {
        type: 'object',
        required: ['status', 'config', 'lastReloadError'],
        properties: {
          status: { type: 'string', enum: ['ok', 'degraded'], description: '`degraded`: the store does not answer (writes get 503) or its disk is full (writes get 507); lookups still work.' },
          config: {
            type: 'object',
            properties: {
              file: str,
              hash: { type: 'string', description: 'SHA-256 of the loaded file (and of every export file its imports read)' },
              loadedAt: str,
              counts: { type: 'object', additionalProperties: { type: 'integer' } },
            },
          },
          imports: {
            type: 'array',
            description: 'One entry per `imports:` of the config: what was read and made, and how many rows did not map, by kind (the rows themselves are in the server log and `npx baton check`).',
            items: {
              type: 'object',
              properties: {
                from: str, path: str, files: int, rows: int, accounts: int, contacts: int, handoffs: int, people: int,
                missing: { type: 'array', items: str }, unmapped: int, unmappedByKind: { type: 'object', additionalProperties: int },
              },
            },
          },
          lastReloadError: {
            oneOf: [
              { type: 'null' },
              { type: 'object', properties: { at: str, count: int, errors: { type: 'array', items: str, maxItems: 50 } } },
            ],
            description: 'Set while the file on disk has errors and the last good config is still served: the first 50 errors, and how many there are.',
          },
          store: {
            type: 'object',
            properties: {
              kind: { type: 'string', enum: ['sqlite', 'postgres'] },
              at: { type: 'string', description: 'The SQLite file\'s name, or the PostgreSQL URL without its password.' },
              ok: { type: 'boolean', description: 'Whether the store answered a trivial query just now (and its disk took the last write).' },
              problem: { type: 'string', enum: ['unavailable', 'full'] },
              error: { type: 'string', description: 'Why not, when `ok` is false.' },
              since: { type: 'string', description: 'When a write first found the disk full.' },
              schemaVersion: int,
              synchronous: { type: 'string', description: '`full` (SQLite) or `on` (PostgreSQL): a write is on disk before it is acknowledged.' },
              audit: {
                type: 'object',
                description: 'The audit trail\'s group commit: the window, lookups waiting in memory, lookups dropped while the store did not answer.',
                properties: { flushMs: int, pending: int, dropped: int },
              },
            },
          },
          notifications: {
            type: 'object',
            properties: {
              webhook: { type: 'boolean', description: 'Whether the config sets notifications.webhook.' },
              pending: { type: ['integer', 'null'], description: 'null while the store does not answer' },
              sent: { type: ['integer', 'null'] },
              lastError: { type: ['string', 'null'], description: 'Why the oldest waiting message failed last.' },
            },
          },
        },
      },
    },
  },
} as const;
