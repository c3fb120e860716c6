/**
 * The Akamai operator state on Cassandra (tables of migration 2). A queue is one row whose
 * JSON list is replaced under a lightweight transaction on its version, so concurrent
 * writers (catalog replicas, the Akamai adapter) never lose each other's items.
 */
import type cassandra from 'cassandra-driver';
import {
  updateQueueWithRetry,
  type AkamaiConfigKind,
  type AkamaiQueue,
  type AkamaiStateStore,
  type JsonObject,
  type VersionedQueueRow,
} from '../../store/akamai-state-store';
import { translateCassandraError } from './cassandra-client';

export interface CassandraAkamaiOptions {
  read: cassandra.QueryOptions;
  write: cassandra.QueryOptions;
  lwt: cassandra.QueryOptions;
}

export class CassandraAkamaiState implements AkamaiStateStore {
  constructor(
    private readonly client: cassandra.Client,
    private readonly options: CassandraAkamaiOptions,
  ) {}

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw translateCassandraError(e);
    }
  }

  private async row(queue: AkamaiQueue): Promise<VersionedQueueRow> {
    const row = (
      await this.client.execute(
        'SELECT items, version FROM akamai_queues WHERE queue = ?',
        [queue],
        // A compare-and-set must start from the latest committed version.
        { ...this.options.read, consistency: this.options.lwt.serialConsistency },
      )
    ).first();
    return row
      ? {
          items: JSON.parse(row.get('items') as string) as JsonObject[],
          version: row.get('version') as number,
        }
      : { items: [], version: 0 };
  }

  readQueue(queue: AkamaiQueue): Promise<JsonObject[]> {
    return this.run(async () => (await this.row(queue)).items);
  }

  updateQueue(
    queue: AkamaiQueue,
    change: (items: JsonObject[]) => JsonObject[],
  ): Promise<{ before: JsonObject[]; after: JsonObject[] }> {
    const write = async (items: JsonObject[], expected: number): Promise<boolean> => {
      const text = JSON.stringify(items);
      const r =
        expected === 0
          ? await this.client.execute(
              'INSERT INTO akamai_queues (queue, items, version) VALUES (?, ?, 1) IF NOT EXISTS',
              [queue, text],
              this.options.lwt,
            )
          : await this.client.execute(
              'UPDATE akamai_queues SET items = ?, version = ? WHERE queue = ? IF version = ?',
              [text, expected + 1, queue, expected],
              this.options.lwt,
            );
      return r.wasApplied();
    };
    return this.run(() => updateQueueWithRetry(() => this.row(queue), write, change, queue));
  }

  getConfig(kind: AkamaiConfigKind, name: string): Promise<JsonObject | undefined> {
    return this.run(async () => {
      const row = (
        await this.client.execute(
          'SELECT value FROM akamai_config WHERE kind = ? AND name = ?',
          [kind, name],
          this.options.read,
        )
      ).first();
      return row ? (JSON.parse(row.get('value') as string) as JsonObject) : undefined;
    });
  }

  putConfig(kind: AkamaiConfigKind, name: string, value: JsonObject): Promise<void> {
    return this.run(async () => {
      await this.client.execute(
        'INSERT INTO akamai_config (kind, name, value) VALUES (?, ?, ?)',
        [kind, name, JSON.stringify(value)],
        this.options.write,
      );
    });
  }
}
