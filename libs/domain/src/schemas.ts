/**
 * JSON Schemas of the request bodies (docs/behaviour.md §4.1, §4.9, §8.1). Plain draft-07 objects,
 * free of functions, because the same objects feed the OpenAPI 3.1 document. Two rules
 * are checked in code instead (see schema-errors.ts and service-validation.ts):
 *  - caching entries after the first need `rules` with at least one item: only draft-07's
 *    tuple form of `items` could say it, and OpenAPI 3.1 (2020-12) reads that differently;
 *  - `client_ip` uses the custom format `poppy-client-ip`, registered with ajv from
 *    isValidClientIp (an annotation for other readers of the schema).
 */

/**
 * Longest list a request may hold where Poppy set no limit (rules, caching entries,
 * restrictions, patch operations, flavor providers): generous for any real service, and
 * what bounds the cost of validating a body (docs/api-hardening.md).
 */
export const MAX_LIST_ITEMS = 100;

const ruleSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    request_url: { type: 'string', minLength: 1, maxLength: 1024 },
  },
  required: ['name', 'request_url'],
} as const;

const domainName = { type: 'string', minLength: 3, maxLength: 253 } as const;

/** Shapes A–D of docs/behaviour.md §4.1; they exclude one another, so oneOf and anyOf agree. */
const domainSchema = {
  oneOf: [
    {
      title: 'http domain, protocol implied',
      type: 'object',
      properties: { domain: domainName },
      required: ['domain'],
      additionalProperties: false,
    },
    {
      title: 'http domain',
      type: 'object',
      properties: {
        domain: domainName,
        protocol: { type: 'string', enum: ['http'] },
        certificate: { type: 'null' },
      },
      required: ['domain', 'protocol'],
      additionalProperties: false,
    },
    {
      title: 'https domain on the shared certificate (a single label)',
      type: 'object',
      properties: {
        domain: domainName,
        protocol: { type: 'string', enum: ['https'] },
        certificate: { type: 'string', enum: ['shared'] },
      },
      required: ['domain', 'protocol', 'certificate'],
      additionalProperties: false,
    },
    {
      title: 'https domain with its own certificate',
      type: 'object',
      properties: {
        domain: domainName,
        protocol: { type: 'string', enum: ['https'] },
        certificate: { type: 'string', enum: ['san', 'sni', 'custom'] },
      },
      required: ['domain', 'protocol', 'certificate'],
      additionalProperties: false,
    },
  ],
} as const;

const originSchema = {
  type: 'object',
  properties: {
    origin: {
      type: 'string',
      minLength: 3,
      maxLength: 253,
      description: 'A domain name or a dotted IPv4 address',
    },
    port: { type: 'integer', enum: [80, 443], default: 80 },
    ssl: { type: 'boolean', default: false },
    rules: { type: 'array', maxItems: MAX_LIST_ITEMS, items: ruleSchema },
    hostheadertype: { type: 'string', enum: ['domain', 'origin', 'custom'], default: 'domain' },
    hostheadervalue: {
      type: ['string', 'null'],
      minLength: 3,
      maxLength: 253,
      description: 'Required when hostheadertype is custom; must be a domain name',
    },
  },
  required: ['origin'],
  if: { properties: { hostheadertype: { enum: ['custom'] } }, required: ['hostheadertype'] },
  then: { properties: { hostheadervalue: { type: 'string' } }, required: ['hostheadervalue'] },
} as const;

const cachingSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    ttl: { type: 'integer', minimum: 0, maximum: 31536000 },
    rules: {
      type: 'array',
      maxItems: MAX_LIST_ITEMS,
      items: ruleSchema,
      description: 'Optional on the first caching entry; at least one rule on every later entry',
    },
  },
  required: ['name', 'ttl'],
} as const;

