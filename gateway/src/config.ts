import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';
import type { RoleNames } from './auth/roles';
import type { BucketLimit, RouteClass } from './rate-limit';

/** How callers are authenticated (docs/auth.md). */
export type AuthConfig = { roles: RoleNames } & (
  | { mode: 'none' }
  | {
      mode: 'keystone';
      keystone: { url: string; cacheSize: number; cacheSeconds: number; timeoutMs: number };
    }
  | {
      mode: 'jwt';
      jwt: {
        jwksUrl: string;
        issuer: string;
        audience: string;
        clockSkewSeconds: number;
        projectClaim: string;
        rolesClaim: string;
        timeoutMs: number;
      };
    }
);

const AUTH_MODES = ['none', 'keystone', 'jwt'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

function required(e: EnvReader, name: string, mode: string): string {
  const value = e.optionalString(name);
  if (value === undefined) e.problem(`${name}: required with POPPY_AUTH=${mode}`);
  return value ?? '';
}

/** A class's limit from `<PREFIX>_PER_SECOND` and `<PREFIX>_BURST`; 0 per second: none. */
function bucketLimit(e: EnvReader, prefix: string): BucketLimit | undefined {
  const perSecond = e.int(`${prefix}_PER_SECOND`, 0, { min: 0 });
  const burst = e.int(`${prefix}_BURST`, perSecond, { min: 1 });
  return perSecond === 0 ? undefined : { perSecond, burst: Math.max(1, burst) };
}

/** Per-project limits by route class (rate-limit.ts); writes and admin calls share settings. */
function readRateLimits(e: EnvReader): Partial<Record<RouteClass, BucketLimit>> {
  const read = bucketLimit(e, 'POPPY_RATE_LIMIT_READ');
  const write = bucketLimit(e, 'POPPY_RATE_LIMIT_WRITE');
  return { ...(read && { reader: read }), ...(write && { member: write, admin: write }) };
}

function readAuthConfig(e: EnvReader): AuthConfig {
  const mode = e.oneOf('POPPY_AUTH', AUTH_MODES, 'none');
  const roles: RoleNames = {
    reader: e.list('POPPY_AUTH_READER_ROLES', ['reader']),
    member: e.list('POPPY_AUTH_MEMBER_ROLES', ['member', '_member_']),
    admin: e.list('POPPY_AUTH_ADMIN_ROLES', ['admin']),
  };
  const timeoutMs = e.int('POPPY_AUTH_TIMEOUT_MS', 3000, { min: 100 });
  if (mode === 'keystone')
    return {
      mode,
      roles,
      keystone: {
        url: required(e, 'POPPY_KEYSTONE_URL', mode),
        cacheSize: e.int('POPPY_AUTH_CACHE_SIZE', 10_000, { min: 1 }),
        cacheSeconds: e.int('POPPY_AUTH_CACHE_SECONDS', 300, { min: 0 }),
        timeoutMs,
      },
    };
  if (mode === 'jwt')
    return {
      mode,
      roles,
      jwt: {
        jwksUrl: required(e, 'POPPY_JWT_JWKS_URL', mode),
        issuer: required(e, 'POPPY_JWT_ISSUER', mode),
        audience: required(e, 'POPPY_JWT_AUDIENCE', mode),
        clockSkewSeconds: e.int('POPPY_JWT_CLOCK_SKEW_SECONDS', 30, { min: 0, max: 600 }),
        projectClaim: e.string('POPPY_JWT_PROJECT_CLAIM', 'project_id'),
        rolesClaim: e.string('POPPY_JWT_ROLES_CLAIM', 'roles'),
        timeoutMs,
      },
    };
  return { mode, roles };
}

export interface GatewayConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_GATEWAY_HOST); the original's default bind. */
  host: string;
  /** @default 8888 (POPPY_GATEWAY_PORT); 0 picks a free port. */
  port: number;
  /** @default '127.0.0.1:50051' (POPPY_CATALOG_ADDRESS) */
  catalogAddress: string;
  /** Append the project id to links' base URL (docs/behaviour.md §2.3). @default false (POPPY_PROJECT_ID_IN_URL) */
  projectIdInUrl: boolean;
  /** Largest `limit` of a service list (docs/behaviour.md §4.6). @default 20 (POPPY_MAX_SERVICES_PER_PAGE) */
  maxServicesPerPage: number;
  /** TTL of the default caching rule. @default 86400 (POPPY_DEFAULT_CACHE_TTL) */
  defaultCacheTtl: number;
  /** Provider ids a flavor may name. @default ['mock'] (POPPY_PROVIDERS) */
  providers: string[];
  /** Name of the DNS driver reported by health. @default 'default' (POPPY_DNS_DRIVER) */
  dnsDriver: string;
  /** The certificates service (SSL certificate routes); unset: those routes answer 503. (POPPY_CERTIFICATES_ADDRESS) */
  certificatesAddress?: string;
  /** Largest accepted request body in bytes. @default 1048576 (POPPY_BODY_LIMIT) */
  bodyLimit: number;
  /** Time for a client to send all its request headers; then 408. @default 10000 (POPPY_GATEWAY_HEADERS_TIMEOUT_MS) */
  headersTimeoutMs: number;
  /** Time for a client to send a whole request, body included; then 408. @default 30000 (POPPY_GATEWAY_REQUEST_TIMEOUT_MS) */
  requestTimeoutMs: number;
  /** A connection with no traffic for this long is closed. @default 60000 (POPPY_GATEWAY_IDLE_TIMEOUT_MS) */
  idleTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. @default 5000 (POPPY_GATEWAY_KEEP_ALIVE_TIMEOUT_MS) */
  keepAliveTimeoutMs: number;
  /** Most open client connections; further ones are refused. @default 10000 (POPPY_GATEWAY_MAX_CONNECTIONS) */
  maxConnections: number;
  /** POPPY_AUTH (none | keystone | jwt) and its settings. @default none */
  auth: AuthConfig;
  /** Requests per second and burst per project and route class; empty: no limit. (POPPY_RATE_LIMIT_*) */
  rateLimits: Partial<Record<RouteClass, BucketLimit>>;
}

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): Readonly<GatewayConfig> {
  const e = new EnvReader(env);
  return e.done({
    ...readCommonConfig(e),
    host: e.string('POPPY_GATEWAY_HOST', '127.0.0.1'),
    port: e.int('POPPY_GATEWAY_PORT', 8888, { min: 0, max: 65535 }),
    catalogAddress: e.address('POPPY_CATALOG_ADDRESS', '127.0.0.1:50051'),
    projectIdInUrl: e.bool('POPPY_PROJECT_ID_IN_URL', false),
    maxServicesPerPage: e.int('POPPY_MAX_SERVICES_PER_PAGE', 20, { min: 1 }),
    defaultCacheTtl: e.int('POPPY_DEFAULT_CACHE_TTL', 86400, { min: 0, max: 31536000 }),
    providers: e.list('POPPY_PROVIDERS', ['mock']),
    dnsDriver: e.string('POPPY_DNS_DRIVER', 'default'),
    certificatesAddress:
      e.optionalString('POPPY_CERTIFICATES_ADDRESS') === undefined
        ? undefined
        : e.address('POPPY_CERTIFICATES_ADDRESS', ''),
    bodyLimit: e.int('POPPY_BODY_LIMIT', 1024 * 1024, { min: 1024 }),
    headersTimeoutMs: e.int('POPPY_GATEWAY_HEADERS_TIMEOUT_MS', 10_000, { min: 100 }),
    requestTimeoutMs: e.int('POPPY_GATEWAY_REQUEST_TIMEOUT_MS', 30_000, { min: 100 }),
    idleTimeoutMs: e.int('POPPY_GATEWAY_IDLE_TIMEOUT_MS', 60_000, { min: 100 }),
    keepAliveTimeoutMs: e.int('POPPY_GATEWAY_KEEP_ALIVE_TIMEOUT_MS', 5_000, { min: 100 }),
    maxConnections: e.int('POPPY_GATEWAY_MAX_CONNECTIONS', 10_000, { min: 1 }),
    auth: readAuthConfig(e),
    rateLimits: readRateLimits(e),
  });
}
