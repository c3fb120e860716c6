/**
 * The self-hosted Varnish edge as a Poppy provider (issue 6; routing by shards: issue 19).
 *
 * Hosts are spread over a fixed number of router shards (`routerShards`; a hash of the
 * host that varnishd computes as well, vcl/render-vcl.ts routerShardOf). Each shard is one
 * VCL behind a label (`poppy-shard-<i>`) with the programs of the services that have a
 * host in it; the router, the active VCL, hashes the Host and hands the request to the
 * shard's label. A change compiles only the shards of the hosts it touches (a service with
 * two domains is in at most two), so its cost is that of a few services whatever the edge
 * holds; the router lists shards, not hosts, and is reloaded only when a shard is used for
 * the first time. The changes waiting when the edge is free are loaded together (a burst
 * of creates compiles each touched shard once); a batch the compiler rejects is retried
 * one change at a time, so a bad service fails alone. If the compiler rejects a VCL nothing
 * was switched and the previous configuration keeps serving. Unused `poppy_*` VCLs are
 * discarded after each change.
 *
 * The services are written into the shard VCLs as comments (vcl/vcl-state.ts) and read
 * back from the labels the active router routes (`vcl.list -j`, `vcl.show <label>`) on the
 * first call, and again before a change when the labels or the active VCL changed
 * meanwhile, so the adapter keeps no state of its own and survives restarts. A change
 * interrupted between two label moves is finished by the next call: each VCL a change loads
 * records what the change did, the highest revision of a service wins, and shards that
 * disagree with it are loaded again before anything is answered. One adapter per varnishd.
 *
 * When more than `maxQueuedChanges` wait, the call fails retryable with a retry hint (the
 * edge's "throttling").
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
import { ProviderError, type ManagedObject, type ProviderDriver } from '@poppy/provider-kit';
import {
  checkServiceRenders,
  renderRouterVcl,
  renderShardVcl,
  ROUTER_SHARDS_COMMENT,
  routerShardOf,
  serviceHosts,
  shardLabel,
  urlRegex,
  type RenderOptions,
} from './vcl/render-vcl';
import {
  mergeEdgeState,
  readVclRecords,
  readVclState,
  type EdgeRecord,
  type EdgeService,
} from './vcl/vcl-state';
import type { EdgeCertificates } from './tls/edge-certificates';
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
  /**
   * Router shards the hosts are spread over (fixed for an edge: another count loads every
   * shard again at the next change). A change compiles the shards of its hosts, each about
   * services × domains / routerShards services (docs/performance.md). @default 512
   */
  routerShards?: number;
  /** The TLS front's certificates (hitch); without it certificates are unsupported. */
  certificates?: EdgeCertificates;
}

export const DEFAULT_ROUTER_SHARDS = 512;

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

