/**
 * The self-hosted Varnish edge as a Poppy provider (issue 6).
 *
 * One VCL per service, reached through a label (`poppy-<key>`), and a small router VCL,
 * the active one, that hands each Host to its service's label (vcl/render-vcl.ts):
 * - create: load the service VCL (`vcl.inline` under a fresh name), label it, load and
 *   `vcl.use` a router that includes its hosts;
 * - update: load the new service VCL and re-point the label (atomic); the router is
 *   reloaded only when the hosts changed;
 * - delete: load and use a router without it, then discard its label and VCLs.
 * If the compiler rejects a VCL nothing was switched and the previous configuration keeps
 * serving. Unused `poppy_*` VCLs are discarded after each change.
 *
 * The services are written into their VCLs as comments (vcl/vcl-state.ts) and read back
 * from the labels (`vcl.list -j`, `vcl.show <label>`) on the first call, and again before
 * a change when the labels or the active VCL changed meanwhile, so the adapter keeps no
 * state of its own and survives restarts. One adapter per varnishd: two adapters changing
 * the same varnishd at the same moment could each build a router without the other's
 * service.
 *
 * Changes are serialised (one at a time); when more than `maxQueuedChanges` wait, the call
 * fails retryable with a retry hint (the edge's "throttling").
 *
 * Purge: hard = a `ban` on the service's hosts and the URL (or all its URLs); soft of one
 * URL = a refresh request to the edge (`X-Poppy-Refresh` with the adapter's token sets
 * `req.hash_always_miss`): the object is fetched again from the origin and replaces the
 * cached copy, which keeps being served until then; soft of a wildcard or everything
 * cannot enumerate URLs and is a ban as well (listed in the capability manifest).
 *
 * Certificates: installed at the TLS front (hitch) in front of varnishd when one is
 * configured (tls/edge-certificates.ts); without one they are unsupported.
 */
import { randomBytes } from 'node:crypto';
import type { providerV1 } from '@poppy/contracts';
import { ProviderError, type ProviderDriver } from '@poppy/provider-kit';
import {
  renderRouterVcl,
  renderServiceVcl,
  serviceHosts,
  serviceLabel,
  urlRegex,
  type RenderOptions,
} from './vcl/render-vcl';
import type { EdgeCertificates } from './tls/edge-certificates';
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
  /** The TLS front's certificates (hitch); without it certificates are unsupported. */
  certificates?: EdgeCertificates;
}

export const VCL_NAME_PREFIX = 'poppy_';

export interface VclListEntry {
  status: string;
  name: string;
  /** 'label' for a label. */
  state?: string;
  /** For a label: the VCL it points at. */
  label?: { name: string };
  /** For a VCL: how many labels point at it. */
  labels?: number;
}

export function parseVclList(json: string): VclListEntry[] {
  const parsed = JSON.parse(json) as unknown[];
  return parsed.filter(
    (x): x is VclListEntry => typeof x === 'object' && x !== null && 'name' in x && 'status' in x,
  );
}

const LABEL_PREFIX = 'poppy-';
const ROUTER_PREFIX = 'poppy_router_';

/** What identifies the edge's configuration: the active VCL and where each of our labels points. */
function signatureOf(list: VclListEntry[]): string {
  const active = list.find((v) => v.status === 'active')?.name ?? '';
  const labels = list
    .filter((v) => v.state === 'label' && v.name.startsWith(LABEL_PREFIX))
    .map((v) => `${v.name}>${v.label?.name ?? ''}`);
  return [active, ...labels.sort()].join(' ');
}

export function providerServiceIdFor(serviceId: string): string {
  return `varnish-${serviceId}`;
}

