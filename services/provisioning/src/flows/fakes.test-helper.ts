/**
 * In-memory fakes of provisioning's own ports (the catalog calls it makes, the provider
 * adapters) for the flow unit tests. The fake catalog keeps the real catalog's rules that
 * matter here: a write-back is applied only for the current generation, and only over the
 * provider details it expects when it names them.
 */
import {
  catalogV1,
  flavorToWire,
  providerDetailsFromWire,
  providerV1,
  serviceToWire,
} from '@poppy/contracts';
import {
  aggregateServiceStatus,
  notFound,
  sameProviderDetails,
  type Flavor,
  type ProviderDetail,
  type Service,
} from '@poppy/domain';
import { createLogger } from '@poppy/platform';
import { sampleService } from '@poppy/testing';
import { DefaultDnsDriver } from '../dns';
import { FlavorCache } from '../flavor-cache';
import { ProviderRegistry, type ProviderApi } from '../providers';
import type { ServiceJobKind } from '@poppy/jobs';
import type { CatalogApi, FlowContext, ServiceJob } from '.';

export const logger = createLogger('provisioning-test', 'silent');

export class FakeCatalog implements CatalogApi {
  readonly services = new Map<string, Service>();
  readonly flavors = new Map<string, Flavor>();
  readonly writes: catalogV1.UpdateProvisioningRequest[] = [];
  reads = 0;
  private concurrentWrite: (() => void) | undefined;

  /** Runs `write` when the next write-back arrives, before it is applied: another writer got there first. */
  beforeNextWrite(write: () => void): void {
    this.concurrentWrite = write;
  }

  put(service: Service): Service {
    this.services.set(service.service_id, structuredClone(service));
    return service;
  }

  get(serviceId: string): Service | undefined {
    return this.services.get(serviceId);
  }

  async getService(req: catalogV1.GetServiceRequest): Promise<catalogV1.GetServiceResponse> {
    this.reads += 1;
    const s = this.services.get(req.service_id);
    if (!s || s.project_id !== req.project_id)
      throw notFound(`service ${req.service_id} could not be found`);
    return { service: serviceToWire(s) };
  }

  async getFlavor(req: catalogV1.GetFlavorRequest): Promise<catalogV1.GetFlavorResponse> {
    const f = this.flavors.get(req.flavor_id);
    if (!f) throw notFound(`Could not find a flavor with the id '${req.flavor_id}'`);
    return { flavor: flavorToWire(f) };
  }

  async updateProvisioning(
    req: catalogV1.UpdateProvisioningRequest,
  ): Promise<catalogV1.UpdateProvisioningResponse> {
    this.writes.push(structuredClone(req));
    const concurrent = this.concurrentWrite;
    this.concurrentWrite = undefined;
    concurrent?.();
    const s = this.services.get(req.service_id);
    if (!s || s.generation !== req.generation) return { applied: false };
    if (
      req.expects_provider_details &&
      !sameProviderDetails(
        s.provider_details,
        providerDetailsFromWire(req.expected_provider_details),
      )
    )
      return { applied: false };
    if (req.deleted) this.services.delete(req.service_id);
    else s.provider_details = providerDetailsFromWire(req.provider_details);
    return { applied: true };
  }

  async listServicesByStatus(
    req: catalogV1.ListServicesByStatusRequest,
  ): Promise<catalogV1.ListServicesByStatusResponse> {
    return {
      services: [...this.services.values()]
        .filter((s) => aggregateServiceStatus(s.provider_details) === req.status)
        .map((s) => ({ project_id: s.project_id, service_id: s.service_id })),
    };
  }
}

type Behaviour = (req: { service_id: string }) => unknown;

/** A provider adapter whose answers a test scripts per operation; records every call. */
export class FakeProvider implements ProviderApi {
  readonly calls: Array<{ op: string; req: Record<string, unknown> }> = [];
  /** What ListManagedServices answers; a delete removes its entry. */
  managed: providerV1.ManagedService[] = [];
  private readonly behaviours = new Map<string, Behaviour[]>();

  constructor(readonly providerName: string) {}

  /** The next calls of `op` throw these errors (or run these functions), in order; then calls succeed. */
  script(op: string, ...steps: Array<Error | Behaviour>): this {
    this.behaviours.set(
      op,
      steps.map((s) =>
        s instanceof Error
          ? () => {
              throw s;
            }
          : s,
      ),
    );
    return this;
  }

