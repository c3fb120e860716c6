/**
 * The skeleton of every flow that works provider by provider (create, update, delete,
 * purge), named once so that a flow says only what differs:
 *
 *   load the service → stale-generation check → plan: which providers, and what is
 *   written before any call → each provider's part, in parallel: its vendor call and what
 *   the outcome means for its detail, written back as soon as it is known → conclude:
 *   the job's outcome, usually `settle` (done, or retry for the providers still pending).
 *
 * The generation is what makes a re-run safe (write-back.ts). A new per-provider flow is
 * a `runProviderFlow` call with those three steps; update-flow.ts is the shortest.
 */
import type { AccessUrl, ProviderDetail, ProviderStatus, Service } from '@poppy/domain';
import type { JobOutcome } from '@poppy/jobs';
import type { providerV1 } from '@poppy/contracts';
import { backoffDelayMs } from '@poppy/resilience';
import { classify, type CallOutcome, type Failed, type FailureInfo } from '../providers';
import { DONE, loadService, type FlowContext } from './flow-context';
import { failedDetail } from './provider-details';
import type { ServiceJob } from './service-job';
import { WriteBack } from './write-back';
import { installableDomains, installCertificates } from '../certificates';

/** One provider a flow works on. */
export interface ProviderTarget {
  /** Its key in provider_details. */
  name: string;
  /** Its id in the provider registry. */
  id: string;
}

/** A provider whose part failed retryably: the job is retried for it. */
export interface PendingPart {
  name: string;
  outcome: Extract<Failed, { retryable: true }>;
}

/** One run of a provider flow: the job, the service it works on, and what its providers left. */
export interface ProviderRun {
  readonly ctx: FlowContext;
  readonly job: ServiceJob;
  readonly service: Service;
  readonly writeBack: WriteBack;
  readonly pending: PendingPart[];
}

export interface ProviderFlow<Plan extends { targets: readonly ProviderTarget[] }> {
  /** The service to work on. @default the catalog's current one (loadService) */
  load?(ctx: FlowContext, job: ServiceJob): Promise<Service | undefined>;
  /**
   * Whether the job still runs when the service is at another generation (a purge: the
   * vendors still hold cached content). @default false: the job is stale, nothing to do
   */
  anyGeneration?: boolean;
  /** The providers to call and what their parts share; may write first (create's placeholders). */
  plan(run: ProviderRun): Promise<Plan>;
  /** One provider's part; runs in parallel with the others'. */
  perProvider(run: ProviderRun, target: Plan['targets'][number], plan: Plan): Promise<void>;
  /** The job's outcome once every part ran. */
  conclude(run: ProviderRun, plan: Plan): Promise<JobOutcome>;
}

export async function runProviderFlow<Plan extends { targets: readonly ProviderTarget[] }>(
  ctx: FlowContext,
  job: ServiceJob,
  flow: ProviderFlow<Plan>,
): Promise<JobOutcome> {
  const service = await (flow.load ?? loadService)(ctx, job);
  if (!service || (!flow.anyGeneration && service.generation !== job.generation)) {
    ctx.logger.debug(
      { job: job.id, current: service?.generation },
      `${job.kind} job is stale or done, nothing to do`,
    );
    return DONE;
  }
  // Results are only ever written for the job's generation: at another, the catalog drops them.
  const writeBack = new WriteBack(ctx, { ...service, generation: job.generation });
  const run: ProviderRun = { ctx, job, service, writeBack, pending: [] };
  const plan = await flow.plan(run);
  await Promise.all(plan.targets.map((target) => flow.perProvider(run, target, plan)));
  return flow.conclude(run, plan);
}

/**
 * A provider's part failed: retried later when the failure is retryable, else recorded
 * on its detail (over `previous`, with `status`).
 */
export function recordFailure(
  run: Pick<ProviderRun, 'writeBack' | 'pending'>,
  name: string,
  outcome: Failed,
  previous: ProviderDetail | undefined,
  status?: ProviderStatus,
): void {
  if (outcome.retryable) run.pending.push({ name, outcome });
  else run.writeBack.set(name, failedDetail(previous, outcome.failure, status));
}

/**
 * One provider's part of a create or an update once its vendor answered: the DNS maps the
 * vendor's links and the provider's detail is set. A failure, the vendor's or the DNS's, is
 * retried later when it is retryable, else recorded on top of `previous`.
 */
