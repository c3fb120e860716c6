/**
 * Purge (docs/behaviour.md §6.6 with D-8): every provider purges `url` (hard or soft).
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
 * The write is conditional on the details it re-read; when another writer changed them in
 * between, it is refused and the purge decides again on the new details (never overwriting).
 */

/** Re-reads after a refused write-back before the job is retried as a whole. */
const MAX_RECOMPUTE_ROUNDS = 5;
import { specToWire } from '@poppy/contracts';
import type { ProviderDetail } from '@poppy/domain';
import type { JobOutcome } from '@poppy/jobs';
import { backoffDelayMs } from '@poppy/resilience';
import type { CallOutcome } from '../providers';
import { DONE, loadService, type FlowContext } from './flow-context';
import { cleared, failedDetail } from './provider-details';
import { recordFailure, runProviderFlow, settle, type PendingPart } from './provider-flow';
import type { ServiceJob } from './service-job';
import { WriteBack } from './write-back';

export function runPurge(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  const hard = job.hard === true;
  const url = job.url ?? '/*';
  // A hard purge leaves statuses as they are, a refusal included.
  const failedStatus = (current: ProviderDetail) => (hard ? current.status : 'failed');
  return runProviderFlow(ctx, job, {
    anyGeneration: true,

    async plan({ service }) {
      const targets = Object.entries(service.provider_details)
        // A retried soft purge skips the providers an earlier attempt settled.
        .filter(([, p]) => hard || job.attempt === 1 || p.status === 'update_in_progress')
        .map(([name, previous]) => ({ name, id: ctx.providers.idOf(name), previous }));
      return { targets, results: new Map<string, CallOutcome<unknown>>() };
    },

    async perProvider(run, { id, name, previous }, { results }) {
      const outcome = await ctx.providers.call(id, (client) =>
        client.purgeService({
          project_id: run.service.project_id,
          service_id: run.service.service_id,
          provider_service_id: previous.id ?? '',
          spec: specToWire(run.service),
          hard,
          purge_url: url,
        }),
      );
      results.set(name, outcome);
    },

    async conclude(run, { results }) {
      for (let round = 1; ; round++) {
        const fresh = await loadService(ctx, job);
        if (!fresh) return DONE;
        const writeBack = new WriteBack(
          ctx,
          { ...fresh, generation: job.generation },
          { checkDetails: true },
        );
        const pending: PendingPart[] = [];
        for (const [name, outcome] of results) {
          const current = fresh.provider_details[name];
          if (!current) continue;
          if (outcome.ok) {
            if (!hard && current.status === 'update_in_progress')
              writeBack.set(name, { ...cleared(current), status: 'deployed' });
            else if (current.error_message !== undefined) writeBack.set(name, cleared(current));
          } else {
            recordFailure({ writeBack, pending }, name, outcome, current, failedStatus(current));
          }
        }
        const outcome = await settle({ ...run, writeBack, pending }, (name, failure) => {
          const current = fresh.provider_details[name];
          return failedDetail(current, failure, failedStatus(current));
        });
        // Refused at a newer generation: that generation's job owns the statuses now. Refused at
        // ours: somebody wrote the details since we read them; decide again on what they wrote.
        if (!writeBack.stale || fresh.generation !== job.generation) return outcome;
        if (round >= MAX_RECOMPUTE_ROUNDS)
          return {
            type: 'retry',
            delayMs: backoffDelayMs(job.attempt, ctx.backoff),
            reason: 'provider details kept changing under the purge write-back',
          };
      }
    },
  });
}
