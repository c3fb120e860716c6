import { createRateBudget, serveProviderProcess } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import { CAPABILITIES, KNOWN_UNSUPPORTED } from './capabilities';
import type { ProviderFastlyConfig } from './config';
import { FastlyDriver } from './fastly-driver';
import { HttpFastlyApi } from './http-fastly-api';

export async function startProviderFastly(
  config: ProviderFastlyConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  // One budget for the account this process talks to (docs/adding-a-provider.md, "Vendor rate limits").
  const budget = createRateBudget(
    config.rateBudget,
    { vendor: 'fastly', credential: config.apiToken },
    { ratePerSecond: config.rateLimit, maxWaitMs: config.rateMaxWaitMs },
  );
  shutdown.add('rate budget', () => budget.close());
  const api = new HttpFastlyApi({
    baseUrl: config.apiUrl,
    token: config.apiToken,
    budget,
    timeoutMs: config.requestTimeoutMs,
  });
  const driver = new FastlyDriver({ api, certificateAuthority: config.certificateAuthority });
  await serveProviderProcess(driver, {
    name: 'provider-fastly',
    host: config.host,
    port: config.port,
    logger,
    shutdown,
    readyFields: {
      endpoint: config.apiUrl,
      rateLimit: config.rateLimit,
      capabilities: CAPABILITIES,
      unsupported: KNOWN_UNSUPPORTED,
    },
  });
}
