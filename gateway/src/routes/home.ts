import { homeBody } from '../response-schemas';
import type { RouteDef } from '../route-table';

/** The fixed JSON-home document (docs/behaviour.md §9.1), `marker` under rel/flavors as in the original. */
export const JSON_HOME = {
  resources: {
    'rel/services': {
      'href-template': '/services{?marker,limit}',
      'href-vars': { marker: 'param/marker', limit: 'param/limit' },
      hints: { allow: ['GET', 'POST'], formats: { 'application/json': {} } },
    },
    'rel/flavors': {
      'href-template': '/flavors/{flavor_id}',
      'href-vars': { marker: 'param/flavor_id' },
      hints: { allow: ['GET', 'POST', 'DELETE'], formats: { 'application/json': {} } },
    },
    'rel/health': {
      'href-template': '/health',
      'href-vars': { subsystem: 'param/subsystem' },
      hints: { allow: ['GET'], formats: { 'application/json': {} } },
    },
    'rel/ping': {
      'href-template': '/ping',
      hints: { allow: ['GET'], formats: { 'application/json': {} } },
    },
  },
};

export const homeRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0',
    project: true,
    summary: 'JSON-home document',
    handler: async () => ({ status: 200, body: JSON_HOME }),
    openapi: { success: 200, successBody: homeBody },
  },
];
