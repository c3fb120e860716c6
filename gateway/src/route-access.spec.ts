/**
 * Access to the admin routes is decided in one place (GatewayDeps.authorize, called by
 * app.ts before every handler with the route's role): every route under /v1.0/admin
 * carries the `admin` role, and no other route does.
 */
import { ROUTES } from './routes';

describe('admin routes', () => {
  it('carry the admin role, and only they do', () => {
    const admin = ROUTES.filter((r) => r.url.startsWith('/v1.0/admin'));
    expect(admin.length).toBeGreaterThanOrEqual(20);
    for (const route of ROUTES)
      expect([route.url, route.role]).toEqual([
        route.url,
        route.url.startsWith('/v1.0/admin') ? 'admin' : undefined,
      ]);
  });
});
