/** Boot: config → telemetry → storage → gRPC server → graceful shutdown. */
import { createLogger, ConfigError, Shutdown, startTelemetry } from '@poppy/platform';
import { loadCatalogConfig } from './config';

async function main(): Promise<void> {
  const config = loadCatalogConfig();
  const telemetry = startTelemetry('poppy-catalog', config);
  const logger = createLogger('catalog', config.logLevel);
  // Loaded after telemetry so gRPC is instrumented.
  const { startCatalog } = await import('./start');
  const shutdown = new Shutdown(logger);
  shutdown.add('telemetry', () => telemetry.shutdown());
  await startCatalog(config, logger, shutdown);
  shutdown.listen();
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`catalog: ${err.message}\n`);
  } else {
    process.stderr.write(`catalog: failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
