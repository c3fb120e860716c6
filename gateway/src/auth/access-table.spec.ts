/**
 * Every route the gateway serves has its role in auth/access-table.ts, and the table names
 * no route that does not exist: walked from the OpenAPI document, which is built from the
 * route table (openapi.ts), so a new route without a role fails here.
 */
import { buildOpenApi } from '../openapi';
import { ROUTES } from '../routes';
import { ROUTE_ACCESS, routeKey } from './access-table';

/**
 * `METHOD /path` of every operation of the document. buildOpenApi throws on a route missing
 * from the table, so it is built route by route and such a route reported by key.
 */
function documentedRoutes(): string[] {
  const keys: string[] = [];
  for (const route of ROUTES) {
    let paths: Record<string, Record<string, unknown>>;
    try {
      paths = buildOpenApi([route], '1.0').paths as typeof paths;
    } catch {
      keys.push(routeKey(route.method, route.url));
      continue;
    }
    for (const [path, operations] of Object.entries(paths))
      for (const method of Object.keys(operations))
        keys.push(routeKey(method, path.replace(/\{([a-z_]+)\}/g, ':$1')));
  }
  return keys;
}

describe('the access table', () => {
  const documented = documentedRoutes();

  it('gives every route of the OpenAPI document a role', () => {
    expect(documented.length).toBe(ROUTES.length);
    expect(documented.filter((key) => ROUTE_ACCESS[key] === undefined)).toEqual([]);
  });

  it('names no route the gateway does not serve', () => {
    expect(Object.keys(ROUTE_ACCESS).filter((key) => !documented.includes(key))).toEqual([]);
  });

  it('keeps the operator routes for admins, ping and home public, reads for readers', () => {
    for (const [key, access] of Object.entries(ROUTE_ACCESS)) {
      const [method, url] = key.split(' ') as [string, string];
      const expected = url.startsWith('/v1.0/admin')
        ? 'admin'
        : url === '/v1.0/ping' || url === '/v1.0'
          ? 'public'
          : method === 'GET'
            ? 'reader'
            : url.startsWith('/v1.0/flavors')
              ? 'admin'
              : 'member';
      expect([key, access]).toEqual([key, expected]);
    }
  });
});
