/**
 * Boot: config → telemetry → storage → gRPC server → graceful shutdown.
 * `main.js migrate` only opens the configured store (which applies pending schema
 * migrations) and exits: for a deploy step that migrates before the new catalogs roll out.
 */
import { createLogger, ConfigError, Shutdown, startTelemetry } from '@poppy/platform';
import { loadCatalogConfig } from './config';

async function migrate(): Promise<void> {
  const config = loadCatalogConfig();
  const logger = createLogger('catalog', config.logLevel);
  const { openStore } = await import('./start');
  const store = await openStore(config, logger);
  await store.close();
  logger.info({ store: store.driverName }, 'catalog schema migrated');
}

async function main(): Promise<void> {
  if (process.argv[2] === 'migrate') return migrate();
  if (process.argv[2] !== undefined) throw new Error(`unknown command '${process.argv[2]}' (expected none, or 'migrate')`);
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
