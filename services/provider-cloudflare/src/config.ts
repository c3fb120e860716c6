import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';
import { readRateBudgetConfig, type RateBudgetConfig } from '@poppy/provider-kit';

export const CLOUDFLARE_API = 'https://api.cloudflare.com/client/v4';

export interface ProviderCloudflareConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_PROVIDER_HOST) */
  host: string;
  /** @default 50066 (POPPY_PROVIDER_PORT); 0 picks a free port. */
  port: number;
  /** API v4 base URL (the fake in tests). @default CLOUDFLARE_API (POPPY_CLOUDFLARE_BASE_URL) */
  baseUrl: string;
  /** API token (Bearer) with Custom Hostnames, Zone Rulesets (origin, cache, WAF) and Cache Purge on the zone. Required (POPPY_CLOUDFLARE_API_TOKEN) */
  apiToken: string;
  /** The operator's Cloudflare for SaaS zone (32 hex). Required (POPPY_CLOUDFLARE_ZONE_ID) */
  zoneId: string;
  /** What customers CNAME their domains to, e.g. customers.poppy-edge.example: the access URL. Required (POPPY_CLOUDFLARE_CNAME_TARGET) */
  cnameTarget: string;
  /** Requests per second for the account (Cloudflare: 1200 per 5 minutes). @default 4 (POPPY_CLOUDFLARE_RATE_LIMIT) */
  rateLimit: number;
  /**
   * Where the account's budget is kept: this process only, or shared by every replica
   * (POPPY_RATE_BUDGET local|sqlite|nats; libs/provider-kit/src/rate-budget/rate-budget-config.ts).
   */
  rateBudget: RateBudgetConfig;
  /** SDK retries of a 429/5xx/connection failure, each through the budget. @default 2 (POPPY_CLOUDFLARE_MAX_RETRIES) */
  maxRetries: number;
  /** Per request. @default 10000 (POPPY_CLOUDFLARE_TIMEOUT_MS) */
  timeoutMs: number;
  /** Retry hint of "not yet" answers (a certificate for a hostname not created yet). @default 30000 (POPPY_CLOUDFLARE_POLL_MS) */
  pollMs: number;
}

export function loadProviderCloudflareConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ProviderCloudflareConfig> {
  const e = new EnvReader(env);
  const baseUrl = e.string('POPPY_CLOUDFLARE_BASE_URL', CLOUDFLARE_API);
  if (!/^https?:\/\/[^\s/]+/.test(baseUrl))
    e.problem(`POPPY_CLOUDFLARE_BASE_URL: expected an http(s) URL, got '${baseUrl}'`);
  const required = (name: string): string => {
    const value = e.optionalString(name);
    if (value === undefined) e.problem(`${name}: required`);
    return value ?? '';
  };
  const apiToken = required('POPPY_CLOUDFLARE_API_TOKEN');
  const zoneId = required('POPPY_CLOUDFLARE_ZONE_ID');
  if (zoneId && !/^[0-9a-f]{32}$/.test(zoneId))
    e.problem(`POPPY_CLOUDFLARE_ZONE_ID: expected 32 hex characters, got '${zoneId}'`);
  const cnameTarget = required('POPPY_CLOUDFLARE_CNAME_TARGET');
  const config: ProviderCloudflareConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_PROVIDER_HOST', '127.0.0.1'),
    port: e.int('POPPY_PROVIDER_PORT', 50066, { min: 0, max: 65535 }),
    baseUrl: baseUrl.replace(/\/+$/, ''),
    apiToken,
    zoneId,
    cnameTarget,
    rateLimit: e.int('POPPY_CLOUDFLARE_RATE_LIMIT', 4, { min: 1 }),
    rateBudget: readRateBudgetConfig(e),
    maxRetries: e.int('POPPY_CLOUDFLARE_MAX_RETRIES', 2, { min: 0, max: 10 }),
    timeoutMs: e.int('POPPY_CLOUDFLARE_TIMEOUT_MS', 10_000, { min: 100 }),
    pollMs: e.int('POPPY_CLOUDFLARE_POLL_MS', 30_000, { min: 0 }),
  };
  return e.done(config);
}
