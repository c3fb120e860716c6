/**
 * Cloudflare as a Poppy provider, on Cloudflare for SaaS: every service's domains are
 * custom hostnames on the operator's one zone, and its origins, caching rules and
 * restrictions are rules in that zone's Origin / Cache / WAF custom phases (the mapping:
 * service-plan.ts). This file decides; it talks to Cloudflare only through CloudflareApi
 * (cloudflare-api.ts), which sdk-cloudflare-api.ts implements with the official SDK.
 *
 * - create/update: each domain's custom hostname (found by hostname, owned when its
 *   `custom_metadata.poppy_service_id` is the service; else created), then the service's
 *   rules, phase by phase, by rule-level writes (rule-sync.ts); then the hostnames an update
 *   removed (read from the host set of the rules written last time) are deleted. A
 *   redelivered job finds all of it and writes nothing new;
 * - status: `deployed` once every hostname is `active`, else deploy/update_in_progress —
 *   nothing waits: provisioning's reconciler calls again. Each https domain's certificate
 *   status comes from its hostname's `ssl.status`. A hostname Cloudflare blocked, or whose
 *   validation timed out, fails the provider with Cloudflare's message;
 * - delete: the hostnames named by the service's rules, then the rules; gone counts as done;
 * - purge: by host (`/*`), by prefix (`/path/*`) or by URL, for the service's hostnames only
 *   (the zone is shared: never purge_everything);
 * - certificates: the managed DV certificate of each hostname, or a PEM certificate and key
 *   (cert_details `certificate_pem` / `private_key_pem`) installed as its custom certificate.
 */
import type { commonV1, providerV1 } from '@poppy/contracts';
import { ProviderError, type ProviderDriver } from '@poppy/provider-kit';
import { KNOWN_UNSUPPORTED, UNSUPPORTED_ERROR_CLASS } from './capabilities';
import {
  PHASES,
  type CloudflareApi,
  type CustomHostname,
  type HostnameSsl,
  type Phase,
  type PhaseRuleset,
  type PurgeRequest,
  type RuleSpec,
} from './cloudflare-api';
import { planRuleWrites } from './rule-sync';
import {
  hostnamesInRules,
  METADATA_KEY,
  normalisePath,
  planService,
  refPrefix,
  type ServicePlan,
} from './service-plan';
import { withVendorErrors } from './vendor-errors';

/** cert_details keys of a certificate to install (the names services/certificates uses). */
export const CERTIFICATE_PEM = 'certificate_pem';
export const PRIVATE_KEY_PEM = 'private_key_pem';

/** Cloudflare's purge limit of items per request (vendor doc §7). */
export const PURGE_BATCH = 100;

const MANAGED_SSL: HostnameSsl = { method: 'http', type: 'dv' };
const FAILED_SSL = new Set([
  'initializing_timed_out',
  'validation_timed_out',
  'issuance_timed_out',
  'deployment_timed_out',
  'expired',
  'deleted',
]);
const FAILED_HOSTNAME = new Set(['blocked', 'moved', 'deleted', 'pending_blocked']);

export interface CloudflareDriverOptions {
  api: CloudflareApi;
  zoneId: string;
  /** What customers CNAME their domains to: each domain's access URL. */
  cnameTarget: string;
  /** Retry hint of "not yet" answers (a certificate for a hostname not created yet). @default 30000 */
  pollHintMs?: number;
}

type InProgressStatus = 'deploy_in_progress' | 'update_in_progress';

/** Poppy's certificate status of a hostname's `ssl.status` (reference §7: create_in_progress, deployed, failed). */
export function certificateStatus(sslStatus: string): string {
  if (sslStatus === 'active') return 'deployed';
  if (FAILED_SSL.has(sslStatus)) return 'failed';
  return 'create_in_progress';
}

export class CloudflareDriver implements ProviderDriver {
  readonly providerName = 'Cloudflare';
  readonly regions: string[] = [];
  private readonly api: CloudflareApi;
  private readonly zoneId: string;
  private readonly cnameTarget: string;
  private readonly pollHintMs: number;

  constructor(options: CloudflareDriverOptions) {
    this.api = options.api;
    this.zoneId = options.zoneId;
    this.cnameTarget = options.cnameTarget;
    this.pollHintMs = options.pollHintMs ?? 30_000;
  }

  async isAlive(): Promise<boolean> {
    try {
      await this.api.ping();
      return true;
    } catch {
      return false;
    }
  }

  /** The id provisioning keeps: the zone and the service (the hostnames and rules carry the latter). */
  providerServiceId(serviceId: string): string {
    return `${this.zoneId}/${serviceId}`;
  }

