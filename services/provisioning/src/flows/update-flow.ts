/**
 * Update (docs/behaviour.md §6.4): every provider already in the service's provider details
 * (a flavor change neither adds nor removes providers) updates its object to the new
 * configuration, and the DNS maps the new links. Per provider: success → the new detail;
 * a refusal → that provider `failed` with its old id and access URLs and the error; the
 * other providers keep their result (the original failed every provider on any error).
 */
import { specToWire } from '@poppy/contracts';
import type { JobOutcome } from '@poppy/jobs';
import { ensureServiceCertificates, releaseRemovedCertificates } from '../certificates';
import { DONE, type FlowContext } from './flow-context';
import { failedDetail } from './provider-details';
import {
  recordProvisioned,
  runProviderFlow,
  settle,
  withCertificatesInstalled,
} from './provider-flow';
import type { ServiceJob } from './service-job';

export function runUpdate(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  return runProviderFlow(ctx, job, {
    async plan({ service }) {
      const certificateStatuses = await ensureServiceCertificates(ctx.certificates, service);
      const targets = Object.entries(service.provider_details)
        .filter(([, previous]) => previous.status === 'update_in_progress')
        .map(([name, previous]) => ({ name, id: ctx.providers.idOf(name), previous }));
      return { targets, certificateStatuses };
    },

    async perProvider(run, { id, name, previous }, { certificateStatuses }) {
      const outcome = await withCertificatesInstalled(
        ctx,
        id,
        run.service,
        certificateStatuses,
        await ctx.providers.call(id, (client) =>
          client.updateService({
            project_id: run.service.project_id,
            service_id: run.service.service_id,
            provider_service_id: previous.id ?? '',
            spec: specToWire(run.service),
          }),
        ),
      );
      return recordProvisioned(
        run,
        name,
        previous,
        outcome,
        (links) => ctx.dns.update(name, links, previous.access_urls),
        certificateStatuses,
      );
    },

    async conclude(run) {
      await run.writeBack.finish();
      if (run.writeBack.stale) return DONE;
      if (job.previousDomains) {
        await releaseRemovedCertificates(ctx.certificates, run.service, job.previousDomains);
      }
      const old = run.service.provider_details;
      return settle(run, (name, failure) => failedDetail(old[name], failure));
    },
  });
}
