/**
 * Fastly as a Poppy provider: one Fastly service per Poppy service. This file decides; it
 * talks to Fastly only through FastlyApi (fastly-api.ts).
 *
 * - create/update (`converge`): find the service by its name `poppy-<service id>` (else
 *   create it), then bring the newest version to the spec: an unlocked draft (v1, or one a
 *   lost run left) is edited in place; a locked version whose config already matches is
 *   activated if it is not active yet (a run that died before activating); otherwise the
 *   active version is cloned and the draft edited — only the changes `planChanges` finds —
 *   then validated and activated. Older versions stay for rollback;
 * - status: deployed once Fastly reports the version active, else deploy_in_progress /
 *   update_in_progress; provisioning's reconciler runs the job again, which re-reads;
 * - delete: deactivate the active version, then delete the service (Fastly refuses a
 *   service with an active version); a service already gone counts as deleted;
 * - purge: a URL purge per domain; `/*` hard → purge_all, soft → the service's surrogate key
 *   (purge_all cannot be soft).
 */
import type { commonV1, providerV1 } from '@poppy/contracts';
import { ProviderError, type ProviderDriver } from '@poppy/provider-kit';
import { KNOWN_UNSUPPORTED, UNSUPPORTED_ERROR_CLASS } from './capabilities';
import type { FastlyApi, FastlyService, VersionConfig } from './fastly-api';
import {
  fastlyConfigFor,
  planChanges,
  serviceIdOfName,
  serviceNameFor,
  surrogateKeyFor,
} from './service-config';
import { FastlyTls } from './tls';
import { withVendorErrors } from './vendor-errors';

export const ACCESS_URL_SUFFIX = 'global.prod.fastly.net';
const LIST_PAGE_SIZE = 100;

type InProgressStatus = 'deploy_in_progress' | 'update_in_progress';

export interface FastlyDriverOptions {
  api: FastlyApi;
  /** CA of TLS subscriptions (no PEM given). @default 'lets-encrypt' */
  certificateAuthority?: string;
}

const latestOf = (service: FastlyService) =>
  service.versions.reduce<FastlyService['versions'][number] | undefined>(
    (max, v) => (!max || v.number > max.number ? v : max),
    undefined,
  );
const activeOf = (service: FastlyService) => service.versions.find((v) => v.active);

const isCatchAll = (url: string) => ['', '/', '/*', '*'].includes(url.trim());

export class FastlyDriver implements ProviderDriver {
  readonly providerName = 'Fastly';
  readonly regions: string[] = [];
  private readonly api: FastlyApi;
  private readonly tls: FastlyTls;

  constructor(options: FastlyDriverOptions) {
    this.api = options.api;
    this.tls = new FastlyTls(this.api, options.certificateAuthority ?? 'lets-encrypt');
  }

  async isAlive(): Promise<boolean> {
    try {
      await this.api.ping();
      return true;
    } catch {
      return false;
    }
  }

  async createService(
    req: providerV1.CreateServiceRequest,
  ): Promise<providerV1.CreateServiceResponse> {
    return { service: await this.converge(req.service_id, req.spec, '', 'deploy_in_progress') };
  }

  async updateService(
    req: providerV1.UpdateServiceRequest,
  ): Promise<providerV1.UpdateServiceResponse> {
    return {
      service: await this.converge(
        req.service_id,
        req.spec,
        req.provider_service_id,
        'update_in_progress',
      ),
    };
  }

  async deleteService(
    req: providerV1.DeleteServiceRequest,
  ): Promise<providerV1.DeleteServiceResponse> {
    const service = await this.find(req.service_id, req.provider_service_id, 'delete');
    if (!service) return { provider_service_id: req.provider_service_id };
    const active = activeOf(service);
    if (active)
      await withVendorErrors('delete (deactivate)', () =>
        this.api.deactivateVersion(service.id, active.number),
      );
    await withVendorErrors('delete', () => this.api.deleteService(service.id));
    return { provider_service_id: service.id };
  }

  async purgeService(
    req: providerV1.PurgeServiceRequest,
  ): Promise<providerV1.PurgeServiceResponse> {
    const service = await this.find(req.service_id, req.provider_service_id, 'purge');
    if (!service)
      throw new ProviderError(`Fastly has no service for ${req.service_id}`, {
        errorClass: 'fastly.NoSuchService',
      });
    const soft = !req.hard;
    if (isCatchAll(req.purge_url)) {
      await withVendorErrors('purge', () =>
        soft
          ? this.api.purgeKey(service.id, surrogateKeyFor(req.service_id), true)
          : this.api.purgeAll(service.id),
      );
    } else {
      const path = req.purge_url.startsWith('/') ? req.purge_url : `/${req.purge_url}`;
      const domains = req.spec?.domains.map((d) => d.domain) ?? (await this.domainsOf(service));
      for (const domain of domains)
        await withVendorErrors('purge', () => this.api.purgeUrl(`${domain}${path}`, soft));
    }
    return { provider_service_id: service.id, purge_url: req.purge_url };
  }

  async getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse> {
    const service = await this.find(req.service_id, req.provider_service_id, 'get');
    if (!service) return { found: false, spec: undefined, links: [] };
    return {
      found: true,
      spec: undefined,
      links: (await this.domainsOf(service)).map((domain) => this.link(domain)),
    };
  }

  async getMetrics(req: providerV1.GetMetricsRequest): Promise<providerV1.GetMetricsResponse> {
    void req;
    // KNOWN_UNSUPPORTED.metrics: the RPC names a domain; Fastly's stats are per service.
    return { series: [] };
  }

  createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    return this.tls.install(req.certificate);
  }

  deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
  ): Promise<providerV1.DeleteCertificateResponse> {
    return this.tls.remove(req.certificate);
  }

  /** Every Fastly service this adapter manages (by its `poppy-` name), for an orphan sweep. */
  async listManaged(): Promise<
    Array<{ serviceId: string; providerServiceId: string; createdAtMs: number }>
  > {
    const managed: Array<{ serviceId: string; providerServiceId: string; createdAtMs: number }> =
      [];
    for (let page = 1; ; page++) {
      const services = await withVendorErrors('list', () =>
        this.api.listServices(page, LIST_PAGE_SIZE),
      );
      for (const s of services) {
        const serviceId = serviceIdOfName(s.name);
        if (serviceId)
          managed.push({ serviceId, providerServiceId: s.id, createdAtMs: s.createdAtMs });
      }
      if (services.length < LIST_PAGE_SIZE) return managed;
    }
  }

  // --- helpers -------------------------------------------------------------------------

  private async converge(
    serviceId: string,
    spec: commonV1.ServiceSpec | undefined,
    providerServiceId: string,
    inProgress: InProgressStatus,
  ): Promise<providerV1.ProvisionedService> {
    if (!serviceId)
      throw new ProviderError('service_id is required', { errorClass: 'fastly.InvalidRequest' });
    if (!spec) throw new ProviderError('spec is required', { errorClass: 'fastly.InvalidRequest' });
    const desired = this.plan(serviceId, spec);
    const service =
      (await this.find(serviceId, providerServiceId, 'create')) ??
      (await withVendorErrors('create', () =>
        this.api.createService(serviceNameFor(serviceId), `Poppy service ${spec.name}`),
      ));
    const activated = await this.bringToSpec(service, desired);
    const now = await withVendorErrors('get', () => this.api.getService(service.id));
    const deployed = now !== undefined && activeOf(now)?.number === activated;
    return {
      provider_service_id: service.id,
      links: spec.domains.map((d) => this.link(d.domain)),
      status: deployed ? 'deployed' : inProgress,
      domains_certificate_status: {},
    };
  }

  /** Makes a version hold `desired` and activates it; the version's number. */
  private async bringToSpec(service: FastlyService, desired: VersionConfig): Promise<number> {
    const latest = latestOf(service);
    const active = activeOf(service);
    let draft: number;
    if (latest && !latest.locked) {
      draft = latest.number;
    } else {
      const base = active ?? latest;
      if (!base)
        throw new ProviderError(`Fastly service ${service.id} has no version`, {
          retryable: true,
          errorClass: 'fastly.NoVersion',
        });
      if (latest) {
        const current = await this.read(service.id, latest.number);
        if (planChanges(current, desired).length === 0) {
          // Already there: activate it unless Fastly has it active (a run that died before).
          if (!latest.active) await this.activate(service.id, latest.number);
          return latest.number;
        }
      }
      draft = await withVendorErrors('update (clone)', () =>
        this.api.cloneVersion(service.id, base.number),
      );
    }
    const changes = planChanges(await this.read(service.id, draft), desired);
    for (const change of changes)
      await withVendorErrors(`update (${change.op} ${change.kind})`, () =>
        this.api.applyChange(service.id, draft, change),
      );
    const validation = await withVendorErrors('validate', () =>
      this.api.validateVersion(service.id, draft),
    );
    if (!validation.ok)
      throw new ProviderError(
        `Fastly refused version ${draft}: ${validation.msg ?? 'validation failed'}`,
        { retryable: false, errorClass: 'fastly.ValidationFailed' },
      );
    await this.activate(service.id, draft);
    return draft;
  }

  private activate(serviceId: string, version: number): Promise<void> {
    return withVendorErrors('activate', () => this.api.activateVersion(serviceId, version));
  }

  private read(serviceId: string, version: number): Promise<VersionConfig> {
    return withVendorErrors('read version', () => this.api.readVersion(serviceId, version));
  }

  /** The service by its stored id, else by its name. */
  private async find(
    serviceId: string,
    providerServiceId: string,
    operation: string,
  ): Promise<FastlyService | undefined> {
    if (providerServiceId) {
      const byId = await withVendorErrors(operation, () => this.api.getService(providerServiceId));
      if (byId) return byId;
    }
    if (!serviceId) return undefined;
    return withVendorErrors(operation, () => this.api.findServiceByName(serviceNameFor(serviceId)));
  }

  /** The domains of the active version (else the newest). */
  private async domainsOf(service: FastlyService): Promise<string[]> {
    const version = activeOf(service) ?? latestOf(service);
    if (!version) return [];
    return (await this.read(service.id, version.number)).domain.map((d) => d.name);
  }

  /** The config for the spec, or a refusal naming every feature Fastly cannot take. */
  private plan(serviceId: string, spec: commonV1.ServiceSpec): VersionConfig {
    const { config, unsupported } = fastlyConfigFor(serviceId, spec);
    if (unsupported.length > 0) {
      const features = [...new Set(unsupported.map((u) => u.feature))];
      throw new ProviderError(
        `Fastly cannot provide ${features.join(', ')}: ${unsupported.map((u) => u.detail).join('; ')}`,
        {
          retryable: false,
          errorClass: UNSUPPORTED_ERROR_CLASS,
          detail: JSON.stringify(
            features.map((f) => ({ feature: f, reason: KNOWN_UNSUPPORTED[f] })),
          ),
        },
      );
    }
    return config;
  }

  private link(domain: string): providerV1.ProviderLink {
    return { domain, href: `${domain}.${ACCESS_URL_SUFFIX}`, rel: 'access_url' };
  }
}
