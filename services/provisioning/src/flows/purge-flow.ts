/**
 * Purge (reference §6.6 with Decision 8): every provider purges `url` (hard or soft).
 * Soft purge: the catalog set the providers update_in_progress; success → deployed,
 * refusal → failed with the error. Hard purge: statuses stay as they are; success clears
 * earlier errors, a refusal is recorded on the provider. `domains_certificate_status` is
 * kept either way. A purge changes no desired state, so it runs even if the service moved
 * to a newer generation (the vendor still has cached content); only its write-back is
 * then dropped as stale.
 */
import { specToWire } from '@poppy/contracts';
import type { JobOutcome } from '@poppy/jobs';
import { cleared, DONE, failedDetail, loadService, settle, WriteBack, type FlowContext, type PendingPart, type ServiceJob } from './flow-support';

export async function runPurge(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  const service = await loadService(ctx, job);
  if (!service) return DONE;
  const hard = job.hard === true;
  const url = job.url ?? '/*';
  const old = service.provider_details;
  const writeBack = new WriteBack(ctx, { ...service, generation: job.generation });
  const pending: PendingPart[] = [];
  await Promise.all(
    Object.entries(old).map(async ([name, previous]) => {
      // A soft purge already recorded for this provider (an earlier attempt) is not repeated.
      if (!hard && previous.status !== 'update_in_progress') return;
      const outcome = await ctx.providers.call(ctx.providers.idOf(name), (client) =>
        client.purgeService({
          project_id: service.project_id,
          service_id: service.service_id,
          provider_service_id: previous.id ?? '',
          spec: specToWire(service),
          hard,
          purge_url: url,
        }),
      );
      if (outcome.ok) writeBack.set(name, { ...cleared(previous), status: hard ? previous.status : 'deployed' });
      else if (outcome.retryable) pending.push({ name, outcome });
      else writeBack.set(name, failedDetail(previous, outcome.failure, hard ? previous.status : 'failed'));
    }),
  );
  return settle(ctx, job, writeBack, pending, (name, failure) => failedDetail(old[name], failure, hard ? old[name].status : 'failed'));
}
