/**
 * The JobQueue port: background work (provisioning, purge, certificates, …) handed from
 * the process that records the intent to the workers that carry it out.
 *
 * Delivery is at-least-once: a worker that dies, stalls past its lease or loses the
 * connection before its outcome is recorded gets its job run again elsewhere. Handlers
 * must therefore be idempotent (provisioning converges desired → actual state, so it
 * is). Every driver passes `job-queue.contract.ts`.
 */

export interface Job {
  /** Also the deduplication key: publishers derive it from what the job is about (e.g. service id + generation). */
  id: string;
  /** Routes the job to the workers that take it; `[A-Za-z0-9_-]+` (it becomes a NATS subject token and consumer name). */
  kind: string;
  payload: Record<string, unknown>;
  /** Carried to the handler unchanged, e.g. W3C `traceparent`/`tracestate` so a job continues its request's trace. */
  headers?: Record<string, string>;
}

export interface JobDelivery {
  job: Job;
  /** 1-based; a lease that expired (worker died or stalled) counts as an attempt. */
  attempt: number;
  maxAttempts: number;
}

export type JobOutcome =
  | { type: 'done' }
  /** Redeliver later; counts an attempt. Without `delayMs` the consumer's backoff applies. */
  | { type: 'retry'; delayMs?: number; reason: string }
  /** Terminal: onTerminated, then never redelivered. */
  | { type: 'fail'; reason: string };

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export interface ConsumeOptions {
  /** Job kinds this worker takes. */
  kinds: string[];
  /**
   * Jobs in flight in this process (across all `kinds`).
   * @default 16
   */
  concurrency?: number;
  /**
   * After the last failed attempt the job is terminated.
   * @default 8
   */
  maxAttempts?: number;
  /**
   * Delay before attempt n+1 is `min(maxMs, initialMs * factor^(n-1))` (backoffDelayMs of
   * @poppy/resilience, without jitter so tests and operators can predict it); used when a
   * retry gives no `delayMs` and when the handler throws.
   * @default { initialMs: 200, maxMs: 30_000, factor: 2 }
   */
  backoff?: BackoffOptions;
  /**
   * How long a job stays claimed by a worker that shows no sign of life. The lease is
   * renewed while the handler runs in a live, connected process, so a long handler keeps
   * its job; a crashed or disconnected worker loses it after this long and another
   * worker takes the job. Handlers bound their own run time (vendor calls have timeouts).
   * @default 30_000
   */
  leaseMs?: number;
  /**
   * Called when a job is given up (attempts exhausted or a 'fail' outcome) BEFORE it is
   * removed, so nothing is dropped silently. If it throws, the job is not given up: it is
   * redelivered after backoff and, once its attempts are exhausted, every later delivery
   * goes straight back here until it succeeds.
   */
  onTerminated: (job: Job, reason: string, attempts: number) => Promise<void>;
}

export interface JobConsumer {
  /** Stops taking new jobs and resolves once the handlers in flight have finished and their outcomes are recorded. */
  stop(): Promise<void>;
}

export type JobHandler = (delivery: JobDelivery) => Promise<JobOutcome>;

export interface JobQueue {
  readonly driverName: 'nats' | 'sqlite';
  /**
   * Stores the job once: the same id published again returns `duplicate: true` and
   * stores nothing (NATS: within the stream's duplicate window; SQLite: while the job is
   * pending or running, and for the dedup window after it finished).
   */
  publish(job: Job): Promise<{ duplicate: boolean }>;
  consume(handler: JobHandler, options: ConsumeOptions): Promise<JobConsumer>;
  /** True when the backing store answers right now. */
  ping(): Promise<boolean>;
  /**
   * Drops the connection at once, like a crash: jobs still in flight are not settled and
   * return to other workers when their lease expires. For a graceful shutdown stop()
   * every consumer first.
   */
  close(): Promise<void>;
}

export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialMs: 200,
  maxMs: 30_000,
  factor: 2,
});
export const DEFAULT_LEASE_MS = 30_000;

export type ResolvedConsumeOptions = Readonly<Required<ConsumeOptions>>;

const KIND = /^[A-Za-z0-9_-]{1,64}$/;

export class InvalidJobError extends Error {
  override readonly name = 'InvalidJobError';
}

/** Throws InvalidJobError listing every problem, so both drivers reject the same jobs. */
export function validateJob(job: Job): void {
  const problems: string[] = [];
  if (typeof job.id !== 'string' || job.id.length === 0 || job.id.length > 256) {
    problems.push('id must be a non-empty string of at most 256 characters');
  } else if (/[\r\n]/.test(job.id)) {
    problems.push('id must not contain line breaks');
  }
  if (typeof job.kind !== 'string' || !KIND.test(job.kind))
    problems.push(`kind ${JSON.stringify(job.kind)} must match ${KIND}`);
  if (job.payload === null || typeof job.payload !== 'object' || Array.isArray(job.payload)) {
    problems.push('payload must be an object');
  }
  for (const [name, value] of Object.entries(job.headers ?? {})) {
    // NATS headers are MIME-style lines; these would corrupt the framing.
    if (!/^[!-9;-~]+$/.test(name))
      problems.push(`header name ${JSON.stringify(name)} is not a token`);
    if (typeof value !== 'string' || /[\r\n]/.test(value))
      problems.push(`header ${name} must be a single-line string`);
    if (/^nats-/i.test(name)) problems.push(`header ${name} uses the reserved Nats- prefix`);
  }
  if (problems.length > 0)
    throw new InvalidJobError(`invalid job ${JSON.stringify(job.id)}: ${problems.join('; ')}`);
}

/** Fills the defaults and lists every problem at once. */
export function resolveConsumeOptions(options: ConsumeOptions): ResolvedConsumeOptions {
  const resolved = {
    kinds: [...new Set(options.kinds)],
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: { ...(options.backoff ?? DEFAULT_BACKOFF) },
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    onTerminated: options.onTerminated,
  };
  const problems: string[] = [];
  if (resolved.kinds.length === 0) problems.push('kinds must name at least one kind');
  for (const kind of resolved.kinds)
    if (!KIND.test(kind)) problems.push(`kind ${JSON.stringify(kind)} must match ${KIND}`);
  if (!Number.isInteger(resolved.concurrency) || resolved.concurrency < 1)
    problems.push('concurrency must be an integer ≥ 1');
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1)
    problems.push('maxAttempts must be an integer ≥ 1');
  const { initialMs, maxMs, factor } = resolved.backoff;
  if (!(initialMs >= 0) || !(maxMs >= initialMs) || !(factor >= 1)) {
    problems.push('backoff needs 0 ≤ initialMs ≤ maxMs and factor ≥ 1');
  }
  // Below this, renewal (every leaseMs/3) competes with ordinary event-loop delays.
  if (!Number.isInteger(resolved.leaseMs) || resolved.leaseMs < 100)
    problems.push('leaseMs must be an integer ≥ 100');
  if (typeof resolved.onTerminated !== 'function') problems.push('onTerminated is required');
  if (problems.length > 0) throw new RangeError(`invalid consume options: ${problems.join('; ')}`);
  return Object.freeze(resolved);
}
