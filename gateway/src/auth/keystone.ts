/**
 * `keystone` mode: the caller's X-Auth-Token is validated with Keystone v3
 * `GET /v3/auth/tokens` (vendors reference openstack.md docs/behaviour.md §2.2). The token validates itself
 * (X-Auth-Token = X-Subject-Token: Keystone's policy lets a token's own subject validate
 * it), so the gateway holds no Keystone credential. The token's project becomes the tenant,
 * its roles map to Poppy's (roles.ts). A positive answer is cached until the token expires
 * or `cacheSeconds` pass, whichever is first: that cap is the revocation latency (docs/behaviour.md §2.4).
 * Refusals are not cached.
 */
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { unavailable } from '@poppy/domain';
import { headerValue, unauthenticated, type Authenticator } from './authenticator';
import { ExpiringLru } from './expiring-lru';
import { roleOf, type Principal, type RoleNames } from './roles';

export interface KeystoneOptions {
  /** The identity endpoint including `/v3`, e.g. https://keystone.example.com/v3 */
  url: string;
  roles: RoleNames;
  cacheSize: number;
  cacheSeconds: number;
  timeoutMs: number;
  now?: () => number;
}

interface KeystoneToken {
  expires_at?: string;
  user?: { id?: string; name?: string };
  project?: { id?: string };
  roles?: Array<{ name?: string }>;
}

export class KeystoneAuthenticator implements Authenticator {
  private readonly cache: ExpiringLru<Principal>;
  private readonly now: () => number;
  private readonly challenge: string;

  constructor(private readonly options: KeystoneOptions) {
    this.now = options.now ?? Date.now;
    this.cache = new ExpiringLru(options.cacheSize, this.now);
    this.challenge = `Keystone uri="${options.url.replace(/\/v3\/?$/, '')}"`;
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    const token = headerValue(request, 'x-auth-token');
    if (token === undefined) unauthenticated(this.challenge);
    // The cache key is a digest: the map never holds a usable token.
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.cache.get(key);
    if (cached) return cached;
    const body = await this.validate(token);
    const projectId = body.project?.id;
    if (!projectId) unauthenticated(this.challenge, 'A token scoped to a project is required.');
    const principal: Principal = {
      projectId,
      role: roleOf(
        (body.roles ?? []).map((r) => r.name ?? ''),
        this.options.roles,
      ),
      subject: body.user?.id ?? body.user?.name ?? '',
    };
    // Keystone answered 200, but a token past its expiry (clock skew) is not accepted.
    const expiresAt = Date.parse(body.expires_at ?? '');
    if (Number.isNaN(expiresAt) || expiresAt <= this.now()) unauthenticated(this.challenge);
    this.cache.set(
      key,
      principal,
      Math.min(expiresAt, this.now() + this.options.cacheSeconds * 1000),
    );
    return principal;
  }

  private async validate(token: string): Promise<KeystoneToken> {
    let res: Response;
    try {
      res = await fetch(`${this.options.url.replace(/\/$/, '')}/auth/tokens?nocatalog`, {
        headers: { 'x-auth-token': token, 'x-subject-token': token, accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (e) {
      throw unavailable('Keystone could not be reached', e);
    }
    // 401: the token cannot authenticate itself; 404: unknown, expired or revoked.
    if (res.status === 401 || res.status === 404) {
      await res.body?.cancel();
      unauthenticated(this.challenge);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw unavailable(`Keystone answered ${res.status} to a token validation`);
    }
    const body = (await res.json()) as { token?: KeystoneToken };
    if (!body.token) throw unavailable('Keystone answered a validation without a token');
    return body.token;
  }
}
