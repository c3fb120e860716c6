/**
 * THE table of who may call which route (docs/auth.md "Roles per route"): every route of
 * the gateway, by method and path, with the least role it needs. access-control.ts enforces
 * it for every route in one place; access-table.spec.ts fails on a route of the OpenAPI
 * document missing here, or an entry here that no route serves.
 *
 * reader: reads of the caller's project. member: changes to its own services and
 * certificates. admin: the flavor catalogue, limits, the operator routes (docs/behaviour.md
 * §10) and, through X-Project-ID, other projects' services.
 */
import type { HttpMethod } from '../route-table';
import type { RouteAccess } from './roles';

export const ROUTE_ACCESS: Readonly<Record<string, RouteAccess>> = {
  'GET /v1.0/ping': 'public',
  // The fixed JSON-home document: public so the kubelet's liveness probe needs no token
  // (deploy/kustomize/base/gateway.yaml). With POPPY_AUTH=none it still wants X-Project-ID.
  'GET /v1.0': 'public',
  'GET /v1.0/health': 'reader',
  'GET /v1.0/health/:subsystem/:name': 'reader',

  'GET /v1.0/services': 'reader',
  'POST /v1.0/services': 'member',
  'GET /v1.0/services/:service_id': 'reader',
  'PATCH /v1.0/services/:service_id': 'member',
  'DELETE /v1.0/services/:service_id': 'member',
  'DELETE /v1.0/services/:service_id/assets': 'member',

  'GET /v1.0/flavors': 'reader',
  'GET /v1.0/flavors/:flavor_id': 'reader',
  'POST /v1.0/flavors': 'admin',
  'DELETE /v1.0/flavors/:flavor_id': 'admin',

  'POST /v1.0/ssl_certificate': 'member',
  'GET /v1.0/ssl_certificate/:domain_name': 'reader',
  'DELETE /v1.0/ssl_certificate/:domain_name': 'member',

  'GET /v1.0/admin/limits/:project_id': 'admin',
  'PUT /v1.0/admin/limits/:project_id': 'admin',
  'POST /v1.0/admin/services/action': 'admin',
  'GET /v1.0/admin/services': 'admin',
  'POST /v1.0/admin/services/status': 'admin',
  'PATCH /v1.0/admin/services/provider_details/:service_id': 'admin',
  'GET /v1.0/admin/domains': 'admin',
  'GET /v1.0/admin/domains/:domain_name': 'admin',
  'GET /v1.0/admin/certificates': 'admin',
  'PATCH /v1.0/admin/certificates/:domain_name': 'admin',
  'POST /v1.0/admin/provider/akamai/service': 'admin',
  'POST /v1.0/admin/provider/akamai/background_job': 'admin',
  'GET /v1.0/admin/provider/akamai/background_job/san_mapping': 'admin',
  'PUT /v1.0/admin/provider/akamai/background_job/san_mapping': 'admin',
  'GET /v1.0/admin/provider/akamai/ssl_certificate/retry_list': 'admin',
  'PUT /v1.0/admin/provider/akamai/ssl_certificate/retry_list': 'admin',
  'POST /v1.0/admin/provider/akamai/ssl_certificate/retry_list': 'admin',
  'GET /v1.0/admin/provider/akamai/ssl_certificate/config/:name': 'admin',
  'POST /v1.0/admin/provider/akamai/ssl_certificate/config/:name': 'admin',
  'GET /v1.0/admin/provider/akamai/ssl_certificate/sni_config/:cert_name': 'admin',
  'POST /v1.0/admin/provider/akamai/ssl_certificate/sni_config/:cert_name': 'admin',
};

export function routeKey(method: HttpMethod | string, url: string): string {
  return `${method.toUpperCase()} ${url}`;
}

/** The access a route needs; a route missing from the table is an error at start, not open. */
export function accessOf(method: HttpMethod, url: string): RouteAccess {
  const access = ROUTE_ACCESS[routeKey(method, url)];
  if (access === undefined)
    throw new Error(`${routeKey(method, url)} has no entry in gateway/src/auth/access-table.ts`);
  return access;
}
