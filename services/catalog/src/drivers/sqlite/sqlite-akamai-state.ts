/** The Akamai operator state on the embedded SQLite file (tables of migration 2). */
import type Database from 'better-sqlite3';
import {
  updateQueueWithRetry,
  type AkamaiConfigKind,
  type AkamaiQueue,
  type AkamaiStateStore,
  type JsonObject,
  type VersionedQueueRow,
} from '../../store/akamai-state-store';

export class SqliteAkamaiState implements AkamaiStateStore {
  constructor(private readonly db: Database.Database) {}

  private row(queue: AkamaiQueue): VersionedQueueRow {
    const row = this.db
      .prepare('SELECT items, version FROM akamai_queues WHERE queue = ?')
      .get(queue) as { items: string; version: number } | undefined;
    return row
      ? { items: JSON.parse(row.items) as JsonObject[], version: row.version }
      : { items: [], version: 0 };
  }

  async readQueue(queue: AkamaiQueue): Promise<JsonObject[]> {
    return this.row(queue).items;
  }

  updateQueue(
    queue: AkamaiQueue,
    change: (items: JsonObject[]) => JsonObject[],
  ): Promise<{ before: JsonObject[]; after: JsonObject[] }> {
    const write = async (items: JsonObject[], expected: number): Promise<boolean> => {
      const text = JSON.stringify(items);
      const result =
        expected === 0
          ? this.db
              .prepare(
                'INSERT INTO akamai_queues (queue, items, version) VALUES (?, ?, 1) ON CONFLICT (queue) DO NOTHING',
              )
              .run(queue, text)
          : this.db
              .prepare(
                'UPDATE akamai_queues SET items = ?, version = version + 1 WHERE queue = ? AND version = ?',
              )
              .run(text, queue, expected);
      return result.changes === 1;
    };
    return updateQueueWithRetry(async () => this.row(queue), write, change, queue);
  }

  async getConfig(kind: AkamaiConfigKind, name: string): Promise<JsonObject | undefined> {
    const row = this.db
      .prepare('SELECT value FROM akamai_config WHERE kind = ? AND name = ?')
      .get(kind, name) as { value: string } | undefined;
    return row && (JSON.parse(row.value) as JsonObject);
  }

  async putConfig(kind: AkamaiConfigKind, name: string, value: JsonObject): Promise<void> {
    this.db
      .prepare(
        'INSERT INTO akamai_config (kind, name, value) VALUES (?, ?, ?) ON CONFLICT (kind, name) DO UPDATE SET value = excluded.value',
      )
      .run(kind, name, JSON.stringify(value));
  }
}
