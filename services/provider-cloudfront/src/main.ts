/** Boot (libs/platform/src/boot.ts): config → telemetry → CloudFront client + driver → gRPC adapter → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadProviderCloudFrontConfig } from './config';

runService({
  name: 'provider-cloudfront',
  loadConfig: loadProviderCloudFrontConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startProviderCloudFront(config, logger, shutdown),
});
