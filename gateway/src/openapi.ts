/**
 * OpenAPI 3.1 document built from the route table and the same JSON Schemas that
 * validate requests (libs/domain), so the document cannot drift from the behaviour.
 */
import type { RouteDef } from './route-table';

const errorBody = {
  type: 'object',
  properties: {
    message: { description: 'A string, or {"errors": [{"message": …}]} for schema errors' },
  },
  required: ['message'],
};

export function buildOpenApi(routes: RouteDef[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([a-z_]+)/g, '{$1}');
    const params = [...route.url.matchAll(/:([a-z_]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const header = route.project
      ? [{ name: 'X-Project-ID', in: 'header', required: true, schema: { type: 'string' } }]
      : [];
    const success = route.openapi?.success ?? (route.method === 'DELETE' ? 204 : 200);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: route.openapi?.tags ?? [route.url.split('/')[2] ?? 'home'],
      parameters: [...header, ...params],
      ...(route.openapi?.requestSchema
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: route.openapi.requestSchema } },
            },
          }
        : {}),
      responses: {
        [String(success)]: { description: 'Success' },
        '400': {
          description: 'Invalid request',
          content: { 'application/json': { schema: errorBody } },
        },
        '404': { description: 'Not found', content: { 'application/json': { schema: errorBody } } },
        '500': { description: 'Unexpected error (carries a request id only)' },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Poppy-TS CDN API',
      version,
      description: 'OpenStack Poppy v1.0 compatible CDN-as-a-service API.',
    },
    paths,
  };
}
