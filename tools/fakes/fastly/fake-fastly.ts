/**
 * A fake of the Fastly API v1 endpoints Poppy's adapter uses, on 127.0.0.1 (port 0), driven
 * by the documented request/response shapes (shared vendors/fastly.md §15 "What a faithful
 * fake must model"): `Fastly-Key` auth (401), services and versions (clone, lock, activate,
 * deactivate; locked versions refuse edits), version-scoped config objects addressed by name
 * (409 duplicate, 404 record not found), details, validate, purge (URL, key, all; soft
 * recorded), TLS (JSON:API), stats, `Fastly-RateLimit-Remaining`/`-Reset` on non-GET
 * calls and 429 over the limit. Faults for tests: a 429 period, a failing validation or
 * activation, an activation that takes effect after a delay.
 *
 * Simplifications (listed in services/provider-fastly/README.md): no VCL compilation, one
 * customer, activation becomes visible after `activationDelayMs` (real Fastly reports it at
 * once and propagates in seconds), ACL entries/dynamic snippets/logging not modelled.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Fields = Record<string, string | number | boolean | null>;

/** Path segment → `details` key of the version-scoped objects the fake keeps. */
const KINDS: Record<string, string> = {
  domain: 'domains',
  backend: 'backends',
  condition: 'conditions',
  cache_settings: 'cache_settings',
  header: 'headers',
  snippet: 'snippets',
  response_object: 'response_objects',
  gzip: 'gzips',
};

export interface FakeVersion {
  number: number;
  active: boolean;
  locked: boolean;
  comment: string;
  created_at: string;
  /** details key → name → object */
  objects: Record<string, Map<string, Fields>>;
  /** Set while an activation waits for `activationDelayMs`. */
  activatingAt?: number;
}

export interface FakeService {
  id: string;
  name: string;
  comment: string;
  created_at: string;
  versions: FakeVersion[];
}

export interface FakePurge {
  kind: 'url' | 'key' | 'all';
  target: string;
  soft: boolean;
  at: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface TlsRecord {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  relationships: Record<string, unknown>;
}

export interface FakeFastlyOptions {
  /** Valid `Fastly-Key` values. @default ['fake-fastly-token'] */
  tokens?: string[];
  /** Non-read requests allowed per window (per token). @default 1000 */
  rateLimit?: number;
  /** Window of the limit, aligned to the epoch (Fastly: the hour). @default 3600000 */
  rateWindowMs?: number;
  /** Count GETs against the limit too (Fastly does not). @default false */
  countReads?: boolean;
  /** Delay before an activation takes effect. @default 0 */
  activationDelayMs?: number;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const newId = () => randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly contentType = 'application/json',
  ) {
    super(`HTTP ${status}`);
  }
}

const notFound = (detail: string) =>
  new HttpError(404, { msg: 'Record not found', detail: `Couldn't find ${detail}` });
const badRequest = (detail: string) => new HttpError(400, { msg: 'Bad request', detail });

/** Fields whose answer is a string in Fastly's responses (reference §15 "Type quirks"). */
const STRING_FIELDS = new Set(['priority', 'ttl', 'stale_ttl', 'status', 'dynamic']);
const BOOLEAN_FIELDS = new Set(['use_ssl', 'ssl_check_cert', 'auto_loadbalance']);
const NUMBER_FIELDS = new Set(['port', 'max_conn', 'weight', 'first_byte_timeout']);

export class FakeFastly {
  readonly services = new Map<string, FakeService>();
  readonly deletedServices = new Set<string>();
  readonly purges: FakePurge[] = [];
  readonly requests: FakeRequest[] = [];
  readonly tls = new Map<string, TlsRecord>();
  /** Requests answered 429 (over the limit or inside a throttle period). */
  refused = 0;
  private server?: http.Server;
  private readonly tokens: Set<string>;
  private rateLimit: number;
  private rateWindowMs: number;
  private countReads: boolean;
  activationDelayMs: number;
  private readonly used = new Map<string, { window: number; count: number }>();
  private throttledUntil = 0;
  private failValidation?: string;
  private failActivation?: string;
  private purgeCounter = 0;

  constructor(options: FakeFastlyOptions = {}) {
    this.tokens = new Set(options.tokens ?? ['fake-fastly-token']);
    this.rateLimit = options.rateLimit ?? 1000;
    this.rateWindowMs = options.rateWindowMs ?? 3_600_000;
    this.countReads = options.countReads ?? false;
    this.activationDelayMs = options.activationDelayMs ?? 0;
  }

