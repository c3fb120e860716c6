/**
 * Amazon CloudFront as a Poppy provider: one distribution per service. This file decides;
 * it talks to CloudFront only through the small CloudFrontApi (cloudfront-api.ts), which
 * aws-cloudfront-api.ts implements with the AWS SDK v3 (the same code path against AWS and
 * a local moto server) and src/fake-cloudfront-api.test-helper.ts in memory for the units.
 *
 * - create: find the service's distribution (Comment, then CallerReference = service_id),
 *   else CreateDistribution with CallerReference = service_id — a replayed create names the
 *   same distribution, even when its first answer was lost (`DistributionAlreadyExists`);
 * - update: GetDistributionConfig → the new config with the old CallerReference and
 *   Enabled → UpdateDistribution with `If-Match` = the ETag read; nothing is written when
 *   the parts Poppy owns are unchanged (a re-check does not restart a deployment);
 * - status: `InProgress` → deploy_in_progress (update_in_progress after an update),
 *   `Deployed` → deployed. Nothing here waits: provisioning calls again later (reconciler);
 * - delete: disable (If-Match) → once the disabled config is `Deployed`, DeleteDistribution
 *   (If-Match). Until then a retryable "not yet" error with a retry hint, so no worker
 *   blocks for the minutes AWS takes; a distribution that is gone counts as deleted;
 * - purge: an invalidation of the path (soft purges too: CloudFront has no soft one),
 *   tracked and limited as invalidations.ts says.
 */
import type { commonV1, providerV1 } from '@poppy/contracts';
import { ProviderError, type ManagedObject, type ProviderDriver } from '@poppy/provider-kit';
import { KNOWN_UNSUPPORTED, UNSUPPORTED_ERROR_CLASS } from './capabilities';
import type {
  CloudFrontApi,
  DistributionConfig,
  DistributionState,
  Versioned,
} from './cloudfront-api';
import {
  distributionComment,
  serviceIdOfComment,
  distributionConfigFor,
  normalisePath,
  ownedParts,
  type DistributionSettings,
  viewerCertificate,
} from './distribution-config';
import { Invalidations } from './invalidations';
import { fromVendorError, withVendorErrors } from './vendor-errors';

export { MAX_PATHS_IN_PROGRESS, MAX_WILDCARD_PATHS_IN_PROGRESS } from './invalidations';

export interface CloudFrontDriverOptions {
  api: CloudFrontApi;
  settings?: DistributionSettings;
  /** Retry hint of the "not yet" errors (disabling, invalidation in progress). @default 60000 */
  pollHintMs?: number;
  /** Report a purge done only once its invalidation completed. @default true */
  purgeWait?: boolean;
}

type InProgressStatus = 'deploy_in_progress' | 'update_in_progress';

const isDeployed = (status: string) => status.toLowerCase() === 'deployed';

export class CloudFrontDriver implements ProviderDriver {
  readonly providerName = 'CloudFront';
  readonly regions: string[] = [];
  private readonly api: CloudFrontApi;
  private readonly settings: DistributionSettings;
  private readonly pollHintMs: number;
  private readonly invalidations: Invalidations;

  constructor(options: CloudFrontDriverOptions) {
    this.api = options.api;
    this.settings = options.settings ?? {};
    this.pollHintMs = options.pollHintMs ?? 60_000;
    this.invalidations = new Invalidations(this.api, {
      pollHintMs: this.pollHintMs,
      purgeWait: options.purgeWait ?? true,
    });
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
    const config = this.plan(req.service_id, spec);
    // A create carries no distribution id: a replayed one (or the reconciler's re-check)
    // finds the distribution by its Comment before asking CloudFront to make one.
    const existing = await this.findDistributionId(req.service_id);
    if (existing) {
      const found = await this.getDistribution(existing, 'create');
      if (found) return { service: this.provisioned(found.value, spec, 'deploy_in_progress') };
    }
    const distribution = await this.createDistribution(req.service_id, config);
    return { service: this.provisioned(distribution, spec, 'deploy_in_progress') };
  }

  async updateService(
    req: providerV1.UpdateServiceRequest,
  ): Promise<providerV1.UpdateServiceResponse> {
    const spec = this.requireSpec(req.service_id, req.spec);
    const desired = this.plan(req.service_id, spec);
    const id = req.provider_service_id || (await this.findDistributionId(req.service_id));
    const current = id ? await this.getConfig(id, 'update') : undefined;
    if (!id || !current) {
      // The vendor never got it (or lost it): an update creates it, like a replayed create.
      const distribution = await this.createDistribution(req.service_id, desired);
      return { service: this.provisioned(distribution, spec, 'deploy_in_progress') };
    }
    const next: DistributionConfig = {
      ...desired,
      CallerReference: current.value.CallerReference ?? req.service_id,
      Enabled: current.value.Enabled ?? true,
      // A certificate installed through createCertificate stays until another replaces it.
      ...(!this.settings.acmCertificateArn && current.value.ViewerCertificate?.ACMCertificateArn
        ? { ViewerCertificate: current.value.ViewerCertificate }
        : {}),
    };
    // An unchanged config is not written: a re-check must not restart a deployment.
    const distribution =
      ownedParts(current.value) === ownedParts(next)
        ? (await this.getDistribution(id, 'update'))?.value
        : (
            await withVendorErrors('update', () =>
              this.api.updateDistribution(id, next, current.etag),
            )
          ).value;
    if (!distribution)
      throw new ProviderError(`CloudFront distribution ${id} vanished during the update`, {
        retryable: true,
        errorClass: 'cloudfront.NoSuchDistribution',
      });
    return { service: this.provisioned(distribution, spec, 'update_in_progress') };
  }

