/**
 * Update (reference §6.4): every provider already in the service's provider details
 * (a flavor change neither adds nor removes providers) updates its object to the new
 * configuration, and the DNS maps the new links. Per provider: success → the new detail;
 * a refusal → that provider `failed` with its old id and access URLs and the error; the
 * other providers keep their result (the original failed every provider on any error).
 */
import { specToWire } from '@poppy/contracts';
import type { ProviderDetail } from '@poppy/domain';
import type { JobOutcome } from '@poppy/jobs';
import { ensureServiceCertificates, releaseRemovedCertificates } from '../certificates';
import { classify } from '../providers';
import {
  DONE,
  failedDetail,
  loadService,
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
      if (!outcome.ok) {
        if (outcome.retryable) pending.push({ name, outcome });
        else writeBack.set(name, failedDetail(previous, outcome.failure));
        return writeBack.flush();
      }
      const provisioned = outcome.value.service;
      try {
        const accessUrls = await ctx.dns.update(
          name,
          provisioned?.links ?? [],
          previous.access_urls,
        );
        writeBack.set(name, {
          id: provisioned?.provider_service_id || previous.id,
          access_urls: accessUrls,
          status: (provisioned?.status as ProviderDetail['status'] | undefined) ?? 'deployed',
          domains_certificate_status: {
            ...provisioned?.domains_certificate_status,
            ...certificateStatuses,
          },
        });
      } catch (error) {
        const dns = classify(error);
        if (dns.retryable) pending.push({ name, outcome: dns });
        else writeBack.set(name, failedDetail(previous, dns.failure));
      }
      return writeBack.flush();
    }),
  );
  await writeBack.finish();
  if (writeBack.stale) return DONE;
  if (job.previousDomains) {
    await releaseRemovedCertificates(ctx.certificates, service, job.previousDomains);
  }
  return settle(ctx, job, writeBack, pending, (name, failure) => failedDetail(old[name], failure));
}