export async function recordProvisioned(
  run: Pick<ProviderRun, 'writeBack' | 'pending'>,
  name: string,
  previous: ProviderDetail | undefined,
  outcome: CallOutcome<{ service?: providerV1.ProvisionedService }>,
  mapLinks: (links: providerV1.ProviderLink[]) => Promise<AccessUrl[]>,
  certificateStatuses: Record<string, string> | undefined,
): Promise<void> {
  if (!outcome.ok) {
    recordFailure(run, name, outcome, previous);
    return run.writeBack.flush();
  }
  const provisioned = outcome.value.service;
  try {
    const accessUrls = await mapLinks(provisioned?.links ?? []);
    run.writeBack.set(name, {
      // An update keeps the vendor id it had when the vendor reports none.
      id: previous
        ? provisioned?.provider_service_id || previous.id
        : provisioned?.provider_service_id,
      access_urls: accessUrls,
      status: (provisioned?.status as ProviderDetail['status'] | undefined) ?? 'deployed',
      domains_certificate_status: {
        ...provisioned?.domains_certificate_status,
        ...certificateStatuses,
      },
    });
  } catch (error) {
    recordFailure(run, name, classify(error), previous);
  }
  return run.writeBack.flush();
}

/**
 * A provider that does not terminate TLS refuses CreateCertificate as unsupported
 * (errorClass `<vendor>.Unsupported` or `<vendor>.UnsupportedCapability`,
 * docs/adding-a-provider.md): it is skipped, not failed.
 */
export function doesNotTerminateTls(outcome: Failed): boolean {
  return !outcome.retryable && /\.Unsupported(Capability)?$/.test(outcome.failure.errorClass ?? '');
}

/**
 * After a provider created or updated the service: the certificates of its https domains
 * are installed there (certificates/certificate-step.ts). A failed install is the
 * provider's failure, retried or reported like the create's own.
 */
export async function withCertificatesInstalled<
  T extends { service?: providerV1.ProvisionedService },
>(
  ctx: FlowContext,
  id: string,
  service: Service,
  certificateStatuses: Record<string, string> | undefined,
  outcome: CallOutcome<T>,
): Promise<CallOutcome<T>> {
  if (!outcome.ok || !ctx.certificates) return outcome;
  const domains = installableDomains(service, certificateStatuses);
  if (domains.length === 0) return outcome;
  const installed = await ctx.providers.call(id, (client) =>
    installCertificates(
      ctx.certificates,
      service,
      domains,
      { provider_service_id: outcome.value.service?.provider_service_id ?? '' },
      (req) => client.createCertificate(req),
    ),
  );
  if (!installed.ok) {
    if (!doesNotTerminateTls(installed)) return installed;
    ctx.logger.info(
      { service_id: service.service_id, provider: id, reason: installed.failure.message },
      'provider installs no certificates (it does not terminate TLS through the contract)',
    );
    return outcome;
  }
  if (installed.value.length > 0)
    ctx.logger.info(
      { service_id: service.service_id, provider: id, domains: installed.value },
      'certificates installed at the provider',
    );
  return outcome;
}

/**
 * The job's outcome once every provider had its turn: done, or retry for the providers
 * still pending (retryLater). On the last attempt the pending providers are recorded as
 * failed with their last error, so nothing is left in progress silently (the other
 * providers keep their result).
 */
export async function settle(
  run: Pick<ProviderRun, 'ctx' | 'job' | 'writeBack' | 'pending'>,
  failedFor: (name: string, failure: FailureInfo) => ProviderDetail,
): Promise<JobOutcome> {
  const { ctx, job, writeBack, pending } = run;
  if (pending.length > 0 && job.attempt >= job.maxAttempts) {
    for (const { name, outcome } of pending) {
      writeBack.set(
        name,
        failedFor(name, {
          ...outcome.failure,
          message: `Failed after ${job.attempt} attempts: ${outcome.failure.message}`,
        }),
      );
    }
    await writeBack.finish();
    ctx.logger.warn(
      { job: job.id, providers: pending.map((p) => p.name) },
      'job gave up on providers after its last attempt',
    );
    return DONE;
  }
  await writeBack.finish();
  return pending.length === 0 ? DONE : retryLater(run);
}

/** Retry for the pending providers after the longest delay any of them asked for, at least the backoff. */
export function retryLater(run: Pick<ProviderRun, 'ctx' | 'job' | 'pending'>): JobOutcome {
  const { ctx, job, pending } = run;
  const backoff = backoffDelayMs(job.attempt, ctx.backoff);
  return {
    type: 'retry',
    delayMs: Math.max(backoff, ...pending.map((p) => p.outcome.delayMs ?? 0)),
    reason: pending.map((p) => `${p.name}: ${p.outcome.failure.message}`).join('; '),
  };
}
