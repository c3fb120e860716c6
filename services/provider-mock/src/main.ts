/** Boot (libs/platform/src/boot.ts): config → telemetry → mock driver → gRPC adapter → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadProviderMockConfig } from './config';

runService({
  name: 'provider-mock',
  loadConfig: loadProviderMockConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startProviderMock(config, logger, shutdown),
});
