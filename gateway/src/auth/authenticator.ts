/** What the auth modes have in common (docs/auth.md). */
import type { FastifyRequest } from 'fastify';
import { AccessDeniedError, UNAUTHENTICATED_MESSAGE } from '../http-errors';
import type { Principal } from './roles';

export interface Authenticator {
  /** A principal, or AccessDeniedError(401) when the request carries no valid credential. */
  authenticate(request: FastifyRequest): Promise<Principal>;
}

export function headerValue(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}

export function unauthenticated(challenge: string, message = UNAUTHENTICATED_MESSAGE): never {
  throw new AccessDeniedError(401, message, { 'www-authenticate': challenge });
}
