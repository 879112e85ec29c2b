/** The OpenAPI 3.1 description of the context API, served at /v1/openapi.json. Hand-written. */

const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (name: string) => ({ oneOf: [ref(name), { type: 'null' }] });
const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const authErrors = {
  '401': error('Missing or unknown bearer token.'),
  '429': { ...error('Too many requests for this token; see Retry-After.'), headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } } },
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
        summary: 'Liveness and the loaded config',
        security: [],
        responses: { '200': json(ref('Health'), 'The config is loaded.') },
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
      StageRef: { type: 'object', required: ['id', 'label'], properties: { id: str, label: str } },
      Person: {
        type: 'object',
        required: ['id', 'name', 'email', 'title', 'chat'],
        properties: { id: str, name: str, email: str, title: str, chat: { type: 'string', description: 'https: or mailto: link, or empty' }, thanks: int },
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
        properties: { id: str, name: str, employees: int, industry: str, society: str },
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
          match: { type: 'object', required: ['by'], properties: { by: { type: 'string', enum: ['email', 'domain', 'org', 'none'] } } },
          organization: { type: 'object', properties: { name: str } },
          self: nullable('StageRef'),
          account: nullable('Account'),
          contact: nullable('Contact'),
          before: { type: 'array', items: ref('Handoff'), description: 'Hand-offs before support, oldest first.' },
          after: { type: 'array', items: ref('Impact'), description: 'contact → team → company → society, then teammates.' },
          notes: { type: 'array', items: { type: 'object' } },
          lang: { type: 'string', enum: ['ja', 'en'] },
        },
      },
      Adapter: {
        type: 'object',
        required: ['id', 'label', 'urlPattern', 'selectors'],
        properties: {
          id: str,
          label: str,
          urlPattern: { type: 'string', description: 'JavaScript regular expression; a named group `ticket` gives the ticket id.' },
          selectors: { type: 'object', properties: { email: str, name: str, org: str, subject: str, pane: str } },
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
        required: ['status', 'config', 'lastReloadError'],
        properties: {
          status: { type: 'string', enum: ['ok'] },
          config: {
            type: 'object',
            properties: {
              file: str,
              hash: { type: 'string', description: 'SHA-256 of the loaded file' },
              loadedAt: str,
              counts: { type: 'object', additionalProperties: { type: 'integer' } },
            },
          },
          lastReloadError: {
            oneOf: [
              { type: 'null' },
              { type: 'object', properties: { at: str, errors: { type: 'array', items: str } } },
            ],
            description: 'Set while the file on disk has errors and the last good config is still served.',
          },
        },
      },
    },
  },
} as const;
