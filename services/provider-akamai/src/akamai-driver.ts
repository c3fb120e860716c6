/**
 * Akamai as a Poppy provider: one PAPI property per service. This file decides; it talks to
 * Akamai only through the small AkamaiApi (akamai-api.ts), which http-akamai-api.ts
 * implements over fetch with EdgeGrid signing and the account's rate budget.
 *
 * - create/update converge the property on the spec: find it (provider_service_id, else by
 *   its name `poppy-<service id>`), else create it; when the latest version's `comments`
 *   (a digest of the planned rules and hostnames) differ, write the plan — into that
 *   version if it was never activated, else into a new version made from it — then walk
 *   the activation plan (activation-plan.ts): staging, then production. Nothing waits:
 *   `deploy_in_progress`/`update_in_progress` until production is ACTIVE, and provisioning's
 *   reconciler calls again; a FAILED activation is a non-retryable error with the vendor's
 *   failure cause, so that provider is `failed` with Akamai's message;
 * - delete: cancel pending activations, deactivate on both networks, and delete the
 *   property once nothing is active; until then a retryable "not yet";
 * - purge: Fast Purge, soft = invalidate, hard = delete; `/*` purges the service's cache tag;
 * - certificates (san/sni): a CPS DV enrollment per domain; each call advances it
 *   (acknowledges domain validation when CPS waits for it) and reports its status.
 */
import type { commonV1, providerV1 } from '@poppy/contracts';
import { ProviderError, type ProviderDriver } from '@poppy/provider-kit';
import { everActivated, nextActivationStep, pendingActivations } from './activation-plan';
import type { AkamaiApi, Enrollment, Network, PropertySummary } from './akamai-api';
import { KNOWN_UNSUPPORTED, UNSUPPORTED_ERROR_CLASS } from './capabilities';
import {
  cacheTag,
  normalisePath,
  propertyName,
  propertyPlanFor,
  serviceIdOfProperty,
  type PropertyPlan,
  type PropertySettings,
} from './rule-tree';
import { AkamaiHttpError, fromVendorError, withVendorErrors } from './vendor-errors';

export interface AkamaiDriverOptions {
  api: AkamaiApi;
  settings: PropertySettings;
  /** Retry hint of "not yet" answers (deactivation before delete). @default 60000 */
  pollHintMs?: number;
}

type InProgressStatus = 'deploy_in_progress' | 'update_in_progress';
export type CertificateStatus = 'create_in_progress' | 'deployed' | 'failed' | 'cancelled';

const NETWORKS: Network[] = ['STAGING', 'PRODUCTION'];
const activeVersion = (p: PropertySummary, n: Network) =>
  n === 'STAGING' ? p.stagingVersion : p.productionVersion;

export class AkamaiDriver implements ProviderDriver {
  readonly providerName = 'Akamai';
  /** Reference §12.1. */
  readonly regions = ['North America', 'South America', 'EMEA', 'Japan', 'India', 'APAC'];
  private readonly api: AkamaiApi;
  private readonly settings: PropertySettings;
  private readonly pollHintMs: number;

  constructor(options: AkamaiDriverOptions) {
    this.api = options.api;
    this.settings = options.settings;
    this.pollHintMs = options.pollHintMs ?? 60_000;
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
    const spec = this.requireSpec(req.service_id, req.spec);
    return { service: await this.converge(req.service_id, spec, '', 'deploy_in_progress') };
  }

  async updateService(
    req: providerV1.UpdateServiceRequest,
  ): Promise<providerV1.UpdateServiceResponse> {
    const spec = this.requireSpec(req.service_id, req.spec);
    return {
      service: await this.converge(
        req.service_id,
        spec,
        req.provider_service_id,
        'update_in_progress',
      ),
    };
  }