export class VarnishDriver implements ProviderDriver {
  readonly providerName: string;
  readonly regions: string[] = [];
  private services?: Map<string, EdgeService>;
  /** signatureOf() the configuration `services` was read from or made. */
  private signature?: string;
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
      const service = {
        serviceId: req.service_id,
        projectId: req.project_id,
        spec: this.requireSpec(req.spec),
      };
      services.set(req.service_id, service);
      return { result: { service: this.provisioned(service) }, changed: true };
    });
  }

  updateService(req: providerV1.UpdateServiceRequest): Promise<providerV1.UpdateServiceResponse> {
    return this.change(req.service_id, (services) => {
      const existing = services.get(req.service_id);
      const service = {
        serviceId: req.service_id,
        projectId: req.project_id,
        spec: this.requireSpec(req.spec),
      };
      const changed = !existing || JSON.stringify(existing.spec) !== JSON.stringify(service.spec);
      services.set(req.service_id, service);
      return { result: { service: this.provisioned(service) }, changed };
    });
  }

  deleteService(req: providerV1.DeleteServiceRequest): Promise<providerV1.DeleteServiceResponse> {
    return this.change(req.service_id, (services) => {
      const changed = services.delete(req.service_id);
      return {
        result: {
          provider_service_id: req.provider_service_id || providerServiceIdFor(req.service_id),
        },
        changed,
      };
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

  async purgeService(
    req: providerV1.PurgeServiceRequest,
  ): Promise<providerV1.PurgeServiceResponse> {
    try {
      const held = (await this.current()).get(req.service_id);
      const domains =
        (held?.spec ?? req.spec)?.domains.map((d) => d.domain.trim().toLowerCase()) ?? [];
      const url = req.purge_url.trim() || '/*';
      if (domains.length > 0) {
        if (!req.hard && !url.includes('*')) {
          for (const host of domains) await this.refresh(host, url, this.options.refreshToken);
        } else {
          await this.ban(domains, url);
        }
      }
      return {
        provider_service_id: req.provider_service_id || providerServiceIdFor(req.service_id),
        purge_url: req.purge_url,
      };
    } catch (error) {
      throw fromVendorError(error);
    }
  }

  async getMetrics(): Promise<providerV1.GetMetricsResponse> {
    return { series: [] };
  }

  async createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse> {
    const certificates = this.options.certificates;
    if (!certificates) throw fromVendorError(unsupported('certificates (no TLS front configured)'));
    try {
      return await certificates.install(req.certificate);
    } catch (error) {
      throw fromVendorError(error);
    }
  }

  async deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
  ): Promise<providerV1.DeleteCertificateResponse> {
    const certificates = this.options.certificates;
    if (!certificates) return { extra_info_json: '{}' };
    try {
      return await certificates.remove(req.certificate);
    } catch (error) {
      throw fromVendorError(error);
    }
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

  private requireSpec(
    spec: providerV1.CreateServiceRequest['spec'],
  ): NonNullable<providerV1.CreateServiceRequest['spec']> {
    if (!spec)
      throw new ProviderError('a service spec is required', {
        retryable: false,
        errorClass: 'varnish.InvalidRequest',
      });
    return spec;
  }

  private provisioned(service: EdgeService): providerV1.ProvisionedService {
    return {
      provider_service_id: providerServiceIdFor(service.serviceId),
      links: this.links(service),
      domains_certificate_status: {},
    };
  }

  private links(service: EdgeService): providerV1.ProviderLink[] {
    return service.spec.domains.map((d) => ({
      domain: d.domain,
      href: this.options.edgeHostname,
      rel: 'access_url',
    }));
  }

  /**
   * The services behind our labels: read once, then kept in step with every change; with
   * `recheck`, read again when the active VCL or a label changed meanwhile (an operator,
   * another adapter).
   */
  private async current(recheck = false): Promise<Map<string, EdgeService>> {
    if (this.services && !recheck) return this.services;
    const list = await this.list();
    const signature = signatureOf(list);
    if (this.services && signature === this.signature) return this.services;
    // A label the active router does not route is a change that did not finish (the
    // adapter died between labelling and switching the router): not served, so not held.
    const active = list.find((v) => v.status === 'active');
    let routed: Set<string> | undefined;
    if (active?.name.startsWith(ROUTER_PREFIX)) {
      const router = await this.admin.run('vcl.show', active.name);
      routed = new Set(
        [...router.matchAll(/return \(vcl\(([A-Za-z0-9_-]+)\)\)/g)].map((m) => m[1]),
      );
    }
    const services = new Map<string, EdgeService>();
    for (const entry of list) {
      if (entry.state !== 'label' || !entry.name.startsWith(LABEL_PREFIX)) continue;
      if (routed && !routed.has(entry.name)) continue;
      for (const s of readVclState(await this.admin.run('vcl.show', entry.name)))
        services.set(s.serviceId, s);
    }
    this.services = services;
    this.signature = signature;
    return services;
  }

  private async list(): Promise<VclListEntry[]> {
    return parseVclList(await this.admin.run('vcl.list', '-j'));
  }

  /** Runs one change after the previous ones; loads what it changed. */
  private change<R>(
    serviceId: string,
    apply: (services: Map<string, EdgeService>) => { result: R; changed: boolean },
  ): Promise<R> {
    if (!serviceId) return Promise.reject(unsupported('a request without service_id'));
    const max = this.options.maxQueuedChanges ?? 32;
    if (this.queued >= max)
      return Promise.reject(
        fromVendorError(new EdgeBusyError(this.queued, this.options.busyRetryAfterMs ?? 2000)),
      );
    this.queued += 1;
    const run = async (): Promise<R> => {
      try {
        const before = await this.current(true);
        const next = new Map(before);
        const { result, changed } = apply(next);
        if (changed) {
          await this.apply(serviceId, before, next);
          this.services = next;
          this.signature = signatureOf(await this.list());
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

  /** Makes the edge serve `next` where it served `before`, for one changed service. */
  private async apply(
    serviceId: string,
    before: Map<string, EdgeService>,
    next: Map<string, EdgeService>,
  ): Promise<void> {
    const label = serviceLabel(serviceId);
    const old = before.get(serviceId);
    const wanted = next.get(serviceId);
    const listed = await this.list();
    const previousTarget = listed.find((v) => v.name === label && v.state === 'label')?.label?.name;
    if (wanted) {
      this.loads += 1;
      const name = uniqueName(`${VCL_NAME_PREFIX}${label.slice(LABEL_PREFIX.length)}_`);
      await this.admin.run('vcl.inline', name, renderServiceVcl(wanted, this.options));
      await this.admin.run('vcl.label', label, name);
    }
    const hostsChanged =
      !old || !wanted || JSON.stringify(serviceHosts(old)) !== JSON.stringify(serviceHosts(wanted));
    if (hostsChanged) {
      try {
        await this.useRouter(next);
      } catch (error) {
        // Undo the label move: the previous configuration keeps serving as it was.
        if (wanted && previousTarget)
          await this.admin.run('vcl.label', label, previousTarget).catch(() => undefined);
        await this.discardUnused(before);
        throw error;
      }
    }
    await this.discardUnused(next);
  }

  private async useRouter(services: Map<string, EdgeService>): Promise<void> {
    this.loads += 1;
    const name = uniqueName(ROUTER_PREFIX);
    const routes = [...services.values()].map((s) => ({
      label: serviceLabel(s.serviceId),
      hosts: serviceHosts(s),
    }));
    await this.admin.run('vcl.inline', name, renderRouterVcl(routes));
    try {
      await this.admin.run('vcl.use', name);
    } catch (error) {
      await this.admin.run('vcl.discard', name).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Discards our labels of services not held and the VCLs nothing uses any more (old
   * routers, replaced service VCLs); one still busy goes at a later change.
   */
  private async discardUnused(held: Map<string, EdgeService>): Promise<void> {
    const keep = new Set([...held.keys()].map(serviceLabel));
    for (const v of await this.list()) {
      if (v.state === 'label' && v.name.startsWith(LABEL_PREFIX) && !keep.has(v.name)) {
        await this.admin.run('vcl.discard', v.name).catch(() => undefined);
      }
    }
    for (const v of await this.list()) {
      if (
        v.state === 'label' ||
        v.status === 'active' ||
        !v.name.startsWith(VCL_NAME_PREFIX) ||
        (v.labels ?? 0) > 0
      )
        continue;
      await this.admin.run('vcl.discard', v.name).catch(() => undefined);
    }
  }
}

/** Unique across adapters and restarts (vcl.inline refuses a name in use). */
function uniqueName(prefix: string): string {
  return `${prefix}${Date.now()}_${randomBytes(4).toString('hex')}`;
}

function unsupported(what: string): ProviderError {
  return new ProviderError(`${what} not supported by the Varnish edge`, {
    retryable: false,
    errorClass: 'varnish.Unsupported',
  });
}
