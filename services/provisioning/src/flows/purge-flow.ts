/**
 * Purge (reference §6.6 with Decision 8): every provider purges `url` (hard or soft).
 * Soft purge: the catalog set the providers update_in_progress; success → deployed,
 * refusal → failed with the error. Hard purge: statuses stay as they are; success clears
 * earlier errors, a refusal is recorded on the provider. `domains_certificate_status` is
 * kept either way. A purge changes no desired state, so it runs even if the service moved
 * to a newer generation (the vendor still has cached content); only its write-back is
 * then dropped as stale.
 *
 * Purges share the service's generation with each other and with the catalog's own
 * status changes, so the generation check cannot order them: the write-back re-reads the
 * service and changes only the providers this job purged, and only what the purge decides
 * (a soft purge settles a provider still update_in_progress; nothing changed → no write).
 */
import { specToWire } from '@poppy/contracts';
import type { JobOutcome } from '@poppy/jobs';
import type { CallOutcome } from '../providers';
import {
  cleared,
  DONE,
  failedDetail,
  loadService,
  settle,
  WriteBack,
  type FlowContext,
  type PendingPart,
  type ServiceJob,
} from './flow-support';

export async function runPurge(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  const service = await loadService(ctx, job);
  if (!service) return DONE;
  const hard = job.hard === true;
  const url = job.url ?? '/*';
  const results = new Map<string, CallOutcome<unknown>>();
  await Promise.all(
    Object.entries(service.provider_details).map(async ([name, previous]) => {
      // A retried soft purge skips the providers an earlier attempt settled.
      if (!hard && job.attempt > 1 && previous.status !== 'update_in_progress') return;
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
      results.set(name, outcome);
    }),
  );

  const fresh = await loadService(ctx, job);
  if (!fresh) return DONE;
  const writeBack = new WriteBack(ctx, { ...fresh, generation: job.generation });
  const pending: PendingPart[] = [];
  for (const [name, outcome] of results) {
    const current = fresh.provider_details[name];
    if (!current) continue;
    if (outcome.ok) {
      if (!hard && current.status === 'update_in_progress')
        writeBack.set(name, { ...cleared(current), status: 'deployed' });
      else if (current.error_message !== undefined) writeBack.set(name, cleared(current));
    } else if (outcome.retryable) {
      pending.push({ name, outcome });
    } else {
      writeBack.set(name, failedDetail(current, outcome.failure, hard ? current.status : 'failed'));
    }
  }
  return settle(ctx, job, writeBack, pending, (name, failure) => {
    const current = fresh.provider_details[name];
    return failedDetail(current, failure, hard ? current.status : 'failed');
  });
}