  async deleteService(
    req: providerV1.DeleteServiceRequest,
  ): Promise<providerV1.DeleteServiceResponse> {
    let property = await this.findProperty(req.service_id, req.provider_service_id);
    if (!property) return { provider_service_id: req.provider_service_id };
    const id = property.propertyId;
    let activations = await this.call('delete', () => this.api.listActivations(id));
    const cancellable = pendingActivations(activations).filter(
      (a) => a.activationType === 'ACTIVATE',
    );
    for (const a of cancellable) {
      // Too late to cancel (it completed meanwhile) is fine: it is deactivated below.
      await this.api.cancelActivation(id, a.activationId).catch((error: unknown) => {
        if (!(error instanceof AkamaiHttpError && error.status === 400)) throw error;
      });
    }
    if (cancellable.length > 0) {
      property = await this.call('delete', () => this.api.getProperty(id));
      if (!property) return { provider_service_id: id };
      activations = await this.call('delete', () => this.api.listActivations(id));
    }
    let changed = cancellable.length > 0;
    const pending = pendingActivations(activations);
    for (const network of NETWORKS) {
      const version = activeVersion(property, network);
      if (version === null || pending.some((a) => a.network === network)) continue;
      await this.call('delete (deactivate)', () =>
        this.api.activate(id, version, network, 'DEACTIVATE'),
      );
      changed = true;
    }
    if (changed || pending.length > 0) {
      property = await this.call('delete', () => this.api.getProperty(id));
      if (!property) return { provider_service_id: id };
      const still = pendingActivations(
        await this.call('delete', () => this.api.listActivations(id)),
      );
      if (still.length > 0 || NETWORKS.some((n) => activeVersion(property!, n) !== null))
        throw new ProviderError(
          `Akamai property ${id} is being deactivated; it is deleted once that completed`,
          {
            retryable: true,
            retryAfterMs: this.pollHintMs,
            errorClass: 'akamai.DeactivationInProgress',
          },
        );
    }
    await this.call('delete', () => this.api.deleteProperty(id));
    return { provider_service_id: id };
  }

  async purgeService(
    req: providerV1.PurgeServiceRequest,
  ): Promise<providerV1.PurgeServiceResponse> {
    const property = await this.findProperty(req.service_id, req.provider_service_id);
    if (!property)
      throw new ProviderError(`Akamai has no property for service ${req.service_id}`, {
        errorClass: 'akamai.NoSuchProperty',
      });
    const action = req.hard ? 'delete' : 'invalidate';
    const path = normalisePath(req.purge_url);
    if (path === '/*') {
      await this.call('purge', () => this.api.purge(action, 'tag', [cacheTag(req.service_id)]));
    } else {
      const domains =
        req.spec?.domains.map((d) => d.domain) ??
        (
          await this.call('purge', () =>
            this.api.getHostnames(property.propertyId, property.latestVersion),
          )
        ).map((h) => h.cnameFrom);
      const urls = domains.flatMap((d) => [`http://${d}${path}`, `https://${d}${path}`]);
      await this.call('purge', () => this.api.purge(action, 'url', urls));
    }
    return { provider_service_id: property.propertyId, purge_url: req.purge_url };
  }

  async getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse> {
    const property = await this.findProperty(req.service_id, req.provider_service_id);
    if (!property) return { found: false, spec: undefined, links: [] };
    const hostnames = await this.call('get', () =>
      this.api.getHostnames(property.propertyId, property.latestVersion),
    );
    return {
      found: true,
      spec: undefined,
      links: hostnames.map((h) => ({ domain: h.cnameFrom, href: h.cnameTo, rel: 'access_url' })),
    };
  }

  async getMetrics(req: providerV1.GetMetricsRequest): Promise<providerV1.GetMetricsResponse> {
    void req;
    return { series: [] };
  }

  /** Every property this adapter manages (named poppy-<service id>), for the orphan sweep. */
  async listManaged(): Promise<
    Array<{ serviceId: string; providerServiceId: string; createdAtMs: number }>
  > {
    const properties = await this.call('list', () => this.api.listProperties());
    const managed: Array<{ serviceId: string; providerServiceId: string; createdAtMs: number }> =
      [];
    for (const p of properties) {
      const serviceId = serviceIdOfProperty(p.propertyName);
      if (!serviceId) continue;
      // Version 1's date is the property's creation (PAPI has no creation date of its own).
      const date = await this.call('list', () => this.api.getVersionDate(p.propertyId, 1));
      managed.push({
        serviceId,
        providerServiceId: p.propertyId,
        createdAtMs: date ? Date.parse(date) : 0,
      });
    }
    return managed;
  }

