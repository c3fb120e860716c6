/**
 * The self-hosted Varnish edge as a Poppy provider (issue 6).
 *
 * One combined VCL for every service the adapter holds, regenerated and loaded on each
 * change (`vcl.inline` under a fresh name, then `vcl.use`): if the compiler rejects it,
 * nothing was switched and the previous VCL keeps serving. The services are written
 * into the VCL as comments (vcl/vcl-state.ts) and read back from the active VCL on the
 * first call (and again before a change if another VCL became active meanwhile), so the
 * adapter keeps no state of its own and survives restarts. One adapter per varnishd: two
 * adapters changing the same varnishd at once could each load a VCL without the other's
 * change.
 *
 * Changes are serialised (one load at a time); when more than `maxQueuedChanges` wait,
 * the call fails retryable with a retry hint (the edge's "throttling").
 *
 * Purge: hard = a `ban` on the service's hosts and the URL (or all its URLs); soft of one
 * URL = a refresh request to the edge (`X-Poppy-Refresh` with the adapter's token sets
 * `req.hash_always_miss`): the object is fetched again from the origin and replaces the
 * cached copy, which keeps being served until then; soft of a wildcard or everything
 * cannot enumerate URLs and is a ban as well (listed in the capability manifest).
 */
import { randomBytes } from 'node:crypto';
import type { providerV1 } from '@poppy/contracts';
import { ProviderError, type ProviderDriver } from '@poppy/provider-kit';
import { renderVcl, urlRegex, type RenderOptions } from './vcl/render-vcl';
import { readVclState, type EdgeService } from './vcl/vcl-state';
import { EdgeBusyError, fromVendorError } from './varnish-errors';

/** The management interface (VarnishCli in production, a fake in unit tests). */
export interface VarnishAdmin {
  run(verb: string, ...args: string[]): Promise<string>;
}

/** Sends one refresh request to the edge's HTTP port; resolves with the status. */
export type EdgeRefresh = (host: string, url: string, token: string) => Promise<number>;

export interface VarnishDriverOptions extends RenderOptions {
  /** @default 'Varnish' */
  providerName?: string;
  /** The host name clients' DNS points at (the access URL of every domain). */
  edgeHostname: string;
  /** @default 32 */
  maxQueuedChanges?: number;
  /** Retry hint when too many changes are queued. @default 2000 */
  busyRetryAfterMs?: number;
}

export const VCL_NAME_PREFIX = 'poppy_';

interface VclListEntry {
  status: string;
  name: string;
}

export function parseVclList(json: string): VclListEntry[] {
  const parsed = JSON.parse(json) as unknown[];
  return parsed.filter((x): x is VclListEntry => typeof x === 'object' && x !== null && 'name' in x && 'status' in x);
}

export function providerServiceIdFor(serviceId: string): string {
  return `varnish-${serviceId}`;
}

export class VarnishDriver implements ProviderDriver {
  readonly providerName: string;
  readonly regions: string[] = [];
  private services?: Map<string, EdgeService>;
  /** The VCL `services` was read from or loaded as. */
  private activeName?: string;
  private chain: Promise<unknown> = Promise.resolve();
  private queued = 0;
  private loads = 0;

  constructor(
    private readonly admin: VarnishAdmin,
    private readonly refresh: EdgeRefresh,
    private readonly options: VarnishDriverOptions,
  ) {
    this.providerName = options.providerName ?? 'Varnish';
  }

  async isAlive(): Promise<boolean> {
    try {
      await this.admin.run('ping');
      return true;
    } catch {
      return false;
    }
  }

  createService(req: providerV1.CreateServiceRequest): Promise<providerV1.CreateServiceResponse> {
    return this.change(req.service_id, (services) => {
      const existing = services.get(req.service_id);
      if (existing) return { result: { service: this.provisioned(existing) }, changed: false };
      const service = { serviceId: req.service_id, projectId: req.project_id, spec: this.requireSpec(req.spec) };
      services.set(req.service_id, service);
      return { result: { service: this.provisioned(service) }, changed: true };
    });
  }

  updateService(req: providerV1.UpdateServiceRequest): Promise<providerV1.UpdateServiceResponse> {
    return this.change(req.service_id, (services) => {
      const existing = services.get(req.service_id);
      const service = { serviceId: req.service_id, projectId: req.project_id, spec: this.requireSpec(req.spec) };
      const changed = !existing || JSON.stringify(existing.spec) !== JSON.stringify(service.spec);
      services.set(req.service_id, service);
      return { result: { service: this.provisioned(service) }, changed };
    });
  }

  deleteService(req: providerV1.DeleteServiceRequest): Promise<providerV1.DeleteServiceResponse> {
    return this.change(req.service_id, (services) => {
      const changed = services.delete(req.service_id);
      return { result: { provider_service_id: req.provider_service_id || providerServiceIdFor(req.service_id) }, changed };
    });
  }

  async getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse> {
    try {
      const service = (await this.current()).get(req.service_id);
      if (!service) return { found: false, spec: undefined, links: [] };
      return { found: true, spec: service.spec, links: this.links(service) };
    } catch (error) {
      throw fromVendorError(error);
    }
  }

