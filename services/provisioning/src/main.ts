/** Boot: config → telemetry → catalog client, provider clients, queue → job consumer, reconciler, health. */
import { ConfigError, createLogger, Shutdown, startTelemetry } from '@poppy/platform';
import { loadProvisioningConfig } from './config';

async function main(): Promise<void> {
  const config = loadProvisioningConfig();
  const telemetry = startTelemetry('poppy-provisioning', config);
  const logger = createLogger('provisioning', config.logLevel);
  // Loaded after telemetry so gRPC is instrumented.
  const { startProvisioning } = await import('./start');
  const shutdown = new Shutdown(logger);
  shutdown.add('telemetry', () => telemetry.shutdown());
  await startProvisioning(config, logger, shutdown);
  shutdown.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`provisioning: ${err.message}\n`);
  } else {
    process.stderr.write(`provisioning: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
