import { createRateBudget, serveProviderProcess } from '@poppy/provider-kit';
import type { Logger, Shutdown } from '@poppy/platform';
import { CAPABILITIES, KNOWN_UNSUPPORTED } from './capabilities';
import { CloudflareDriver } from './cloudflare-driver';
import type { ProviderCloudflareConfig } from './config';
import { createCloudflareClient, SdkCloudflareApi } from './sdk-cloudflare-api';

export async function startProviderCloudflare(
  config: ProviderCloudflareConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  // One budget for the account's token (docs/adding-a-provider.md, "Vendor rate limits").
  const budget = createRateBudget(
    config.rateBudget,
    { vendor: 'cloudflare', credential: config.apiToken },
    { ratePerSecond: config.rateLimit },
  );
  shutdown.add('rate budget', () => budget.close());
  const client = createCloudflareClient(
    {
      apiToken: config.apiToken,
      baseUrl: config.baseUrl,
      maxRetries: config.maxRetries,
      timeoutMs: config.timeoutMs,
    },
    budget,
  );
  const driver = new CloudflareDriver({
    api: new SdkCloudflareApi(client, config.zoneId),
    zoneId: config.zoneId,
    cnameTarget: config.cnameTarget,
    pollHintMs: config.pollMs,
  });
  await serveProviderProcess(driver, {
    name: 'provider-cloudflare',
    host: config.host,
    port: config.port,
    logger,
    shutdown,
    readyFields: {
      baseUrl: config.baseUrl,
      zoneId: config.zoneId,
      rateLimit: config.rateLimit,
      capabilities: CAPABILITIES,
      unsupported: KNOWN_UNSUPPORTED,
    },
  });
}
