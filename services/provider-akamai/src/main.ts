/** Boot (libs/platform/src/boot.ts): config → telemetry → Akamai API + driver → gRPC adapter → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadProviderAkamaiConfig } from './config';

runService({
  name: 'provider-akamai',
  loadConfig: loadProviderAkamaiConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startProviderAkamai(config, logger, shutdown),
});
