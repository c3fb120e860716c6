/**
 * Delete (docs/behaviour.md §6.5 with D-9): every provider deletes its object and the DNS
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
import { DONE, type FlowContext } from './flow-context';
import { failedDetail } from './provider-details';
import {
  recordFailure,
  retryLater,
  runProviderFlow,
  settle,
  type ProviderTarget,
} from './provider-flow';
import { resolveNames } from './provider-names';
import type { ServiceJob } from './service-job';

async function flavorProviderIds(ctx: FlowContext, flavorId: string): Promise<string[]> {
  try {
    return (await ctx.flavors.get(flavorId)).providers.map((p) => p.provider);
  } catch (error) {
    if (isPoppyError(error) && error.kind === 'not_found') return [];
    throw error;
  }
}

export function runDelete(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  return runProviderFlow(ctx, job, {
    async plan({ service }) {
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
      for (const [id, name] of names)
        if (!old[name] && !targets.has(name)) targets.set(name, { id });
      // Deleting needs no name: a provider that cannot say it right now is still asked.
      for (const { id, name } of unnamed) {
        if (![...targets.values()].some((t) => t.id === id) && !old[name])
          targets.set(name, { id });
      }
      return {
        targets: [...targets].map(
          ([name, target]): ProviderTarget & { previous?: ProviderDetail } => ({ name, ...target }),
        ),
      };
    },

    async perProvider(run, { id, name, previous }) {
      const outcome = await ctx.providers.call(id, (client) =>
        client.deleteService({
          project_id: run.service.project_id,
          service_id: run.service.service_id,
          provider_service_id: previous?.id ?? '',
        }),
      );
      if (!outcome.ok) {
        if (outcome.retryable || previous) recordFailure(run, name, outcome, previous);
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
        run.writeBack.remove(name);
      } catch (error) {
        recordFailure(run, name, classify(error), previous);
      }
    },

    async conclude(run) {
      const remaining = Object.keys(run.writeBack.details);
      if (remaining.length === 0 && run.pending.length === 0) {
        await releaseServiceCertificates(ctx.certificates, run.service);
        await run.writeBack.markDeleted();
        return DONE;
      }
      // An empty map would read as create_in_progress: while attempts remain, retry without writing.
      if (remaining.length === 0 && job.attempt < job.maxAttempts) return retryLater(run);
      const old = run.service.provider_details;
      return settle(run, (name, failure) => failedDetail(old[name], failure));
    },
  });
}
