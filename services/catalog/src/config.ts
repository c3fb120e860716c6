import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';
import path from 'node:path';
import { readCassandraConfig, type CassandraConfig } from './drivers/cassandra/cassandra-config';
import type { JobQueueConfig } from '@poppy/jobs';
import { readJobQueueConfig } from '@poppy/jobs';

export interface CatalogConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_CATALOG_HOST) */
  host: string;
  /** @default 50051 (POPPY_CATALOG_PORT); 0 picks a free port. */
  port: number;
  /** @default 'sqlite' (POPPY_STORE) */
  store: 'sqlite' | 'cassandra';
  /** Read only when store is 'cassandra' (POPPY_CASSANDRA_*). */
  cassandra: CassandraConfig;
  /** Directory of the embedded SQLite file. @default './.data' (POPPY_DATA_DIR) */
  dataDir: string;
  /** Provider ids a flavor may name (docs/behaviour.md §8.1). @default ['mock'] (POPPY_PROVIDERS) */
  providers: string[];
  /** Services per project unless an operator set a limit. @default 20 (POPPY_MAX_SERVICES_PER_PROJECT) */
  maxServicesPerProject: number;
  /** TTL of the default caching rule. @default 86400 (POPPY_DEFAULT_CACHE_TTL) */
  defaultCacheTtl: number;
  /** Shard suffixes for shared-SSL domains (docs/behaviour.md §4.13). (POPPY_SHARED_SSL_SHARDS) */
  sharedSslShards: string[];
  /** A flavor created at first start when none exists, '' for none. @default 'mock' (POPPY_DEFAULT_FLAVOR) */
  defaultFlavor: string;
  /** Where the outbox relay publishes jobs (POPPY_QUEUE, POPPY_QUEUE_FILE, POPPY_NATS_URL; see readJobQueueConfig in libs/jobs). */
  queue: JobQueueConfig;
  /** services/dns, for the operator CNAME changes of the admin routes; unset: no CNAME indirection. (POPPY_DNS_ADDRESS) */
  dnsAddress?: string;
  /** Deadline of one dns call. @default 10000 (POPPY_DNS_DEADLINE_MS) */
  dnsDeadlineMs: number;
  /** The Akamai adapter (its AkamaiAdminService), for the Akamai operator routes; unset: Akamai is not configured. (POPPY_AKAMAI_ADMIN_ADDRESS) */
  akamaiAdminAddress?: string;
  /** Deadline of one Akamai adapter call. @default 30000 (POPPY_AKAMAI_ADMIN_DEADLINE_MS) */
  akamaiAdminDeadlineMs: number;
  /** How often an idle outbox relay looks for jobs written by other processes. @default 50 (POPPY_OUTBOX_POLL_MS) */
  outboxPollMs: number;
}

export function loadCatalogConfig(env: NodeJS.ProcessEnv = process.env): Readonly<CatalogConfig> {
  const e = new EnvReader(env);
  const config: CatalogConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_CATALOG_HOST', '127.0.0.1'),
    port: e.int('POPPY_CATALOG_PORT', 50051, { min: 0, max: 65535 }),
    store: e.oneOf('POPPY_STORE', ['sqlite', 'cassandra'] as const, 'sqlite'),
    cassandra: readCassandraConfig(e),
    dataDir: path.resolve(e.string('POPPY_DATA_DIR', './.data')),
    providers: e.list('POPPY_PROVIDERS', ['mock']),
    maxServicesPerProject: e.int('POPPY_MAX_SERVICES_PER_PROJECT', 20, { min: 0 }),
    defaultCacheTtl: e.int('POPPY_DEFAULT_CACHE_TTL', 86400, { min: 0, max: 31536000 }),
    sharedSslShards: e.list(
      'POPPY_SHARED_SSL_SHARDS',
      [1, 2, 3, 4, 5].map((n) => `scdn${n}.secure.defaultcdn.com`),
    ),
    defaultFlavor: e.string('POPPY_DEFAULT_FLAVOR', 'mock'),
    queue: readJobQueueConfig(e, {
      dataDir: path.resolve(e.string('POPPY_DATA_DIR', './.data')),
      connectionName: 'catalog-outbox-relay',
    }),
    dnsAddress:
      e.optionalString('POPPY_DNS_ADDRESS') === undefined
        ? undefined
        : e.address('POPPY_DNS_ADDRESS', ''),
    dnsDeadlineMs: e.int('POPPY_DNS_DEADLINE_MS', 10_000, { min: 100, max: 120_000 }),
    akamaiAdminAddress:
      e.optionalString('POPPY_AKAMAI_ADMIN_ADDRESS') === undefined
        ? undefined
        : e.address('POPPY_AKAMAI_ADMIN_ADDRESS', ''),
    akamaiAdminDeadlineMs: e.int('POPPY_AKAMAI_ADMIN_DEADLINE_MS', 30_000, {
      min: 100,
      max: 120_000,
    }),
    outboxPollMs: e.int('POPPY_OUTBOX_POLL_MS', 50, { min: 1, max: 60_000 }),
  };
  if (config.providers.length === 0)
    e.problem('POPPY_PROVIDERS: at least one provider id is needed');
  if (config.sharedSslShards.length === 0)
    e.problem('POPPY_SHARED_SSL_SHARDS: at least one shard is needed');
  return e.done(config);
}
