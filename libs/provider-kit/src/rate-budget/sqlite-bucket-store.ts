/**
 * A token bucket shared by the processes of one machine: a row in a SQLite file (on
 * embedded defaults the job queue's file, which every process already opens). Each change
 * is one `BEGIN IMMEDIATE` transaction, so two processes never interleave a read and a
 * write of the same bucket (SQLite holds the file's write lock for the transaction).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ProviderError } from '../provider-error';
import type { BucketState, BucketStore } from './rate-budget';

interface Row {
  tokens: number;
  refilled_at: number;
  paused_until: number;
}

export class SqliteBucketStore implements BucketStore {
  private readonly db: Database.Database;
  private readonly read: Database.Statement<[string], Row>;
  private readonly write: Database.Statement<[string, number, number, number]>;

  /** `key` names the vendor account; every process using the same key shares one bucket. */
  constructor(
    file: string,
    private readonly key: string,
    options: { busyTimeoutMs?: number } = {},
  ) {
    // An adapter may start before the process that usually creates the data directory.
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS rate_budgets (
      key TEXT PRIMARY KEY,
      tokens REAL NOT NULL,
      refilled_at INTEGER NOT NULL,
      paused_until INTEGER NOT NULL
    )`);
    this.read = this.db.prepare(
      'SELECT tokens, refilled_at, paused_until FROM rate_budgets WHERE key = ?',
    );
    this.write = this.db.prepare(
      `INSERT INTO rate_budgets (key, tokens, refilled_at, paused_until) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens,
         refilled_at = excluded.refilled_at, paused_until = excluded.paused_until`,
    );
  }

  async update<T>(initial: BucketState, change: (state: BucketState) => T): Promise<T> {
    const apply = this.db.transaction(() => {
      const row = this.read.get(this.key);
      const state: BucketState = row
        ? { tokens: row.tokens, refilledAt: row.refilled_at, pausedUntil: row.paused_until }
        : { ...initial };
      const result = change(state);
      this.write.run(this.key, state.tokens, state.refilledAt, state.pausedUntil);
      return result;
    });
    try {
      return apply.immediate();
    } catch (error) {
      throw new ProviderError(`rate budget: SQLite file unavailable (${String(error)})`, {
        retryable: true,
        errorClass: 'RateBudgetUnavailable',
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