  async createService(
    req: providerV1.CreateServiceRequest,
  ): Promise<providerV1.CreateServiceResponse> {
    return { service: await this.apply(req.service_id, req.spec, 'deploy_in_progress') };
  }

  async updateService(
    req: providerV1.UpdateServiceRequest,
  ): Promise<providerV1.UpdateServiceResponse> {
    return { service: await this.apply(req.service_id, req.spec, 'update_in_progress') };
  }

  async deleteService(
    req: providerV1.DeleteServiceRequest,
  ): Promise<providerV1.DeleteServiceResponse> {
    const serviceId = this.requireServiceId(req.service_id);
    const phases = await this.readPhases('delete');
    // Hostnames first: while they remain, so do the rules that name them (a redelivered
    // delete finds what is left). Hostnames made by a create that never wrote its rules are
    // the orphan sweep's (listManaged).
    for (const hostname of this.previousHostnames(phases, serviceId)) {
      const found = await this.find(hostname, 'delete');
      if (found && found.metadata[METADATA_KEY] === serviceId)
        await withVendorErrors('delete', () => this.api.deleteHostname(found.id));
    }
    for (const phase of PHASES) await this.syncRules(phase, phases.get(phase), [], serviceId);
    return { provider_service_id: req.provider_service_id || this.providerServiceId(serviceId) };
  }

  async purgeService(
    req: providerV1.PurgeServiceRequest,
  ): Promise<providerV1.PurgeServiceResponse> {
    const serviceId = this.requireServiceId(req.service_id);
    const domains =
      req.spec && req.spec.domains.length > 0
        ? req.spec.domains.map((d) => ({ host: d.domain.toLowerCase(), protocol: d.protocol }))
        : this.previousHostnames(await this.readPhases('purge'), serviceId).map((host) => ({
            host,
            protocol: '',
          }));
    if (domains.length === 0) {
      throw new ProviderError(`Cloudflare has no hostnames for service ${serviceId}`, {
        errorClass: 'cloudflare.NoSuchService',
      });
    }
    for (const request of purgeRequests(req.purge_url, domains))
      await withVendorErrors('purge', () => this.api.purge(request));
    return {
      provider_service_id: req.provider_service_id || this.providerServiceId(serviceId),
      purge_url: req.purge_url,
    };
  }

  async getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse> {
    const serviceId = this.requireServiceId(req.service_id);
    const phases = await this.readPhases('get');
    const links: providerV1.ProviderLink[] = [];
    for (const hostname of this.previousHostnames(phases, serviceId)) {
      const found = await this.find(hostname, 'get');
      if (found && found.metadata[METADATA_KEY] === serviceId) links.push(this.link(hostname));
    }
    const hasRules = PHASES.some((p) =>
      phases.get(p)?.rules.some((r) => r.ref.startsWith(refPrefix(serviceId))),
    );
    return { found: hasRules || links.length > 0, spec: undefined, links };
  }

  async getMetrics(req: providerV1.GetMetricsRequest): Promise<providerV1.GetMetricsResponse> {
    void req;
    return { series: [] };
  }

