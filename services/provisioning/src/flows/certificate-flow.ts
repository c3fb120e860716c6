/**
 * A certificate job (proto/poppy/jobs/v1 CertificateJob): the certificates service renewed
 * or replaced the certificate of one of the service's https domains, and every provider
 * of the service installs the new one (CreateCertificate replaces what it had). Like a
 * purge it runs at any generation (the vendors still serve the old certificate) and
 * changes no desired state: statuses stay as they are; a provider that refuses gets the
 * error recorded on its detail, a retryable failure retries the job for that provider.
 */
import type { JobOutcome } from '@poppy/jobs';
import { installableDomains, installCertificates } from '../certificates';
import { DONE, loadService, type FlowContext } from './flow-context';
import { cleared, failedDetail } from './provider-details';
import {
  doesNotTerminateTls,
  recordFailure,
  runProviderFlow,
  settle,
  type PendingPart,
} from './provider-flow';
import type { ServiceJob } from './service-job';
import type { CallOutcome } from '../providers';
import { WriteBack } from './write-back';

export function runCertificate(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  const domainName = (job.domainName ?? '').toLowerCase();
  return runProviderFlow(ctx, job, {
    anyGeneration: true,

    async plan({ service }) {
      const domains = installableDomains(service, undefined).filter(
        (d) => d.domain.toLowerCase() === domainName,
      );
      // A domain the service no longer has, or no certificates service: nothing to install.
      const targets =
        domains.length === 0 || !ctx.certificates
          ? []
          : Object.entries(service.provider_details)
              .filter(([, p]) => p.status !== 'delete_in_progress')
              .map(([name, previous]) => ({ name, id: ctx.providers.idOf(name), previous }));
      if (targets.length === 0)
        ctx.logger.debug(
          { job: job.id, domain: domainName },
          'certificate job: nothing to install',
        );
      return { targets, domains, results: new Map<string, CallOutcome<string[]>>() };
    },

    async perProvider(run, { id, name, previous }, { domains, results }) {
      results.set(
        name,
        await ctx.providers.call(id, (client) =>
          installCertificates(
            ctx.certificates,
            run.service,
            domains,
            { provider_service_id: previous.id ?? '' },
            (req) => client.createCertificate(req),
          ),
        ),
      );
    },

    async conclude(run, { results }) {
      if (results.size === 0) return DONE;
      const fresh = await loadService(ctx, job);
      if (!fresh) return DONE;
      const writeBack = new WriteBack(ctx, { ...fresh, generation: job.generation });
      const pending: PendingPart[] = [];
      for (const [name, outcome] of results) {
        const current = fresh.provider_details[name];
        if (!current) continue;
        if (!outcome.ok && doesNotTerminateTls(outcome)) continue;
        if (outcome.ok) {
          ctx.logger.info(
            { job: job.id, provider: name, domains: outcome.value },
            'renewed certificate installed at the provider',
          );
          if (current.error_message !== undefined) writeBack.set(name, cleared(current));
        } else {
          recordFailure({ writeBack, pending }, name, outcome, current, current.status);
        }
      }
      return settle({ ...run, writeBack, pending }, (name, failure) => {
        const current = fresh.provider_details[name];
        return failedDetail(current, failure, current.status);
      });
    },
  });
}
