/**
 * Applies CASSANDRA_MIGRATIONS to the keyspace, creating the keyspace first. Safe when
 * several catalogs start at once:
 * - the two bookkeeping tables are created with table ids fixed by keyspace (`WITH ID`), so concurrent
 *   `CREATE TABLE IF NOT EXISTS` from two coordinators converge on one table instead of
 *   racing into a schema disagreement;
 * - every migration runs under a lock row taken with `INSERT … IF NOT EXISTS USING TTL`
 *   (Paxos): one migrator at a time; a migrator that dies frees it when the TTL runs out;
 *   the holder renews it between migrations;
 * - each version is recorded in `schema_migrations` after all its statements ran; every
 *   statement is idempotent, so a version interrupted half-way is simply run again.
 */
import { createHash, randomUUID } from 'node:crypto';
import type cassandra from 'cassandra-driver';
import { CONSISTENCY, createCassandraClient } from './cassandra-client';
import { replicationCql, type CassandraConfig } from './cassandra-config';
import { checkMissingKeyspace, type KeyspacePolicy } from './keyspace-history';
import { CASSANDRA_MIGRATIONS, type CassandraMigration } from './migrations';

const LOCK_TTL_S = 60;
const LOCK_WAIT_MS = 120_000;

/** A table id fixed by keyspace and table name (UUID v5 layout): every migrator picks the same. */
function tableId(keyspace: string, table: string): string {
  const h = createHash('sha1').update(`poppy:${keyspace}.${table}`).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface MigrationReport {
  applied: number[];
  current: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates the keyspace if it is missing and `policy` allows it (./keyspace-history.ts), with a
 * client of its own (not bound to a keyspace); records that this catalog uses it. Returns the
 * cluster's name.
 */
export async function ensureKeyspace(
  config: CassandraConfig,
  policy: KeyspacePolicy,
  log: (msg: string) => void = () => undefined,
): Promise<string> {
  const client = createCassandraClient(config);
  try {
    const read = { prepare: true, consistency: CONSISTENCY[config.readConsistency] };
    const cluster = String(
      (await client.execute('SELECT cluster_name FROM system.local', [], read))
        .first()
        ?.get('cluster_name') ?? 'unknown',
    );
    const exists =
      (
        await client.execute(
          'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
          [config.keyspace],
          read,
        )
      ).rowLength > 0;
    if (!exists) {
      checkMissingKeyspace(cluster, config.keyspace, policy);
      if (policy.history?.usedSince(cluster, config.keyspace)) {
        log(`re-creating keyspace ${config.keyspace} on request (migrate) over lost data`);
        policy.history.forget(cluster, config.keyspace);
      } else {
        log(`creating keyspace ${config.keyspace} (first start on cluster ${cluster})`);
      }
      await client.execute(
        `CREATE KEYSPACE IF NOT EXISTS ${config.keyspace} WITH replication = ${replicationCql(config.replication)}`,
        [],
        { prepare: false },
      );
    }
    policy.history?.recordUse(cluster, config.keyspace);
    return cluster;
  } finally {
    await client.shutdown();
  }
}

/** `client` is bound to config.keyspace, which exists (ensureKeyspace). */
export async function migrateCassandra(
  client: cassandra.Client,
  config: CassandraConfig,
  migrations: readonly CassandraMigration[] = CASSANDRA_MIGRATIONS,
  log: (msg: string) => void = () => undefined,
): Promise<MigrationReport> {
  const ks = config.keyspace;
  const write = { prepare: true, consistency: CONSISTENCY[config.writeConsistency] };
  // Schema statements are not prepared: a prepared unqualified DDL statement is bound to the
  // keyspace it was prepared in, and Cassandra logs an error for each such execution.
  const ddl = { prepare: false };
  await client.execute(
    `CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, name text, applied_at timestamp)
     WITH ID = ${tableId(ks, 'schema_migrations')}`,
    [],
    ddl,
  );
  await client.execute(
    `CREATE TABLE IF NOT EXISTS schema_migration_lock (name text PRIMARY KEY, owner text)
     WITH ID = ${tableId(ks, 'schema_migration_lock')}`,
    [],
    ddl,
  );

  const owner = randomUUID();
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    const r = await client.execute(
      `INSERT INTO schema_migration_lock (name, owner) VALUES ('schema', ?) IF NOT EXISTS USING TTL ${LOCK_TTL_S}`,
      [owner],
      write,
    );
    if (r.wasApplied()) break;
    if (Date.now() > deadline) {
      throw new Error(
        `schema migration lock of keyspace ${ks} held by ${String(r.first()?.get('owner'))} for over ${LOCK_WAIT_MS} ms`,
      );
    }
    await sleep(250 + Math.random() * 250);
  }
  try {
    const done = new Set(
      (
        await client.execute(`SELECT version FROM schema_migrations`, [], {
          consistency: CONSISTENCY[config.readConsistency],
        })
      ).rows.map((row) => row.get('version') as number),
    );
    const applied: number[] = [];
    for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(migration.version)) continue;
      log(`applying cassandra migration ${migration.version} (${migration.name})`);
      for (const statement of migration.statements) {
        // DDL waits for schema agreement inside the driver before resolving.
        await client.execute(statement, [], ddl);
      }
      await client.execute(
        `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
        [migration.version, migration.name, new Date()],
        write,
      );
      applied.push(migration.version);
      const renewed = await client.execute(
        `UPDATE schema_migration_lock USING TTL ${LOCK_TTL_S} SET owner = ? WHERE name = 'schema' IF owner = ?`,
        [owner, owner],
        write,
      );
      if (!renewed.wasApplied())
        throw new Error(
          `lost the schema migration lock of keyspace ${ks} (TTL ${LOCK_TTL_S}s ran out)`,
        );
    }
    const versions = [...done, ...applied];
    return { applied, current: versions.length ? Math.max(...versions) : 0 };
  } finally {
    await client
      .execute(
        `DELETE FROM schema_migration_lock WHERE name = 'schema' IF owner = ?`,
        [owner],
        write,
      )
      .catch(() => undefined); // the TTL frees it anyway
  }
}