  async createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    const { domain, type } = this.requireCertificate(req.certificate);
    const found = await this.findEnrollment(domain);
    let status: CertificateStatus;
    let action: string;
    let enrollmentId: number;
    let changeId: number | undefined;
    if (!found) {
      const made = await this.call('create certificate', () =>
        this.api.createEnrollment(domain, true),
      );
      ({ enrollmentId, changeId } = made);
      status = 'create_in_progress';
      action = `CPS enrollment ${enrollmentId} created for ${domain}`;
    } else {
      enrollmentId = found.id;
      changeId = found.pendingChangeId;
      ({ status, action } = await this.advanceEnrollment(found));
    }
    const extra = {
      status,
      [type === 'san' ? 'san cert' : 'sni_cert']: this.settings.secureEdgeHostname,
      enrollment_id: enrollmentId,
      ...(changeId !== undefined
        ? { change_url: `/cps/v2/enrollments/${enrollmentId}/changes/${changeId}` }
        : {}),
      action,
      created_at: new Date().toISOString(),
    };
    return {
      ...(status === 'deployed' ? { cert_domain: this.settings.secureEdgeHostname } : {}),
      extra_info_json: JSON.stringify(extra),
    };
  }

  async deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
  ): Promise<providerV1.DeleteCertificateResponse> {
    const { domain } = this.requireCertificate(req.certificate);
    const found = await this.findEnrollment(domain);
    if (found) await this.call('delete certificate', () => this.api.deleteEnrollment(found.id));
    return {
      extra_info_json: JSON.stringify({
        status: 'deleted',
        action: found ? `CPS enrollment ${found.id} deleted` : `no CPS enrollment for ${domain}`,
      }),
    };
  }

  // --- helpers -------------------------------------------------------------------------

  private call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    return withVendorErrors(operation, send);
  }

  private requireSpec(
    serviceId: string,
    spec: commonV1.ServiceSpec | undefined,
  ): commonV1.ServiceSpec {
    if (!serviceId)
      throw new ProviderError('service_id is required', { errorClass: 'akamai.InvalidRequest' });
    if (!spec) throw new ProviderError('spec is required', { errorClass: 'akamai.InvalidRequest' });
    return spec;
  }

  private requireCertificate(cert: providerV1.Certificate | undefined): {
    domain: string;
    type: 'san' | 'sni';
  } {
    if (!cert?.domain_name)
      throw new ProviderError('certificate.domain_name is required', {
        errorClass: 'akamai.InvalidRequest',
      });
    if (cert.cert_type !== 'san' && cert.cert_type !== 'sni')
      throw new ProviderError(`Akamai: ${KNOWN_UNSUPPORTED['custom-certificate']}`, {
        errorClass: UNSUPPORTED_ERROR_CLASS,
      });
    return { domain: cert.domain_name, type: cert.cert_type };
  }

  /** The plan for the spec, or a refusal naming every feature Akamai cannot express. */
  private plan(serviceId: string, spec: commonV1.ServiceSpec): PropertyPlan {
    const plan = propertyPlanFor(serviceId, spec, this.settings);
    if (plan.unsupported.length > 0) {
      const features = [...new Set(plan.unsupported.map((u) => u.feature))];
      throw new ProviderError(
        `Akamai cannot provide ${features.join(', ')}: ${plan.unsupported.map((u) => u.detail).join('; ')}`,
        {
          errorClass: UNSUPPORTED_ERROR_CLASS,
          detail: JSON.stringify(
            features.map((f) => ({ feature: f, reason: KNOWN_UNSUPPORTED[f] })),
          ),
        },
      );
    }
    return plan;
  }

  /** By the stored id (one GET), else by the property name in the group's list. */
  private async findProperty(
    serviceId: string,
    propertyId: string,
  ): Promise<PropertySummary | undefined> {
    if (propertyId) {
      const byId = await this.call('get property', () => this.api.getProperty(propertyId));
      if (byId) return byId;
    }
    const name = propertyName(serviceId);
    return (await this.call('list properties', () => this.api.listProperties())).find(
      (p) => p.propertyName === name,
    );
  }

  private async converge(
    serviceId: string,
    spec: commonV1.ServiceSpec,
    propertyId: string,
    inProgress: InProgressStatus,
  ): Promise<providerV1.ProvisionedService> {
    const plan = this.plan(serviceId, spec);
    let property = await this.findProperty(serviceId, propertyId);
    if (!property) {
      property = await this.createProperty(serviceId);
    }
    const id = property.propertyId;
    let activations = await this.call('list activations', () => this.api.listActivations(id));
    let version = property.latestVersion;
    let current = await this.call('get rules', () => this.api.getRules(id, version));
    if (current.comments !== plan.comments) {
      if (everActivated(activations, version)) {
        const base = version;
        version = await this.call('create version', () =>
          this.api.createVersion(id, base, current.etag),
        );
        current = await this.call('get rules', () => this.api.getRules(id, version));
        activations = [];
      }
      const etag = await this.call('put hostnames', () =>
        this.api.putHostnames(id, version, plan.hostnames, current.etag),
      );
      const written = await this.call('put rules', () =>
        this.api.putRules(id, version, plan.rules, plan.comments, etag),
      );
      if (written.errors.length > 0)
        throw new ProviderError(
          `Akamai refused the rule tree of ${id} v${version}: ${written.errors.map((e) => `${e.detail}${e.errorLocation ? ` (${e.errorLocation})` : ''}`).join('; ')}`,
          { errorClass: 'akamai.RuleValidation' },
        );
    }
    const step = nextActivationStep(activations, version);
    let status: string = inProgress;
    if (step.kind === 'activate') {
      await this.call(`activate on ${step.network.toLowerCase()}`, () =>
        this.api.activate(id, version, step.network, 'ACTIVATE'),
      );
    } else if (step.kind === 'failed') {
      throw new ProviderError(`Akamai ${step.message}`, { errorClass: 'akamai.ActivationFailed' });
    } else if (step.kind === 'deployed') {
      status = 'deployed';
    }
    return {
      provider_service_id: id,
      links: plan.hostnames.map((h) => ({
        domain: h.cnameFrom,
        href: h.cnameTo,
        rel: 'access_url',
      })),
      status,
      domains_certificate_status: await this.certificateStatuses(spec),
    };
  }

  /** A replayed create whose first answer was lost finds the property its name already names. */
  private async createProperty(serviceId: string): Promise<PropertySummary> {
    const name = propertyName(serviceId);
    try {
      const id = await this.api.createProperty(name);
      return {
        propertyId: id,
        propertyName: name,
        latestVersion: 1,
        stagingVersion: null,
        productionVersion: null,
      };
    } catch (error) {
      if (error instanceof AkamaiHttpError && error.status === 400) {
        const existing = await this.findProperty(serviceId, '');
        if (existing) return existing;
      }
      throw fromVendorError(error, 'create property');
    }
  }

  /** For san/sni domains: their CPS enrollment's status (create_in_progress until one exists). */
  private async certificateStatuses(spec: commonV1.ServiceSpec): Promise<Record<string, string>> {
    const secured = spec.domains.filter(
      (d) => d.protocol === 'https' && (d.certificate === 'san' || d.certificate === 'sni'),
    );
    if (secured.length === 0) return {};
    const enrollments = await this.call('list enrollments', () => this.api.listEnrollments());
    const statuses: Record<string, string> = {};
    for (const d of secured) {
      const e = enrollments.find((x) => x.cn === d.domain || x.sans.includes(d.domain));
      statuses[d.domain] = e ? await this.enrollmentStatus(e) : 'create_in_progress';
    }
    return statuses;
  }

  private async findEnrollment(domain: string): Promise<Enrollment | undefined> {
    const enrollments = await this.call('list enrollments', () => this.api.listEnrollments());
    return (
      enrollments.find((e) => e.cn === domain) ?? enrollments.find((e) => e.sans.includes(domain))
    );
  }

  private async enrollmentStatus(e: Enrollment): Promise<CertificateStatus> {
    if (e.pendingChangeId === undefined) return 'deployed';
    const change = await this.call('get certificate change', () =>
      this.api.getChange(e.id, e.pendingChangeId!),
    );
    return changeStatus(change?.state);
  }

  /** Moves a pending change on where CPS waits for us (domain validation), and reports it. */
  private async advanceEnrollment(
    e: Enrollment,
  ): Promise<{ status: CertificateStatus; action: string }> {
    if (e.pendingChangeId === undefined)
      return { status: 'deployed', action: `certificate for ${e.cn} deployed` };
    const changeId = e.pendingChangeId;
    const change = await this.call('get certificate change', () =>
      this.api.getChange(e.id, changeId),
    );
    if (
      change?.state === 'awaiting-input' &&
      /^coo?r?dinate-domain-validation$/.test(change.status)
    ) {
      // Akamai validates hostnames already CNAMEd to its edge itself; we confirm the challenge step.
      await this.call('acknowledge domain validation', () =>
        this.api.acknowledgeDomainValidation(e.id, changeId),
      );
      return { status: 'create_in_progress', action: `domain validation of ${e.cn} acknowledged` };
    }
    const status = changeStatus(change?.state);
    return {
      status,
      action: change?.error
        ? `CPS change failed: ${change.error}`
        : `CPS change ${change?.state ?? 'gone'}: ${change?.status ?? ''}`,
    };
  }
}

function changeStatus(state: string | undefined): CertificateStatus {
  if (state === 'error') return 'failed';
  if (state === 'cancelled') return 'cancelled';
  if (state === 'completed' || state === undefined) return 'deployed';
  return 'create_in_progress';
}
