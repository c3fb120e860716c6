/**
 * Boot (libs/platform/src/boot.ts): config → telemetry → catalog client, provider clients,
 * queue → job consumer, reconciler, health → graceful shutdown.
 */
import { runService } from '@poppy/platform/boot';
import { loadProvisioningConfig } from './config';

runService({
  name: 'provisioning',
  loadConfig: loadProvisioningConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startProvisioning(config, logger, shutdown),
});
