/**
 * What every flow shares: the job it runs, the service as the catalog has it, the
 * write-back of provider details, and how per-provider outcomes become the job's outcome.
 *
 * Idempotency rests on the generation: the catalog bumps it on every change of desired
 * state and resets the providers' statuses to *_in_progress in the same write, and it
 * accepts a write-back only for the current generation. So a provider whose status is no
 * longer in progress at generation G has its result for G recorded already, and a re-run
 * of the job (redelivery, reconciler) skips it.
 */
import {
  catalogV1,
  providerDetailsToWire,
  serviceFromWire,
  type providerV1,
} from '@poppy/contracts';
import {
  isPoppyError,
  type AccessUrl,
  type Flavor,
  type ProviderDetail,
  type ProviderStatus,
  type Service,
  type ServiceSpec,
} from '@poppy/domain';
import type { JobOutcome } from '@poppy/jobs';
import type { Logger } from '@poppy/platform';
import type { CertificateStep } from '../certificates';
import type { DnsDriver } from '../dns';
import {
  classify,
  fallbackProviderName,
  type CallOutcome,
  type FailureInfo,
  type Failed,
  type ProviderRegistry,
} from '../providers';

export const FLOW_KINDS = ['create', 'update', 'delete', 'purge', 'enable', 'disable'] as const;
export type FlowKind = (typeof FLOW_KINDS)[number];

/** The catalog calls provisioning makes (a subset of the generated promise client). */
export interface CatalogApi {
  getService(req: catalogV1.GetServiceRequest): Promise<catalogV1.GetServiceResponse>;
  getFlavor(req: catalogV1.GetFlavorRequest): Promise<catalogV1.GetFlavorResponse>;
  updateProvisioning(
    req: catalogV1.UpdateProvisioningRequest,
  ): Promise<catalogV1.UpdateProvisioningResponse>;
  listServicesByStatus(
    req: catalogV1.ListServicesByStatusRequest,
  ): Promise<catalogV1.ListServicesByStatusResponse>;
}

export interface FlowContext {
  catalog: CatalogApi;
  /** The catalog's flavors, cached briefly (flavor-cache.ts). */
  flavors: { get(flavorId: string): Promise<Flavor> };
  providers: ProviderRegistry;
  dns: DnsDriver;
  /** Certificates for https domains before provider configuration; absent: none asked for. */
  certificates?: CertificateStep;
  logger: Logger;
  /** Retry delay when neither vendor nor breaker said when: min(maxMs, initialMs·2^(attempt−1)). */
  backoff: { initialMs: number; maxMs: number };
}

/** A job as a flow reads it (the payload the catalog's outbox relay publishes). */
export interface ServiceJob {
  id: string;
  kind: FlowKind;
  project_id: string;
  service_id: string;
  generation: number;
  /**
   * create only: the desired configuration as the catalog stored it with the job, so a
   * first attempt needs no read-back (a stale one is caught by the generation check).
   */
  spec?: ServiceSpec;
  /** update only: the domains of the configuration the update replaced (Decision 10). */
  previousDomains?: ServiceSpec['domains'];
  /** purge only */
  url?: string;
  hard?: boolean;
  attempt: number;
  maxAttempts: number;
}

export const DONE: JobOutcome = { type: 'done' };

/** The service as stored now, or undefined when it is gone. */
export async function loadService(
  ctx: FlowContext,
  job: Pick<ServiceJob, 'project_id' | 'service_id'>,
): Promise<Service | undefined> {
  try {
    const { service } = await ctx.catalog.getService({
      project_id: job.project_id,
      service_id: job.service_id,
    });
    return serviceFromWire(service);
  } catch (error) {
    if (isPoppyError(error) && error.kind === 'not_found') return undefined;
    throw error;
  }
}

export function failedDetail(
  base: ProviderDetail | undefined,
  failure: FailureInfo,
  status: ProviderStatus = 'failed',
): ProviderDetail {
  const detail: ProviderDetail = {
    ...(base ?? { access_urls: [], domains_certificate_status: {} }),
    status,
    error_message: failure.message,
    error_info: failure.detail ?? failure.message,
  };
  if (failure.errorClass) detail.error_class = failure.errorClass;
  else delete detail.error_class;
  return detail;
}

/** A provider detail with the errors of an earlier attempt cleared. */
export function cleared(detail: ProviderDetail): ProviderDetail {
  const rest = { ...detail };
  delete rest.error_info;
  delete rest.error_message;
  delete rest.error_class;
  return rest;
}

/**
 * The provider details of one job, written back to the catalog for the job's generation.
 * Writes are serialised: a flush while one is in flight is followed by exactly one more,
 * so results that arrive one provider at a time reach the catalog as soon as each is
 * known (one slow vendor does not hold back the others' access URLs).
 */
