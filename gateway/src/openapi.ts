/**
 * OpenAPI 3.1 document built from the route table and the same JSON Schemas that
 * validate requests (libs/domain), so the document cannot drift from the behaviour:
 * test/openapi-conformance.int-spec.ts drives every route and fails on any status or body
 * the document does not declare.
 */
import { accessOf } from './auth/access-table';
import type { AuthMode } from './config';
import { errorBody } from './response-schemas';
import type { ResponseDoc, RouteDef } from './route-table';

const PROJECT_ID = { type: 'string', pattern: '^[a-zA-Z0-9_\\-.]{1,256}$' };

/**
 * Path parameters by name. Patterns admit every value a route accepts (a value outside
 * them is answered 400 or 404, both declared), so a client can generate from them.
 */
const PATH_PARAMETERS: Record<string, object> = {
  service_id: {
    type: 'string',
    pattern: '^(?:urn:|uuid:|[{}0-9a-fA-F-])+$',
    description: 'A UUID (braces, hyphens, urn: and uuid: prefixes tolerated)',
  },
  flavor_id: { type: 'string', minLength: 1, maxLength: 256 },
  project_id: PROJECT_ID,
  domain_name: { type: 'string', pattern: '^[^/]{3,253}$' },
  subsystem: { enum: ['dns', 'storage', 'provider', 'distributed_task'] },
  name: { type: 'string', minLength: 1 },
  cert_name: { type: 'string', minLength: 1, maxLength: 253 },
};

/** What any route can answer whatever it does; 413 only where a body is read. */
const COMMON_ERRORS: Record<number, string> = {
  400: 'Invalid request (bad parameter, header, query or body)',
  408: 'The request was not received in time (headers or body too slow)',
  413: 'The request body is larger than POPPY_BODY_LIMIT',
  431: 'The request headers are too large',
  500: 'Unexpected error (carries a request id only)',
  503: 'A dependency is unavailable, or a feature is not configured; see Retry-After',
};

/**
 * What every route but the public ones can answer: 401/403 when POPPY_AUTH is keystone or
 * jwt, 429 when POPPY_RATE_LIMIT_* are set (docs/auth.md).
 */
const ACCESS_ERRORS: Record<number, string> = {
  401: 'No valid credential (POPPY_AUTH keystone or jwt); see WWW-Authenticate',
  403: "The caller's role does not allow the route (gateway/src/auth/access-table.ts), or X-Project-ID names another project than its token's",
  429: 'The project exceeded its rate limit for this class of route; see Retry-After',
};

/** How the served document says a caller authenticates, by POPPY_AUTH (docs/auth.md). */
const SECURITY_SCHEMES: Record<Exclude<AuthMode, 'none'>, object> = {
  keystone: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
  jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
};

const ERROR_DESCRIPTIONS: Record<number, string> = {
  403: "The project reached its service limit, or the caller's role does not allow the route",
  404: 'Not found',
  409: 'Conflict (the resource is in use)',
};

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'integer', minimum: 1 },
  },
};

const challenge = {
  'WWW-Authenticate': {
    description: 'The credential expected: Keystone uri="…" or Bearer',
    schema: { type: 'string' },
  },
};

function response(status: number, doc: ResponseDoc): Record<string, unknown> {
  return {
    description: doc.description,
    ...(status === 503 || status === 429 ? { headers: retryAfter } : {}),
    ...(status === 401 ? { headers: challenge } : {}),
    ...(doc.schema ? { content: { 'application/json': { schema: doc.schema } } } : {}),
  };
}

export function buildOpenApi(
  routes: RouteDef[],
  version: string,
  auth: AuthMode = 'none',
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([a-z_]+)/g, '{$1}');
    const params = [...route.url.matchAll(/:([a-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: PATH_PARAMETERS[m[1]!] ?? { type: 'string' },
    }));
    // Required with auth none; with tokens optional: the token names the project.
    const header = route.project
      ? [{ name: 'X-Project-ID', in: 'header', required: auth === 'none', schema: PROJECT_ID }]
      : [];
    const doc = route.openapi;
    const responses: Record<string, unknown> = {
      [doc.success]: response(doc.success, { description: 'Success', schema: doc.successBody }),
    };
    const access = accessOf(route.method, route.url);
    const errors: Array<[number, string]> = [
      ...Object.entries(COMMON_ERRORS).map(([s, d]) => [Number(s), d] as [number, string]),
      ...(access === 'public' ? [] : Object.entries(ACCESS_ERRORS)).map(
        ([s, d]) => [Number(s), d] as [number, string],
      ),
      ...(doc.errors ?? []).map((s) => [s, ERROR_DESCRIPTIONS[s] ?? 'Error'] as [number, string]),
    ];
    for (const [status, description] of errors) {
      if (status === 413 && route.method === 'GET') continue;
      responses[status] = response(status, { description, schema: errorBody });
    }
    for (const [status, answer] of Object.entries(doc.responses ?? {}))
      responses[status] = response(Number(status), answer);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: doc.tags ?? [route.url.split('/')[2] ?? 'home'],
      parameters: [...header, ...params],
      ...(access === 'public' ? { security: [] } : {}),
      ...(doc.requestSchema
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: doc.requestSchema } },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Poppy-TS CDN API',
      version,
      description:
        'OpenStack Poppy v1.0 compatible CDN-as-a-service API. Limits and timeouts: docs/api-hardening.md.',
    },
    paths,
    ...(auth === 'none'
      ? {}
      : {
          components: { securitySchemes: { [auth]: SECURITY_SCHEMES[auth] } },
          security: [{ [auth]: [] }],
        }),
  };
}