  private async run<T>(op: string, req: object, answer: () => T): Promise<T> {
    this.calls.push({ op, req: req as Record<string, unknown> });
    const step = this.behaviours.get(op)?.shift();
    if (step) await step(req as { service_id: string });
    return answer();
  }

  count(op: string): number {
    return this.calls.filter((c) => c.op === op).length;
  }

  describe(): Promise<providerV1.DescribeProviderResponse> {
    return this.run('describe', {}, () => ({
      provider_name: this.providerName,
      alive: true,
      regions: [],
    }));
  }

  createService(req: providerV1.CreateServiceRequest): Promise<providerV1.CreateServiceResponse> {
    return this.run('createService', req, () => ({ service: this.provisioned(req.service_id) }));
  }

  updateService(req: providerV1.UpdateServiceRequest): Promise<providerV1.UpdateServiceResponse> {
    return this.run('updateService', req, () => ({ service: this.provisioned(req.service_id) }));
  }

  deleteService(req: providerV1.DeleteServiceRequest): Promise<providerV1.DeleteServiceResponse> {
    return this.run('deleteService', req, () => {
      this.managed = this.managed.filter((m) => m.service_id !== req.service_id);
      return { provider_service_id: req.provider_service_id };
    });
  }

  listManagedServices(): Promise<providerV1.ListManagedServicesResponse> {
    return this.run('listManagedServices', {}, () => ({ services: structuredClone(this.managed) }));
  }

  purgeService(req: providerV1.PurgeServiceRequest): Promise<providerV1.PurgeServiceResponse> {
    return this.run('purgeService', req, () => ({
      provider_service_id: req.provider_service_id,
      purge_url: req.purge_url,
    }));
  }

  createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    return this.run('createCertificate', req, () => ({
      cert_domain: req.certificate?.domain_name ?? '',
      extra_info_json: '{}',
    }));
  }

  private provisioned(serviceId: string): providerV1.ProvisionedService {
    const host = `${this.providerName.toLowerCase()}.cdn.example.net`;
    return {
      provider_service_id: `${this.providerName}-${serviceId}`,
      links: [{ domain: 'www.site.com', href: host, rel: 'access_url' }],
      domains_certificate_status: {},
    };
  }
}

/** A retryable vendor error, as provider-kit's client rebuilds it. */
export function retryable(message: string, retryAfterMs?: number): Error {
  return Object.assign(new Error(message), {
    retryable: true,
    retryAfterMs,
    name: 'ProviderError',
  });
}

/** A vendor refusal (4xx-like). */
export function refused(message: string): Error {
  return Object.assign(new Error(message), {
    retryable: false,
    detail: `${message} (detail)`,
    errorClass: 'mock.Refused',
  });
}

export function context(
  catalog: FakeCatalog,
  providers: Record<string, FakeProvider>,
): FlowContext {
  const passThrough = { call: <T>(_key: string, fn: () => Promise<T>) => fn() };
  return {
    catalog,
    flavors: new FlavorCache(catalog, 0),
    providers: new ProviderRegistry(new Map(Object.entries(providers)), passThrough),
    dns: new DefaultDnsDriver(),
    logger,
    backoff: { initialMs: 100, maxMs: 1000 },
  };
}

let n = 0;
export function newService(overrides: Partial<Service> = {}): Service {
  n += 1;
  return sampleService({
    service_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    project_id: 'p1',
    domains: [{ domain: 'www.site.com', protocol: 'http' }],
    flavor_id: 'duo',
    ...overrides,
  });
}

export function jobFor(
  service: Service,
  kind: ServiceJobKind,
  extra: Partial<ServiceJob> = {},
): ServiceJob {
  return {
    id: `${service.service_id}:${service.generation}:${kind}`,
    kind,
    project_id: service.project_id,
    service_id: service.service_id,
    generation: service.generation,
    attempt: 1,
    maxAttempts: 5,
    ...extra,
  };
}

export function deployedDetail(name: string, serviceId: string): ProviderDetail {
  const host = `${name.toLowerCase()}.cdn.example.net`;
  return {
    id: `${name}-${serviceId}`,
    access_urls: [{ domain: 'www.site.com', provider_url: host, operator_url: host }],
    status: 'deployed',
    domains_certificate_status: {},
  };
}
