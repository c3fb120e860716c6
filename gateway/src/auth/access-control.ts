/**
 * The one access decision of the gateway, run before every handler (app.ts): who calls
 * (the configured authenticator), may it call this route (access-table.ts), and which
 * project does the call act on. docs/auth.md explains the rules; in short:
 *
 * - `none`: today's trust in X-Project-ID, every route open (docs/behaviour.md §2.2).
 * - `keystone` / `jwt`: the token's project is the tenant. An X-Project-ID naming another
 *   project is refused (403) unless the caller is an admin, for whom it selects the project
 *   acted on. Refusing rather than ignoring keeps a confused client from writing into the
 *   wrong tenant; it depends only on the header, so it reveals nothing about ids.
 */
import type { FastifyRequest } from 'fastify';
import type { Logger } from '@poppy/platform';
import { validateProjectId } from '@poppy/domain';
import type { AuthConfig } from '../config';
import { AccessDeniedError, FORBIDDEN_MESSAGE } from '../http-errors';
import { projectIdOf } from '../request-context';
import type { RouteDef } from '../route-table';
import { accessOf } from './access-table';
import { headerValue, type Authenticator } from './authenticator';
import { JwtAuthenticator } from './jwt';
import { KeystoneAuthenticator } from './keystone';
import { allows } from './roles';

export type AccessControl = (
  route: Pick<RouteDef, 'method' | 'url' | 'project'>,
  request: FastifyRequest,
) => Promise<string>;

export const OTHER_PROJECT_MESSAGE =
  'The X-Project-ID header names another project than the one the token is scoped to.';

/** `none` mode: the header is the tenant, as behind the original's trusted proxy. */
export const headerTrust: AccessControl = async (route, request) =>
  route.project ? projectIdOf(request) : '';

export function tokenAccess(authenticator: Authenticator): AccessControl {
  return async (route, request) => {
    const needed = accessOf(route.method, route.url);
    if (needed === 'public') return '';
    const principal = await authenticator.authenticate(request);
    if (!allows(principal.role, needed)) throw new AccessDeniedError(403, FORBIDDEN_MESSAGE);
    const header = headerValue(request, 'x-project-id');
    if (header === undefined || header === principal.projectId) return principal.projectId;
    if (principal.role !== 'admin') throw new AccessDeniedError(403, OTHER_PROJECT_MESSAGE);
    return validateProjectId(header);
  };
}

/** The access control the configuration asks for; logs the mode once at start. */
export function createAccessControl(config: AuthConfig, logger: Logger): AccessControl {
  switch (config.mode) {
    case 'none':
      logger.warn(
        { auth: 'none' },
        'auth: none — X-Project-ID is trusted and every route is open; run behind a trusted proxy only (docs/auth.md)',
      );
      return headerTrust;
    case 'keystone':
      logger.info({ auth: 'keystone', url: config.keystone.url }, 'auth: keystone tokens');
      return tokenAccess(new KeystoneAuthenticator({ ...config.keystone, roles: config.roles }));
    case 'jwt':
      logger.info(
        { auth: 'jwt', jwksUrl: config.jwt.jwksUrl, issuer: config.jwt.issuer },
        'auth: JWT bearer tokens',
      );
      return tokenAccess(new JwtAuthenticator({ ...config.jwt, roles: config.roles }));
  }
}
