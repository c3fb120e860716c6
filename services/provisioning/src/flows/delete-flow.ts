/**
 * Delete (reference §6.5 with Decision 9): every provider deletes its object and the DNS
 * its records; a provider is dropped from the details only once both confirmed. The
 * service is removed only when every provider is gone; a refusal leaves that provider
 * `failed` with the error and the service visible (a new DELETE tries again); a
 * retryable failure retries with backoff, and after the last attempt it is `failed` too.
 * No vendor object is left behind silently.
 *
 * Providers of the flavor that have no detail yet (a create still in flight when the
 * DELETE came) are asked to delete too: the adapters key objects by service id and
 * deleting an absent one succeeds.
 */
import { isPoppyError, type ProviderDetail } from '@poppy/domain';
import type { JobOutcome } from '@poppy/jobs';
import { releaseServiceCertificates } from '../certificates';
import { classify } from '../providers';
import {
  DONE,
  failedDetail,
  loadService,
  resolveNames,
  retryLater,
  settle,
  WriteBack,
  type FlowContext,
  type PendingPart,
  type ServiceJob,
} from './flow-support';

async function flavorProviderIds(ctx: FlowContext, flavorId: string): Promise<string[]> {
  try {
    return (await ctx.flavors.get(flavorId)).providers.map((p) => p.provider);
  } catch (error) {
    if (isPoppyError(error) && error.kind === 'not_found') return [];
    throw error;
  }
}

export async function runDelete(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  const service = await loadService(ctx, job);
  if (!service || service.generation !== job.generation) {
    ctx.logger.debug(
      { job: job.id, current: service?.generation },
      'delete job is stale or done, nothing to do',
    );
    return DONE;
  }
  const old = service.provider_details;
  // Providers to ask, by name: those with a detail still being deleted, plus the flavor's without a detail.
  const targets = new Map<string, { id: string; previous?: ProviderDetail }>();
  for (const [name, previous] of Object.entries(old)) {
    if (previous.status === 'delete_in_progress')
      targets.set(name, { id: ctx.providers.idOf(name), previous });
  }
  const extra = (await flavorProviderIds(ctx, service.flavor_id)).filter((id) =>
    ctx.providers.ids().includes(id),
  );
  const { names, unnamed } = await resolveNames(ctx, extra);
  for (const [id, name] of names) if (!old[name] && !targets.has(name)) targets.set(name, { id });
  // Deleting needs no name: a provider that cannot say it right now is still asked.
  for (const { id, name } of unnamed) {
    if (![...targets.values()].some((t) => t.id === id) && !old[name]) targets.set(name, { id });
  }

  const writeBack = new WriteBack(ctx, service);
  const pending: PendingPart[] = [];
  await Promise.all(
    [...targets].map(async ([name, { id, previous }]) => {
      const outcome = await ctx.providers.call(id, (client) =>
        client.deleteService({
          project_id: service.project_id,
          service_id: service.service_id,
          provider_service_id: previous?.id ?? '',
        }),
      );
      if (!outcome.ok) {
        if (outcome.retryable) pending.push({ name, outcome });
        else if (previous) writeBack.set(name, failedDetail(previous, outcome.failure));
        else
          ctx.logger.warn(
            { job: job.id, provider: name, err: outcome.failure },
            'delete refused for a provider without a detail',
          );
        return;
      }
      if (!previous) return;
      try {
        await ctx.dns.delete(name, previous.access_urls);
        writeBack.remove(name);
      } catch (error) {
        const dns = classify(error);
        if (dns.retryable) pending.push({ name, outcome: dns });
        else writeBack.set(name, failedDetail(previous, dns.failure));
      }
    }),
  );
  const remaining = Object.keys(writeBack.details);
  if (remaining.length === 0 && pending.length === 0) {
    await releaseServiceCertificates(ctx.certificates, service);
    await writeBack.markDeleted();
    return DONE;
  }
  // An empty map would read as create_in_progress: while attempts remain, retry without writing.
  if (remaining.length === 0 && job.attempt < job.maxAttempts) return retryLater(ctx, job, pending);
  return settle(ctx, job, writeBack, pending, (name, failure) => failedDetail(old[name], failure));
}
