import type { CassandraMigration } from './index';

/**
 * docs/behaviour.md §10.11–10.14: the Akamai operator queues (one row per queue: a JSON list written
 * whole under a Paxos compare-and-set on `version`) and configuration rows (settings, SAN /
 * SNI certificates; one partition per kind, few rows).
 */
export const AKAMAI_STATE_MIGRATION: CassandraMigration = {
  version: 2,
  name: 'akamai queues and certificate configuration',
  statements: [
    `CREATE TABLE IF NOT EXISTS akamai_queues (
       queue   text PRIMARY KEY,
       items   text,
       version int
     )`,
    `CREATE TABLE IF NOT EXISTS akamai_config (
       kind  text,
       name  text,
       value text,
       PRIMARY KEY ((kind), name)
     )`,
  ],
};
