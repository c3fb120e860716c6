/** Boot (libs/platform/src/boot.ts): config → telemetry → Varnish driver → gRPC adapter → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadProviderVarnishConfig } from './config';

runService({
  name: 'provider-varnish',
  loadConfig: loadProviderVarnishConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startProviderVarnish(config, logger, shutdown),
});