  get token(): string {
    return [...this.tokens][0];
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  // --- fault injection and state for tests ---------------------------------------------

  /** Every request answers 429 (with reset headers) for `seconds`. */
  throttleFor(seconds: number): void {
    this.throttledUntil = Date.now() + seconds * 1000;
  }

  setRateLimit(limit: number, windowMs = this.rateWindowMs, countReads = this.countReads): void {
    this.rateLimit = limit;
    this.rateWindowMs = windowMs;
    this.countReads = countReads;
    this.used.clear();
  }

  /** The next validate answers `{status:"error", msg}`. */
  failNextValidation(msg: string): void {
    this.failValidation = msg;
  }

  /** The next activation answers 400 with `detail`. */
  failNextActivation(detail: string): void {
    this.failActivation = detail;
  }

  serviceByName(name: string): FakeService | undefined {
    return [...this.services.values()].find((s) => s.name === name);
  }

  activeVersion(service: FakeService): FakeVersion | undefined {
    this.settle(service);
    return service.versions.find((v) => v.active);
  }

  /** The objects of a kind (`backends`, `conditions`, …) in a version. */
  objects(version: FakeVersion, key: string): Fields[] {
    return [...(version.objects[key]?.values() ?? [])];
  }

  // --- HTTP ----------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake');
    const headers: Record<string, string> = {};
    let status = 200;
    let body: unknown;
    let contentType = url.pathname.startsWith('/tls/')
      ? 'application/vnd.api+json'
      : 'application/json';
    try {
      const token = req.headers['fastly-key'];
      if (typeof token !== 'string' || !this.tokens.has(token))
        throw new HttpError(401, { msg: 'Provided credentials are missing or invalid' });
      this.limit(method, token, headers);
      [status, body] = this.route(method, url, raw, req.headers);
    } catch (error) {
      if (!(error instanceof HttpError)) {
        status = 500;
        body = { msg: 'Internal error', detail: String(error) };
      } else {
        status = error.status;
        body = error.body;
        contentType = error.contentType;
      }
    }
    this.requests.push({ method, path: url.pathname, status, at: Date.now() });
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...headers, ...(text ? { 'Content-Type': contentType } : {}) });
    res.end(text);
  }

  /** Rate-limit headers on counted requests; 429 over the limit or during a throttle period. */
  private limit(method: string, token: string, headers: Record<string, string>): void {
    const counted = this.countReads || (method !== 'GET' && method !== 'HEAD');
    const t = Date.now();
    const window = Math.floor(t / this.rateWindowMs);
    const resetS = Math.ceil(((window + 1) * this.rateWindowMs) / 1000);
    if (t < this.throttledUntil) {
      const until = Math.ceil(this.throttledUntil / 1000);
      headers['Fastly-RateLimit-Remaining'] = '0';
      headers['Fastly-RateLimit-Reset'] = String(until);
      this.refused += 1;
      throw new HttpError(429, { msg: 'Too many requests', detail: 'Rate limit exceeded' });
    }
    if (!counted) return;
    let usage = this.used.get(token);
    if (!usage || usage.window !== window) {
      usage = { window, count: 0 };
      this.used.set(token, usage);
    }
    if (usage.count >= this.rateLimit) {
      headers['Fastly-RateLimit-Remaining'] = '0';
      headers['Fastly-RateLimit-Reset'] = String(resetS);
      this.refused += 1;
      throw new HttpError(429, { msg: 'Too many requests', detail: 'Rate limit exceeded' });
    }
    usage.count += 1;
    headers['Fastly-RateLimit-Remaining'] = String(this.rateLimit - usage.count);
    headers['Fastly-RateLimit-Reset'] = String(resetS);
  }

  private route(
    method: string,
    url: URL,
    raw: string,
    reqHeaders: http.IncomingHttpHeaders,
  ): [number, unknown] {
    const p = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const form = () => Object.fromEntries(new URLSearchParams(raw)) as Record<string, string>;
    const soft = reqHeaders['fastly-soft-purge'] !== undefined;

    if (p[0] === 'purge' && method === 'POST') {
      const target = url.pathname.slice('/purge/'.length);
      return [200, { status: 'ok', id: this.recordPurge('url', decodeURIComponent(target), soft) }];
    }
    if (p[0] === 'tls') return this.routeTls(method, p.slice(1), url, raw);
    if (p[0] === 'stats' && p[1] === 'service' && method === 'GET') {
      this.service(p[2]);
      return [
        200,
        {
          status: 'success',
          msg: null,
          meta: {
            from: url.searchParams.get('from'),
            to: url.searchParams.get('to'),
            by: url.searchParams.get('by') ?? 'day',
          },
          data: [],
        },
      ];
    }
    if (p[0] !== 'service') throw notFound(url.pathname);

    if (p.length === 1 && method === 'POST') return [200, this.createService(form())];
    if (p.length === 1 && method === 'GET') {
      const page = Number(url.searchParams.get('page') ?? 1);
      const perPage = Number(url.searchParams.get('per_page') ?? 20);
      const all = [...this.services.values()].sort((a, b) =>
        a.created_at.localeCompare(b.created_at),
      );
      return [
        200,
        all.slice((page - 1) * perPage, page * perPage).map((s) => this.serviceBody(s, true)),
      ];
    }
    if (p[1] === 'search' && method === 'GET') {
      const found = this.serviceByName(url.searchParams.get('name') ?? '');
      if (!found) throw notFound(`service '${url.searchParams.get('name')}'`);
      return [200, this.serviceBody(found)];
    }
    const service = this.service(p[1]);
    if (p.length === 2 && method === 'GET') return [200, this.serviceBody(service)];
    if (p.length === 2 && method === 'DELETE') {
      if (this.activeVersion(service))
        throw badRequest('Cannot delete service with active version');
      this.services.delete(service.id);
      this.deletedServices.add(service.id);
      return [200, { status: 'ok' }];
    }
    if (p[2] === 'details' && method === 'GET') {
      const wanted = url.searchParams.get('version');
      const active = this.activeVersion(service);
      const version = wanted
        ? this.version(service, wanted)
        : service.versions[service.versions.length - 1];
      return [
        200,
        {
          ...this.serviceBody(service),
          active_version: active ? this.versionDetails(active) : null,
          version: this.versionDetails(version),
        },
      ];
    }
    if (p[2] === 'purge_all' && method === 'POST') {
      this.recordPurge('all', service.id, false);
      return [200, { status: 'ok' }];
    }
    if (p[2] === 'purge' && p.length === 4 && method === 'POST')
      return [200, { status: 'ok', id: this.recordPurge('key', `${service.id}/${p[3]}`, soft) }];
    if (p[2] === 'domain' && p.length === 3 && method === 'GET') {
      const active = this.activeVersion(service) ?? service.versions[service.versions.length - 1];
      return [200, this.objects(active, 'domains')];
    }
    if (p[2] !== 'version') throw notFound(url.pathname);

    if (p.length === 3 && method === 'GET')
      return [200, service.versions.map((v) => this.versionBody(service, v))];
    const version = this.version(service, p[3]);
    if (p.length === 4 && method === 'GET') return [200, this.versionBody(service, version)];
    const action = p[4];
    if (p.length === 5 && method === 'PUT' && action === 'clone') {
      const copy: FakeVersion = {
        number: Math.max(...service.versions.map((v) => v.number)) + 1,
        active: false,
        locked: false,
        comment: version.comment,
        created_at: now(),
        objects: Object.fromEntries(
          Object.entries(version.objects).map(([k, m]) => [
            k,
            new Map([...m].map(([n, o]) => [n, { ...o }])),
          ]),
        ),
      };
      service.versions.push(copy);
      return [200, this.versionBody(service, copy)];
    }
    if (p.length === 5 && method === 'PUT' && action === 'lock') {
      version.locked = true;
      return [200, this.versionBody(service, version)];
    }
    if (p.length === 5 && method === 'GET' && action === 'validate') {
      if (this.failValidation !== undefined) {
        const msg = this.failValidation;
        this.failValidation = undefined;
        return [200, { status: 'error', msg }];
      }
      return [200, { status: 'ok', msg: null }];
    }
    if (p.length === 5 && method === 'PUT' && action === 'activate') {
      if (this.failActivation !== undefined) {
        const detail = this.failActivation;
        this.failActivation = undefined;
        throw badRequest(detail);
      }
      version.locked = true;
      if (!version.active && version.activatingAt === undefined) {
        version.activatingAt = Date.now() + this.activationDelayMs;
        this.settle(service);
      }
      return [200, this.versionBody(service, version)];
    }
    if (p.length === 5 && method === 'PUT' && action === 'deactivate') {
      version.active = false;
      version.activatingAt = undefined;
      return [200, this.versionBody(service, version)];
    }
    const key = KINDS[action];
    if (!key) throw notFound(url.pathname);
    const objects = (version.objects[key] ??= new Map());
    if (p.length === 5 && method === 'GET') return [200, [...objects.values()]];
    if (p.length === 6 && method === 'GET') {
      const found = objects.get(p[5]);
      if (!found) throw notFound(`${action} '${p[5]}'`);
      return [200, found];
    }
    // Writes: only an unlocked version takes them (reference §3; status chosen as 400).
    if (version.locked)
      throw badRequest(`Version ${version.number} is locked and cannot be edited`);
    if (p.length === 5 && method === 'POST') {
      const fields = form();
      if (!fields.name) throw badRequest('Name is required');
      if (objects.has(fields.name))
        throw new HttpError(409, {
          msg: 'Duplicate record',
          detail: `Duplicate ${action}: '${fields.name}'`,
        });
      const object = this.object(service, version, action, fields);
      objects.set(fields.name, object);
      return [200, object];
    }
    if (p.length === 6 && method === 'PUT') {
      const existing = objects.get(p[5]);
      if (!existing) throw notFound(`${action} '${p[5]}'`);
      const object = {
        ...existing,
        ...this.object(service, version, action, { ...form(), name: p[5] }),
      };
      objects.set(p[5], object);
      return [200, object];
    }
    if (p.length === 6 && method === 'DELETE') {
      if (!objects.delete(p[5])) throw notFound(`${action} '${p[5]}'`);
      return [200, { status: 'ok' }];
    }
    throw notFound(url.pathname);
  }

  private object(
    service: FakeService,
    version: FakeVersion,
    kind: string,
    fields: Record<string, string>,
  ): Fields {
    const object: Fields = {
      service_id: service.id,
      created_at: now(),
      updated_at: now(),
      deleted_at: null,
    };
    for (const [k, v] of Object.entries(fields)) {
      if (BOOLEAN_FIELDS.has(k)) object[k] = v === '1' || v === 'true';
      else if (NUMBER_FIELDS.has(k)) object[k] = Number(v);
      else if (STRING_FIELDS.has(k)) object[k] = String(v);
      else object[k] = v;
    }
    if (
      kind === 'condition' &&
      object.type &&
      !['REQUEST', 'CACHE', 'RESPONSE', 'PREFETCH'].includes(String(object.type))
    )
      throw badRequest(`Type must be one of REQUEST, CACHE, RESPONSE, PREFETCH`);
    if (kind === 'snippet' && object.dynamic === '1') object.content = null;
    if (kind === 'snippet') object.id = object.id ?? newId();
    // `version` is a number on domains and backends, a string on the others (§15).
    object.version =
      kind === 'domain' || kind === 'backend' ? version.number : String(version.number);
    return object;
  }

  private createService(fields: Record<string, string>): unknown {
    if (!fields.name) throw badRequest('Name is required');
    const service: FakeService = {
      id: newId(),
      name: fields.name,
      comment: fields.comment ?? '',
      created_at: now(),
      versions: [
        { number: 1, active: false, locked: false, comment: '', created_at: now(), objects: {} },
      ],
    };
    this.services.set(service.id, service);
    return this.serviceBody(service);
  }

  private service(id: string | undefined): FakeService {
    const service = id ? this.services.get(id) : undefined;
    if (!service) throw notFound(`service '${id}'`);
    this.settle(service);
    return service;
  }

  private version(service: FakeService, n: string): FakeVersion {
    const version = service.versions.find((v) => v.number === Number(n));
    if (!version) throw notFound(`version ${n} of service '${service.id}'`);
    return version;
  }

  /** Activations whose delay passed take effect; the previously active version stays locked. */
  private settle(service: FakeService): void {
    const due = service.versions.filter(
      (v) => v.activatingAt !== undefined && v.activatingAt <= Date.now(),
    );
    for (const version of due.sort((a, b) => a.activatingAt! - b.activatingAt!)) {
      for (const other of service.versions) other.active = false;
      version.active = true;
      version.activatingAt = undefined;
    }
  }

  private versionBody(service: FakeService, v: FakeVersion): unknown {
    return {
      number: v.number,
      service_id: service.id,
      active: v.active,
      locked: v.locked,
      comment: v.comment,
      deployed: false,
      staging: false,
      testing: false,
      created_at: v.created_at,
      updated_at: v.created_at,
      deleted_at: null,
    };
  }

  private versionDetails(v: FakeVersion): unknown {
    const body: Record<string, unknown> = { number: v.number, active: v.active, locked: v.locked };
    for (const key of Object.values(KINDS)) body[key] = this.objects(v, key);
    return body;
  }

  private serviceBody(service: FakeService, listed = false): Record<string, unknown> {
    const body: Record<string, unknown> = {
      id: service.id,
      name: service.name,
      comment: service.comment,
      customer_id: 'fakecustomer',
      type: 'vcl',
      paused: false,
      publish_key: '',
      created_at: service.created_at,
      updated_at: service.created_at,
      deleted_at: null,
      versions: service.versions.map((v) => this.versionBody(service, v)),
    };
    if (listed) body.version = service.versions[service.versions.length - 1].number;
    return body;
  }

  private recordPurge(kind: FakePurge['kind'], target: string, soft: boolean): string {
    this.purges.push({ kind, target, soft, at: Date.now() });
    this.purgeCounter += 1;
    return `4151-${Math.floor(Date.now() / 1000)}-${this.purgeCounter}`;
  }

  // --- TLS (JSON:API) ------------------------------------------------------------------

  private routeTls(method: string, p: string[], url: URL, raw: string): [number, unknown] {
    const types: Record<string, string> = {
      private_keys: 'tls_private_key',
      certificates: 'tls_certificate',
      activations: 'tls_activation',
      subscriptions: 'tls_subscription',
    };
    const type = types[p[0]];
    if (!type) throw this.tlsError(404, 'Not found');
    if (p.length === 1 && method === 'GET') {
      let all = [...this.tls.values()].filter((r) => r.type === type);
      for (const [param, value] of url.searchParams) {
        const m = /^filter\[(\w+)\.id\]$/.exec(param);
        if (m)
          all = all.filter((r) =>
            JSON.stringify(r.relationships[m[1]] ?? null).includes(`"id":"${value}"`),
          );
      }
      const size = Number(url.searchParams.get('page[size]') ?? 20);
      const page = Number(url.searchParams.get('page[number]') ?? 1);
      return [
        200,
        {
          data: all.slice((page - 1) * size, page * size).map((r) => this.tlsBody(r)),
          meta: {
            current_page: page,
            per_page: size,
            record_count: all.length,
            total_pages: Math.max(1, Math.ceil(all.length / size)),
          },
        },
      ];
    }
    if (p.length === 1 && method === 'POST') {
      let data: {
        type?: string;
        attributes?: Record<string, unknown>;
        relationships?: Record<string, unknown>;
      };
      try {
        data = (JSON.parse(raw) as { data: typeof data }).data;
      } catch {
        throw this.tlsError(400, 'Body is not JSON:API');
      }
      if (data?.type !== type) throw this.tlsError(400, `data.type must be ${type}`);
      const attributes: Record<string, unknown> = { ...(data.attributes ?? {}), created_at: now() };
      if (type === 'tls_private_key' && typeof attributes.key !== 'string')
        throw this.tlsError(400, 'key is required');
      if (type === 'tls_certificate' && typeof attributes.cert_blob !== 'string')
        throw this.tlsError(400, 'cert_blob is required');
      if (type === 'tls_subscription') attributes.state = 'pending';
      const relationships = { ...(data.relationships ?? {}) };
      // go-fastly's request used `tls_domain` for subscriptions; the response says `tls_domains`.
      if (type === 'tls_subscription' && relationships.tls_domain && !relationships.tls_domains)
        relationships.tls_domains = relationships.tls_domain;
      const record: TlsRecord = { id: newId(), type, attributes, relationships };
      this.tls.set(record.id, record);
      return [201, { data: this.tlsBody(record) }];
    }
    const record = this.tls.get(p[1]);
    if (!record || record.type !== type) throw this.tlsError(404, 'Record not found');
    if (method === 'GET') return [200, { data: this.tlsBody(record) }];
    if (method === 'PATCH') {
      const data = (JSON.parse(raw) as { data: { attributes?: Record<string, unknown> } }).data;
      Object.assign(record.attributes, data.attributes ?? {}, { updated_at: now() });
      return [200, { data: this.tlsBody(record) }];
    }
    if (method === 'DELETE') {
      if (
        type === 'tls_subscription' &&
        url.searchParams.get('force') !== 'true' &&
        record.attributes.state === 'issued'
      )
        throw this.tlsError(400, 'Subscription has active domains; use force=true');
      this.tls.delete(record.id);
      return [204, undefined];
    }
    throw this.tlsError(404, 'Not found');
  }

  /** For tests: move a subscription's state (pending → processing → issued, or failed). */
  setSubscriptionState(id: string, state: string): void {
    const record = this.tls.get(id);
    if (record) record.attributes.state = state;
  }

  private tlsBody(record: TlsRecord): unknown {
    const attributes = { ...record.attributes };
    delete attributes.key; // a private key is never echoed
    delete attributes.cert_blob;
    return { id: record.id, type: record.type, attributes, relationships: record.relationships };
  }

  private tlsError(status: number, detail: string): HttpError {
    return new HttpError(
      status,
      { errors: [{ status: String(status), title: 'Error', detail }] },
      'application/vnd.api+json',
    );
  }
}
