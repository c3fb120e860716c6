/**
 * What both drivers do with one delivery: run the handler (or not, when the job is
 * already out of attempts), turn its outcome into a settlement, and call onTerminated
 * before a job is given up. The drivers only map the settlement onto their store
 * (NATS: ack / nak(delay) / term; SQLite: row updates), so retry and give-up rules
 * cannot drift apart between them.
 */
import { backoffDelayMs } from '@poppy/resilience';
import type { Logger } from 'pino';
import {
  type Job,
  type JobHandler,
  type JobOutcome,
  type ResolvedConsumeOptions,
} from './job-queue';

export type Settlement =
  | { type: 'ack' }
  | { type: 'retry'; delayMs: number; reason: string }
  | { type: 'terminated'; reason: string; attempts: number };

export interface DeliveryInput {
  job: Job;
  /** How many times the store has handed this job out, this time included. */
  deliveryCount: number;
  /** Why the previous attempt failed, when the store remembers it. */
  lastError?: string | null;
  /** Set when the stored job cannot be decoded: it is given up without running the handler. */
  poison?: string;
}

export async function runDelivery(
  handler: JobHandler,
  input: DeliveryInput,
  options: ResolvedConsumeOptions,
  logger: Logger,
): Promise<Settlement> {
  const { job, deliveryCount } = input;
  const { maxAttempts } = options;
  if (input.poison !== undefined)
    return giveUp(
      job,
      input.poison,
      Math.min(deliveryCount, maxAttempts),
      deliveryCount,
      options,
      logger,
    );
  if (deliveryCount > maxAttempts) {
    // Only reached when the last attempt produced no outcome (its worker died or lost
    // its lease) or onTerminated threw: the job is over its budget, so it goes straight
    // to onTerminated instead of running once more.
    const cause = input.lastError
      ? `; last error: ${input.lastError}`
      : '; the last attempt recorded no outcome';
    return giveUp(
      job,
      `gave up after ${maxAttempts} attempts${cause}`,
      maxAttempts,
      deliveryCount,
      options,
      logger,
    );
  }

  let outcome: JobOutcome;
  try {
    outcome = checkOutcome(await handler({ job, attempt: deliveryCount, maxAttempts }));
  } catch (err) {
    outcome = { type: 'retry', reason: `handler threw: ${errorMessage(err)}` };
  }
  switch (outcome.type) {
    case 'done':
      return { type: 'ack' };
    case 'fail':
      return giveUp(job, outcome.reason, deliveryCount, deliveryCount, options, logger);
    case 'retry':
      if (deliveryCount >= maxAttempts)
        return giveUp(job, outcome.reason, deliveryCount, deliveryCount, options, logger);
      return {
        type: 'retry',
        delayMs: outcome.delayMs ?? backoffDelayMs(deliveryCount, options.backoff),
        reason: outcome.reason,
      };
  }
}

async function giveUp(
  job: Job,
  reason: string,
  attempts: number,
  deliveryCount: number,
  options: ResolvedConsumeOptions,
  logger: Logger,
): Promise<Settlement> {
  try {
    await options.onTerminated(job, reason, attempts);
    return { type: 'terminated', reason, attempts };
  } catch (err) {
    // Giving the job up now would lose it without a record; keep it and try again.
    logger.error(
      { err, jobId: job.id, kind: job.kind },
      'onTerminated failed; the job stays queued',
    );
    return {
      type: 'retry',
      delayMs: backoffDelayMs(deliveryCount, options.backoff),
      reason: `onTerminated failed: ${errorMessage(err)} (giving up because: ${reason})`,
    };
  }
}

function checkOutcome(outcome: unknown): JobOutcome {
  const o = outcome as Partial<JobOutcome> | null | undefined;
  if (o?.type === 'done') return { type: 'done' };
  if ((o?.type === 'retry' || o?.type === 'fail') && typeof o.reason === 'string') {
    if (o.type === 'fail') return { type: 'fail', reason: o.reason };
    const delayMs = (o as { delayMs?: unknown }).delayMs;
    if (
      delayMs === undefined ||
      (typeof delayMs === 'number' && Number.isFinite(delayMs) && delayMs >= 0)
    ) {
      return { type: 'retry', reason: o.reason, delayMs };
    }
  }
  throw new Error(`handler returned an invalid outcome: ${JSON.stringify(outcome)}`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
