/**
 * Update (reference §6.4): every provider already in the service's provider details
 * (a flavor change neither adds nor removes providers) updates its object to the new
 * configuration, and the DNS maps the new links. Per provider: success → the new detail;
 * a refusal → that provider `failed` with its old id and access URLs and the error; the
 * other providers keep their result (the original failed every provider on any error).
 */
import { specToWire } from '@poppy/contracts';
import type { JobOutcome } from '@poppy/jobs';
import { ensureServiceCertificates, releaseRemovedCertificates } from '../certificates';
import {
  DONE,
  failedDetail,
  loadService,
  recordProvisioned,
  settle,
  WriteBack,
  type FlowContext,
  type PendingPart,
  type ServiceJob,
} from './flow-support';

export async function runUpdate(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  const service = await loadService(ctx, job);
  if (!service || service.generation !== job.generation) {
    ctx.logger.debug(
      { job: job.id, current: service?.generation },
      'update job is stale, nothing to do',
    );
    return DONE;
  }
  const certificateStatuses = await ensureServiceCertificates(ctx.certificates, service);
  const writeBack = new WriteBack(ctx, service);
  const pending: PendingPart[] = [];
  const old = service.provider_details;
  await Promise.all(
    Object.entries(old).map(async ([name, previous]) => {
      if (previous.status !== 'update_in_progress') return;
      const id = ctx.providers.idOf(name);
      const outcome = await ctx.providers.call(id, (client) =>
        client.updateService({
          project_id: service.project_id,
          service_id: service.service_id,
          provider_service_id: previous.id ?? '',
          spec: specToWire(service),
        }),
      );
      return recordProvisioned(
        { writeBack, pending },
        name,
        previous,
        outcome,
        (links) => ctx.dns.update(name, links, previous.access_urls),
        certificateStatuses,
      );
    }),
  );
  await writeBack.finish();
  if (writeBack.stale) return DONE;
  if (job.previousDomains) {
    await releaseRemovedCertificates(ctx.certificates, service, job.previousDomains);
  }
  return settle(ctx, job, writeBack, pending, (name, failure) => failedDetail(old[name], failure));
}
