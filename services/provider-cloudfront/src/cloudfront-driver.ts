/**
 * Amazon CloudFront as a Poppy provider: one distribution per service, through the AWS
 * SDK v3 (the same code path against AWS and against a local moto server).
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
 * - purge: an invalidation of the path (soft purges too: CloudFront has no soft one). An
 *   invalidation this process waits for, or one in progress for the same path, is tracked
 *   instead of making a second one; the in-progress limits (15 wildcard paths, 3000
 *   paths) are respected by a retryable error;
 *   with `purgeWait`, an invalidation still in progress is a retryable "not yet" as well,
 *   so the purge job finishes when the invalidation completed.
 */
import { randomUUID } from 'node:crypto';
import {
  CreateDistributionCommand,
  CreateInvalidationCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetInvalidationCommand,
  ListDistributionsCommand,
  ListInvalidationsCommand,
  UpdateDistributionCommand,
  type CloudFrontClient,
  type Distribution,
  type DistributionConfig,
} from '@aws-sdk/client-cloudfront';
import type { commonV1, providerV1 } from '@poppy/contracts';
import { ProviderError, type ProviderDriver } from '@poppy/provider-kit';
import { KNOWN_UNSUPPORTED, UNSUPPORTED_ERROR_CLASS } from './capabilities';
import {
  distributionComment,
  distributionConfigFor,
  normalisePath,
  type DistributionSettings,
} from './distribution-config';
import { fromVendorError } from './vendor-errors';

/** CloudFront's limits on invalidations in progress per distribution. */
export const MAX_WILDCARD_PATHS_IN_PROGRESS = 15;
export const MAX_PATHS_IN_PROGRESS = 3000;
/** How long a purge waits on one invalidation before it looks afresh (CloudFront's take minutes). */
const TRACKING_TTL_MS = 60 * 60 * 1000;

export interface CloudFrontDriverOptions {
  client: CloudFrontClient;
  settings?: DistributionSettings;
  /** Retry hint of the "not yet" errors (disabling, invalidation in progress). @default 60000 */
  pollHintMs?: number;
  /** Report a purge done only once its invalidation completed. @default true */
  purgeWait?: boolean;
}

type InProgressStatus = 'deploy_in_progress' | 'update_in_progress';

const isDeployed = (status: string | undefined) => (status ?? '').toLowerCase() === 'deployed';
const isCompleted = (status: string | undefined) => (status ?? '').toLowerCase() === 'completed';

/** What Poppy owns in a config: compared before an update so an unchanged spec writes nothing. */
function ownedParts(config: DistributionConfig | undefined): string {
  if (!config) return '';
  const behaviour = (
    b:
      | {
          TargetOriginId?: string;
          MinTTL?: number;
          DefaultTTL?: number;
          MaxTTL?: number;
          ViewerProtocolPolicy?: string;
          ForwardedValues?: { Headers?: { Items?: string[] } };
        }
      | undefined,
  ) =>
    b && [
      b.TargetOriginId,
      b.MinTTL,
      b.DefaultTTL,
      b.MaxTTL,
      b.ViewerProtocolPolicy,
      [...(b.ForwardedValues?.Headers?.Items ?? [])].sort(),
    ];
  return JSON.stringify([
    config.Comment ?? '',
    [...(config.Aliases?.Items ?? [])].sort(),
    (config.Origins?.Items ?? []).map((o) => [
      o.Id,
      o.DomainName,
      o.CustomOriginConfig?.HTTPPort,
      o.CustomOriginConfig?.HTTPSPort,
      o.CustomOriginConfig?.OriginProtocolPolicy,
    ]),
    behaviour(config.DefaultCacheBehavior),
    (config.CacheBehaviors?.Items ?? []).map((b) => [b.PathPattern, behaviour(b)]),
    [
      config.Restrictions?.GeoRestriction?.RestrictionType ?? 'none',
      [...(config.Restrictions?.GeoRestriction?.Items ?? [])].sort(),
    ],
    config.PriceClass,
    config.ViewerCertificate?.ACMCertificateArn ?? '',
  ]);
}

export class CloudFrontDriver implements ProviderDriver {
  readonly providerName = 'CloudFront';
  readonly regions: string[] = [];
  private readonly client: CloudFrontClient;
  private readonly settings: DistributionSettings;
  private readonly pollHintMs: number;
  private readonly purgeWait: boolean;
  /**
   * Invalidations this process is waiting for, by "<distribution> <path>": the retried purge
   * asks for that invalidation again instead of starting another. Another replica does not
   * know it and tracks the in-progress invalidation of the same path, or (once it completed)
   * makes a new one — an extra purge, never a lost one.
   */
  private readonly tracking = new Map<string, { invalidationId: string; since: number }>();

  constructor(options: CloudFrontDriverOptions) {
    this.client = options.client;
    this.settings = options.settings ?? {};
    this.pollHintMs = options.pollHintMs ?? 60_000;
    this.purgeWait = options.purgeWait ?? true;
  }

