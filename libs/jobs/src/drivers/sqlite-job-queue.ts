/**
 * The embedded JobQueue driver: a `jobs` table in a SQLite file (WAL), safe to share
 * between several worker processes on one machine.
 *
 * A worker claims due jobs in one IMMEDIATE transaction (SQLite's single writer makes
 * the claim atomic across processes) and holds a lease on each: while the lease holds
 * no other worker takes the job, and the lease is renewed while the handler runs. A
 * worker that dies stops renewing; once its lease expires the job is due again and
 * the next claim counts it as a new attempt.
 *
 * States: queued → running → (done | failed), or back to queued on retry. Finished rows
 * are kept for `dedupWindowMs` so a re-published id is still recognised as a
 * duplicate (the same promise NATS's duplicate window makes), then pruned.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino, { type Logger } from 'pino';
import { runDelivery, type Settlement } from '../delivery';
import {
  resolveConsumeOptions,
  validateJob,
  type ConsumeOptions,
  type Job,
  type JobConsumer,
  type JobHandler,
  type JobQueue,
  type ResolvedConsumeOptions,
} from '../job-queue';
import { Slots } from '../slots';

export interface SqliteJobQueueOptions {
  /** The database file; its directory is created if missing. Every worker sharing the queue opens the same file. */
  file: string;
  /**
   * How long an idle consumer waits before looking for due jobs again. A consumer that
   * found work, or whose handler just finished, looks again at once.
   * @default 25
   */
  pollIntervalMs?: number;
  /**
   * How long a finished (done or failed) job's id keeps deduplicating publishes.
   * @default 120_000 (NATS's default duplicate window)
   */
  dedupWindowMs?: number;
  /**
   * How long a statement waits for another process's write lock before failing.
   * @default 5_000
   */
  busyTimeoutMs?: number;
  logger?: Logger;
}

interface JobRow {
  id: string;
  kind: string;
  payload: string;
  headers: string | null;
  attempts: number;
  last_error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS jobs (
  id          TEXT PRIMARY KEY,
  kind        TEXT NOT NULL,
  payload     TEXT NOT NULL,               -- JSON object
  headers     TEXT,                        -- JSON object or NULL
  state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  attempts    INTEGER NOT NULL DEFAULT 0,  -- claims so far, the current one included
  run_at      INTEGER NOT NULL,            -- epoch ms: a queued job is due from then on
  lease_until INTEGER,                     -- epoch ms: a running job is claimable again from then on
  lease_owner TEXT,
  last_error  TEXT,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_queued ON jobs (state, run_at);
CREATE INDEX IF NOT EXISTS jobs_leases ON jobs (state, lease_until);
`;

const PRUNE_EVERY_MS = 5_000;

export class SqliteJobQueue implements JobQueue {
  readonly driverName = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly logger: Logger;
  private readonly pollIntervalMs: number;
  private readonly dedupWindowMs: number;
  private readonly instanceId = randomUUID();
  private readonly consumers = new Set<SqliteConsumer>();
  private consumerSeq = 0;
  private closed = false;
  private readonly insert: Database.Statement;

  constructor(options: SqliteJobQueueOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.pollIntervalMs = options.pollIntervalMs ?? 25;
    this.dedupWindowMs = options.dedupWindowMs ?? 120_000;
    fs.mkdirSync(path.dirname(path.resolve(options.file)), { recursive: true });
    this.db = new Database(options.file);
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5_000))}`);
    this.db.pragma('journal_mode = WAL');
    // WAL + NORMAL survives a process crash (only an OS crash can lose the last commits).
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    // A finished row past the dedup window no longer blocks its id: the publish revives it.
    this.insert = this.db.prepare(`
      INSERT INTO jobs (id, kind, payload, headers, state, attempts, run_at, created_at, updated_at)
      VALUES (@id, @kind, @payload, @headers, 'queued', 0, @now, @now, @now)
      ON CONFLICT (id) DO UPDATE SET
        kind = excluded.kind, payload = excluded.payload, headers = excluded.headers, state = 'queued',
        attempts = 0, run_at = excluded.run_at, lease_until = NULL, lease_owner = NULL, last_error = NULL,
        created_at = excluded.created_at, updated_at = excluded.updated_at
      WHERE jobs.state IN ('done', 'failed') AND jobs.updated_at < @dedupCutoff`);
  }

  async publish(job: Job): Promise<{ duplicate: boolean }> {
    validateJob(job);
    this.assertOpen();
    const now = Date.now();
    const result = this.insert.run({
      id: job.id,
      kind: job.kind,
      payload: JSON.stringify(job.payload),
      headers:
        job.headers && Object.keys(job.headers).length > 0 ? JSON.stringify(job.headers) : null,
      now,
      dedupCutoff: now - this.dedupWindowMs,
    });
    return { duplicate: result.changes === 0 };
  }

  async consume(handler: JobHandler, options: ConsumeOptions): Promise<JobConsumer> {
    const resolved = resolveConsumeOptions(options);
    this.assertOpen();
    const consumer = new SqliteConsumer(this.db, handler, resolved, {
      owner: `${this.instanceId}/${++this.consumerSeq}`,
      pollIntervalMs: this.pollIntervalMs,
      dedupWindowMs: this.dedupWindowMs,
      logger: this.logger,
      onStopped: () => this.consumers.delete(consumer),
    });
    this.consumers.add(consumer);
    consumer.start();
    return { stop: () => consumer.stop() };
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      return this.db.prepare('SELECT 1 AS ok').get() !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.consumers.forEach((consumer) => consumer.abandon());
    this.consumers.clear();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('job queue is closed');
  }
}