const restrictionRuleSchema = {
  oneOf: [
    {
      title: 'referrer rule',
      type: 'object',
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 256 },
        referrer: { type: 'string', minLength: 3, maxLength: 1024 },
        request_url: { type: 'string', minLength: 1, maxLength: 1024 },
      },
      required: ['name', 'referrer'],
      additionalProperties: false,
    },
    {
      title: 'geography rule',
      type: 'object',
      properties: {
        name: { type: 'string' },
        geography: { type: 'string', description: 'A region or country name (Appendix A)' },
        request_url: { type: 'string', minLength: 2, maxLength: 100 },
      },
      required: ['geography'],
      additionalProperties: false,
    },
    {
      title: 'client_ip rule',
      type: 'object',
      properties: {
        name: { type: 'string' },
        client_ip: {
          type: 'string',
          format: 'poppy-client-ip',
          description:
            'IPv4 with optional /1-/32, or IPv6 (any textual form) with optional /1-/128',
        },
        request_url: { type: 'string', minLength: 2, maxLength: 100 },
      },
      required: ['client_ip'],
      additionalProperties: false,
    },
  ],
} as const;

const restrictionSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    access: { type: 'string', enum: ['whitelist', 'blacklist'], default: 'whitelist' },
    rules: { type: 'array', maxItems: MAX_LIST_ITEMS, items: restrictionRuleSchema },
  },
  required: ['name', 'rules'],
} as const;

/** Body of `POST /v1.0/services`. Unknown top-level properties are tolerated (docs/behaviour.md §4.1). */
export const serviceCreateSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Service',
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 3, maxLength: 256 },
    domains: { type: 'array', minItems: 1, maxItems: 10, items: domainSchema },
    origins: { type: 'array', minItems: 1, maxItems: 10, items: originSchema },
    flavor_id: { type: 'string', minLength: 1, maxLength: 256 },
    caching: { type: 'array', uniqueItems: true, maxItems: MAX_LIST_ITEMS, items: cachingSchema },
    restrictions: { type: 'array', maxItems: MAX_LIST_ITEMS, items: restrictionSchema },
    log_delivery: {
      type: 'object',
      properties: { enabled: { type: 'boolean' } },
      required: ['enabled'],
    },
  },
  required: ['name', 'domains', 'origins', 'flavor_id'],
} as const;

/** Body of `PATCH /v1.0/services/{id}`: RFC 6902 operations (docs/behaviour.md §4.9). */
export const servicePatchSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'JSON Patch',
  type: 'array',
  maxItems: MAX_LIST_ITEMS,
  items: {
    type: 'object',
    properties: {
      op: { type: 'string', enum: ['add', 'remove', 'replace', 'move', 'copy', 'test'] },
      path: { type: 'string' },
      from: { type: 'string' },
      value: {},
    },
    required: ['op', 'path'],
  },
} as const;

/** Body of `POST /v1.0/flavors` (docs/behaviour.md §8.1); `limits` is accepted and ignored. */
export const flavorCreateSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Flavor',
  type: 'object',
  properties: {
    id: { type: 'string', minLength: 3, maxLength: 64 },
    providers: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_LIST_ITEMS,
      items: {
        type: 'object',
        properties: {
          provider: { type: 'string' },
          links: {
            type: 'array',
            minItems: 1,
            maxItems: MAX_LIST_ITEMS,
            items: {
              type: 'object',
              properties: {
                href: { type: 'string', minLength: 2 },
                rel: { type: 'string', enum: ['provider_url'] },
              },
              required: ['href', 'rel'],
            },
          },
        },
        required: ['provider', 'links'],
      },
    },
    limits: { description: 'Accepted and ignored' },
  },
  required: ['id', 'providers'],
} as const;

/** The request-body schemas by name, as the gateway's OpenAPI document lists them. */
export const schemas = {
  serviceCreate: serviceCreateSchema,
  servicePatch: servicePatchSchema,
  flavorCreate: flavorCreateSchema,
} as const;
