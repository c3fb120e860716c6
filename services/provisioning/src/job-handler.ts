/**
 * From a queue delivery to a flow, and what happens when the queue gives a job up.
 */
import {
  metrics,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { InvalidJobError, type Job, type JobDelivery, type JobOutcome } from '@poppy/jobs';
import {
  CatalogUnavailableError,
  FLOWS,
  readServiceJob,
  type FlowContext,
  type ServiceJob,
} from './flows';

/** The job as a ServiceJob, or what is wrong with it. */
export function parseJob(job: Job, attempt: number, maxAttempts: number): ServiceJob | string {
  try {
    return readServiceJob(job, attempt, maxAttempts);
  } catch (error) {
    if (error instanceof InvalidJobError) return error.message;
    throw error;
  }
}

const tracer = trace.getTracer('poppy-provisioning');
const meter = metrics.getMeter('poppy-provisioning');
const jobRuns = meter.createCounter('poppy_provisioning_job_runs', {
  description: 'Job attempts run by provisioning, by kind and outcome (done, retry, fail, error)',
});
const jobDuration = meter.createHistogram('poppy_provisioning_job_duration', {
  description: 'Run time of one job attempt',
  unit: 'ms',
});

export function createJobHandler(ctx: FlowContext): (delivery: JobDelivery) => Promise<JobOutcome> {
  return async ({ job, attempt, maxAttempts }) => {
    const parsed = parseJob(job, attempt, maxAttempts);
    if (typeof parsed === 'string') return { type: 'fail', reason: `malformed job: ${parsed}` };
    // The job continues the trace of the request that recorded it (headers set by the outbox relay).
    const parent = propagation.extract(ROOT_CONTEXT, job.headers ?? {});
    const attributes = {
      'poppy.job.kind': parsed.kind,
      'poppy.job.attempt': attempt,
      'poppy.service_id': parsed.service_id,
    };
    return tracer.startActiveSpan(
      `provisioning ${parsed.kind}`,
      { kind: SpanKind.CONSUMER, attributes },
      parent,
      async (span) => {
        const started = Date.now();
        let result = 'error';
        try {
          const outcome = await FLOWS[parsed.kind](ctx, parsed);
          result = outcome.type;
          ctx.logger.debug(
            { job: job.id, attempt, outcome: outcome.type, ms: Date.now() - started },
            'job ran',
          );
          if (outcome.type === 'retry') {
            ctx.logger.info(
              { job: job.id, attempt, delayMs: outcome.delayMs, reason: outcome.reason },
              'job will retry',
            );
          }
          return outcome;
        } catch (err) {
          if (err instanceof CatalogUnavailableError) {
            // Our infrastructure, not the vendor: the job is released and tried again later.
            result = 'retry';
            ctx.logger.warn(
              { job: job.id, attempt, waitedMs: err.waitedMs },
              'catalog unavailable for longer than a job waits, job released',
            );
            const released: JobOutcome = { type: 'retry', reason: err.message };
            return released;
          }
          span.recordException(err as Error);
          span.setStatus({ code: SpanStatusCode.ERROR });
          ctx.logger.warn(
            { job: job.id, attempt, err },
            'job attempt failed, the queue retries it',
          );
          throw err;
        } finally {
          jobRuns.add(1, { kind: parsed.kind, outcome: result });
          jobDuration.record(Date.now() - started, { kind: parsed.kind });
          span.setAttribute('poppy.job.outcome', result);
          span.end();
        }
      },
    );
  };
}

/**
 * The queue gave a job up: its last attempt's worker died, or the attempt threw (the
 * catalog stayed unavailable, a bug) — a vendor's own answer never gets here, the flows
 * record it themselves (provider-flow.ts settle). So the job's providers are not marked
 * `failed`: what it left in progress stays in progress, and the reconciler publishes the
 * job again once the service has been seen stuck for one period (reconciler.ts). An
 * outage of the catalog, the store or a worker therefore never turns into `failed`
 * (issue 14 item 1, docs/reliability.md "Chaos suite").
 */
export function createTerminationHandler(
  ctx: Pick<FlowContext, 'logger'>,
): (job: Job, reason: string, attempts: number) => Promise<void> {
  return async (job, reason, attempts) => {
    const parsed = parseJob(job, attempts, attempts);
    ctx.logger.warn(
      {
        job: job.id,
        kind: job.kind,
        service_id: typeof parsed === 'string' ? undefined : parsed.service_id,
        reason,
        attempts,
      },
      'job given up; what it left in progress is published again by the reconciler',
    );
  };
}
