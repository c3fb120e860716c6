/**
 * A job as the flows read it: the poppy.jobs.v1 message the queue delivered (decoded by
 * @poppy/jobs, the one place that knows its wire form) in the domain's types, with the
 * delivery's attempt count.
 */
import { specFromWire } from '@poppy/contracts';
import type { ServiceSpec } from '@poppy/domain';
import { decodeServiceJob, type Job, type ServiceJobKind } from '@poppy/jobs';

export interface ServiceJob {
  id: string;
  kind: ServiceJobKind;
  project_id: string;
  service_id: string;
  generation: number;
  /**
   * create only: the desired configuration as the catalog stored it with the job, so a
   * first attempt needs no read-back (a stale one is caught by the generation check).
   */
  spec?: ServiceSpec;
  /** update only: the domains of the configuration the update replaced (docs/behaviour.md D-10). */
  previousDomains?: ServiceSpec['domains'];
  /** purge only */
  url?: string;
  hard?: boolean;
  /** certificate only: the domain whose renewed certificate is installed. */
  domainName?: string;
  attempt: number;
  maxAttempts: number;
}

/** The delivered job as a ServiceJob; throws InvalidJobError listing what is wrong with it. */
export function readServiceJob(job: Job, attempt: number, maxAttempts: number): ServiceJob {
  const { project_id, service_id, generation, job: body } = decodeServiceJob(job);
  const read: ServiceJob = {
    id: job.id,
    kind: body.$case,
    project_id,
    service_id,
    generation,
    attempt,
    maxAttempts,
  };
  switch (body.$case) {
    case 'create':
      return body.value.spec ? { ...read, spec: specFromWire(body.value.spec) } : read;
    case 'update':
      return body.value.previous
        ? { ...read, previousDomains: specFromWire(body.value.previous).domains }
        : read;
    case 'purge':
      return { ...read, url: body.value.url || undefined, hard: body.value.hard };
    case 'certificate':
      return { ...read, domainName: body.value.domain_name };
    default:
      return read;
  }
}
