/**
 * Versioned CQL schema of the Cassandra catalog store, applied in order by ../migrator.ts
 * (at start, or `node dist/catalog/main.js migrate`) and recorded in `schema_migrations`.
 *
 * Rules (expand/contract, docs/adr/0003-cassandra-catalog-store.md):
 * - Append only: a released migration is never edited; fix forward with a new version.
 * - Every statement is idempotent (IF NOT EXISTS / IF EXISTS): a migrator that died half-way
 *   re-runs the whole version.
 * - A release only EXPANDS (new tables, columns, indexes) what the previous release reads
 *   and writes; the code tolerates a column that is still null. Dropping what the old code
 *   uses (CONTRACT) ships one release later, after no running catalog reads it.
 */
import { AKAMAI_STATE_MIGRATION } from './002-akamai-state';
import { EXACT_GUARDS_MIGRATION } from './003-exact-guards';

export interface CassandraMigration {
  version: number;
  name: string;
  statements: string[];
}

export const CASSANDRA_MIGRATIONS: readonly CassandraMigration[] = [
  {
    version: 1,
    name: 'services, domain claims, flavors, limits, archives, outbox',
    statements: [
      // One partition per project, services ascending by id: a list page is one slice
      // (`service_id > marker LIMIT n`), a get is one row. spec/provider_details are JSON text
      // (the whole ServiceSpec / ProviderDetail map): the catalog always reads and writes them whole.
      // status, flavor_id and provider_urls are denormalised from them for the SAI indexes below,
      // written in the same row mutation, so an index can never disagree with its row.
      `CREATE TABLE IF NOT EXISTS services (
         project_id       text,
         service_id       text,
         flavor_id        text,
         spec             text,
         operator_status  text,
         provider_details text,
         status           text,
         provider_urls    set<text>,
         generation       int,
         created_at       timestamp,
         updated_at       timestamp,
         PRIMARY KEY ((project_id), service_id)
       ) WITH CLUSTERING ORDER BY (service_id ASC)`,
      // Storage-attached indexes (Cassandra 5.0) live with the row on each replica: services by
      // status (reconciler/admin), by flavor (delete-flavor check), by provider URL (DNS/admin).
      `CREATE INDEX IF NOT EXISTS services_by_status ON services (status) USING 'sai'`,
      `CREATE INDEX IF NOT EXISTS services_by_flavor ON services (flavor_id) USING 'sai'`,
      `CREATE INDEX IF NOT EXISTS services_by_provider_url ON services (provider_urls) USING 'sai'`,
      // The global domain index: one partition per domain, claimed with INSERT … IF NOT EXISTS
      // (Paxos), so two services can never both hold a domain. claimed_at is the claim's token:
      // releases and take-overs are conditional on it.
      `CREATE TABLE IF NOT EXISTS domains (
         domain     text PRIMARY KEY,
         project_id text,
         service_id text,
         claimed_at timestamp
       )`,
      // Was a short lease (TTL) serialising creates within one project; unused since version 3
      // (project_slots), dropped in a later release.
      `CREATE TABLE IF NOT EXISTS project_locks (
         project_id text PRIMARY KEY,
         owner      text
       )`,
      `CREATE TABLE IF NOT EXISTS project_limits (
         project_id    text PRIMARY KEY,
         service_limit int
       )`,
      // Few rows, listed in id order: one partition.
      `CREATE TABLE IF NOT EXISTS flavors (
         realm     text,
         flavor_id text,
         providers text,
         PRIMARY KEY ((realm), flavor_id)
       )`,
      `CREATE TABLE IF NOT EXISTS archives (
         project_id  text,
         service_id  text,
         archived_at timestamp,
         service     text,
         PRIMARY KEY ((project_id), service_id, archived_at)
       )`,
      // Certificates per domain (docs/behaviour.md §11.1 certificate_info + cert_status). No store
      // method uses it yet; created here so the certificate work only adds code.
      `CREATE TABLE IF NOT EXISTS certificates (
         domain       text PRIMARY KEY,
         project_id   text,
         flavor_id    text,
         cert_type    text,
         cert_details text,
         status       text
       )`,
      `CREATE INDEX IF NOT EXISTS certificates_by_status ON certificates (status) USING 'sai'`,
      // The outbox: pending jobs in one-minute buckets, oldest first inside a bucket (timeuuid).
      // A relayed job is deleted; buckets keep the tombstones of one minute only, and the
      // cursor row lets the relay start at the oldest bucket that may still hold a job.
      `CREATE TABLE IF NOT EXISTS outbox (
         bucket     bigint,
         seq        timeuuid,
         job_id     text,
         kind       text,
         project_id text,
         service_id text,
         generation int,
         payload    text,
         created_at text,
         PRIMARY KEY ((bucket), seq, job_id)
       ) WITH CLUSTERING ORDER BY (seq ASC, job_id ASC) AND gc_grace_seconds = 3600`,
      `CREATE TABLE IF NOT EXISTS outbox_jobs (
         job_id     text PRIMARY KEY,
         bucket     bigint,
         seq        timeuuid,
         relayed_at timestamp
       ) WITH default_time_to_live = 604800`,
      `CREATE TABLE IF NOT EXISTS outbox_cursor (
         name   text PRIMARY KEY,
         bucket bigint
       )`,
    ],
  },
  AKAMAI_STATE_MIGRATION,
  EXACT_GUARDS_MIGRATION,
];