  async purgeService(req: providerV1.PurgeServiceRequest): Promise<providerV1.PurgeServiceResponse> {
    try {
      const held = (await this.current()).get(req.service_id);
      const domains = (held?.spec ?? req.spec)?.domains.map((d) => d.domain.trim().toLowerCase()) ?? [];
      const url = req.purge_url.trim() || '/*';
      if (domains.length > 0) {
        if (!req.hard && !url.includes('*')) {
          for (const host of domains) await this.refresh(host, url, this.options.refreshToken);
        } else {
          await this.ban(domains, url);
        }
      }
      return { provider_service_id: req.provider_service_id || providerServiceIdFor(req.service_id), purge_url: req.purge_url };
    } catch (error) {
      throw fromVendorError(error);
    }
  }

  async getMetrics(): Promise<providerV1.GetMetricsResponse> {
    return { series: [] };
  }

  async createCertificate(): Promise<providerV1.CreateCertificateResponse> {
    throw fromVendorError(unsupported('certificates'));
  }

  async deleteCertificate(): Promise<providerV1.DeleteCertificateResponse> {
    return { extra_info_json: '{}' };
  }

  /** VCL loads so far (tests, metrics). */
  get loadCount(): number {
    return this.loads;
  }

  private async ban(domains: string[], url: string): Promise<void> {
    const hosts = `^(${domains.map((d) => d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
    const args = ['req.http.host', '~', hosts];
    if (url !== '/*') args.push('&&', 'req.url', '~', urlRegex(url));
    await this.admin.run('ban', ...args);
  }

  private requireSpec(spec: providerV1.CreateServiceRequest['spec']): NonNullable<providerV1.CreateServiceRequest['spec']> {
    if (!spec) throw new ProviderError('a service spec is required', { retryable: false, errorClass: 'varnish.InvalidRequest' });
    return spec;
  }

  private provisioned(service: EdgeService): providerV1.ProvisionedService {
    return { provider_service_id: providerServiceIdFor(service.serviceId), links: this.links(service), domains_certificate_status: {} };
  }

  private links(service: EdgeService): providerV1.ProviderLink[] {
    return service.spec.domains.map((d) => ({ domain: d.domain, href: this.options.edgeHostname, rel: 'access_url' }));
  }

  /**
   * The services in the active VCL: read once, then kept in step with every load; with
   * `recheck`, read again when another VCL became active meanwhile (an operator's
   * `vcl.use`, another adapter).
   */
  private async current(recheck = false): Promise<Map<string, EdgeService>> {
    if (this.services && !recheck) return this.services;
    const list = parseVclList(await this.admin.run('vcl.list', '-j'));
    const active = list.find((v) => v.status === 'active');
    if (this.services && active?.name === this.activeName) return this.services;
    const services = new Map<string, EdgeService>();
    if (active && active.name.startsWith(VCL_NAME_PREFIX)) {
      for (const s of readVclState(await this.admin.run('vcl.show', active.name))) services.set(s.serviceId, s);
    }
    this.services = services;
    this.activeName = active?.name;
    return services;
  }

  /** Runs one change after the previous ones; loads a new VCL when it changed something. */
  private change<R>(serviceId: string, apply: (services: Map<string, EdgeService>) => { result: R; changed: boolean }): Promise<R> {
    if (!serviceId) return Promise.reject(fromVendorError(unsupported('a request without service_id')));
    const max = this.options.maxQueuedChanges ?? 32;
    if (this.queued >= max) return Promise.reject(fromVendorError(new EdgeBusyError(this.queued, this.options.busyRetryAfterMs ?? 2000)));
    this.queued += 1;
    const run = async (): Promise<R> => {
      try {
        const next = new Map(await this.current(true));
        const { result, changed } = apply(next);
        if (changed) {
          this.activeName = await this.activate(renderVcl([...next.values()], this.options));
          this.services = next;
        }
        return result;
      } catch (error) {
        throw fromVendorError(error);
      } finally {
        this.queued -= 1;
      }
    };
    const promise = this.chain.then(run, run);
    this.chain = promise.catch(() => undefined);
    return promise;
  }

  /** Loads `vcl` under a new name and makes it active; on any failure the active VCL stays. */
  private async activate(vcl: string): Promise<string> {
    this.loads += 1;
    // Unique across adapters and restarts (vcl.inline refuses a name in use).
    const name = `${VCL_NAME_PREFIX}${Date.now()}_${randomBytes(4).toString('hex')}`;
    await this.admin.run('vcl.inline', name, vcl);
    try {
      await this.admin.run('vcl.use', name);
    } catch (error) {
      await this.admin.run('vcl.discard', name).catch(() => undefined);
      throw error;
    }
    // Older generated VCLs are no longer needed; one still busy is discarded by varnishd later.
    const list = parseVclList(await this.admin.run('vcl.list', '-j'));
    for (const old of list) {
      if (old.status !== 'active' && old.name.startsWith(VCL_NAME_PREFIX)) {
        await this.admin.run('vcl.discard', old.name).catch(() => undefined);
      }
    }
    return name;
  }
}

function unsupported(what: string): ProviderError {
  return new ProviderError(`${what} not supported by the Varnish edge`, { retryable: false, errorClass: 'varnish.Unsupported' });
}
