/**
 * Boot (libs/platform/src/boot.ts): config → telemetry → storage → gRPC server → graceful
 * shutdown. `main.js migrate` only opens the configured store (which applies pending schema
 * migrations) and exits: a deploy step that migrates before the new catalogs roll out, and
 * the one way to create a Cassandra keyspace when starts may not (see
 * drivers/cassandra/keyspace-history.ts).
 */
import { runService } from '@poppy/platform/boot';
import { loadCatalogConfig } from './config';

runService({
  name: 'catalog',
  loadConfig: loadCatalogConfig,
  start: async (config, logger, shutdown) =>
    (await import('./start')).startCatalog(config, logger, shutdown),
  commands: {
    migrate: async (config, logger) => {
      const store = await (await import('./start')).openStore(config, logger, { explicit: true });
      await store.close();
      logger.info({ store: store.driverName }, 'catalog schema migrated');
    },
  },
});
