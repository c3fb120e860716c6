import fs from 'node:fs';
import path from 'node:path';
import { createJobQueue } from '@poppy/jobs';
import { limitRepeatedLogs, startGrpcServer, type Logger, type Shutdown } from '@poppy/platform';
import { Catalog } from './catalog';
import type { CatalogConfig } from './config';
import { KeyspaceHistory } from './drivers/cassandra/keyspace-history';
import { SqliteCatalogStore } from './drivers/sqlite/sqlite-catalog-store';
import { notifyingStore, OutboxRelay } from './outbox-relay';
import { catalogGrpcService } from './server';
import { AdminOperations } from './admin-operations';
import { AkamaiAdmin } from './akamai/akamai-admin';
import { GrpcAkamaiDriver } from './akamai/akamai-admin-client';
import { DnsServiceOperatorDns, PassThroughOperatorDns } from './operator-dns';
import type { CatalogStore } from './store/catalog-store';

/**
 * Opens the configured store, applying its pending schema migrations. `explicit` is the
 * `migrate` command: the one way to create a Cassandra keyspace when starts may not
 * (POPPY_CASSANDRA_CREATE_KEYSPACE=false) or over one this catalog used before.
 */
export async function openStore(
  config: CatalogConfig,
  logger?: Logger,
  { explicit = false }: { explicit?: boolean } = {},
): Promise<CatalogStore> {
  switch (config.store) {
    case 'sqlite':
      fs.mkdirSync(config.dataDir, { recursive: true });
      return new SqliteCatalogStore(path.join(config.dataDir, 'catalog.sqlite'));
    case 'cassandra': {
      // Loaded only when configured: cassandra-driver is ~10 MB of memory the SQLite store does not need.
      const { CassandraCatalogStore } = await import('./drivers/cassandra/cassandra-catalog-store');
      return CassandraCatalogStore.open(
        config.cassandra,
        (msg) => logger?.info({ keyspace: config.cassandra.keyspace }, msg),
        {
          create: explicit || config.cassandra.createKeyspace,
          explicit,
          history: new KeyspaceHistory(path.join(config.dataDir, 'cassandra-keyspaces.json')),
        },
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
  // The queue driver warns once per job per retry; an outage must not flood the log.
  const queueLogger = limitRepeatedLogs(logger);
  const relay = new OutboxRelay(
    store,
    () => createJobQueue(config.queue, { logger: queueLogger }),
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
  // Operator CNAME changes go through services/dns when configured (docs/behaviour.md §10.4, §10.10).
  const dns = config.dnsAddress
    ? new DnsServiceOperatorDns(config.dnsAddress, { deadlineMs: config.dnsDeadlineMs })
    : new PassThroughOperatorDns();
  shutdown.add('dns client', async () => dns.close());
  // The Akamai routes drive the Akamai adapter when configured, else answer the Akamai-less way.
  const akamaiDriver = config.akamaiAdminAddress
    ? new GrpcAkamaiDriver(config.akamaiAdminAddress, {
        deadlineMs: config.akamaiAdminDeadlineMs,
      })
    : undefined;
  if (akamaiDriver) shutdown.add('akamai admin client', async () => akamaiDriver.close());
  const admin = {
    operations: new AdminOperations(store, dns),
    akamai: new AkamaiAdmin(store.akamai, akamaiDriver),
  };
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    services: [catalogGrpcService(catalog, store, logger, () => relay.checkHealth(), admin)],
    logger,
  });
  shutdown.add('grpc server', () => server.stop());
  // Harnesses that start the catalog on port 0 read the bound port from this line.
  logger.info({ store: store.driverName, port: server.port }, 'catalog ready');
}
