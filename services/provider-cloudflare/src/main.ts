/** Boot (libs/platform/src/boot.ts): config → telemetry → Cloudflare SDK client + driver → gRPC adapter → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadProviderCloudflareConfig } from './config';

runService({
  name: 'provider-cloudflare',
  loadConfig: loadProviderCloudflareConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startProviderCloudflare(config, logger, shutdown),
});