export class WriteBack {
  readonly details: Record<string, ProviderDetail>;
  /** The catalog refused a write: the service moved to a newer generation or is gone. */
  stale = false;
  private dirty = false;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    private readonly ctx: FlowContext,
    private readonly service: Service,
  ) {
    this.details = structuredClone(service.provider_details);
  }

  set(name: string, detail: ProviderDetail): void {
    this.details[name] = detail;
    this.dirty = true;
  }

  remove(name: string): void {
    delete this.details[name];
    this.dirty = true;
  }

  get changed(): boolean {
    return this.dirty;
  }

  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.write(false));
    return this.chain;
  }

  /** Writes whatever is left; throws when the catalog could not be reached (the job is retried). */
  async finish(): Promise<void> {
    await this.flush();
    if (this.failure !== undefined) throw this.failure;
  }

  /** The delete completed everywhere: the catalog removes the service. */
  async markDeleted(): Promise<void> {
    await this.chain;
    this.dirty = true;
    this.chain = this.chain.then(() => this.write(true));
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  private async write(deleted: boolean): Promise<void> {
    if (!this.dirty || this.stale) return;
    this.dirty = false;
    try {
      const { applied } = await this.ctx.catalog.updateProvisioning({
        project_id: this.service.project_id,
        service_id: this.service.service_id,
        generation: this.service.generation,
        provider_details: deleted ? {} : providerDetailsToWire(this.details),
        deleted,
      });
      this.failure = undefined;
      if (!applied) this.stale = true;
    } catch (error) {
      this.dirty = true;
      this.failure = error;
    }
  }
}

export interface PendingPart {
  name: string;
  outcome: Extract<Failed, { retryable: true }>;
}

/**
 * One provider's part of a create or an update once its vendor answered: the DNS maps the
 * vendor's links and the provider's detail is set. A failure, the vendor's or the DNS's, is
 * retried later when it is retryable (into `pending`), else recorded on top of `previous`.
 */
export async function recordProvisioned(
  job: { writeBack: WriteBack; pending: PendingPart[] },
  name: string,
  previous: ProviderDetail | undefined,
  outcome: CallOutcome<{ service?: providerV1.ProvisionedService }>,
  mapLinks: (links: providerV1.ProviderLink[]) => Promise<AccessUrl[]>,
  certificateStatuses: Record<string, string> | undefined,
): Promise<void> {
  const { writeBack, pending } = job;
  if (!outcome.ok) {
    if (outcome.retryable) pending.push({ name, outcome });
    else writeBack.set(name, failedDetail(previous, outcome.failure));
    return writeBack.flush();
  }
  const provisioned = outcome.value.service;
  try {
    const accessUrls = await mapLinks(provisioned?.links ?? []);
    writeBack.set(name, {
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
    const dns = classify(error);
    if (dns.retryable) pending.push({ name, outcome: dns });
    else writeBack.set(name, failedDetail(previous, dns.failure));
  }
  return writeBack.flush();
}

/**
 * The job's outcome once every provider had its turn: done, or retry for the providers
 * still pending (after the longest delay any of them asked for, at least the backoff).
 * On the last attempt the pending providers are recorded as failed with their last
 * error, so nothing is left in progress silently (the other providers keep their result).
 */
export async function settle(
  ctx: FlowContext,
  job: ServiceJob,
  writeBack: WriteBack,
  pending: PendingPart[],
  failedFor: (name: string, failure: FailureInfo) => ProviderDetail,
): Promise<JobOutcome> {
  if (pending.length === 0) {
    await writeBack.finish();
    return DONE;
  }
  if (job.attempt >= job.maxAttempts) {
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
  const backoff = Math.min(
    ctx.backoff.maxMs,
    ctx.backoff.initialMs * 2 ** Math.max(0, job.attempt - 1),
  );
  const delayMs = Math.max(backoff, ...pending.map((p) => p.outcome.delayMs ?? 0));
  return {
    type: 'retry',
    delayMs,
    reason: pending.map((p) => `${p.name}: ${p.outcome.failure.message}`).join('; '),
  };
}

/**
 * Provider names (the provider_details keys) for ids. A provider that cannot say its name
 * right now (down, breaker open) is `unnamed`: the flows go on with the others and retry it
 * later, keyed meanwhile by its fallback name.
 */
export async function resolveNames(
  ctx: FlowContext,
  ids: string[],
): Promise<{
  names: Map<string, string>;
  refused: Map<string, FailureInfo>;
  unnamed: Array<PendingPart & { id: string }>;
}> {
  const names = new Map<string, string>();
  const refused = new Map<string, FailureInfo>();
  const unnamed: Array<PendingPart & { id: string }> = [];
  await Promise.all(
    ids.map(async (id) => {
      const outcome = await ctx.providers.nameOf(id);
      if (outcome.ok) names.set(id, outcome.value);
      else if (outcome.retryable) unnamed.push({ id, name: fallbackProviderName(id), outcome });
      else refused.set(id, outcome.failure);
    }),
  );
  return { names, refused, unnamed };
}

export function retryLater(ctx: FlowContext, job: ServiceJob, pending: PendingPart[]): JobOutcome {
  const backoff = Math.min(
    ctx.backoff.maxMs,
    ctx.backoff.initialMs * 2 ** Math.max(0, job.attempt - 1),
  );
  return {
    type: 'retry',
    delayMs: Math.max(backoff, ...pending.map((p) => p.outcome.delayMs ?? 0)),
    reason: pending.map((p) => `${p.name}: ${p.outcome.failure.message}`).join('; '),
  };
}