/** varnishd's cli_limit while reading shard VCLs back (its maximum is 99 999 999). */
const CLI_LIMIT_BYTES = 16 * 1024 * 1024;
const LABEL_PREFIX = 'poppy-';
const SHARD_LABEL_PREFIX = 'poppy-shard-';
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
  private readonly shards: number;
  private state?: EdgeState;
  /** signatureOf() the configuration `state` was read from or made. */
  private signature?: string;
  private readonly pending: QueuedChange[] = [];
  private running = false;
  private queued = 0;
  private loads = 0;

  constructor(
    private readonly admin: VarnishAdmin,
    private readonly refresh: EdgeRefresh,
    private readonly options: VarnishDriverOptions,
  ) {
    this.providerName = options.providerName ?? 'Varnish';
    this.shards = options.routerShards ?? DEFAULT_ROUTER_SHARDS;
    if (!Number.isInteger(this.shards) || this.shards < 1 || this.shards > 4096)
      throw new Error(`routerShards must be an integer in 1..4096, got ${this.shards}`);
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
      const service: EdgeService = {
        serviceId: req.service_id,
        projectId: req.project_id,
        spec: this.requireSpec(req.spec),
        createdAtMs: Date.now(),
      };
      services.set(req.service_id, service);
      return { result: { service: this.provisioned(service) }, changed: true };
    });
  }

  updateService(req: providerV1.UpdateServiceRequest): Promise<providerV1.UpdateServiceResponse> {
    return this.change(req.service_id, (services) => {
      const existing = services.get(req.service_id);
      const service: EdgeService = {
        serviceId: req.service_id,
        projectId: req.project_id,
        spec: this.requireSpec(req.spec),
        createdAtMs: existing ? existing.createdAtMs : Date.now(),
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
      const service = (await this.served()).get(req.service_id);
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
      const held = (await this.served()).get(req.service_id);
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

  /**
   * The services the edge serves, read from the edge itself (the `# poppy-service` lines of
   * the routed shard VCLs), for the orphan sweep.
   */
  async listManaged(): Promise<ManagedObject[]> {
    try {
      return [...(await this.served()).values()].map((s) => ({
        serviceId: s.serviceId,
        providerServiceId: providerServiceIdFor(s.serviceId),
        createdAtMs: s.createdAtMs ?? 0,
        projectId: s.projectId,
      }));
    } catch (error) {
      throw fromVendorError(error);
    }
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

  /** The services the edge serves; a change left half-way is finished first. */
  private async served(): Promise<Map<string, EdgeService>> {
    const state = await this.current();
    if (state.needsRepair) await this.enqueue('', () => ({ result: undefined, changed: false }));
    return (this.state ?? state).services;
  }

  /**
   * What the edge serves: read once, then kept in step with every change; with `recheck`,
   * read again when the active VCL or a label changed meanwhile (an operator, another
   * adapter, a restart of this one).
   */
  private async current(recheck = false): Promise<EdgeState> {
    if (this.state && !recheck) return this.state;
    const list = await this.list();
    const signature = signatureOf(list);
    if (this.state && signature === this.signature) return this.state;
    // A label the active router does not route is a change that did not finish (the
    // adapter died between labelling and switching the router): not served, so not held.
    const active = list.find((v) => v.status === 'active');
    let routed: Set<string> | undefined;
    let routerShards = 0;
    if (active?.name.startsWith(ROUTER_PREFIX)) {
      const router = await this.admin.run('vcl.show', active.name);
      routed = new Set(
        [...router.matchAll(/return \(vcl\(([A-Za-z0-9_-]+)\)\)/g)].map((m) => m[1]),
      );
      const line = router.split('\n').find((l) => l.startsWith(ROUTER_SHARDS_COMMENT));
      routerShards = line ? Number(line.slice(ROUTER_SHARDS_COMMENT.length)) : 0;
    }
    // Shard VCLs outgrow the default cli_limit (48 kB): vcl.show would answer truncated.
    await this.admin.run('param.set', 'cli_limit', String(CLI_LIMIT_BYTES));
    const served: EdgeService[] = [];
    const records: EdgeRecord[] = [];
    const loaded = new Map<string, string>();
    for (const entry of list) {
      if (entry.state !== 'label' || !entry.name.startsWith(LABEL_PREFIX)) continue;
      if (routed && !routed.has(entry.name)) continue;
      const vcl = await this.admin.run('vcl.show', entry.name);
      const inside = readVclState(vcl);
      served.push(...inside);
      records.push(...readVclRecords(vcl));
      loaded.set(entry.name, fingerprint(inside));
    }
    const { services, deleted } = mergeEdgeState(served, records);
    const state: EdgeState = { services, deleted, loaded, routerShards, needsRepair: false };
    state.needsRepair = this.plan(state, services).dirty.length > 0;
    this.state = state;
    this.signature = signature;
    return state;
  }

  private async list(): Promise<VclListEntry[]> {
    return parseVclList(await this.admin.run('vcl.list', '-j'));
  }

  /** Queues one change of one service (refused, retryable, when too many wait). */
  private change<R>(serviceId: string, apply: Mutation<R>): Promise<R> {
    if (!serviceId) return Promise.reject(unsupported('a request without service_id'));
    const max = this.options.maxQueuedChanges ?? 32;
    if (this.queued >= max)
      return Promise.reject(
        fromVendorError(new EdgeBusyError(this.queued, this.options.busyRetryAfterMs ?? 2000)),
      );
    return this.enqueue(serviceId, apply);
  }

  private enqueue<R>(serviceId: string, apply: Mutation<R>): Promise<R> {
    this.queued += 1;
    return new Promise<R>((resolve, reject) => {
      this.pending.push({
        serviceId,
        apply: apply as Mutation<unknown>,
        resolve: resolve as (r: unknown) => void,
        reject,
      });
      if (!this.running) void this.drain();
    });
  }

  /** Runs the queued changes, all that wait at once (a batch that fails: one at a time). */
  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.pending.length);
        try {
          const results = await this.applyBatch(batch);
          batch.forEach((c, i) => c.resolve(results[i]));
        } catch (error) {
          if (batch.length === 1) batch[0].reject(fromVendorError(error));
          else {
            for (const c of batch) {
              try {
                c.resolve((await this.applyBatch([c]))[0]);
              } catch (single) {
                c.reject(fromVendorError(single));
              }
            }
          }
        } finally {
          this.queued -= batch.length;
        }
      }
    } finally {
      this.running = false;
    }
  }

  /**
   * The shards to load for `services` over what `state` serves: each shard whose services
   * (at their revisions) differ, and whether the router must change (a shard used for the
   * first time, or another shard count). A shard once used stays routed, even empty.
   */
  private plan(
    state: EdgeState,
    services: Map<string, EdgeService>,
  ): {
    wanted: Map<string, EdgeService[]>;
    dirty: Array<[string, EdgeService[]]>;
    router: boolean;
  } {
    const sameCount = state.routerShards === this.shards;
    const wanted = layout(services, this.shards);
    if (sameCount)
      for (const label of state.loaded.keys()) if (!wanted.has(label)) wanted.set(label, []);
    const dirty = [...wanted.entries()].filter(
      ([label, content]) => state.loaded.get(label) !== fingerprint(content),
    );
    const router = !sameCount || [...wanted.keys()].some((label) => !state.loaded.has(label));
    return { wanted, dirty, router };
  }

  /**
   * Applies the changes to the services read back, then makes the edge serve the result:
   * loads every shard whose content differs (the changed services' shards, and any shard
   * an interrupted change left behind), moves their labels, and switches to a new router
   * when needed.
   */
  private async applyBatch(batch: QueuedChange[]): Promise<unknown[]> {
    const before = await this.current(true);
    // Above every revision the edge holds, taken before the mutations replace or remove
    // the services they change: a change in the same millisecond as the one that wrote a
    // service (or after the clock stepped back) must still outrank it, or its shards would
    // look unchanged (same fingerprint) and a record of it would lose to the served copy
    // when read back (mergeEdgeState, vcl/vcl-state.ts).
    const revision = Math.max(
      Date.now(),
      1 +
        Math.max(
          0,
          ...[...before.services.values()].map((s) => s.revision ?? 0),
          ...before.deleted.values(),
        ),
    );
    const services = new Map(before.services);
    const deleted = new Map(before.deleted);
    const changed = new Set<string>();
    const results = batch.map((c) => {
      const { result, changed: did } = c.apply(services);
      if (did) changed.add(c.serviceId);
      return result;
    });
    for (const id of changed) {
      const s = services.get(id);
      if (s) {
        checkServiceRenders(s, this.options); // the tenant's problems, before any compile
        services.set(id, { ...s, revision });
        deleted.delete(id);
      } else deleted.set(id, revision);
    }
    const { wanted, dirty, router } = this.plan(before, services);
    if (dirty.length > 0 || router) {
      // A service whose change spans two shards or more is recorded in each of them, so
      // one moved label is enough to finish the change (one label move is atomic anyway).
      const spans = new Map<string, Set<string>>();
      for (const [label, content] of dirty) {
        const was = new Set((before.loaded.get(label) ?? '').split(' ').filter(Boolean));
        const now = new Set(fingerprint(content).split(' ').filter(Boolean));
        for (const token of [...was, ...now]) {
          if (was.has(token) && now.has(token)) continue;
          const id = token.slice(0, token.lastIndexOf('@'));
          spans.set(id, (spans.get(id) ?? new Set()).add(label));
        }
      }
      const records = new Map<string, EdgeRecord[]>();
      for (const [id, labels] of spans) {
        if (labels.size < 2) continue;
        const s = services.get(id);
        const gone = deleted.get(id);
        const record: EdgeRecord | undefined = s
          ? { serviceId: id, revision: s.revision ?? 0, service: s }
          : gone === undefined
            ? undefined
            : { serviceId: id, revision: gone };
        if (record)
          for (const label of labels) records.set(label, [...(records.get(label) ?? []), record]);
      }
      await this.load(dirty, records, router ? [...wanted.keys()] : undefined, before);
    }
    const loaded = new Map([...wanted.entries()].map(([l, c]) => [l, fingerprint(c)]));
    this.state = { services, deleted, loaded, routerShards: this.shards, needsRepair: false };
    this.signature = signatureOf(await this.list());
    if (dirty.length > 0 || router) await this.discardUnused(new Set(loaded.keys()));
    return results;
  }

  /**
   * Compiles the dirty shards (nothing switched if one is rejected), moves their labels,
   * then switches to a new router routing `routerLabels` if given; a failed router switch
   * moves the labels back.
   */
  private async load(
    dirty: Array<[string, EdgeService[]]>,
    records: Map<string, EdgeRecord[]>,
    routerLabels: string[] | undefined,
    before: EdgeState,
  ): Promise<void> {
    const listed = await this.list();
    const compiled: Array<{ label: string; name: string; previous?: string }> = [];
    try {
      for (const [label, services] of dirty) {
        this.loads += 1;
        const index = Number(label.slice(SHARD_LABEL_PREFIX.length));
        const name = uniqueName(`${VCL_NAME_PREFIX}shard${index}_`);
        const vcl = renderShardVcl(
          index,
          this.shards,
          { services, records: records.get(label) ?? [] },
          this.options,
        );
        await this.admin.run('vcl.inline', name, vcl);
        const previous = listed.find((v) => v.name === label && v.state === 'label')?.label?.name;
        compiled.push({ label, name, previous });
      }
    } catch (error) {
      for (const c of compiled) await this.admin.run('vcl.discard', c.name).catch(() => undefined);
      throw error;
    }
    for (const c of compiled) await this.admin.run('vcl.label', c.label, c.name);
    if (!routerLabels) return;
    try {
      await this.useRouter(routerLabels);
    } catch (error) {
      // Undo the label moves: the previous configuration keeps serving as it was.
      for (const c of compiled)
        if (c.previous)
          await this.admin.run('vcl.label', c.label, c.previous).catch(() => undefined);
      await this.discardUnused(new Set(before.loaded.keys()));
      throw error;
    }
  }

  private async useRouter(labels: string[]): Promise<void> {
    this.loads += 1;
    const name = uniqueName(ROUTER_PREFIX);
    const indexes = labels.map((l) => Number(l.slice(SHARD_LABEL_PREFIX.length)));
    await this.admin.run('vcl.inline', name, renderRouterVcl(this.shards, indexes));
    try {
      await this.admin.run('vcl.use', name);
    } catch (error) {
      await this.admin.run('vcl.discard', name).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Discards our labels not in `keep` (shards of another shard count, the per-service
   * labels of the design before shards) and the VCLs nothing uses any more (old routers,
   * replaced shard VCLs); one still busy goes at a later change.
   */
  private async discardUnused(keep: Set<string>): Promise<void> {
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

type Mutation<R> = (services: Map<string, EdgeService>) => { result: R; changed: boolean };

interface QueuedChange {
  serviceId: string;
  apply: Mutation<unknown>;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/** What the edge serves, as read back or made by the last change. */
interface EdgeState {
  services: Map<string, EdgeService>;
  /** Deleted services, by the revision of the delete (see mergeEdgeState). */
  deleted: Map<string, number>;
  /** Routed shard label → fingerprint() of the services its VCL serves. */
  loaded: Map<string, string>;
  /** The shard count the active router hashes with (0: no router of ours). */
  routerShards: number;
  /** A change was left half-way: some shard disagrees with the merged state. */
  needsRepair: boolean;
}

/** Identifies a shard's content: its services at their revisions. */
function fingerprint(services: EdgeService[]): string {
  return services
    .map((s) => `${s.serviceId}@${s.revision ?? 0}`)
    .sort()
    .join(' ');
}

/** Shard label → the services with a host in that shard (in service id order). */
function layout(services: Map<string, EdgeService>, shards: number): Map<string, EdgeService[]> {
  const out = new Map<string, EdgeService[]>();
  for (const id of [...services.keys()].sort()) {
    const service = services.get(id)!;
    for (const index of new Set(serviceHosts(service).map((h) => routerShardOf(h, shards)))) {
      const label = shardLabel(index);
      const held = out.get(label);
      if (held) held.push(service);
      else out.set(label, [service]);
    }
  }
  return out;
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
