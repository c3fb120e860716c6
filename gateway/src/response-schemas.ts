/**
 * JSON Schemas of the bodies the gateway answers with, for the OpenAPI document. The
 * conformance test (test/openapi-conformance.int-spec.ts) validates every answer it gets
 * against them, so they say what the routes really send (docs/behaviour.md §4–docs/behaviour.md §10).
 */
const link = {
  type: 'object',
  properties: { href: { type: 'string' }, rel: { type: 'string' } },
  required: ['href', 'rel'],
};
const links = { type: 'array', items: link };

/** Poppy's error body (docs/behaviour.md §2.4): a message, or a schema error object; a 5xx adds a request id. */
export const errorBody = {
  type: 'object',
  properties: {
    message: {
      anyOf: [
        { type: 'string' },
        {
          type: 'object',
          properties: {
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { message: { type: 'string' } },
                required: ['message'],
              },
            },
          },
          required: ['errors'],
        },
      ],
    },
    request_id: { type: 'string' },
  },
  required: ['message'],
  additionalProperties: false,
};

export const serviceBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    project_id: { type: 'string' },
    domains: { type: 'array', items: { type: 'object' } },
    origins: { type: 'array', items: { type: 'object' } },
    restrictions: { type: 'array', items: { type: 'object' } },
    caching: { type: 'array', items: { type: 'object' } },
    flavor_id: { type: 'string' },
    log_delivery: { type: 'object' },
    status: { type: 'string' },
    errors: { type: 'array', items: { type: 'object' } },
    links,
  },
  required: ['id', 'name', 'domains', 'origins', 'flavor_id', 'status', 'errors', 'links'],
};

export const serviceListBody = {
  type: 'object',
  properties: { links, services: { type: 'array', items: serviceBody } },
  required: ['links', 'services'],
  additionalProperties: false,
};

export const flavorBody = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    providers: {
      type: 'array',
      items: {
        type: 'object',
        properties: { provider: { type: 'string' }, links },
        required: ['provider', 'links'],
      },
    },
    links,
  },
  required: ['id', 'providers', 'links'],
  additionalProperties: false,
};

export const flavorListBody = {
  type: 'object',
  properties: { flavors: { type: 'array', items: flavorBody } },
  required: ['flavors'],
  additionalProperties: false,
};

const healthGroup = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { online: { enum: ['true', 'false'] }, links: link },
    required: ['online', 'links'],
  },
};

export const healthBody = {
  type: 'object',
  properties: {
    dns: healthGroup,
    storage: healthGroup,
    distributed_task: healthGroup,
    providers: healthGroup,
  },
  required: ['dns', 'storage', 'distributed_task', 'providers'],
  additionalProperties: false,
};

export const subsystemHealthBody = {
  type: 'object',
  properties: { online: { enum: ['true', 'false'] } },
  required: ['online'],
  additionalProperties: false,
};

/** docs/behaviour.md §9.3: an unknown dependency name is a 404 whose body is JSON `null`. */
export const nullBody = { type: 'null' };

export const homeBody = {
  type: 'object',
  properties: { resources: { type: 'object' } },
  required: ['resources'],
};

export const limitBody = {
  type: 'object',
  properties: { limit: { type: 'integer', minimum: 0 } },
  required: ['limit'],
  additionalProperties: false,
};

export const certificateBody = {
  type: 'object',
  properties: {
    flavor_id: { type: 'string' },
    domain_name: { type: 'string' },
    cert_type: { type: 'string' },
    cert_details: { type: 'object' },
    status: { type: 'string' },
    project_id: { type: 'string' },
    not_after: { type: 'string' },
    error_message: { type: 'string' },
  },
  required: ['flavor_id', 'domain_name', 'cert_type', 'status', 'project_id'],
};

export const certificateDomainsBody = {
  type: 'array',
  items: {
    type: 'object',
    properties: { domain_name: { type: 'string' } },
    required: ['domain_name'],
    additionalProperties: false,
  },
};

/** docs/behaviour.md §10.1: the services with a status, in any project. */
export const serviceRefsBody = {
  type: 'array',
  items: {
    type: 'object',
    properties: { project_id: { type: 'string' }, service_id: { type: 'string' } },
    required: ['project_id', 'service_id'],
    additionalProperties: false,
  },
};

const anyItems = { type: 'array', items: { type: 'object' } };

/** docs/behaviour.md §10.11: queue items sent on and left alone by a background job. */
export const backgroundJobBody = {
  type: 'object',
  properties: { sent: anyItems, ignored: anyItems },
  required: ['sent', 'ignored'],
};

/** docs/behaviour.md §10.12–10.13: a queue's items. */
export const queueItemsBody = anyItems;

/** docs/behaviour.md §10.12–10.13: a queue replaced: the new items and those removed. */
export const queueReplacedBody = {
  type: 'object',
  properties: { queue: anyItems, deleted: anyItems },
  required: ['queue', 'deleted'],
};

/** docs/behaviour.md §10.13: the retry list run: items sent on and items that failed validation. */
export const retryRunBody = {
  type: 'object',
  properties: { processing: anyItems, failed_validation: anyItems },
  required: ['processing', 'failed_validation'],
};

/** docs/behaviour.md §10.14: a SAN/SNI certificate's configuration, or the hostname limit. */
export const certificateConfigBody = { type: 'object' };