  async deleteService(
    req: providerV1.DeleteServiceRequest,
  ): Promise<providerV1.DeleteServiceResponse> {
    const id = req.provider_service_id || (await this.findDistributionId(req.service_id));
    if (!id) return { provider_service_id: req.provider_service_id };
    const current = await this.getConfig(id, 'delete');
    if (!current) return { provider_service_id: id };
    let etag = current.etag;
    if (current.value.Enabled !== false) {
      const disabled = await withVendorErrors('delete (disable)', () =>
        this.api.updateDistribution(id, { ...current.value, Enabled: false }, etag),
      );
      etag = disabled.etag;
    }
    const now = await this.getDistribution(id, 'delete');
    if (!now) return { provider_service_id: id };
    if (!isDeployed(now.value.status)) {
      throw new ProviderError(
        `CloudFront distribution ${id} is being disabled; it is deleted once that deployed`,
        {
          retryable: true,
          retryAfterMs: this.pollHintMs,
          errorClass: 'cloudfront.DisableInProgress',
        },
      );
    }
    await withVendorErrors('delete', () => this.api.deleteDistribution(id, now.etag ?? etag));
    return { provider_service_id: id };
  }

  async purgeService(
    req: providerV1.PurgeServiceRequest,
  ): Promise<providerV1.PurgeServiceResponse> {
    const id = req.provider_service_id || (await this.findDistributionId(req.service_id));
    if (!id) {
      throw new ProviderError(`CloudFront has no distribution for service ${req.service_id}`, {
        errorClass: 'cloudfront.NoSuchDistribution',
      });
    }
    await this.invalidations.purge(id, req.service_id, normalisePath(req.purge_url));
    return { provider_service_id: id, purge_url: req.purge_url };
  }

  async getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse> {
    const id = req.provider_service_id || (await this.findDistributionId(req.service_id));
    const found = id ? await this.getDistribution(id, 'get') : undefined;
    if (!found) return { found: false, spec: undefined, links: [] };
    return {
      found: true,
      spec: undefined,
      links: found.value.aliases.map((domain) => this.link(domain, found.value)),
    };
  }

  async getMetrics(req: providerV1.GetMetricsRequest): Promise<providerV1.GetMetricsResponse> {
    void req;
    return { series: [] };
  }

