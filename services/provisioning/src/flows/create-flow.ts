/**
 * Create (docs/behaviour.md §6.3): every provider of the service's flavor creates the service,
 * the DNS maps its links to access URLs, and each provider's result is written back as
 * soon as it is known. Providers already settled for this generation are skipped.
 */
import { specToWire } from '@poppy/contracts';
import { aggregateServiceStatus, type ProviderDetail, type Service } from '@poppy/domain';
import type { JobOutcome } from '@poppy/jobs';
import { ensureServiceCertificates } from '../certificates';
import { fallbackProviderName } from '../providers';
import { DONE, loadService, type FlowContext } from './flow-context';
import { failedDetail } from './provider-details';
import {
  recordProvisioned,
  runProviderFlow,
  settle,
  withCertificatesInstalled,
  type ProviderTarget,
} from './provider-flow';
import { resolveNames } from './provider-names';
import type { ServiceJob } from './service-job';

const PLACEHOLDER: ProviderDetail = {
  access_urls: [],
  status: 'deploy_in_progress',
  domains_certificate_status: {},
};

interface Created {
  id: string;
  providerServiceId: string;
}

/**
 * The service as the first attempt may assume it: generation `job.generation`, nothing
 * provisioned yet. Any later attempt (or a job without the spec, e.g. from the
 * reconciler) reads the catalog, to skip the providers already done.
 */
function firstAttemptSnapshot(job: ServiceJob): Service | undefined {
  if (job.attempt !== 1 || !job.spec) return undefined;
  return {
    ...job.spec,
    service_id: job.service_id,
    project_id: job.project_id,
    operator_status: 'enabled',
    provider_details: {},
    generation: job.generation,
  };
}

export function runCreate(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  return runProviderFlow(ctx, job, {
    load: async () => firstAttemptSnapshot(job) ?? loadService(ctx, job),

    async plan({ service, writeBack, pending }) {
      const flavor = await ctx.flavors.get(service.flavor_id);
      const { names, refused, unnamed } = await resolveNames(
        ctx,
        flavor.providers.map((p) => p.provider),
      );
      const certificateStatuses = await ensureServiceCertificates(ctx.certificates, service);
      const details = service.provider_details;
      for (const [id, failure] of refused) {
        if (!details[fallbackProviderName(id)])
          writeBack.set(fallbackProviderName(id), failedDetail(undefined, failure));
      }
      // Until every provider has answered, the service must not look deployed; a provider that
      // could not say its name yet holds its place under its fallback name.
      for (const name of names.values())
        if (!details[name]) writeBack.set(name, { ...PLACEHOLDER });
      for (const { name } of unnamed) if (!details[name]) writeBack.set(name, { ...PLACEHOLDER });
      for (const [id, name] of names) {
        const fallback = fallbackProviderName(id);
        if (fallback !== name && details[fallback]?.status === 'deploy_in_progress')
          writeBack.remove(fallback);
      }
      pending.push(...unnamed);
      const targets: ProviderTarget[] = [...names]
        .filter(([, name]) => !details[name] || details[name].status === 'deploy_in_progress')
        .map(([id, name]) => ({ id, name }));
      return { targets, certificateStatuses, created: [] as Created[] };
    },

    async perProvider(run, { id, name }, plan) {
      const { service } = run;
      const outcome = await withCertificatesInstalled(
        ctx,
        id,
        service,
        plan.certificateStatuses,
        await ctx.providers.call(id, (client) =>
          client.createService({
            project_id: service.project_id,
            service_id: service.service_id,
            spec: specToWire(service),
          }),
        ),
      );
      if (outcome.ok) {
        const providerServiceId = outcome.value.service?.provider_service_id ?? '';
        plan.created.push({ id, providerServiceId });
      }
      return recordProvisioned(
        run,
        name,
        undefined,
        outcome,
        (links) => ctx.dns.create(name, links),
        plan.certificateStatuses,
      );
    },

    async conclude(run, { created }) {
      await run.writeBack.finish();
      if (run.writeBack.stale) {
        await compensate(ctx, job, created);
        return DONE;
      }
      const outcome = await settle(run, (_name, failure) => failedDetail(undefined, failure));
      ctx.logger.debug(
        {
          job: job.id,
          status: aggregateServiceStatus(run.writeBack.details),
          outcome: outcome.type,
        },
        'create job ran',
      );
      return outcome;
    },
  });
}

/**
 * The service moved on while this job created vendor objects. If it is being deleted or
 * gone, the delete may have run before our create landed: delete what we created, so no
 * vendor object is left behind (docs/behaviour.md D-9). Deleting is idempotent at every adapter.
 */
async function compensate(ctx: FlowContext, job: ServiceJob, created: Created[]): Promise<void> {
  if (created.length === 0) return;
  const now = await loadService(ctx, job);
  if (now && aggregateServiceStatus(now.provider_details) !== 'delete_in_progress') return;
  await Promise.all(
    created.map(async ({ id, providerServiceId }) => {
      const outcome = await ctx.providers.call(id, (client) =>
        client.deleteService({
          project_id: job.project_id,
          service_id: job.service_id,
          provider_service_id: providerServiceId,
        }),
      );
      if (!outcome.ok)
        ctx.logger.warn(
          { job: job.id, provider: id, err: outcome.failure },
          'could not undo a create of a deleted service',
        );
    }),
  );
}
