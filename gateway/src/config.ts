import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';

export interface GatewayConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_GATEWAY_HOST); the original's default bind. */
  host: string;
  /** @default 8888 (POPPY_GATEWAY_PORT); 0 picks a free port. */
  port: number;
  /** @default '127.0.0.1:50051' (POPPY_CATALOG_ADDRESS) */
  catalogAddress: string;
  /** Append the project id to links' base URL (reference §2.3). @default false (POPPY_PROJECT_ID_IN_URL) */
  projectIdInUrl: boolean;
  /** Largest `limit` of a service list (reference §4.6). @default 20 (POPPY_MAX_SERVICES_PER_PAGE) */
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
  });
}