interface ConsumerContext {
  owner: string;
  pollIntervalMs: number;
  dedupWindowMs: number;
  logger: Logger;
  onStopped: () => void;
}

class SqliteConsumer {
  private readonly slots: Slots;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private loop: Promise<void> = Promise.resolve();
  private wakeLoop: (() => void) | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  private readonly claim: (limit: number) => JobRow[];
  private readonly renew: Database.Statement;
  private readonly finish: Database.Statement;
  private readonly requeue: Database.Statement;
  private readonly prune: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly handler: JobHandler,
    private readonly options: ResolvedConsumeOptions,
    private readonly ctx: ConsumerContext,
  ) {
    this.slots = new Slots(options.concurrency);
    const kinds = JSON.stringify(options.kinds);
    const select = db.prepare(`
      SELECT id, last_error FROM jobs
      WHERE kind IN (SELECT value FROM json_each(@kinds))
        AND ((state = 'queued' AND run_at <= @now) OR (state = 'running' AND lease_until <= @now))
      ORDER BY run_at, created_at
      LIMIT @limit`);
    const take = db.prepare(`
      UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = @owner,
        lease_until = @leaseUntil, last_error = NULL, updated_at = @now
      WHERE id = @id
      RETURNING id, kind, payload, headers, attempts`);
    const claimTx = db.transaction((limit: number): JobRow[] => {
      const now = Date.now();
      const due = select.all({ kinds, now, limit }) as Array<{
        id: string;
        last_error: string | null;
      }>;
      const leaseUntil = now + options.leaseMs;
      // The claim clears last_error so that a claim which ends without an outcome leaves
      // none behind; the previous attempt's error still goes to this delivery.
      return due.map(({ id, last_error }) => ({
        ...(take.get({ id, owner: ctx.owner, leaseUntil, now }) as Omit<JobRow, 'last_error'>),
        last_error,
      }));
    });
    // IMMEDIATE takes the write lock before reading, so two workers cannot both select
    // the same due row; a deferred transaction would also fail instead of waiting on busy_timeout.
    this.claim = (limit) => claimTx.immediate(limit);
    this.renew = db.prepare(
      `UPDATE jobs SET lease_until = @leaseUntil WHERE lease_owner = @owner AND state = 'running'`,
    );
    // Every settlement is conditional on still holding the job: a worker whose lease was
    // taken over must not overwrite the new owner's state.
    this.finish = db.prepare(`
      UPDATE jobs SET state = @state, last_error = @error, lease_owner = NULL, lease_until = NULL, updated_at = @now
      WHERE id = @id AND lease_owner = @owner AND state = 'running'`);
    this.requeue = db.prepare(`
      UPDATE jobs SET state = 'queued', run_at = @runAt, last_error = @error, lease_owner = NULL, lease_until = NULL,
        updated_at = @now
      WHERE id = @id AND lease_owner = @owner AND state = 'running'`);
    this.prune = db.prepare(
      `DELETE FROM jobs WHERE state IN ('done', 'failed') AND updated_at < @cutoff`,
    );
  }

  start(): void {
    this.renewTimer = setInterval(
      () => this.renewLeases(),
      Math.max(10, Math.floor(this.options.leaseMs / 3)),
    );
    this.loop = this.pollLoop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.slots.close();
    this.wakeLoop?.();
    await this.loop;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    clearInterval(this.renewTimer);
    this.ctx.onStopped();
  }

  /** The queue was closed under us (a crash, as far as the jobs are concerned): stop without settling anything. */
  abandon(): void {
    this.stopping = true;
    this.slots.close();
    this.wakeLoop?.();
    clearInterval(this.renewTimer);
  }

  private async pollLoop(): Promise<void> {
    while (!this.stopping) {
      const reserved = await this.slots.acquire(this.options.concurrency);
      if (reserved === 0) break;
      let rows: JobRow[] = [];
      try {
        rows = this.claim(reserved);
        this.maybePrune();
      } catch (err) {
        if (!this.db.open) break;
        this.ctx.logger.warn({ err }, 'claiming jobs failed; retrying');
      }
      this.slots.release(reserved - rows.length);
      rows.forEach((row) => this.run(row));
      if (rows.length === 0) await this.idle();
    }
  }

  /** Sleeps one poll interval, or less if a handler finishes or stop() is called. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeLoop?.(), this.ctx.pollIntervalMs);
      this.wakeLoop = () => {
        clearTimeout(timer);
        this.wakeLoop = undefined;
        resolve();
      };
    });
  }

  private run(row: JobRow): void {
    let job: Job;
    let poison: string | undefined;
    try {
      job = {
        id: row.id,
        kind: row.kind,
        payload: JSON.parse(row.payload) as Record<string, unknown>,
      };
      if (row.headers !== null) job.headers = JSON.parse(row.headers) as Record<string, string>;
    } catch (err) {
      job = { id: row.id, kind: row.kind, payload: {} };
      poison = `stored job cannot be decoded: ${(err as Error).message}`;
    }
    const task = runDelivery(
      this.handler,
      { job, deliveryCount: row.attempts, lastError: row.last_error, poison },
      this.options,
      this.ctx.logger,
    )
      .then((settlement) => this.settle(row.id, settlement))
      .catch((err) =>
        this.ctx.logger.error(
          { err, jobId: row.id },
          'settling a job failed; it returns when its lease expires',
        ),
      )
      .finally(() => {
        this.inFlight.delete(task);
        this.slots.release(1);
        this.wakeLoop?.();
      });
    this.inFlight.add(task);
  }

  private settle(id: string, settlement: Settlement): void {
    if (!this.db.open) return;
    const now = Date.now();
    const owner = this.ctx.owner;
    let changes: number;
    switch (settlement.type) {
      case 'ack':
        changes = this.finish.run({ id, owner, now, state: 'done', error: null }).changes;
        break;
      case 'terminated':
        changes = this.finish.run({
          id,
          owner,
          now,
          state: 'failed',
          error: settlement.reason,
        }).changes;
        break;
      case 'retry':
        changes = this.requeue.run({
          id,
          owner,
          now,
          runAt: now + settlement.delayMs,
          error: settlement.reason,
        }).changes;
        break;
    }
    if (changes === 0) {
      this.ctx.logger.warn(
        { jobId: id, outcome: settlement.type },
        'lease lost before the outcome was recorded; another worker runs the job again',
      );
    }
  }

  private renewLeases(): void {
    if (this.inFlight.size === 0 || !this.db.open) return;
    try {
      this.renew.run({ owner: this.ctx.owner, leaseUntil: Date.now() + this.options.leaseMs });
    } catch (err) {
      this.ctx.logger.warn({ err }, 'renewing job leases failed');
    }
  }

  private maybePrune(): void {
    const now = Date.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.prune.run({ cutoff: now - this.ctx.dedupWindowMs });
  }
}