  /**
   * A PEM pair (cert_details certificate_pem / private_key_pem, docs/adding-a-provider.md)
   * is imported to ACM and set as the distribution's viewer certificate. A renewal
   * re-imports into the ARN the distribution already uses, so the distribution never goes
   * without one; the operator's shared certificate (settings.acmCertificateArn) is never
   * overwritten: a new ARN is imported instead. The key is passed on, never logged.
   */
  async createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    const details = req.certificate?.cert_details ?? {};
    const pem = details.certificate_pem;
    const key = details.private_key_pem;
    if (!pem || !key) {
      throw new ProviderError(`CloudFront: ${KNOWN_UNSUPPORTED.certificates}`, {
        errorClass: UNSUPPORTED_ERROR_CLASS,
      });
    }
    const domain = req.certificate?.domain_name ?? '';
    const id = req.provider_service_id || (await this.findDistributionId(req.service_id));
    const current = id ? await this.getConfig(id, 'certificate') : undefined;
    if (!id || !current) {
      throw new ProviderError(
        `CloudFront has no distribution for service ${req.service_id} yet: the certificate of ${domain} waits for it`,
        {
          retryable: true,
          retryAfterMs: this.pollHintMs,
          errorClass: 'cloudfront.NoSuchDistribution',
        },
      );
    }
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0)
      throw new ProviderError(`certificate_pem of ${domain} holds no certificate`, {
        errorClass: 'cloudfront.InvalidCertificate',
      });
    const attached = current.value.ViewerCertificate?.ACMCertificateArn;
    const reuse = attached && attached !== this.settings.acmCertificateArn ? attached : undefined;
    const arn = await withVendorErrors('certificate', () =>
      this.api.importCertificate({
        certificatePem: `${blocks[0]}\n`,
        chainPem: blocks.length > 1 ? `${blocks.slice(1).join('\n')}\n` : undefined,
        privateKeyPem: key,
        arn: reuse,
      }),
    );
    if (attached !== arn) {
      await withVendorErrors('certificate', () =>
        this.api.updateDistribution(
          id,
          { ...current.value, ViewerCertificate: viewerCertificate(arn) },
          current.etag,
        ),
      );
    }
    return {
      cert_domain: domain,
      extra_info_json: JSON.stringify({ status: 'deployed', acm_certificate_arn: arn }),
    };
  }

  async deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
  ): Promise<providerV1.DeleteCertificateResponse> {
    void req;
    throw new ProviderError(`CloudFront: ${KNOWN_UNSUPPORTED.certificates}`, {
      errorClass: UNSUPPORTED_ERROR_CLASS,
    });
  }

  // --- helpers -------------------------------------------------------------------------

  private requireSpec(
    serviceId: string,
    spec: commonV1.ServiceSpec | undefined,
  ): commonV1.ServiceSpec {
    if (!serviceId)
      throw new ProviderError('service_id is required', {
        errorClass: 'cloudfront.InvalidRequest',
      });
    if (!spec)
      throw new ProviderError('spec is required', { errorClass: 'cloudfront.InvalidRequest' });
    return spec;
  }

  /** The config for the spec, or a refusal naming every feature CloudFront cannot express. */
  private plan(serviceId: string, spec: commonV1.ServiceSpec): DistributionConfig {
    const { config, unsupported } = distributionConfigFor(serviceId, spec, this.settings);
    if (unsupported.length > 0) {
      const features = [...new Set(unsupported.map((u) => u.feature))];
      throw new ProviderError(
        `CloudFront cannot provide ${features.join(', ')}: ${unsupported.map((u) => u.detail).join('; ')}`,
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

  private async createDistribution(
    serviceId: string,
    config: DistributionConfig,
  ): Promise<DistributionState> {
    const outcome = await withVendorErrors('create', () => this.api.createDistribution(config));
    if ('created' in outcome) return outcome.created;
    // A create whose answer was lost: the CallerReference names the distribution it made.
    const id = outcome.id ?? (await this.findByCallerReference(serviceId));
    const found = id ? await this.getDistribution(id, 'create') : undefined;
    if (!found) throw fromVendorError(outcome.error, 'create');
    return found.value;
  }

  /**
   * The distributions this adapter made: those whose Comment names a Poppy service
   * (distributionComment). CloudFront's list gives no creation time, so it is 0 and the
   * orphan sweep counts an object's age from when it first saw it.
   */
  async listManaged(): Promise<ManagedObject[]> {
    const out: ManagedObject[] = [];
    let marker: string | undefined;
    do {
      const page = await withVendorErrors('list', () => this.api.listDistributions(marker));
      for (const d of page.items) {
        // A list without comments (as some answers are): the distribution's own config says.
        const comment = d.comment || ((await this.getConfig(d.id, 'list'))?.value.Comment ?? '');
        const serviceId = serviceIdOfComment(comment);
        if (serviceId) out.push({ serviceId, providerServiceId: d.id, createdAtMs: 0 });
      }
      marker = page.nextMarker;
    } while (marker);
    return out;
  }

  /** The service's distribution: by Comment in the list (one call per page), else undefined. */
  private async findDistributionId(serviceId: string): Promise<string | undefined> {
    const comment = distributionComment(serviceId);
    let marker: string | undefined;
    do {
      const page = await withVendorErrors('list', () => this.api.listDistributions(marker));
      const hit = page.items.find((d) => d.comment === comment);
      if (hit) return hit.id;
      marker = page.nextMarker;
    } while (marker);
    return undefined;
  }

  /** Slow path (every config read): only when CloudFront said the CallerReference is taken without naming the distribution. */
  private async findByCallerReference(serviceId: string): Promise<string | undefined> {
    let marker: string | undefined;
    do {
      const page = await withVendorErrors('list', () => this.api.listDistributions(marker));
      for (const summary of page.items) {
        const config = await this.getConfig(summary.id, 'list');
        if (config?.value.CallerReference === serviceId) return summary.id;
      }
      marker = page.nextMarker;
    } while (marker);
    return undefined;
  }

  private getDistribution(
    id: string,
    operation: string,
  ): Promise<Versioned<DistributionState> | undefined> {
    return withVendorErrors(operation, () => this.api.getDistribution(id));
  }

  private getConfig(
    id: string,
    operation: string,
  ): Promise<Versioned<DistributionConfig> | undefined> {
    return withVendorErrors(operation, () => this.api.getDistributionConfig(id));
  }

  private link(domain: string, distribution: DistributionState): providerV1.ProviderLink {
    return { domain, href: distribution.domainName, rel: 'access_url' };
  }

  private provisioned(
    distribution: DistributionState,
    spec: commonV1.ServiceSpec,
    inProgress: InProgressStatus,
  ): providerV1.ProvisionedService {
    return {
      provider_service_id: distribution.id,
      links: spec.domains.map((d) => this.link(d.domain, distribution)),
      status: isDeployed(distribution.status) ? 'deployed' : inProgress,
      domains_certificate_status: {},
    };
  }
}
