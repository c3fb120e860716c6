import type { CassandraMigration } from './index';

/**
 * Exact guards instead of a lease (docs/adr/0003-cassandra-catalog-store.md):
 * - `project_slots`: a project's service limit as numbered slots, each claimed by one service
 *   with `INSERT … IF NOT EXISTS` (../project-slots.ts). Replaces `project_locks`, which stays
 *   until the next release (expand/contract) but is no longer written.
 * - `flavor_usage`: per flavor, whether it may be used (`live`) and which services reference it
 *   (`users`, key `project_id/service_id`, value the reference's time), changed under Paxos so a
 *   create's reference and a flavor delete cannot both win (../flavor-table.ts).
 */
export const EXACT_GUARDS_MIGRATION: CassandraMigration = {
  version: 3,
  name: 'project slots and flavor usage guards',
  statements: [
    `CREATE TABLE IF NOT EXISTS project_slots (
       project_id text,
       slot       int,
       service_id text,
       claimed_at timestamp,
       PRIMARY KEY ((project_id), slot)
     ) WITH CLUSTERING ORDER BY (slot ASC)`,
    `CREATE TABLE IF NOT EXISTS flavor_usage (
       flavor_id text PRIMARY KEY,
       live      boolean,
       users     map<text, timestamp>
     )`,
  ],
};
