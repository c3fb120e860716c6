/**
 * The outbox relay: hands the jobs the catalog recorded with each change of desired
 * state (same transaction as the change, see store/catalog-store.ts) to the JobQueue,
 * then marks them relayed. A crash between publish and mark re-publishes the same job
 * id, which the queue drops as a duplicate, so the relay is idempotent and a service
 * and its job are never separated.
 *
 * The queue may be down (NATS restarting) or not yet reachable at start: the relay
 * keeps trying with backoff, never crashes the catalog, and reports its state to the
 * health check.
 */
import type { Job, JobQueue } from '@poppy/jobs';
import { describeRepeats, RepeatLimiter, type Logger } from '@poppy/platform';
import { backoffDelayMs } from '@poppy/resilience';
import type { CatalogStore, OutboxJob } from './store/catalog-store';

export interface OutboxRelayOptions {
  /** Jobs read and published per round. @default 256 */
  batchSize?: number;
  /** How often an idle relay looks for new jobs; a write in this process wakes it at once. @default 50 */
  pollIntervalMs?: number;
  /** Longest wait between attempts while the queue or the store fails. @default 5000 */
  maxBackoffMs?: number;
}

export interface RelayHealth {
  /** The queue driver ('sqlite', 'nats'). */
  name: string;
  /** False while the last attempt to reach the queue failed (a store failure leaves it as it was). */
  online: boolean;
  relayed: number;
  lastError?: string;
  /** What the last failure was: reading or marking the outbox in the store, or publishing to the queue. */
  failing?: RelayFailureCause;
}

/**
 * Which side of the relay failed. With Cassandra down the relay once logged that it
 * "cannot reach the job queue" while the queue was fine (issue 14): a round reads the
 * store, publishes to the queue and writes the store again, and each step names itself.
 */
export type RelayFailureCause = 'store' | 'queue';

