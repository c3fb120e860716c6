/**
 * The job from the catalog to provisioning (`poppy.jobs.v1.ServiceJob`, proto/poppy/jobs/v1)
 * as it rides the job queue: the one place it is encoded and decoded
 * (docs/adr/0007-jobs-contract.md). The queue job's kind is the case of the envelope's
 * `job` oneof, its payload the envelope's proto3 JSON, so both queue drivers and the
 * catalog's outbox rows keep carrying a plain JSON object.
 */
import { jobsV1 } from '@poppy/contracts';
import { InvalidJobError, type Job } from './job-queue';

export type ServiceJobMessage = jobsV1.ServiceJob;
/** What the job asks for: one case of the envelope's oneof. */
export type ServiceJobBody = NonNullable<jobsV1.ServiceJob['job']>;
export type ServiceJobKind = ServiceJobBody['$case'];

// A record rather than a list so that the compiler names a case of the oneof left out here.
const KINDS: Record<ServiceJobKind, true> = {
  create: true,
  update: true,
  delete: true,
  purge: true,
  enable: true,
  disable: true,
  certificate: true,
};

/** Every kind of service job: the queue kinds provisioning consumes. */
export const SERVICE_JOB_KINDS: readonly ServiceJobKind[] = Object.freeze(
  Object.keys(KINDS) as ServiceJobKind[],
);

export function isServiceJobKind(kind: string): kind is ServiceJobKind {
  return Object.hasOwn(KINDS, kind);
}

/** The queue job carrying `message`. */
export function encodeServiceJob(
  message: ServiceJobMessage,
  meta: { id: string; headers?: Record<string, string> },
): Job {
  if (!message.job) throw new InvalidJobError(`invalid job ${JSON.stringify(meta.id)}: no kind`);
  const headers = meta.headers ?? {};
  return {
    id: meta.id,
    kind: message.job.$case,
    payload: jobsV1.ServiceJob.toJSON(message) as Record<string, unknown>,
    ...(Object.keys(headers).length > 0 ? { headers: { ...headers } } : {}),
  };
}

/**
 * The message a queue job carries, in today's form or in the hand-built JSON that came
 * before the contract (see legacyEnvelope). Throws InvalidJobError listing every problem.
 */
export function decodeServiceJob(job: Job): ServiceJobMessage & { job: ServiceJobBody } {
  const problems: string[] = [];
  const payload: unknown = job.payload;
  if (!isServiceJobKind(job.kind)) problems.push(`unknown kind ${job.kind}`);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    problems.push('payload must be an object');
  } else {
    const envelope = SERVICE_JOB_KINDS.some((k) => Object.hasOwn(payload, k))
      ? payload
      : legacyEnvelope(job.kind, payload as Record<string, unknown>);
    const message = jobsV1.ServiceJob.fromJSON(envelope);
    if (isServiceJobKind(job.kind) && message.job?.$case !== job.kind)
      problems.push(`payload holds a ${message.job?.$case ?? 'kindless'} job, not ${job.kind}`);
    if (!message.project_id) problems.push('project_id must be a non-empty string');
    if (!message.service_id) problems.push('service_id must be a non-empty string');
    if (!Number.isInteger(message.generation) || message.generation < 1)
      problems.push('generation must be a positive integer');
    const body = message.job;
    if (body?.$case === 'create' && body.value.spec && !body.value.spec.flavor_id)
      problems.push('create.spec must name its flavor');
    if (problems.length === 0 && body) return { ...message, job: body };
  }
  throw new InvalidJobError(`invalid job ${JSON.stringify(job.id)}: ${problems.join('; ')}`);
}

/**
 * Jobs published before the contract carried the kind's fields flat beside the service's:
 * `{ project_id, service_id, generation, created_at, spec }` for a create, `previous` for
 * an update, `provider_details` for a delete, `url` and `hard` for a purge. The contract
 * kept those names, so the kind's message is everything that is not the envelope's.
 */
function legacyEnvelope(kind: string, payload: Record<string, unknown>): Record<string, unknown> {
  const { project_id, service_id, generation, created_at, reconciled, ...body } = payload;
  return { project_id, service_id, generation, created_at, reconciled, [kind]: body };
}
