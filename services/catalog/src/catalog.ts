/**
 * The catalog's business rules (docs/behaviour.md §4.5, §4.9, §4.10, §4.11, §8): limits, flavor
 * checks, shared-SSL allocation, statuses set synchronously, and the job recorded with
 * every change of desired state. No transport here: server.ts adapts it to gRPC.
 */
import { randomUUID } from 'node:crypto';
import { context, propagation } from '@opentelemetry/api';
import { providerDetailsToWire, specToWire } from '@poppy/contracts';
import {
  aggregateServiceStatus,
  applyServicePatch,
  invalid,
  notFound,
  prepareFlavor,
  sharedSslLabel,
  toServiceDocument,
  validateServiceDocument,
  type Flavor,
  type ProviderDetail,
  type ProviderStatus,
  type Service,
  type ServiceSpec,
  type ServiceStatus,
} from '@poppy/domain';
import { encodeServiceJob, type ServiceJobBody } from '@poppy/jobs';
import { outboxPayload } from './outbox-relay';
import {
  unknownFlavor,
  type CatalogStore,
  type OutboxJob,
  type ServiceRef,
} from './store/catalog-store';
import { allocateSharedSslDomain } from './shared-ssl-shards';

export interface CatalogOptions {
  providers: string[];
  maxServicesPerProject: number;
  defaultCacheTtl: number;
  sharedSslShards: string[];
}

/** Optimistic concurrency: a read-modify-write that lost a race is retried this often. */
const MAX_WRITE_ATTEMPTS = 5;

function withProviderStatus(
  details: Record<string, ProviderDetail>,
  status: ProviderStatus,
): Record<string, ProviderDetail> {
  const out: Record<string, ProviderDetail> = {};
  for (const [name, detail] of Object.entries(details)) out[name] = { ...detail, status };
  return out;
}

/** The outbox row of a job (poppy.jobs.v1, encoded by @poppy/jobs) about `service` at its generation. */
export function jobFor(service: Service, job: ServiceJobBody, suffix = ''): OutboxJob {
  // The request's W3C trace context rides with the job as message headers, so the
  // provisioning work shows up in the request's trace.
  const trace: Record<string, string> = {};
  propagation.inject(context.active(), trace);
  const { project_id, service_id, generation } = service;
  const created_at = new Date().toISOString();
  const queued = encodeServiceJob(
    { project_id, service_id, generation, created_at, reconciled: false, job },
    { id: `${service_id}:${generation}:${job.$case}${suffix}`, headers: trace },
  );
  return {
    job_id: queued.id,
    kind: job.$case,
    project_id,
    service_id,
    generation,
    payload: outboxPayload(queued),
    created_at,
  };
}

export class Catalog {
  constructor(
    private readonly store: CatalogStore,
    private readonly options: CatalogOptions,
  ) {}

  private async requireFlavor(flavorId: string): Promise<Flavor> {
    const flavor = await this.store.getFlavor(flavorId);
    if (!flavor) throw unknownFlavor(flavorId);
    return flavor;
  }

  private isClaimed = async (domain: string): Promise<boolean> =>
    (await this.store.findDomainOwner(domain)) !== undefined;

  /** Turns shared-SSL labels into full names; labels the service already holds keep theirs. */
  private async assignSharedSslDomains(spec: ServiceSpec, current?: Service): Promise<ServiceSpec> {
    const held = new Map<string, string>();
    for (const d of current?.domains ?? []) {
      if (d.certificate === 'shared') held.set(sharedSslLabel(d.domain), d.domain);
    }
    const domains = [];
    for (const d of spec.domains) {
      if (d.certificate !== 'shared' || d.domain.includes('.')) {
        domains.push(d);
        continue;
      }
      const full =
        held.get(d.domain) ??
        (await allocateSharedSslDomain(d.domain, this.options.sharedSslShards, this.isClaimed));
      domains.push({ ...d, domain: full });
    }
    return { ...spec, domains };
  }

  async createService(projectId: string, spec: ServiceSpec): Promise<Service> {
    // The gateway validated already; the catalog owns the invariant, so it checks again.
    validateServiceDocument(toServiceDocument(spec));
    await this.requireFlavor(spec.flavor_id);
    const limit =
      (await this.store.getProjectLimit(projectId)) ?? this.options.maxServicesPerProject;
    const service: Service = {
      service_id: randomUUID(),
      project_id: projectId,
      ...(await this.assignSharedSslDomains(spec)),
      operator_status: 'enabled',
      provider_details: {},
      generation: 1,
    };
    // The spec rides along so a worker's first attempt needs no read-back (stale runs are caught by the generation).
    const { name, domains, origins, caching, restrictions, flavor_id, log_delivery } = service;
    const desired: ServiceSpec = {
      name,
      domains,
      origins,
      caching,
      restrictions,
      flavor_id,
      log_delivery,
    };
    const job = jobFor(service, { $case: 'create', value: { spec: specToWire(desired) } });
    await this.store.createService(service, job, limit);
    return service;
  }