  async isAlive(): Promise<boolean> {
    try {
      await this.client.send(new ListDistributionsCommand({ MaxItems: 1 }));
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
    const existing = await this.findDistributionId(req.service_id);
    if (existing) {
      const found = await this.getDistribution(existing, 'create');
      if (found)
        return { service: this.provisioned(found.distribution, spec, 'deploy_in_progress') };
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
      CallerReference: current.config.CallerReference ?? req.service_id,
      Enabled: current.config.Enabled ?? true,
    };
    let distribution: Distribution | undefined;
    if (ownedParts(current.config) === ownedParts(next)) {
      distribution = (await this.getDistribution(id, 'update'))?.distribution;
    } else {
      const updated = await this.call('update', () =>
        this.client.send(
          new UpdateDistributionCommand({
            Id: id,
            IfMatch: current.etag,
            DistributionConfig: next,
          }),
        ),
      );
      distribution = updated.Distribution;
    }
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
    if (current.config.Enabled !== false) {
      const disabled = await this.call('delete (disable)', () =>
        this.client.send(
          new UpdateDistributionCommand({
            Id: id,
            IfMatch: etag,
            DistributionConfig: { ...current.config, Enabled: false },
          }),
        ),
      );
      etag = disabled.ETag;
    }
    const now = await this.getDistribution(id, 'delete');
    if (!now) return { provider_service_id: id };
    if (!isDeployed(now.distribution.Status)) {
      throw new ProviderError(
        `CloudFront distribution ${id} is being disabled; it is deleted once that deployed`,
        {
          retryable: true,
          retryAfterMs: this.pollHintMs,
          errorClass: 'cloudfront.DisableInProgress',
        },
      );
    }
    try {
      await this.client.send(new DeleteDistributionCommand({ Id: id, IfMatch: now.etag ?? etag }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'NoSuchDistribution')
        throw fromVendorError(error, 'delete');
    }
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
    const path = normalisePath(req.purge_url);
    const key = `${id} ${path}`;
    let tracked = await this.trackedInvalidation(id, key);
    if (!tracked) {
      const inProgress = await this.invalidationsInProgress(id);
      tracked = inProgress.find((i) => i.paths.includes(path));
      if (!tracked) {
        const wildcards = inProgress.reduce(
          (n, i) => n + i.paths.filter((p) => p.includes('*')).length,
          0,
        );
        const paths = inProgress.reduce((n, i) => n + i.paths.length, 0);
        if (
          (path.includes('*') && wildcards + 1 > MAX_WILDCARD_PATHS_IN_PROGRESS) ||
          paths + 1 > MAX_PATHS_IN_PROGRESS
        ) {
          throw new ProviderError(
            `CloudFront distribution ${id} has ${paths} invalidation paths (${wildcards} wildcard) in progress; ${path} waits for some to complete`,
            {
              retryable: true,
              retryAfterMs: this.pollHintMs,
              errorClass: 'cloudfront.TooManyInvalidationsInProgress',
            },
          );
        }
        const created = await this.call('purge', () =>
          this.client.send(
            new CreateInvalidationCommand({
              DistributionId: id,
              InvalidationBatch: {
                CallerReference: `${req.service_id}:${randomUUID()}`,
                Paths: { Quantity: 1, Items: [path] },
              },
            }),
          ),
        );
        tracked = {
          id: created.Invalidation?.Id ?? '',
          status: created.Invalidation?.Status,
          paths: [path],
        };
      }
    }
    if (this.purgeWait && !isCompleted(tracked.status)) {
      this.tracking.set(key, { invalidationId: tracked.id, since: Date.now() });
      throw new ProviderError(`CloudFront invalidation ${tracked.id} of ${path} is in progress`, {
        retryable: true,
        retryAfterMs: this.pollHintMs,
        errorClass: 'cloudfront.InvalidationInProgress',
      });
    }
    this.tracking.delete(key);
    return { provider_service_id: id, purge_url: req.purge_url };
  }

  async getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse> {
    const id = req.provider_service_id || (await this.findDistributionId(req.service_id));
    const found = id ? await this.getDistribution(id, 'get') : undefined;
    if (!found) return { found: false, spec: undefined, links: [] };
    const aliases = found.distribution.DistributionConfig?.Aliases?.Items ?? [];
    return {
      found: true,
      spec: undefined,
      links: aliases.map((domain) => this.link(domain, found.distribution)),
    };
  }

  async getMetrics(req: providerV1.GetMetricsRequest): Promise<providerV1.GetMetricsResponse> {
    void req;
    return { series: [] };
  }

  async createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    void req;
    throw new ProviderError(`CloudFront: ${KNOWN_UNSUPPORTED.certificates}`, {
      errorClass: UNSUPPORTED_ERROR_CLASS,
    });
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

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw fromVendorError(error, operation);
    }
  }

