import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';
import { readRateBudgetConfig, type RateBudgetConfig } from '@poppy/provider-kit';

export const CERTIFICATE_AUTHORITIES = ['lets-encrypt', 'certainly', 'globalsign'] as const;

export interface ProviderFastlyConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_PROVIDER_HOST) */
  host: string;
  /** @default 50064 (POPPY_PROVIDER_PORT); 0 picks a free port. */
  port: number;
  /** Fastly API base URL, e.g. the fake in tests. @default 'https://api.fastly.com' (POPPY_FASTLY_API_URL) */
  apiUrl: string;
  /** API token sent as `Fastly-Key`. Required (POPPY_FASTLY_API_TOKEN) */
  apiToken: string;
  /**
   * Requests per second this adapter sends to the account (its RateBudget; burst = the same
   * number). Fastly's own hourly write quota is followed from its headers. @default 10 (POPPY_FASTLY_RATE_LIMIT)
   */
  rateLimit: number;
  /**
   * Where the account's budget is kept: this process only, or shared by every replica
   * (POPPY_RATE_BUDGET local|sqlite|nats; libs/provider-kit/src/rate-budget/rate-budget-config.ts).
   */
  rateBudget: RateBudgetConfig;
  /** Longest wait for the budget before a job is handed back for a later retry. @default 30000 (POPPY_FASTLY_RATE_MAX_WAIT_MS) */
  rateMaxWaitMs: number;
  /** Per Fastly request. @default 10000 (POPPY_FASTLY_TIMEOUT_MS) */
  requestTimeoutMs: number;
  /** CA of Fastly-managed certificates (TLS subscriptions). @default 'lets-encrypt' (POPPY_FASTLY_CERTIFICATE_AUTHORITY) */
  certificateAuthority: (typeof CERTIFICATE_AUTHORITIES)[number];
}

export function loadProviderFastlyConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ProviderFastlyConfig> {
  const e = new EnvReader(env);
  const apiUrl = e.string('POPPY_FASTLY_API_URL', 'https://api.fastly.com').replace(/\/+$/, '');
  if (!/^https?:\/\/[^\s/]+/.test(apiUrl))
    e.problem(`POPPY_FASTLY_API_URL: expected an http(s) URL, got '${apiUrl}'`);
  const apiToken = e.optionalString('POPPY_FASTLY_API_TOKEN');
  if (!apiToken) e.problem('POPPY_FASTLY_API_TOKEN: required (a Fastly API token)');
  const config: ProviderFastlyConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_PROVIDER_HOST', '127.0.0.1'),
    port: e.int('POPPY_PROVIDER_PORT', 50064, { min: 0, max: 65535 }),
    apiUrl,
    apiToken: apiToken ?? '',
    rateLimit: e.int('POPPY_FASTLY_RATE_LIMIT', 10, { min: 1, max: 10_000 }),
    rateBudget: readRateBudgetConfig(e),
    rateMaxWaitMs: e.int('POPPY_FASTLY_RATE_MAX_WAIT_MS', 30_000, { min: 0 }),
    requestTimeoutMs: e.int('POPPY_FASTLY_TIMEOUT_MS', 10_000, { min: 100 }),
    certificateAuthority: e.oneOf(
      'POPPY_FASTLY_CERTIFICATE_AUTHORITY',
      CERTIFICATE_AUTHORITIES,
      'lets-encrypt',
    ),
  };
  return e.done(config);
}
