/**
 * POPPY_AUTH=jwt (docs/auth.md) against a real JWKS served on loopback, with keys generated
 * here by jose: the authenticator's verdicts (valid, expired, within the clock skew, wrong
 * audience, issuer or signature, a rotated key, the key set down), then the gateway as a
 * real process: tenant and roles from configured claims, another project's service is 404.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { isPoppyError } from '@poppy/domain';
import { startSuite, type Suite } from '@poppy/testing';
import { JwtAuthenticator, type JwtOptions } from '../src/auth/jwt';
import { AccessDeniedError } from '../src/http-errors';
import { send } from './api-client.test-helper';

jest.setTimeout(90_000);

const ISSUER = 'https://idp.example.test/realms/cdn';
const AUDIENCE = 'poppy';

interface SigningKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return {
    kid,
    privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

/** The identity provider's JWKS endpoint: serves `published` keys; `fetches` counts calls. */
class Jwks {
  published: SigningKey[] = [];
  fetches = 0;
  url = '';
  private readonly server = http.createServer((_req, res) => {
    this.fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: this.published.map((k) => k.jwk) }));
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/certs`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface TokenOptions {
  key: SigningKey;
  claims?: Record<string, unknown>;
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative: already expired. @default 300 */
  expiresIn?: number;
}

const now = (): number => Math.floor(Date.now() / 1000);

function token(o: TokenOptions): Promise<string> {
  return new SignJWT({ project_id: '2001', roles: ['member'], ...o.claims })
    .setProtectedHeader({ alg: 'RS256', kid: o.key.kid })
    .setSubject('user-1')
    .setIssuer(o.issuer ?? ISSUER)
    .setAudience(o.audience ?? AUDIENCE)
    .setIssuedAt(now() - 600)
    .setExpirationTime(now() + (o.expiresIn ?? 300))
    .sign(o.key.privateKey);
}

const bearer = (jwt: string): FastifyRequest =>
  ({ headers: { authorization: `Bearer ${jwt}` } }) as unknown as FastifyRequest;

let jwks: Jwks;
let current: SigningKey;

beforeAll(async () => {
  jwks = await new Jwks().start();
  current = await signingKey('key-1');
  jwks.published = [current];
});

afterAll(async () => {
  await jwks?.stop();
});

describe('JwtAuthenticator', () => {
  const options = (): JwtOptions => ({
    jwksUrl: jwks.url,
    issuer: ISSUER,
    audience: AUDIENCE,
    clockSkewSeconds: 30,
    projectClaim: 'project_id',
    rolesClaim: 'roles',
    roles: { reader: ['reader'], member: ['member'], admin: ['admin'] },
    timeoutMs: 2000,
    jwksCooldownMs: 0,
  });

  async function verdict(auth: JwtAuthenticator, jwt: Promise<string>): Promise<unknown> {
    try {
      return await auth.authenticate(bearer(await jwt));
    } catch (e) {
      if (e instanceof AccessDeniedError) return e.status;
      if (isPoppyError(e)) return e.kind;
      throw e;
    }
  }

  it('accepts a valid token: project and role from its claims', async () => {
    const auth = new JwtAuthenticator(options());
    expect(await verdict(auth, token({ key: current }))).toEqual({
      projectId: '2001',
      role: 'member',
      subject: 'user-1',
    });
  });

  it('refuses expired, wrong-audience, wrong-issuer and wrongly signed tokens: 401', async () => {
    const auth = new JwtAuthenticator(options());
    const impostor = await signingKey(current.kid); // same kid, a key the JWKS does not hold
    const verdicts = [
      await verdict(auth, token({ key: current, expiresIn: -60 })),
      await verdict(auth, token({ key: current, audience: 'someone-else' })),
      await verdict(auth, token({ key: current, issuer: 'https://evil.example.test' })),
      await verdict(auth, token({ key: impostor })),
      await verdict(auth, token({ key: current, claims: { project_id: undefined } })),
    ];
    expect(verdicts).toEqual([401, 401, 401, 401, 401]);
  });

  it('tolerates the configured clock skew, no more', async () => {
    const auth = new JwtAuthenticator(options());
    expect(await verdict(auth, token({ key: current, expiresIn: -10 }))).toMatchObject({
      projectId: '2001',
    });
    expect(await verdict(auth, token({ key: current, expiresIn: -45 }))).toBe(401);
  });

  it('follows a key rotation without a restart', async () => {
    const auth = new JwtAuthenticator(options());
    expect(await verdict(auth, token({ key: current }))).toMatchObject({ role: 'member' });
    const next = await signingKey('key-2');
    jwks.published = [current, next];
    expect(await verdict(auth, token({ key: next }))).toMatchObject({ role: 'member' });
    jwks.published = [next]; // the old key retired
    current = next;
  });

  it('reads roles from a nested claim and maps unknown names to no role', async () => {
    const auth = new JwtAuthenticator({ ...options(), rolesClaim: 'realm_access.roles' });
    const admin = token({ key: current, claims: { realm_access: { roles: ['x', 'admin'] } } });
    const stranger = token({ key: current, claims: { realm_access: { roles: ['x'] } } });
    expect(await verdict(auth, admin)).toMatchObject({ role: 'admin' });
    expect(await verdict(auth, stranger)).toMatchObject({ role: undefined });
  });

  it('answers 503, not 401, when the key set cannot be fetched', async () => {
    const auth = new JwtAuthenticator({ ...options(), jwksUrl: 'http://127.0.0.1:1/certs' });
    expect(await verdict(auth, token({ key: current }))).toBe('unavailable');
  });
});

describe('the gateway with POPPY_AUTH=jwt', () => {
  let suite: Suite;

  beforeAll(async () => {
    suite = await startSuite({
      env: {
        POPPY_AUTH: 'jwt',
        POPPY_JWT_JWKS_URL: jwks.url,
        POPPY_JWT_ISSUER: ISSUER,
        POPPY_JWT_AUDIENCE: AUDIENCE,
        POPPY_JWT_PROJECT_CLAIM: 'tenant',
        POPPY_JWT_ROLES_CLAIM: 'groups',
        POPPY_AUTH_MEMBER_ROLES: 'cdn-editors',
      },
    });
  });

  afterAll(async () => {
    await suite?.stop();
  });

  const as = async (tenant: string, groups: string[]) => ({
    authorization: `Bearer ${await token({ key: current, claims: { tenant, groups } })}`,
  });

  it("keeps one project's service from another's token: 404", async () => {
    const created = await send(suite.baseUrl, {
      method: 'POST',
      path: '/v1.0/services',
      project: null,
      headers: await as('3001', ['cdn-editors']),
      body: {
        name: 'jwt',
        domains: [{ domain: 'www.jwt-auth.com' }],
        origins: [{ origin: 'origin.example.com' }],
        flavor_id: 'mock',
      },
    });
    expect(created.status).toBe(202);
    const path = new URL(String(created.headers.location)).pathname;
    const other = await as('3002', ['cdn-editors']);
    const statuses = [
      (await send(suite.baseUrl, { method: 'GET', path, project: null, headers: other })).status,
      (await send(suite.baseUrl, { method: 'DELETE', path, project: null, headers: other })).status,
      (
        await send(suite.baseUrl, {
          method: 'GET',
          path,
          project: null,
          headers: await as('3001', ['cdn-editors']),
        })
      ).status,
    ];
    expect(statuses).toEqual([404, 404, 200]);
  });

  it('refuses a token without the member role a write needs: 403; no token: 401 Bearer', async () => {
    const reader = await send(suite.baseUrl, {
      method: 'DELETE',
      path: '/v1.0/services/00000000-0000-4000-8000-000000000000',
      project: null,
      headers: await as('3001', ['reader']),
    });
    const anonymous = await send(suite.baseUrl, {
      method: 'GET',
      path: '/v1.0/services',
      project: null,
    });
    expect([reader.status, anonymous.status, anonymous.headers['www-authenticate']]).toEqual([
      403,
      401,
      'Bearer',
    ]);
  });
});
