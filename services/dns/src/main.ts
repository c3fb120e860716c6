/** Boot (libs/platform/src/boot.ts): config → telemetry → DNS backend → gRPC server → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadDnsConfig } from './config';

runService({
  name: 'dns',
  loadConfig: loadDnsConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startDns(config, logger, shutdown),
});