export class RelayStepError extends Error {
  override readonly name = 'RelayStepError';
  constructor(
    readonly step: RelayFailureCause,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** The log line of a failed round, by the step that failed. */
export function relayFailureMessage(cause: RelayFailureCause): string {
  return cause === 'store'
    ? 'outbox relay cannot read or mark the outbox: the catalog store is unavailable (the job queue is not at fault)'
    : 'outbox relay cannot reach the job queue';
}

/** Runs one step of a round, naming the step in what it throws. */
async function step<T>(cause: RelayFailureCause, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw error instanceof RelayStepError ? error : new RelayStepError(cause, error);
  }
}

/**
 * What an outbox row keeps of the queue job the catalog encoded (catalog.ts jobFor): its
 * payload and headers; the id and kind are the row's own columns.
 */
export function outboxPayload(job: Job): Record<string, unknown> {
  return { job: job.payload, ...(job.headers ? { headers: job.headers } : {}) };
}

/** The queue job an outbox row records, published as it was encoded. */
export function toQueueJob(row: OutboxJob): Job {
  const { job, headers, trace, ...legacy } = row.payload;
  if (isObject(job)) {
    return { id: row.job_id, kind: row.kind, payload: job, ...headersFrom(headers) };
  }
  // A row recorded before the jobs contract (docs/adr/0007-jobs-contract.md): the kind's
  // fields flat, the trace context beside them. Published in the form of that time, which
  // @poppy/jobs still decodes, so an upgrade loses no job.
  return {
    id: row.job_id,
    kind: row.kind,
    ...headersFrom(trace),
    payload: {
      ...legacy,
      project_id: row.project_id,
      service_id: row.service_id,
      generation: row.generation,
      created_at: row.created_at,
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function headersFrom(value: unknown): { headers?: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') headers[k] = v;
  }
  return Object.keys(headers).length > 0 ? { headers } : {};
}

export class OutboxRelay {
  private queue: JobQueue | undefined;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  private online = false;
  private relayed = 0;
  private lastError: string | undefined;
  private failing: RelayFailureCause | undefined;
  private failures = 0;
  /** One warning per cause per minute during an outage, then a count (libs/platform repeat-limiter.ts). */
  private readonly warnings = new RepeatLimiter(60_000);
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly store: Pick<CatalogStore, 'listPendingJobs' | 'markJobsRelayed'>,
    private readonly connect: () => Promise<JobQueue>,
    private readonly driverName: string,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 256;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** A job was just recorded: look now instead of at the next poll. */
  kick(): void {
    this.kicked = true;
    // During an outage the backoff stands: writes must not turn it into a busy loop.
    if (this.online) this.wake?.();
  }

  health(): RelayHealth {
    return {
      name: this.driverName,
      online: this.online,
      relayed: this.relayed,
      lastError: this.lastError,
      failing: this.failing,
    };
  }

  /**
   * What the health report shows: online only when the queue answers that jobs can be
   * published and consumed right now (for NATS: the stream and consumers exist), not
   * merely because the last round had nothing to publish over a live connection.
   */
  async checkHealth(): Promise<RelayHealth> {
    const queue = this.queue;
    const online = queue !== undefined && (await queue.ping().catch(() => false));
    return { ...this.health(), online };
  }

  /**
   * Publishes up to one batch of pending jobs and marks the published ones relayed.
   * Returns how many were relayed; throws a RelayStepError naming the store or the queue
   * when nothing could be relayed.
   */
  async relayOnce(): Promise<number> {
    this.queue ??= await step('queue', () => this.connect());
    const pending = await step('store', () => this.store.listPendingJobs(this.batchSize));
    if (pending.length === 0) return 0;
    const queue = this.queue;
    // Concurrent publishes: order between services does not matter, and the jobs of one
    // service are told apart by generation, not by arrival order.
    const results = await Promise.allSettled(pending.map((job) => queue.publish(toQueueJob(job))));
    const published = pending
      .filter((_, i) => results[i].status === 'fulfilled')
      .map((job) => job.job_id);
    if (published.length > 0) await step('store', () => this.store.markJobsRelayed(published));
    this.relayed += published.length;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      if (published.length === 0) throw new RelayStepError('queue', failed.reason);
      this.logger.warn(
        { err: failed.reason, failed: pending.length - published.length },
        'some outbox jobs were not published, retrying',
      );
    }
    return published.length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay = this.pollIntervalMs;
      this.kicked = false;
      try {
        const count = await this.relayOnce();
        if (!this.online || this.failures > 0) {
          this.logger.info(
            { queue: this.driverName, afterFailures: this.failures, recovered: this.failing },
            this.failing === 'store'
              ? 'outbox relay reads the catalog store again'
              : 'outbox relay connected to the job queue',
          );
        }
        this.online = true;
        this.failures = 0;
        this.lastError = undefined;
        this.failing = undefined;
        if (count > 0) this.logger.debug({ count, total: this.relayed }, 'outbox jobs relayed');
        if (count === this.batchSize) delay = 0;
      } catch (err) {
        const cause = err instanceof RelayStepError ? err.step : 'queue';
        const error = err instanceof RelayStepError ? err.error : err;
        // The queue's state is only known from the queue's own answer.
        if (cause === 'queue') this.online = false;
        this.failures += 1;
        this.failing = cause;
        this.lastError = error instanceof Error ? error.message : String(error);
        delay = backoffDelayMs(this.failures + 1, {
          initialMs: this.pollIntervalMs,
          maxMs: this.maxBackoffMs,
        });
        this.logRepeated(cause, { err: error, failures: this.failures, retryInMs: delay });
      }
      if (this.stopped) break;
      if (delay > 0 && !(this.online && this.kicked)) await this.sleep(delay);
    }
  }

  /** The first failure of a cause per minute is logged, then a count of the others. */
  private logRepeated(cause: RelayFailureCause, fields: Record<string, unknown>): void {
    for (const summary of this.warnings.due()) {
      const message = relayFailureMessage(summary.key as RelayFailureCause);
      this.logger.warn({ repeated: summary.suppressed }, describeRepeats(message, summary));
    }
    if (this.warnings.admit(cause)) this.logger.warn(fields, relayFailureMessage(cause));
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** Stops the loop after the round in progress, then closes the queue connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
    await this.queue?.close();
    this.queue = undefined;
  }
}

/**
 * The store as the catalog sees it, waking the relay after every write that records a
 * job, so a new job waits for no poll interval.
 */
export function notifyingStore(store: CatalogStore, onJobRecorded: () => void): CatalogStore {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'createService' || prop === 'replaceService') {
        return async (...args: unknown[]) => {
          const result = (await (value as (...a: unknown[]) => Promise<unknown>).apply(
            target,
            args,
          )) as unknown;
          onJobRecorded();
          return result;
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
