/**
 * What every part of the Cassandra catalog store shares: the connected client, the three kinds
 * of statement options (reads, plain writes, lightweight transactions) at the configured
 * consistency levels, and reading every page of a query.
 */
import cassandra from 'cassandra-driver';
import { CONSISTENCY } from './cassandra-client';
import type { CassandraConfig } from './cassandra-config';

export type Row = cassandra.types.Row;

export class CassandraSession {
  readonly read: cassandra.QueryOptions;
  readonly write: cassandra.QueryOptions;
  /** Conditional statements (Paxos): `IF NOT EXISTS`, `IF column = ?`. */
  readonly lwt: cassandra.QueryOptions;

  constructor(
    readonly client: cassandra.Client,
    config: CassandraConfig,
  ) {
    this.read = {
      prepare: true,
      consistency: CONSISTENCY[config.readConsistency],
      isIdempotent: true,
    };
    this.write = {
      prepare: true,
      consistency: CONSISTENCY[config.writeConsistency],
      isIdempotent: true,
    };
    // Not idempotent: a retried Paxos round could report "not applied" for its own first attempt.
    this.lwt = {
      prepare: true,
      consistency: CONSISTENCY[config.writeConsistency],
      serialConsistency: CONSISTENCY[config.serialConsistency],
      isIdempotent: false,
    };
  }

  /** The first row of a read, if any. */
  async readOne(cql: string, params: unknown[]): Promise<Row | undefined> {
    return (await this.client.execute(cql, params, this.read)).first() ?? undefined;
  }

  /** Every row of a read, fetched page by page. */
  async readAll(cql: string, params: unknown[]): Promise<Row[]> {
    const rows: Row[] = [];
    let pageState: string | undefined;
    do {
      const r = await this.client.execute(cql, params, {
        ...this.read,
        fetchSize: 1000,
        ...(pageState ? { pageState } : {}),
      });
      rows.push(...r.rows);
      pageState = r.pageState ?? undefined;
    } while (pageState);
    return rows;
  }

  /** A logged batch of plain writes: all of them land or none. */
  async loggedBatch(queries: Array<{ query: string; params: unknown[] }>): Promise<void> {
    await this.client.batch(queries, { ...this.write, logged: true });
  }

  /** A conditional statement: `wasApplied()` says whether it did, `first()` holds the row it met otherwise. */
  async conditional(cql: string, params: unknown[]): Promise<cassandra.types.ResultSet> {
    return this.client.execute(cql, params, this.lwt);
  }
}