  private async createDistribution(
    serviceId: string,
    config: DistributionConfig,
  ): Promise<Distribution> {
    try {
      const created = await this.client.send(
        new CreateDistributionCommand({ DistributionConfig: config }),
      );
      if (!created.Distribution)
        throw new ProviderError('CloudFront created a distribution but did not describe it', {
          retryable: true,
        });
      return created.Distribution;
    } catch (error) {
      if ((error as { name?: string }).name !== 'DistributionAlreadyExists')
        throw fromVendorError(error, 'create');
      // A create whose answer was lost: the CallerReference names the distribution it made.
      const id =
        /Already exists:\s*([A-Z0-9]+)/i.exec((error as Error).message)?.[1] ??
        (await this.findByCallerReference(serviceId));
      const found = id ? await this.getDistribution(id, 'create') : undefined;
      if (!found) throw fromVendorError(error, 'create');
      return found.distribution;
    }
  }

  /** The service's distribution: by Comment in the list (one page of calls), else undefined. */
  private async findDistributionId(serviceId: string): Promise<string | undefined> {
    const comment = distributionComment(serviceId);
    let marker: string | undefined;
    do {
      const page = await this.call('list', () =>
        this.client.send(new ListDistributionsCommand({ Marker: marker })),
      );
      const hit = page.DistributionList?.Items?.find((d) => d.Comment === comment);
      if (hit?.Id) return hit.Id;
      marker = page.DistributionList?.IsTruncated ? page.DistributionList.NextMarker : undefined;
    } while (marker);
    return undefined;
  }

  /** Slow path (every config read): only when CloudFront said the CallerReference is taken without naming the distribution. */
  private async findByCallerReference(serviceId: string): Promise<string | undefined> {
    let marker: string | undefined;
    do {
      const page = await this.call('list', () =>
        this.client.send(new ListDistributionsCommand({ Marker: marker })),
      );
      for (const summary of page.DistributionList?.Items ?? []) {
        const config = summary.Id ? await this.getConfig(summary.Id, 'list') : undefined;
        if (config?.config.CallerReference === serviceId) return summary.Id;
      }
      marker = page.DistributionList?.IsTruncated ? page.DistributionList.NextMarker : undefined;
    } while (marker);
    return undefined;
  }

  private async getDistribution(
    id: string,
    operation: string,
  ): Promise<{ distribution: Distribution; etag?: string } | undefined> {
    try {
      const got = await this.client.send(new GetDistributionCommand({ Id: id }));
      return got.Distribution ? { distribution: got.Distribution, etag: got.ETag } : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchDistribution') return undefined;
      throw fromVendorError(error, operation);
    }
  }

  private async getConfig(
    id: string,
    operation: string,
  ): Promise<{ config: DistributionConfig; etag?: string } | undefined> {
    try {
      const got = await this.client.send(new GetDistributionConfigCommand({ Id: id }));
      return got.DistributionConfig
        ? { config: got.DistributionConfig, etag: got.ETag }
        : undefined;
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchDistribution') return undefined;
      throw fromVendorError(error, operation);
    }
  }

  /** The invalidation this process waits for under `key`, read again; forgotten after TRACKING_TTL_MS. */
  private async trackedInvalidation(
    distributionId: string,
    key: string,
  ): Promise<{ id: string; status?: string; paths: string[] } | undefined> {
    const entry = this.tracking.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.since > TRACKING_TTL_MS) {
      this.tracking.delete(key);
      return undefined;
    }
    try {
      const got = await this.client.send(
        new GetInvalidationCommand({ DistributionId: distributionId, Id: entry.invalidationId }),
      );
      return {
        id: entry.invalidationId,
        status: got.Invalidation?.Status,
        paths: got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [],
      };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchInvalidation' || name === 'NoSuchDistribution') {
        this.tracking.delete(key);
        return undefined;
      }
      throw fromVendorError(error, 'purge');
    }
  }

  private async invalidationsInProgress(
    id: string,
  ): Promise<Array<{ id: string; status?: string; paths: string[] }>> {
    const listed = await this.call('purge', () =>
      this.client.send(new ListInvalidationsCommand({ DistributionId: id, MaxItems: 100 })),
    );
    const open = (listed.InvalidationList?.Items ?? []).filter(
      (i) => !isCompleted(i.Status) && i.Id,
    );
    return Promise.all(
      open.map(async (summary) => {
        const got = await this.call('purge', () =>
          this.client.send(new GetInvalidationCommand({ DistributionId: id, Id: summary.Id! })),
        );
        return {
          id: summary.Id!,
          status: got.Invalidation?.Status,
          paths: got.Invalidation?.InvalidationBatch?.Paths?.Items ?? [],
        };
      }),
    );
  }

  private link(domain: string, distribution: Distribution): providerV1.ProviderLink {
    return { domain, href: distribution.DomainName ?? '', rel: 'access_url' };
  }

  private provisioned(
    distribution: Distribution,
    spec: commonV1.ServiceSpec,
    inProgress: InProgressStatus,
  ): providerV1.ProvisionedService {
    return {
      provider_service_id: distribution.Id ?? '',
      links: spec.domains.map((d) => this.link(d.domain, distribution)),
      status: isDeployed(distribution.Status) ? 'deployed' : inProgress,
      domains_certificate_status: {},
    };
  }
}
