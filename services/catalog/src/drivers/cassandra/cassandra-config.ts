/**
 * Options of the Cassandra catalog store (POPPY_CASSANDRA_*), validated with the rest of
 * the catalog's configuration in ../../config.ts. See tools/infra/cassandra/README.md and
 * docs/adr/0003-cassandra-catalog-store.md for what each one changes.
 */
import type { EnvReader } from '@poppy/platform';

export const CONSISTENCY_LEVELS = [
  'ONE',
  'TWO',
  'THREE',
  'QUORUM',
  'ALL',
  'LOCAL_QUORUM',
  'EACH_QUORUM',
  'LOCAL_ONE',
] as const;
export type ConsistencyName = (typeof CONSISTENCY_LEVELS)[number];
export const SERIAL_CONSISTENCY_LEVELS = ['SERIAL', 'LOCAL_SERIAL'] as const;
export type SerialConsistencyName = (typeof SERIAL_CONSISTENCY_LEVELS)[number];

/** `SimpleStrategy` with a replication factor, or `NetworkTopologyStrategy` with one per DC. */
export type Replication =
  | { strategy: 'SimpleStrategy'; factor: number }
  | { strategy: 'NetworkTopologyStrategy'; factors: Record<string, number> };

export interface CassandraConfig {
  /** host:port list. @default ['127.0.0.1:9042'] (POPPY_CASSANDRA_CONTACT_POINTS) */
  contactPoints: string[];
  /** The driver only routes to this DC's nodes. @default 'datacenter1' (POPPY_CASSANDRA_LOCAL_DC) */
  localDataCenter: string;
  /** @default 'poppy' (POPPY_CASSANDRA_KEYSPACE) */
  keyspace: string;
  /**
   * Used only when the keyspace is created. `SimpleStrategy:1` or
   * `NetworkTopologyStrategy:dc1=3,dc2=3`. @default SimpleStrategy:1 (POPPY_CASSANDRA_REPLICATION)
   */
  replication: Replication;
  /** @default 'LOCAL_QUORUM' (POPPY_CASSANDRA_WRITE_CONSISTENCY) */
  writeConsistency: ConsistencyName;
  /** @default 'LOCAL_QUORUM' (POPPY_CASSANDRA_READ_CONSISTENCY) */
  readConsistency: ConsistencyName;
  /** Paxos phase of lightweight transactions. @default 'LOCAL_SERIAL' (POPPY_CASSANDRA_SERIAL_CONSISTENCY) */
  serialConsistency: SerialConsistencyName;
  /** Per-request timeout; below the gRPC deadline so the caller gets a 503, not a deadline. @default 4000 (POPPY_CASSANDRA_REQUEST_TIMEOUT_MS) */
  requestTimeoutMs: number;
  /**
   * Whether a start may create a missing keyspace (a first start; never one this catalog
   * recorded using, see ./keyspace-history.ts). Production sets false and creates it with
   * the `migrate` command, so a lost keyspace always stops the catalog.
   * @default true (POPPY_CASSANDRA_CREATE_KEYSPACE)
   */
  createKeyspace: boolean;
  /** PasswordAuthenticator credentials; both or neither. (POPPY_CASSANDRA_USERNAME / POPPY_CASSANDRA_PASSWORD) */
  username?: string;
  password?: string;
}

const NAME = /^[a-zA-Z][a-zA-Z0-9_]{0,47}$/;

export function parseReplication(raw: string): Replication | string {
  const simple = /^SimpleStrategy:(\d{1,2})$/.exec(raw);
  if (simple && Number(simple[1]) >= 1)
    return { strategy: 'SimpleStrategy', factor: Number(simple[1]) };
  const nts = /^NetworkTopologyStrategy:(.+)$/.exec(raw);
  if (nts) {
    const factors: Record<string, number> = {};
    for (const part of nts[1].split(',')) {
      const m = /^\s*([A-Za-z0-9_.-]+)=(\d{1,2})\s*$/.exec(part);
      if (!m || Number(m[2]) < 1) return `bad data-centre factor '${part}' (expected dc=N, N ≥ 1)`;
      factors[m[1]] = Number(m[2]);
    }
    return { strategy: 'NetworkTopologyStrategy', factors };
  }
  return `expected SimpleStrategy:<rf> or NetworkTopologyStrategy:<dc>=<rf>[,<dc>=<rf>…], got '${raw}'`;
}

/** The CQL map literal of a keyspace's replication. */
export function replicationCql(r: Replication): string {
  if (r.strategy === 'SimpleStrategy')
    return `{'class': 'SimpleStrategy', 'replication_factor': ${r.factor}}`;
  const dcs = Object.entries(r.factors).map(([dc, n]) => `'${dc}': ${n}`);
  return `{'class': 'NetworkTopologyStrategy', ${dcs.join(', ')}}`;
}

export function readCassandraConfig(e: EnvReader): CassandraConfig {
  const contactPoints = e.list('POPPY_CASSANDRA_CONTACT_POINTS', ['127.0.0.1:9042']);
  for (const point of contactPoints) {
    if (!/^[^\s:]+:\d{1,5}$/.test(point))
      e.problem(`POPPY_CASSANDRA_CONTACT_POINTS: expected host:port, got '${point}'`);
  }
  if (contactPoints.length === 0)
    e.problem('POPPY_CASSANDRA_CONTACT_POINTS: at least one host:port is needed');
  const keyspace = e.string('POPPY_CASSANDRA_KEYSPACE', 'poppy');
  if (!NAME.test(keyspace))
    e.problem(`POPPY_CASSANDRA_KEYSPACE: '${keyspace}' is not a valid keyspace name`);
  const rawReplication = e.string('POPPY_CASSANDRA_REPLICATION', 'SimpleStrategy:1');
  let replication = parseReplication(rawReplication);
  if (typeof replication === 'string') {
    e.problem(`POPPY_CASSANDRA_REPLICATION: ${replication}`);
    replication = { strategy: 'SimpleStrategy', factor: 1 };
  }
  const username = e.optionalString('POPPY_CASSANDRA_USERNAME');
  const password = e.optionalString('POPPY_CASSANDRA_PASSWORD');
  if ((username === undefined) !== (password === undefined)) {
    e.problem('POPPY_CASSANDRA_USERNAME and POPPY_CASSANDRA_PASSWORD: set both or neither');
  }
  return {
    contactPoints,
    localDataCenter: e.string('POPPY_CASSANDRA_LOCAL_DC', 'datacenter1'),
    keyspace,
    replication,
    writeConsistency: e.oneOf(
      'POPPY_CASSANDRA_WRITE_CONSISTENCY',
      CONSISTENCY_LEVELS,
      'LOCAL_QUORUM',
    ),
    readConsistency: e.oneOf(
      'POPPY_CASSANDRA_READ_CONSISTENCY',
      CONSISTENCY_LEVELS,
      'LOCAL_QUORUM',
    ),
    serialConsistency: e.oneOf(
      'POPPY_CASSANDRA_SERIAL_CONSISTENCY',
      SERIAL_CONSISTENCY_LEVELS,
      'LOCAL_SERIAL',
    ),
    requestTimeoutMs: e.int('POPPY_CASSANDRA_REQUEST_TIMEOUT_MS', 4000, { min: 100, max: 120000 }),
    createKeyspace: e.bool('POPPY_CASSANDRA_CREATE_KEYSPACE', true),
    ...(username !== undefined ? { username } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}