  async getService(projectId: string, serviceId: string): Promise<Service> {
    const service = await this.store.getService(projectId, serviceId);
    if (!service) throw notFound(`service ${serviceId} could not be found`);
    return service;
  }

  listServices(projectId: string, marker: string | undefined, limit: number): Promise<Service[]> {
    return this.store.listServices(projectId, marker, limit);
  }

  /** Read, change, write back if nobody wrote in between; else start over. */
  private async rewrite(
    projectId: string,
    serviceId: string,
    missing: () => Error,
    change: (current: Service) => Promise<{ next: Service; job?: OutboxJob }>,
  ): Promise<Service> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.getService(projectId, serviceId);
      if (!current) throw missing();
      const { next, job } = await change(current);
      // Also conditional on the provider details read: a write-back at the same generation
      // (purge, enable/disable keep it) that lands meanwhile makes us start over, not vanish.
      if (await this.store.replaceService(next, current.generation, job, current.provider_details))
        return next;
      if (attempt >= MAX_WRITE_ATTEMPTS)
        throw invalid(`Service ${serviceId} is being changed concurrently, try again`);
    }
  }

  async patchService(projectId: string, serviceId: string, operations: unknown): Promise<Service> {
    return this.rewrite(
      projectId,
      serviceId,
      () => notFound('Service not found'),
      async (current) => {
        if (current.operator_status === 'disabled')
          throw invalid(`Service ${serviceId} is disabled`);
        const status = aggregateServiceStatus(current.provider_details);
        if (status !== 'deployed' && status !== 'failed') {
          throw invalid(`Service ${serviceId} neither deployed nor failed`);
        }
        const patched = applyServicePatch(current, operations, {
          defaultCacheTtl: this.options.defaultCacheTtl,
        });
        await this.requireFlavor(patched.flavor_id);
        const next: Service = {
          ...current,
          ...(await this.assignSharedSslDomains(patched, current)),
          provider_details: withProviderStatus(current.provider_details, 'update_in_progress'),
          generation: current.generation + 1,
        };
        const previous = specToWire(current);
        return { next, job: jobFor(next, { $case: 'update', value: { previous } }) };
      },
    );
  }

  async deleteService(projectId: string, serviceId: string): Promise<Service> {
    return this.rewrite(
      projectId,
      serviceId,
      () => notFound(`No service found: ${serviceId}`),
      async (current) => {
        const next: Service = {
          ...current,
          provider_details: withProviderStatus(current.provider_details, 'delete_in_progress'),
          generation: current.generation + 1,
        };
        // The provider details as they were before: the delete job needs the vendor ids.
        return {
          next,
          job: jobFor(next, {
            $case: 'delete',
            value: { provider_details: providerDetailsToWire(current.provider_details) },
          }),
        };
      },
    );
  }

  async purgeService(
    projectId: string,
    serviceId: string,
    url: string,
    hard: boolean,
  ): Promise<Service> {
    return this.rewrite(
      projectId,
      serviceId,
      () => notFound(`No service found: ${serviceId}`),
      async (current) => {
        if (aggregateServiceStatus(current.provider_details) !== 'deployed') {
          throw invalid(`Service ${serviceId} is not deployed.`);
        }
        // A purge changes no desired state: same generation, so an update in flight keeps its write-back.
        const next: Service = hard
          ? current
          : {
              ...current,
              provider_details: withProviderStatus(current.provider_details, 'update_in_progress'),
            };
        const suffix = `:${randomUUID()}`;
        return { next, job: jobFor(next, { $case: 'purge', value: { url, hard } }, suffix) };
      },
    );
  }

  /**
   * Operator enable/disable (docs/behaviour.md §6.7): the new operator status is desired state,
   * stored at once with an enable/disable job (DNS re-pointing). Like a purge it keeps the
   * generation, so a create or update in flight still gets its write-back.
   */
  async setOperatorStatus(
    projectId: string,
    serviceId: string,
    state: 'enabled' | 'disabled',
  ): Promise<Service> {
    return this.rewrite(
      projectId,
      serviceId,
      () => notFound(`No service found: ${serviceId}`),
      async (current) => {
        const next: Service = { ...current, operator_status: state };
        const job: ServiceJobBody =
          state === 'enabled' ? { $case: 'enable', value: {} } : { $case: 'disable', value: {} };
        return { next, job: jobFor(next, job, `:${randomUUID()}`) };
      },
    );
  }

  /**
   * `POST /admin/services/action` (docs/behaviour.md §10.2): the action on the service owning
   * `domain`, or on every service of `project_id` (pages of 10; a failure on one service
   * is reported through `onError` and the others go on).
   */
  async runServiceAction(
    target: { project_id?: string; domain?: string },
    action: string,
    onError: (ref: ServiceRef, error: unknown) => void = () => undefined,
  ): Promise<ServiceRef[]> {
    if (action !== 'enable' && action !== 'disable' && action !== 'delete') {
      throw invalid(`Unknown action ${action}, expected enable, disable or delete`);
    }
    if ((target.project_id === undefined) === (target.domain === undefined)) {
      throw invalid('Exactly one of project_id and domain is needed');
    }
    const apply = (ref: ServiceRef): Promise<Service> =>
      action === 'delete'
        ? this.deleteService(ref.project_id, ref.service_id)
        : this.setOperatorStatus(
            ref.project_id,
            ref.service_id,
            action === 'enable' ? 'enabled' : 'disabled',
          );
    if (target.domain !== undefined) {
      const service = await this.getServiceByDomain(target.domain);
      const ref = { project_id: service.project_id, service_id: service.service_id };
      await apply(ref);
      return [ref];
    }
    const done: ServiceRef[] = [];
    for (let marker: string | undefined; ;) {
      const page = await this.store.listServices(target.project_id!, marker, 10);
      for (const service of page) {
        const ref = { project_id: service.project_id, service_id: service.service_id };
        try {
          await apply(ref);
          done.push(ref);
        } catch (error) {
          onError(ref, error);
        }
      }
      if (page.length < 10) return done;
      marker = page[page.length - 1].service_id;
    }
  }

  async createFlavor(raw: Flavor): Promise<Flavor> {
    // Re-checked here against the providers this deployment runs (docs/behaviour.md §8.1).
    const flavor = prepareFlavor(
      {
        id: raw.id,
        providers: raw.providers.map((p) => ({
          provider: p.provider,
          links: [{ href: p.provider_url, rel: 'provider_url' }],
        })),
      },
      this.options.providers,
    );
    await this.store.createFlavor(flavor);
    return flavor;
  }

  async getFlavor(flavorId: string): Promise<Flavor> {
    const flavor = await this.store.getFlavor(flavorId);
    if (!flavor) throw notFound(`Could not find a flavor with the id '${flavorId}'`);
    return flavor;
  }

  listFlavors(): Promise<Flavor[]> {
    return this.store.listFlavors();
  }

  deleteFlavor(flavorId: string): Promise<void> {
    return this.store.deleteFlavor(flavorId);
  }

  /** Creates the default flavor on a first start, so `npm start` is usable at once. */
  async ensureFlavor(flavorId: string, provider: string): Promise<boolean> {
    if (await this.store.getFlavor(flavorId)) return false;
    try {
      await this.store.createFlavor({
        id: flavorId,
        providers: [{ provider, provider_url: `${provider}.localhost` }],
      });
      return true;
    } catch {
      return false; // created concurrently by another catalog
    }
  }

  async getProjectLimit(projectId: string): Promise<number> {
    return (await this.store.getProjectLimit(projectId)) ?? this.options.maxServicesPerProject;
  }

  setProjectLimit(projectId: string, limit: number): Promise<void> {
    return this.store.setProjectLimit(projectId, limit);
  }

  async getServiceByDomain(domain: string): Promise<Service> {
    const owner = await this.store.findDomainOwner(domain);
    const service = owner && (await this.store.getService(owner.project_id, owner.service_id));
    if (!service) throw notFound(`Domain ${domain} cannot be found`);
    return service;
  }

  listDomainsByProviderUrl(providerUrl: string): Promise<string[]> {
    return this.store.listDomainsByProviderUrl(providerUrl);
  }

  listServicesByStatus(status: ServiceStatus): Promise<ServiceRef[]> {
    return this.store.listServicesByStatus(status);
  }

  /** Several job outcomes, each applied or ignored as by updateProvisioning, in order. */
  async updateProvisioningBatch(
    updates: Array<{
      projectId: string;
      serviceId: string;
      generation: number;
      details: Record<string, ProviderDetail>;
      deleted: boolean;
      expectedDetails?: Record<string, ProviderDetail>;
    }>,
  ): Promise<boolean[]> {
    const applied: boolean[] = [];
    for (const u of updates)
      applied.push(
        await this.updateProvisioning(
          u.projectId,
          u.serviceId,
          u.generation,
          u.details,
          u.deleted,
          u.expectedDetails,
        ),
      );
    return applied;
  }

  /**
   * The outcome of a job for one generation; stale outcomes are ignored (returns false), and so
   * is one computed from provider details that changed since (`expectedDetails`, when given: a
   * purge's write-back; the job re-reads and computes again).
   */
  async updateProvisioning(
    projectId: string,
    serviceId: string,
    generation: number,
    details: Record<string, ProviderDetail>,
    deleted: boolean,
    expectedDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    if (deleted) return this.store.deleteService(projectId, serviceId, generation);
    return this.store.updateProviderDetails(
      projectId,
      serviceId,
      generation,
      details,
      expectedDetails,
    );
  }
}
