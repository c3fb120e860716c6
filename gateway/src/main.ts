/** Boot (libs/platform/src/boot.ts): config → telemetry → catalog client → HTTP server → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadGatewayConfig } from './config';

runService({
  name: 'gateway',
  loadConfig: loadGatewayConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startGateway(config, logger, shutdown),
});