  async createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    const domain = this.requireDomain(req.certificate);
    const details = req.certificate?.cert_details ?? {};
    const found = await this.find(domain, 'createCertificate');
    if (!found) {
      throw new ProviderError(
        `Cloudflare has no custom hostname ${domain} yet: its service is not provisioned`,
        { retryable: true, retryAfterMs: this.pollHintMs, errorClass: 'cloudflare.NoSuchHostname' },
      );
    }
    const certificate = details[CERTIFICATE_PEM];
    const key = details[PRIVATE_KEY_PEM];
    let hostname = found;
    if (certificate && key) {
      hostname = await withVendorErrors('createCertificate', () =>
        this.api.editHostnameSsl(found.id, {
          ...MANAGED_SSL,
          custom_certificate: certificate,
          custom_key: key,
        }),
      );
    } else if (certificate || key) {
      throw new ProviderError(
        `Cloudflare needs both ${CERTIFICATE_PEM} and ${PRIVATE_KEY_PEM} to install a certificate for ${domain}`,
        { errorClass: 'cloudflare.InvalidRequest' },
      );
    }
    return { cert_domain: domain, extra_info_json: this.certificateInfo(hostname) };
  }

  async deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
  ): Promise<providerV1.DeleteCertificateResponse> {
    const domain = this.requireDomain(req.certificate);
    const found = await this.find(domain, 'deleteCertificate');
    if (!found) return { cert_domain: domain, extra_info_json: '{}' };
    // Back to the managed certificate: a hostname is never left without one.
    const hostname = found.customCertificate
      ? await withVendorErrors('deleteCertificate', () =>
          this.api.editHostnameSsl(found.id, MANAGED_SSL),
        )
      : found;
    return { cert_domain: domain, extra_info_json: this.certificateInfo(hostname) };
  }

  /**
   * Every service this adapter manages in the zone, from the hostnames' Poppy tag (one
   * list page per 50 hostnames): for the orphan sweep. `createdAtMs` = its oldest hostname.
   */
  async listManaged(): Promise<
    Array<{ serviceId: string; providerServiceId: string; createdAtMs: number }>
  > {
    const services = new Map<string, number>();
    for (let page = 1; ; page++) {
      const items = await withVendorErrors('list', () => this.api.listHostnames(page));
      if (items.length === 0) break;
      for (const h of items) {
        const serviceId = h.metadata[METADATA_KEY];
        if (!serviceId) continue;
        const seen = services.get(serviceId);
        services.set(serviceId, seen === undefined ? h.createdAtMs : Math.min(seen, h.createdAtMs));
      }
    }
    return [...services].map(([serviceId, createdAtMs]) => ({
      serviceId,
      providerServiceId: this.providerServiceId(serviceId),
      createdAtMs,
    }));
  }

  // --- helpers -------------------------------------------------------------------------

  private async apply(
    serviceIdIn: string,
    spec: commonV1.ServiceSpec | undefined,
    inProgress: InProgressStatus,
  ): Promise<providerV1.ProvisionedService> {
    const serviceId = this.requireServiceId(serviceIdIn);
    if (!spec)
      throw new ProviderError('spec is required', { errorClass: 'cloudflare.InvalidRequest' });
    const plan = this.plan(serviceId, spec);
    const operation = inProgress === 'deploy_in_progress' ? 'create' : 'update';
    const phases = await this.readPhases(operation);
    const previous = this.previousHostnames(phases, serviceId);

    const hostnames: CustomHostname[] = [];
    for (const { hostname } of plan.hostnames)
      hostnames.push(await this.ensureHostname(serviceId, hostname, operation));
    for (const phase of PHASES)
      await this.syncRules(phase, phases.get(phase), plan.rules[phase], serviceId);
    const wanted = new Set(plan.hostnames.map((h) => h.hostname));
    for (const stale of previous.filter((h) => !wanted.has(h))) {
      const found = await this.find(stale, operation);
      if (found && found.metadata[METADATA_KEY] === serviceId)
        await withVendorErrors(operation, () => this.api.deleteHostname(found.id));
    }

    const failed = hostnames.filter(
      (h) => FAILED_HOSTNAME.has(h.status) || FAILED_SSL.has(h.sslStatus),
    );
    if (failed.length > 0) {
      throw new ProviderError(
        `Cloudflare could not activate ${failed
          .map(
            (h) =>
              `${h.hostname} (${h.status}, certificate ${h.sslStatus}: ${h.errors.join('; ') || 'no reason given'})`,
          )
          .join(', ')}`,
        { errorClass: 'cloudflare.HostnameFailed', detail: JSON.stringify(failed) },
      );
    }
    const statuses: Record<string, string> = {};
    plan.hostnames.forEach(({ hostname, https }, i) => {
      if (https) statuses[hostname] = certificateStatus(hostnames[i].sslStatus);
    });
    return {
      provider_service_id: this.providerServiceId(serviceId),
      links: plan.hostnames.map((h) => this.link(h.hostname)),
      status: hostnames.every((h) => h.status === 'active') ? 'deployed' : inProgress,
      domains_certificate_status: statuses,
    };
  }

  /** The service's hostname: found, taken over from another service, or made. */
  private async ensureHostname(
    serviceId: string,
    hostname: string,
    operation: string,
  ): Promise<CustomHostname> {
    let found = await this.find(hostname, operation);
    if (!found) {
      const outcome = await withVendorErrors(operation, () =>
        this.api.createHostname(hostname, { [METADATA_KEY]: serviceId }, MANAGED_SSL),
      );
      if ('created' in outcome) return outcome.created;
      // Made meanwhile (a concurrent redelivery, or an earlier answer that was lost).
      found = await this.find(hostname, operation);
      if (!found)
        throw new ProviderError(`Cloudflare reported ${hostname} as a duplicate but lists none`, {
          retryable: true,
          errorClass: 'cloudflare.1406',
        });
    }
    if (found.metadata[METADATA_KEY] !== serviceId) {
      // Poppy's catalog gives a domain to one service only (reference: a domain in use is
      // refused), so a hostname tagged for another service is a leftover of a deleted or
      // migrated one: it is taken over, not refused.
      found = await withVendorErrors(operation, () =>
        this.api.editHostnameMetadata(found!.id, { ...found!.metadata, [METADATA_KEY]: serviceId }),
      );
    }
    return found;
  }

  private async syncRules(
    phase: Phase,
    ruleset: PhaseRuleset | undefined,
    desired: RuleSpec[],
    serviceId: string,
  ): Promise<void> {
    const operation = `${phase} rules`;
    if (!ruleset) {
      // The zone's first rule of this phase creates its entry point.
      if (desired.length > 0)
        await withVendorErrors(operation, () => this.api.putPhase(phase, desired));
      return;
    }
    for (const write of planRuleWrites(ruleset.rules, desired, refPrefix(serviceId))) {
      await withVendorErrors(operation, () =>
        write.op === 'add'
          ? this.api.addRule(ruleset.id, write.rule)
          : write.op === 'edit'
            ? this.api.editRule(ruleset.id, write.id, write.rule)
            : this.api.deleteRule(ruleset.id, write.id),
      );
    }
  }

  private async readPhases(operation: string): Promise<Map<Phase, PhaseRuleset | undefined>> {
    const phases = new Map<Phase, PhaseRuleset | undefined>();
    for (const phase of PHASES)
      phases.set(phase, await withVendorErrors(operation, () => this.api.getPhase(phase)));
    return phases;
  }

  /** The hostnames the service's rules were written for (empty when it has none). */
  private previousHostnames(
    phases: Map<Phase, PhaseRuleset | undefined>,
    serviceId: string,
  ): string[] {
    for (const phase of PHASES) {
      const hosts = hostnamesInRules(phases.get(phase)?.rules ?? [], serviceId);
      if (hosts) return hosts;
    }
    return [];
  }

  private find(hostname: string, operation: string): Promise<CustomHostname | undefined> {
    return withVendorErrors(operation, () => this.api.findHostname(hostname));
  }

  private plan(serviceId: string, spec: commonV1.ServiceSpec): ServicePlan {
    const plan = planService(serviceId, spec);
    if (plan.unsupported.length > 0) {
      const features = [...new Set(plan.unsupported.map((u) => u.feature))];
      throw new ProviderError(
        `Cloudflare cannot provide ${features.join(', ')}: ${plan.unsupported.map((u) => u.detail).join('; ')}`,
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

  private requireServiceId(serviceId: string): string {
    if (!serviceId)
      throw new ProviderError('service_id is required', {
        errorClass: 'cloudflare.InvalidRequest',
      });
    return serviceId;
  }

  private requireDomain(certificate: providerV1.Certificate | undefined): string {
    const domain = certificate?.domain_name?.toLowerCase();
    if (!domain)
      throw new ProviderError('certificate.domain_name is required', {
        errorClass: 'cloudflare.InvalidRequest',
      });
    return domain;
  }

  private link(domain: string): providerV1.ProviderLink {
    return { domain, href: this.cnameTarget, rel: 'access_url' };
  }

  private certificateInfo(hostname: CustomHostname): string {
    return JSON.stringify({
      status: certificateStatus(hostname.sslStatus),
      ssl_status: hostname.sslStatus,
      custom_hostname_id: hostname.id,
      custom_certificate: hostname.customCertificate,
    });
  }
}

/**
 * The purge requests of a Poppy purge (pure): `/*` → by host; a path ending in `*` → by
 * prefix (`host/path`, no scheme; a `*` inside cuts the prefix there); any other path → by URL on each domain's scheme (both
 * when unknown). At most PURGE_BATCH items per request.
 */
export function purgeRequests(
  purgeUrl: string,
  domains: Array<{ host: string; protocol: string }>,
): PurgeRequest[] {
  const path = normalisePath(purgeUrl);
  const batches = <T>(items: T[]): T[][] => {
    const out: T[][] = [];
    for (let i = 0; i < items.length; i += PURGE_BATCH) out.push(items.slice(i, i + PURGE_BATCH));
    return out;
  };
  if (path === '/*') return batches(domains.map((d) => d.host)).map((hosts) => ({ hosts }));
  const star = path.indexOf('*');
  if (star >= 0) {
    // Cloudflare's prefixes are literal: a pattern purges everything under its literal part.
    const prefix = path.slice(0, star);
    return batches(domains.map((d) => `${d.host}${prefix}`)).map((prefixes) => ({ prefixes }));
  }
  const files = domains.flatMap(({ host, protocol }) =>
    (protocol === 'http' || protocol === 'https' ? [protocol] : ['https', 'http']).map(
      (scheme) => `${scheme}://${host}${path}`,
    ),
  );
  return batches(files).map((f) => ({ files: f }));
}
