import fs from 'node:fs';
import path from 'node:path';
import { createJobQueue } from '@poppy/jobs';
import { startGrpcServer, type Logger, type Shutdown } from '@poppy/platform';
import { Catalog } from './catalog';
import type { CatalogConfig } from './config';
import { SqliteCatalogStore } from './drivers/sqlite/sqlite-catalog-store';
import { notifyingStore, OutboxRelay } from './outbox-relay';
import { catalogGrpcService } from './server';
import type { CatalogStore } from './store/catalog-store';

/** Opens the configured store, applying its pending schema migrations. */
export async function openStore(config: CatalogConfig, logger?: Logger): Promise<CatalogStore> {
  switch (config.store) {
    case 'sqlite':
      fs.mkdirSync(config.dataDir, { recursive: true });
      return new SqliteCatalogStore(path.join(config.dataDir, 'catalog.sqlite'));
    case 'cassandra': {
      // Loaded only when configured: cassandra-driver is ~10 MB of memory the SQLite store does not need.
      const { CassandraCatalogStore } = await import('./drivers/cassandra/cassandra-catalog-store');
      return CassandraCatalogStore.open(config.cassandra, (msg) =>
        logger?.info({ keyspace: config.cassandra.keyspace }, msg),
      );
    }
  }
}

export async function startCatalog(
  config: CatalogConfig,
  logger: Logger,
  shutdown: Shutdown,
): Promise<void> {
  const store = await openStore(config, logger);
  shutdown.add('storage', () => store.close());
  const relay = new OutboxRelay(
    store,
    () => createJobQueue(config.queue, { logger }),
    config.queue.driver,
    logger,
    {
      pollIntervalMs: config.outboxPollMs,
    },
  );
  relay.start();
  shutdown.add('outbox relay', () => relay.stop());
  const catalog = new Catalog(
    notifyingStore(store, () => relay.kick()),
    config,
  );
  if (
    config.defaultFlavor &&
    (await catalog.ensureFlavor(config.defaultFlavor, config.providers[0]))
  ) {
    logger.info({ flavor: config.defaultFlavor }, 'created the default flavor');
  }
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    services: [catalogGrpcService(catalog, store, logger, () => relay.health())],
    logger,
  });
  shutdown.add('grpc server', () => server.stop());
  // Harnesses that start the catalog on port 0 read the bound port from this line.
  logger.info({ store: store.driverName, port: server.port }, 'catalog ready');
}
