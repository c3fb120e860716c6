/** Boot (libs/platform/src/boot.ts): config → telemetry → Fastly API + driver → gRPC adapter → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadProviderFastlyConfig } from './config';

runService({
  name: 'provider-fastly',
  loadConfig: loadProviderFastlyConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startProviderFastly(config, logger, shutdown),
});
