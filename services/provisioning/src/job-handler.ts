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
import { aggregateServiceStatus, type ProviderStatus } from '@poppy/domain';
import {
  InvalidJobError,
  type Job,
  type JobDelivery,
  type JobOutcome,
  type ServiceJobKind,
} from '@poppy/jobs';
import {
  failedDetail,
  FLOWS,
  loadService,
  readServiceJob,
  WriteBack,
  type FlowContext,
  type ServiceJob,
} from './flows';
import { fallbackProviderName } from './providers';

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

/** The provider status a flow of this kind leaves behind while it is not finished. */
const IN_PROGRESS: Partial<Record<ServiceJobKind, ProviderStatus>> = {
  create: 'deploy_in_progress',
  update: 'update_in_progress',
  purge: 'update_in_progress',
  delete: 'delete_in_progress',
};

/**
 * The queue gave a job up (its last attempt's worker died, or the job failed): every
 * provider still in progress for the job's generation becomes `failed` with the reason,
 * so the service does not stay in progress silently. The other providers keep their result.
 */
export function createTerminationHandler(
  ctx: FlowContext,
): (job: Job, reason: string, attempts: number) => Promise<void> {
  return async (job, reason, attempts) => {
    ctx.logger.warn({ job: job.id, kind: job.kind, reason, attempts }, 'job given up');
    const parsed = parseJob(job, attempts, attempts);
    if (typeof parsed === 'string') return;
    const status = IN_PROGRESS[parsed.kind];
    if (!status) return;
    const service = await loadService(ctx, parsed);
    if (!service || service.generation !== parsed.generation) return;
    const writeBack = new WriteBack(ctx, service);
    const failure = {
      message: `Failed after ${attempts} attempts: ${reason}`,
      errorClass: 'poppy.JobGivenUp',
    };
    for (const [name, detail] of Object.entries(service.provider_details)) {
      if (detail.status === status) writeBack.set(name, failedDetail(detail, failure));
    }
    if (Object.keys(service.provider_details).length === 0 && parsed.kind === 'create') {
      // Nothing was recorded at all: one entry per provider of the flavor says why.
      const flavor = await ctx.flavors.get(service.flavor_id);
      for (const p of flavor.providers) {
        const named = await ctx.providers.nameOf(p.provider);
        const name = named.ok ? named.value : fallbackProviderName(p.provider);
        writeBack.set(name, failedDetail(undefined, failure));
      }
    }
    if (!writeBack.changed) return;
    await writeBack.finish();
    ctx.logger.warn(
      { job: job.id, status: aggregateServiceStatus(writeBack.details) },
      'providers left in progress marked failed',
    );
  };
}
