/**
 * `jwt` mode: an OIDC bearer token (Authorization: Bearer …) verified with jose against the
 * provider's JWKS: signature, `iss`, `aud`, `exp`/`nbf` with the configured clock skew. The
 * key set is fetched on demand and re-fetched when a token names a key id it does not hold
 * (jose's createRemoteJWKSet), so the provider can rotate keys without a restart. The tenant
 * and the roles come from configurable claims (dotted paths, e.g. `realm_access.roles`).
 */
import type { FastifyRequest } from 'fastify';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { unavailable } from '@poppy/domain';
import { headerValue, unauthenticated, type Authenticator } from './authenticator';
import { roleOf, type Principal, type RoleNames } from './roles';

export interface JwtOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  clockSkewSeconds: number;
  projectClaim: string;
  rolesClaim: string;
  roles: RoleNames;
  timeoutMs: number;
  /** Least time between two fetches of the key set (jose's cooldown). @default 30000 */
  jwksCooldownMs?: number;
}

const CHALLENGE = 'Bearer';

function claim(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A roles claim is a list, or a space-separated string like OAuth's `scope`. */
function roleNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return [];
}

function keySetUnavailable(e: unknown): boolean {
  if (!(e instanceof errors.JOSEError)) return true; // fetch failed: connection refused…
  return (
    e instanceof errors.JWKSTimeout ||
    e instanceof errors.JWKSInvalid ||
    // jose's generic error is what a non-200 answer of the JWKS URL raises.
    e.code === 'ERR_JOSE_GENERIC'
  );
}

export class JwtAuthenticator implements Authenticator {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly options: JwtOptions) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      timeoutDuration: options.timeoutMs,
      cooldownDuration: options.jwksCooldownMs ?? 30_000,
    });
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const header = headerValue(request, 'authorization');
    const match = header === undefined ? null : /^Bearer +([^ ]+)$/i.exec(header);
    if (!match) unauthenticated(CHALLENGE);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1]!, this.keys, {
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockSkewSeconds,
      }));
    } catch (e) {
      // The key set could not be fetched or read: our side, not the caller's (503).
      if (keySetUnavailable(e)) throw unavailable('The JWKS could not be fetched', e);
      unauthenticated(`${CHALLENGE} error="invalid_token"`);
    }
    const projectId = claim(payload, this.options.projectClaim);
    if (typeof projectId !== 'string' || projectId === '')
      unauthenticated(
        `${CHALLENGE} error="invalid_token"`,
        'A token scoped to a project is required.',
      );
    return {
      projectId,
      role: roleOf(roleNames(claim(payload, this.options.rolesClaim)), this.options.roles),
      subject: typeof payload.sub === 'string' ? payload.sub : '',
    };
  }
}
