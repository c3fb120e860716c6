/** Boot (libs/platform/src/boot.ts): config → telemetry → store, ACME issuer, renewal sweep → gRPC server → graceful shutdown. */
import { runService } from '@poppy/platform/boot';
import { loadCertificatesConfig } from './config';

runService({
  name: 'certificates',
  loadConfig: loadCertificatesConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startCertificates(config, logger, shutdown),
});
