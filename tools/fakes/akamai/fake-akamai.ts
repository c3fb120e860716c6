/**
 * An in-repo fake of the Akamai APIs the provider-akamai adapter calls, on loopback HTTP,
 * modelled on the vendor reference (EdgeGrid, PAPI, Fast Purge CCU v3, CPS v2):
 *
 * - every request is EdgeGrid-verified (edgegrid-verifier.ts): a bad signature → 401
 *   `pep-authn/deny` problem details, an unknown token → 401 "Inactive client token", a
 *   stale timestamp → 400 "Invalid timestamp";
 * - PAPI: properties with versions (rules + hostnames + an etag that changes on every
 *   write; `If-Match` quoted; 412 on a moved etag), read-only once activated, activations
 *   `PENDING → ACTIVE` after a configurable delay (eventual), 409 `resource-busy` for a
 *   second pending activation on a network, injectable `FAILED` with a failure cause;
 *   deactivation; delete refused while active; `cnameTo` checked against the edge hostnames;
 * - Fast Purge: the six POST routes, 201 with `estimatedSeconds`, every purge recorded;
 * - CPS: DV enrollments (vendor media types enforced), a change that waits for the
 *   domain-validation acknowledgement, then completes after a delay; injectable error;
 * - rate limiting: one token bucket for the account (`X-RateLimit-Limit/-Remaining` on every
 *   answer, 429 with `X-RateLimit-Next` and `Date` when empty) and `throttleFor(ms)`, a
 *   period in which every request is refused; refused requests are counted.
 *
 * Simplifications are listed in services/provider-akamai/README.md ("The fake").
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { verifyEdgeGrid, type ClientCredentials } from './edgegrid-verifier';

export const FAKE_CREDENTIALS: ClientCredentials = {
  clientToken: 'akab-client-token-fake-poppy',
  clientSecret: 'fake-poppy-client-secret-0000000000000000000=',
  accessToken: 'akab-access-token-fake-poppy',
};

export interface FakeAkamaiOptions {
  credentials?: ClientCredentials;
  contractId?: string;
  groupId?: string;
  /** Existing edge hostnames a property hostname may point at. */
  edgeHostnames?: string[];
  /** Time from an activation request to ACTIVE. @default 0 */
  activationDelayMs?: { staging: number; production: number };
  /** Time from the domain-validation acknowledgement to a deployed certificate. @default 0 */
  cpsDelayMs?: number;
  /** Account request budget: refill per second and bucket size. @default unlimited */
  rateLimit?: { perSecond: number; burst: number };
  /** Accepted clock skew of an EdgeGrid timestamp. @default 120000 */
  timestampSkewMs?: number;
}

export interface FakeActivation {
  activationId: string;
  propertyId: string;
  propertyName: string;
  propertyVersion: number;
  network: 'STAGING' | 'PRODUCTION';
  activationType: 'ACTIVATE' | 'DEACTIVATE';
  status: string;
  submitDate: string;
  updateDate: string;
  notifyEmails: string[];
  failureCause?: { message: string };
  /** Epoch ms when it completes (fake-only). */
  dueAt: number;
  /** Fake-only: set → it ends FAILED with this message. */
  failWith?: string;
}

export interface FakeVersion {
  propertyVersion: number;
  etag: string;
  rules: Record<string, unknown>;
  ruleFormat: string;
  comments?: string;
  hostnames: Array<Record<string, unknown>>;
  stagingStatus: string;
  productionStatus: string;
  everActivated: boolean;
  updatedDate: string;
}

export interface FakeProperty {
  propertyId: string;
  propertyName: string;
  productId: string;
  latestVersion: number;
  stagingVersion: number | null;
  productionVersion: number | null;
  versions: Map<number, FakeVersion>;
  activations: FakeActivation[];
}

export interface FakePurge {
  action: 'invalidate' | 'delete';
  type: 'url' | 'cpcode' | 'tag';
  network: 'staging' | 'production';
  objects: Array<string | number>;
  hostname?: string;
  purgeId: string;
  at: number;
}

export interface FakeEnrollment {
  id: number;
  body: Record<string, unknown>;
  change?: { id: number; state: string; status: string; dueAt?: number; error?: string };
  deployed: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
  at: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

type Json = Record<string, unknown>;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
    readonly headers: Record<string, string> = {},
  ) {
    super(String(body.detail ?? body.title ?? status));
  }
}

const PROBLEM_BASE = 'https://problems.luna.akamaiapis.net';
const problem = (status: number, type: string, title: string, detail: string, extra: Json = {}) =>
  new HttpProblem(status, {
    type: `${PROBLEM_BASE}${type}`,
    title,
    status,
    detail,
    instance: `${PROBLEM_BASE}/-/instance/${randomBytes(6).toString('hex')}`,
    ...extra,
  });
const notFound = (what: string) =>
  problem(404, '/papi/v1/http/not-found', 'Not Found', `${what} was not found`);

const newEtag = () => randomBytes(8).toString('hex');
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const RULE_FORMAT =
  /^application\/(json|vnd\.akamai\.papirules\.(latest|v\d{4}-\d{2}-\d{2})\+json)(;.*)?$/;
const CPS_ENROLLMENT_TYPE = 'application/vnd.akamai.cps.enrollment.v11+json';
const CPS_ACK_TYPE = 'application/vnd.akamai.cps.acknowledgement.v1+json';

export class FakeAkamai {
  readonly properties = new Map<string, FakeProperty>();
  readonly purges: FakePurge[] = [];
  readonly enrollments = new Map<number, FakeEnrollment>();
  readonly requests: RecordedRequest[] = [];
  /** Requests answered 429 (budget exhausted or a throttle period). */
  refused = 0;
  readonly contractId: string;
  readonly groupId: string;
  readonly edgeHostnames: Set<string>;
  activationDelayMs: { staging: number; production: number };
  cpsDelayMs: number;
  rateLimit?: { perSecond: number; burst: number };
  private readonly credentials: ClientCredentials;
  private readonly skewMs: number;
  private server?: Server;
  private port = 0;
  private nextId = 100000;
  private tokens: number;
  private refilledAt = Date.now();
  private throttledUntil = 0;
  private failActivations: Array<{ network: 'STAGING' | 'PRODUCTION'; message: string }> = [];
  private failEnrollments: string[] = [];

  constructor(options: FakeAkamaiOptions = {}) {
    this.credentials = options.credentials ?? FAKE_CREDENTIALS;
    this.contractId = options.contractId ?? 'ctr_C-0N7RAC7';
    this.groupId = options.groupId ?? 'grp_15225';
    this.edgeHostnames = new Set(
      options.edgeHostnames ?? ['poppy.edgesuite.net', 'poppy.edgekey.net'],
    );
    this.activationDelayMs = options.activationDelayMs ?? { staging: 0, production: 0 };
    this.cpsDelayMs = options.cpsDelayMs ?? 0;
    this.rateLimit = options.rateLimit;
    this.tokens = options.rateLimit?.burst ?? 0;
    this.skewMs = options.timestampSkewMs ?? 120_000;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }

  // --- fault injection and queries for tests ---------------------------------------

  /** Every request for `ms` is refused with 429 (X-RateLimit-Next = the end of the period). */
  throttleFor(ms: number): void {
    this.throttledUntil = Date.now() + ms;
  }

  /** The next activation on `network` ends FAILED with `message` as its failure cause. */
  failNextActivation(network: 'STAGING' | 'PRODUCTION', message: string): void {
    this.failActivations.push({ network, message });
  }

  /** The next enrollment's change ends in state `error` with `message`. */
  failNextEnrollment(message: string): void {
    this.failEnrollments.push(message);
  }

  propertyByName(name: string): FakeProperty | undefined {
    return [...this.properties.values()].find((p) => p.propertyName === name);
  }

  // --- HTTP ------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = req.url ?? '/';
    const url = new URL(target, 'http://fake');
    const method = req.method ?? 'GET';
    let status = 200;
    let payload: unknown;
    let headers: Record<string, string> = {};
    try {
      const verdict = verifyEdgeGrid(
        {
          method,
          scheme: 'http',
          host: req.headers.host ?? '',
          target,
          authorization: req.headers.authorization,
          body,
        },
        [this.credentials],
        { now: Date.now(), skewMs: this.skewMs },
      );
      if (!verdict.ok) {
        throw verdict.status === 401
          ? new HttpProblem(401, {
              type: `${PROBLEM_BASE}/-/pep-authn/deny`,
              title: 'Not authorized',
              status: 401,
              detail: verdict.detail,
              instance: `${PROBLEM_BASE}/-/pep-authn/deny/${randomBytes(6).toString('hex')}`,
            })
          : new HttpProblem(400, {
              type: `${PROBLEM_BASE}/-/pep-authn/request-error`,
              title: 'Bad request',
              status: 400,
              detail: verdict.detail,
            });
      }
      headers = this.takeToken(url.pathname);
      this.advance(Date.now());
      const text = body.toString('utf8');
      const parsed = text ? (JSON.parse(text) as unknown) : undefined;
      const answer = this.route(method, url, parsed, req);
      status = answer.status;
      payload = answer.body;
      headers = { ...headers, ...(answer.headers ?? {}) };
    } catch (error) {
      if (error instanceof HttpProblem) {
        status = error.status;
        payload = error.body;
        headers = { ...headers, ...error.headers };
      } else if (error instanceof SyntaxError) {
        status = 400;
        payload = problem(
          400,
          '/papi/v0/json-mapping-error',
          'Bad Request',
          'The request body is not valid JSON',
        ).body;
      } else {
        status = 500;
        payload = problem(
          500,
          '/papi/proxy/internal-server-error',
          'Internal Server Error',
          String(error),
        ).body;
      }
    }
    this.requests.push({
      method,
      path: target,
      status,
      at: Date.now(),
      headers: req.headers,
      body: body.toString('utf8'),
    });
    const isProblem =
      status >= 400 && typeof payload === 'object' && payload !== null && 'type' in payload;
    res.writeHead(status, {
      'content-type': isProblem ? 'application/problem+json' : 'application/json',
      date: new Date().toUTCString(),
      ...headers,
    });
    res.end(payload === undefined ? '' : JSON.stringify(payload));
  }

  /** One token of the account budget; throws the family's 429 when there is none. */
  private takeToken(path: string): Record<string, string> {
    const now = Date.now();
    const refuse = (nextAt: number) => {
      this.refused += 1;
      const rateHeaders = {
        'x-ratelimit-limit': String(this.rateLimit?.burst ?? 0),
        'x-ratelimit-remaining': '0',
        'x-ratelimit-next': new Date(nextAt).toISOString(),
      };
      if (path.startsWith('/ccu/')) {
        return new HttpProblem(
          429,
          {
            httpStatus: 429,
            title: 'Rate Limit exceeded',
            detail: '',
            rateLimit: this.rateLimit?.burst ?? 0,
            rateLimitRemaining: 0,
            rateLimitCurrentRequestSize: 1,
            supportId: `edcp-${randomBytes(6).toString('hex')}`,
            describedBy: 'https://techdocs.akamai.com/purge-cache/reference/api-errors',
          },
          rateHeaders,
        );
      }
      return new HttpProblem(
        429,
        {
          type: `${PROBLEM_BASE}/papi/v1/rate-limit-exceeded`,
          title: 'Too Many Requests',
          status: 429,
          detail: 'You have exceeded the request rate limit for this account.',
          instance: `${PROBLEM_BASE}/-/instance/${randomBytes(6).toString('hex')}`,
        },
        rateHeaders,
      );
    };
    if (now < this.throttledUntil) throw refuse(this.throttledUntil);
    if (!this.rateLimit) return {};
    const { perSecond, burst } = this.rateLimit;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    if (this.tokens < 1) throw refuse(now + Math.ceil(((1 - this.tokens) / perSecond) * 1000));
    this.tokens -= 1;
    return {
      'x-ratelimit-limit': String(burst),
      'x-ratelimit-remaining': String(Math.floor(this.tokens)),
    };
  }

  /** Eventual progress: activations and certificate changes whose time has come complete. */
  private advance(now: number): void {
    for (const property of this.properties.values()) {
      for (const a of property.activations) {
        if (a.status !== 'PENDING' && a.status !== 'PENDING_DEACTIVATION') continue;
        if (a.dueAt > now) continue;
        a.updateDate = iso(now);
        const version = property.versions.get(a.propertyVersion)!;
        const key = a.network === 'STAGING' ? 'stagingVersion' : 'productionVersion';
        const statusKey = a.network === 'STAGING' ? 'stagingStatus' : 'productionStatus';
        if (a.failWith !== undefined) {
          a.status = 'FAILED';
          a.failureCause = { message: a.failWith };
          version[statusKey] = 'FAILED';
          continue;
        }
        if (a.activationType === 'DEACTIVATE') {
          a.status = 'DEACTIVATED';
          version[statusKey] = 'DEACTIVATED';
          if (property[key] === a.propertyVersion) property[key] = null;
          continue;
        }
        a.status = 'ACTIVE';
        const previous = property[key];
        if (previous !== null && previous !== a.propertyVersion)
          property.versions.get(previous)![statusKey] = 'INACTIVE';
        version[statusKey] = 'ACTIVE';
        property[key] = a.propertyVersion;
      }
    }
    for (const e of this.enrollments.values()) {
      const c = e.change;
      if (c && c.state === 'running' && c.dueAt !== undefined && c.dueAt <= now) {
        c.state = 'completed';
        c.status = 'complete';
        e.deployed = true;
      }
    }
  }

  private route(
    method: string,
    url: URL,
    body: unknown,
    req: IncomingMessage,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const p = url.pathname.split('/').filter(Boolean);
    if (p[0] === 'papi' && p[1] === 'v1') return this.papi(method, p.slice(2), url, body, req);
    if (p[0] === 'ccu' && p[1] === 'v3' && method === 'POST') return this.purge(p.slice(2), body);
    if (p[0] === 'cps' && p[1] === 'v2') return this.cps(method, p.slice(2), body, req);
    throw notFound(url.pathname);
  }

  // --- PAPI ------------------------------------------------------------------------

  private papi(
    method: string,
    p: string[],
    url: URL,
    body: unknown,
    req: IncomingMessage,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const query = `?contractId=${this.contractId}&groupId=${this.groupId}`;
    if (p[0] !== 'properties') throw notFound(url.pathname);
    if (p.length === 1) {
      this.requireContractAndGroup(url);
      if (method === 'GET')
        return {
          status: 200,
          body: {
            properties: { items: [...this.properties.values()].map((x) => this.propertyView(x)) },
          },
        };
      if (method === 'POST') {
        const b = (body ?? {}) as Json;
        if (typeof b.productId !== 'string' || typeof b.propertyName !== 'string')
          throw problem(
            400,
            '/papi/v0/http/bad-request',
            'Bad Request',
            'productId and propertyName are required',
          );
        if (!/^[A-Za-z0-9_.-]{1,85}$/.test(b.propertyName))
          throw problem(
            400,
            '/papi/v0/property/name-invalid',
            'Bad Request',
            `Property name ${b.propertyName} is not valid`,
          );
        if (this.propertyByName(b.propertyName))
          throw problem(
            400,
            '/papi/v0/property/name-not-unique',
            'Bad Request',
            `A property named ${b.propertyName} already exists`,
          );
        const propertyId = `prp_${this.nextId++}`;
        const now = Date.now();
        this.properties.set(propertyId, {
          propertyId,
          propertyName: b.propertyName,
          productId: b.productId,
          latestVersion: 1,
          stagingVersion: null,
          productionVersion: null,
          activations: [],
          versions: new Map([
            [
              1,
              {
                propertyVersion: 1,
                etag: newEtag(),
                ruleFormat: typeof b.ruleFormat === 'string' ? b.ruleFormat : 'latest',
                rules: {
                  name: 'default',
                  behaviors: [
                    { name: 'origin', options: {} },
                    { name: 'cpCode', options: {} },
                  ],
                  children: [],
                },
                hostnames: [],
                stagingStatus: 'INACTIVE',
                productionStatus: 'INACTIVE',
                everActivated: false,
                updatedDate: iso(now),
              },
            ],
          ]),
        });
        const link = `/papi/v1/properties/${propertyId}${query}`;
        return { status: 201, body: { propertyLink: link }, headers: { location: link } };
      }
    }
    const property = this.properties.get(p[1]);
    if (!property) throw notFound(`Property ${p[1]}`);
    if (p.length === 2) {
      if (method === 'GET')
        return { status: 200, body: { properties: { items: [this.propertyView(property)] } } };
      if (method === 'DELETE') {
        if (property.stagingVersion !== null || property.productionVersion !== null)
          throw problem(
            403,
            '/papi/v1/property/active',
            'Forbidden',
            'A property that is active on a network cannot be deleted',
          );
        this.properties.delete(property.propertyId);
        return { status: 200, body: { message: 'Deletion Successful.' } };
      }
    }
    if (p[2] === 'versions') return this.versions(method, property, p.slice(3), body, req, query);
    if (p[2] === 'activations') return this.activations(method, property, p.slice(3), body, query);
    throw notFound(url.pathname);
  }

  private requireContractAndGroup(url: URL): void {
    if (
      url.searchParams.get('contractId') !== this.contractId ||
      url.searchParams.get('groupId') !== this.groupId
    )
      throw problem(
        403,
        '/papi/v1/http/forbidden',
        'Forbidden',
        'The contract or group is not accessible to this client',
      );
  }

  private propertyView(p: FakeProperty): Json {
    return {
      accountId: 'act_A-CCT5678',
      contractId: this.contractId,
      groupId: this.groupId,
      propertyId: p.propertyId,
      propertyName: p.propertyName,
      latestVersion: p.latestVersion,
      stagingVersion: p.stagingVersion,
      productionVersion: p.productionVersion,
      productId: p.productId,
      assetId: `aid_${p.propertyId.slice(4)}`,
      note: '',
    };
  }

  private versionView(v: FakeVersion): Json {
    return {
      propertyVersion: v.propertyVersion,
      updatedByUser: 'poppy',
      updatedDate: v.updatedDate,
      stagingStatus: v.stagingStatus,
      productionStatus: v.productionStatus,
      etag: v.etag,
      ruleFormat: v.ruleFormat,
    };
  }

  /** The etag a write must carry: `If-Match` (double-quoted) or the body's `etag`. */
  private checkEtag(req: IncomingMessage, version: FakeVersion, bodyEtag?: unknown): void {
    const ifMatch = req.headers['if-match'];
    const given =
      ifMatch !== undefined ? ifMatch : typeof bodyEtag === 'string' ? `"${bodyEtag}"` : undefined;
    if (given !== undefined && given !== `"${version.etag}"`)
      throw problem(
        412,
        '/papi/v1/precondition-failed',
        'Precondition Failed',
        'The etag does not match the current version; read it again',
      );
  }

  private versions(
    method: string,
    property: FakeProperty,
    p: string[],
    body: unknown,
    req: IncomingMessage,
    query: string,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    if (p.length === 0) {
      if (method === 'GET')
        return {
          status: 200,
          body: {
            propertyId: property.propertyId,
            versions: { items: [...property.versions.values()].map((v) => this.versionView(v)) },
          },
        };
      if (method === 'POST') {
        const b = (body ?? {}) as Json;
        const base = property.versions.get(Number(b.createFromVersion));
        if (!base)
          throw problem(
            400,
            '/papi/v0/http/bad-request',
            'Bad Request',
            `createFromVersion ${String(b.createFromVersion)} does not exist`,
          );
        if (b.createFromVersionEtag !== undefined && b.createFromVersionEtag !== base.etag)
          throw problem(
            412,
            '/papi/v1/precondition-failed',
            'Precondition Failed',
            'createFromVersionEtag does not match the base version',
          );
        const number = property.latestVersion + 1;
        property.latestVersion = number;
        property.versions.set(number, {
          ...structuredClone({ rules: base.rules, hostnames: base.hostnames }),
          propertyVersion: number,
          etag: newEtag(),
          ruleFormat: base.ruleFormat,
          comments: base.comments,
          stagingStatus: 'INACTIVE',
          productionStatus: 'INACTIVE',
          everActivated: false,
          updatedDate: iso(Date.now()),
        });
        const link = `/papi/v1/properties/${property.propertyId}/versions/${number}${query}`;
        return { status: 201, body: { versionLink: link }, headers: { location: link } };
      }
    }
    const version = property.versions.get(Number(p[0]));
    if (!version) throw notFound(`Version ${p[0]} of ${property.propertyId}`);
    const etagHeader = () => ({ etag: `"${version.etag}"` });
    if (p.length === 1 && method === 'GET')
      return {
        status: 200,
        body: { propertyId: property.propertyId, versions: { items: [this.versionView(version)] } },
        headers: etagHeader(),
      };
    const readOnly = () => {
      if (version.everActivated)
        throw problem(
          403,
          '/papi/v1/property-version/activated',
          'Forbidden',
          `Version ${version.propertyVersion} has been activated and cannot be edited; create a new version`,
        );
    };
    if (p[1] === 'rules') {
      if (method === 'PUT') {
        const type = String(req.headers['content-type'] ?? '');
        if (!RULE_FORMAT.test(type))
          throw problem(
            415,
            '/papi/v1/http/unsupported-media-type',
            'Unsupported Media Type',
            `Content-Type ${type} is not a rule format`,
          );
        const b = (body ?? {}) as Json;
        this.checkEtag(req, version, b.etag);
        readOnly();
        if (typeof b.rules !== 'object' || b.rules === null)
          throw problem(400, '/papi/v0/json-mapping-error', 'Bad Request', 'rules is required');
        version.rules = b.rules as Json;
        version.comments = typeof b.comments === 'string' ? b.comments : undefined;
        const format = /papirules\.([^+]+)\+json/.exec(type)?.[1];
        if (format) version.ruleFormat = format;
        version.etag = newEtag();
        version.updatedDate = iso(Date.now());
      } else if (method !== 'GET') throw notFound('route');
      return { status: 200, body: this.rulesView(property, version), headers: etagHeader() };
    }
    if (p[1] === 'hostnames') {
      if (method === 'PUT') {
        this.checkEtag(req, version);
        readOnly();
        if (!Array.isArray(body))
          throw problem(
            400,
            '/papi/v0/json-mapping-error',
            'Bad Request',
            'an array of hostnames is required',
          );
        for (const h of body as Json[]) {
          if (
            typeof h.cnameFrom !== 'string' ||
            typeof h.cnameTo !== 'string' ||
            !this.edgeHostnames.has(h.cnameTo)
          )
            throw problem(
              400,
              '/papi/v0/property-version-hostname/bad-cnameto',
              'Bad Request',
              `cnameTo ${String(h.cnameTo)} of ${String(h.cnameFrom)} is not an edge hostname of this contract`,
            );
        }
        version.hostnames = (body as Json[]).map((h) => ({
          cnameType: 'EDGE_HOSTNAME',
          ...h,
          edgeHostnameId: `ehn_${String(h.cnameTo).length}`,
        }));
        version.etag = newEtag();
      } else if (method !== 'GET') throw notFound('route');
      return {
        status: 200,
        body: {
          propertyId: property.propertyId,
          propertyVersion: version.propertyVersion,
          etag: version.etag,
          hostnames: { items: version.hostnames },
        },
        headers: etagHeader(),
      };
    }
    throw notFound('route');
  }

  private rulesView(property: FakeProperty, version: FakeVersion): Json {
    const errors: Json[] = [];
    const rules = version.rules as { behaviors?: Array<{ name?: string; options?: Json }> };
    const behaviors = Array.isArray(rules.behaviors) ? rules.behaviors : [];
    const origin = behaviors.findIndex((b) => b.name === 'origin');
    if (origin < 0 || typeof behaviors[origin].options?.hostname !== 'string')
      errors.push({
        type: `${PROBLEM_BASE}/papi/v0/validation/attribute_required`,
        errorLocation: `#/rules/behaviors/${Math.max(origin, 0)}/options/hostname`,
        detail: 'The origin behavior requires a hostname',
        behaviorName: 'origin',
      });
    const cp = behaviors.findIndex((b) => b.name === 'cpCode');
    if (cp < 0 || typeof (behaviors[cp].options?.value as Json | undefined)?.id !== 'number')
      errors.push({
        type: `${PROBLEM_BASE}/papi/v0/validation/attribute_required`,
        errorLocation: `#/rules/behaviors/${Math.max(cp, 0)}/options/value`,
        detail: 'The cpCode behavior requires a CP code',
        behaviorName: 'cpCode',
      });
    return {
      accountId: 'act_A-CCT5678',
      contractId: this.contractId,
      groupId: this.groupId,
      propertyId: property.propertyId,
      propertyVersion: version.propertyVersion,
      etag: version.etag,
      ruleFormat: version.ruleFormat,
      ...(version.comments !== undefined ? { comments: version.comments } : {}),
      rules: version.rules,
      ...(errors.length > 0 ? { errors } : {}),
    };
  }

  private activations(
    method: string,
    property: FakeProperty,
    p: string[],
    body: unknown,
    query: string,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const view = (items: FakeActivation[]) => ({
      accountId: 'act_A-CCT5678',
      contractId: this.contractId,
      groupId: this.groupId,
      activations: { items: items.map(({ dueAt: _d, failWith: _f, ...a }) => a) },
    });
    if (p.length === 0 && method === 'GET')
      return { status: 200, body: view([...property.activations].reverse()) };
    if (p.length === 0 && method === 'POST') {
      const b = (body ?? {}) as Json;
      const network = b.network;
      if (network !== 'STAGING' && network !== 'PRODUCTION')
        throw problem(
          400,
          '/papi/v0/activation/errors',
          'Bad Request',
          'network must be STAGING or PRODUCTION',
        );
      if (!Array.isArray(b.notifyEmails) || b.notifyEmails.length === 0)
        throw problem(
          400,
          '/papi/v0/activation/errors',
          'Bad Request',
          'notifyEmails needs at least one address',
        );
      const version = property.versions.get(Number(b.propertyVersion));
      if (!version)
        throw problem(
          400,
          '/papi/v0/activation/errors',
          'Bad Request',
          `Version ${String(b.propertyVersion)} does not exist`,
        );
      const type = b.activationType === 'DEACTIVATE' ? 'DEACTIVATE' : 'ACTIVATE';
      if (
        property.activations.some(
          (a) =>
            a.network === network &&
            (a.status === 'PENDING' || a.status === 'PENDING_DEACTIVATION'),
        )
      )
        throw problem(
          409,
          '/papi/v1/resource-busy',
          'Operation failed',
          'Another edit or activation request on same network in progress for this property version.',
        );
      if (type === 'ACTIVATE') {
        const errors = (this.rulesView(property, version).errors as Json[] | undefined) ?? [];
        if (errors.length > 0)
          throw problem(
            400,
            '/papi/v0/activation/errors',
            'Activation Errors',
            'The version has validation errors',
            { errors },
          );
      }
      const now = Date.now();
      const injected =
        type === 'ACTIVATE' ? this.failActivations.findIndex((f) => f.network === network) : -1;
      const failWith =
        injected >= 0 ? this.failActivations.splice(injected, 1)[0].message : undefined;
      const activation: FakeActivation = {
        activationId: `atv_${this.nextId++}`,
        propertyId: property.propertyId,
        propertyName: property.propertyName,
        propertyVersion: version.propertyVersion,
        network,
        activationType: type,
        status: type === 'ACTIVATE' ? 'PENDING' : 'PENDING_DEACTIVATION',
        submitDate: iso(now),
        updateDate: iso(now),
        notifyEmails: b.notifyEmails as string[],
        dueAt:
          now +
          (network === 'STAGING'
            ? this.activationDelayMs.staging
            : this.activationDelayMs.production),
        ...(failWith !== undefined ? { failWith } : {}),
      };
      version.everActivated = true;
      version[network === 'STAGING' ? 'stagingStatus' : 'productionStatus'] = activation.status;
      property.activations.push(activation);
      const link = `/papi/v1/properties/${property.propertyId}/activations/${activation.activationId}${query}`;
      return { status: 201, body: { activationLink: link }, headers: { location: link } };
    }
    const activation = property.activations.find((a) => a.activationId === p[0]);
    if (!activation) throw notFound(`Activation ${p[0]}`);
    if (method === 'DELETE') {
      if (activation.status !== 'PENDING')
        throw problem(
          400,
          '/papi/v1/activation/cancel',
          'Error canceling Activation',
          'cancellation_failed.error.activation.toofar',
        );
      activation.status = 'ABORTED';
      property.versions.get(activation.propertyVersion)![
        activation.network === 'STAGING' ? 'stagingStatus' : 'productionStatus'
      ] = 'ABORTED';
      return { status: 200, body: view([activation]) };
    }
    const pending = activation.status.startsWith('PENDING');
    return {
      status: 200,
      body: view([activation]),
      headers: pending
        ? { 'retry-after': String(Math.max(1, Math.ceil((activation.dueAt - Date.now()) / 1000))) }
        : {},
    };
  }

  // --- Fast Purge ------------------------------------------------------------------

  private purge(p: string[], body: unknown): { status: number; body: unknown } {
    const [action, type, network] = p;
    const ccuError = (status: number, title: string, detail: string) =>
      new HttpProblem(status, {
        httpStatus: status,
        title,
        detail,
        supportId: `edcp-${randomBytes(6).toString('hex')}`,
        describedBy: 'https://techdocs.akamai.com/purge-cache/reference/api-errors',
      });
    if (
      (action !== 'invalidate' && action !== 'delete') ||
      !['url', 'cpcode', 'tag'].includes(type)
    )
      throw ccuError(404, 'Not Found', `no purge route ${p.join('/')}`);
    if (network !== 'staging' && network !== 'production')
      throw ccuError(400, 'Bad Request', `network must be staging or production, got ${network}`);
    const b = (body ?? {}) as Json;
    const extra = Object.keys(b).filter(
      (k) => k !== 'objects' && !(k === 'hostname' && type === 'url'),
    );
    if (!Array.isArray(b.objects) || b.objects.length === 0 || extra.length > 0)
      throw ccuError(
        400,
        'Bad Request',
        'objects must be a non-empty array (and no other members)',
      );
    const wrongType = (b.objects as unknown[]).some((o) =>
      type === 'cpcode' ? typeof o !== 'number' : typeof o !== 'string',
    );
    if (wrongType)
      throw ccuError(400, 'Bad Request', `objects of a ${type} purge have the wrong type`);
    if (JSON.stringify(b).length > 50_000)
      throw ccuError(413, 'Request Entity Too Large', 'The body is larger than 50 KB');
    const purgeId = `edcp-${randomUUID()}`;
    this.purges.push({
      action,
      type: type as FakePurge['type'],
      network,
      objects: b.objects as Array<string | number>,
      ...(typeof b.hostname === 'string' ? { hostname: b.hostname } : {}),
      purgeId,
      at: Date.now(),
    });
    return {
      status: 201,
      body: {
        httpStatus: 201,
        estimatedSeconds: 5,
        purgeId,
        supportId: purgeId,
        detail: 'Request accepted',
      },
    };
  }

  // --- CPS ------------------------------------------------------------------------

  private cps(
    method: string,
    p: string[],
    body: unknown,
    req: IncomingMessage,
  ): { status: number; body?: unknown; headers?: Record<string, string> } {
    const cpsProblem = (status: number, title: string, detail: string) =>
      problem(status, `/cps/v2/${title.toLowerCase().replace(/\s+/g, '-')}`, title, detail);
    const accept = String(req.headers.accept ?? '');
    const needAccept = (type: string) => {
      if (!accept.includes(type)) throw cpsProblem(406, 'Not Acceptable', `Accept must be ${type}`);
    };
    const needContent = (type: string) => {
      if (!String(req.headers['content-type'] ?? '').startsWith(type))
        throw cpsProblem(415, 'Unsupported Media Type', `Content-Type must be ${type}`);
    };
    if (p[0] !== 'enrollments') throw cpsProblem(404, 'Not Found', p.join('/'));
    if (p.length === 1 && method === 'GET') {
      needAccept('application/vnd.akamai.cps.enrollments.v11+json');
      return {
        status: 200,
        body: { enrollments: [...this.enrollments.values()].map((e) => this.enrollmentView(e)) },
      };
    }
    if (p.length === 1 && method === 'POST') {
      needContent(CPS_ENROLLMENT_TYPE);
      needAccept('application/vnd.akamai.cps.enrollment-status.v1+json');
      const b = (body ?? {}) as Json;
      const csr = b.csr as Json | undefined;
      const net = b.networkConfiguration as Json | undefined;
      for (const k of [
        'ra',
        'validationType',
        'certificateType',
        'changeManagement',
        'enableMultiStackedCertificates',
      ])
        if (b[k] === undefined) throw cpsProblem(400, 'Bad Request', `${k} is required`);
      if (typeof csr?.cn !== 'string') throw cpsProblem(400, 'Bad Request', 'csr.cn is required');
      if (
        !net ||
        net.sniOnly === undefined ||
        net.geography === undefined ||
        net.secureNetwork === undefined
      )
        throw cpsProblem(
          400,
          'Bad Request',
          'networkConfiguration needs geography, secureNetwork and sniOnly',
        );
      const id = this.nextId++;
      const failure = this.failEnrollments.shift();
      const enrollment: FakeEnrollment = {
        id,
        body: b,
        deployed: false,
        change: failure
          ? { id, state: 'error', status: 'error', error: failure }
          : { id, state: 'awaiting-input', status: 'coordinate-domain-validation' },
      };
      this.enrollments.set(id, enrollment);
      return {
        status: 202,
        body: {
          enrollment: `/cps/v2/enrollments/${id}`,
          changes: [`/cps/v2/enrollments/${id}/changes/${id}`],
        },
        headers: { location: `/cps/v2/enrollments/${id}` },
      };
    }
    const enrollment = this.enrollments.get(Number(p[1]));
    if (!enrollment) throw cpsProblem(404, 'Not Found', `enrollment ${p[1]} does not exist`);
    if (p.length === 2 && method === 'GET') {
      needAccept('application/vnd.akamai.cps.enrollment.v11+json');
      return { status: 200, body: this.enrollmentView(enrollment) };
    }
    if (p.length === 2 && method === 'DELETE') {
      needAccept('application/vnd.akamai.cps.enrollment-status.v1+json');
      this.enrollments.delete(enrollment.id);
      return {
        status: 200,
        body: { enrollment: `/cps/v2/enrollments/${enrollment.id}`, changes: [] },
      };
    }
    const change = enrollment.change;
    if (p[2] !== 'changes' || !change || Number(p[3]) !== change.id)
      throw cpsProblem(404, 'Not Found', 'no such change');
    const changeLink = `/cps/v2/enrollments/${enrollment.id}/changes/${change.id}`;
    if (p.length === 4 && method === 'GET') {
      needAccept('application/vnd.akamai.cps.change.v2+json');
      const awaiting = change.state === 'awaiting-input';
      return {
        status: 200,
        body: {
          statusInfo: {
            state: change.state,
            status: change.status,
            description: awaiting ? 'Waiting for domain validation' : change.status,
            error: change.error
              ? {
                  code: 'lets-encrypt-error',
                  description: change.error,
                  timestamp: iso(Date.now()),
                }
              : null,
            deploymentSchedule: { notBefore: null, notAfter: null },
          },
          allowedInput: awaiting
            ? [
                {
                  type: 'lets-encrypt-challenges',
                  requiredToProceed: true,
                  info: `${changeLink}/input/info/lets-encrypt-challenges`,
                  update: `${changeLink}/input/update/lets-encrypt-challenges-completed`,
                },
              ]
            : [],
        },
      };
    }
    if (
      p.slice(4).join('/') === 'input/update/lets-encrypt-challenges-completed' &&
      method === 'POST'
    ) {
      needContent(CPS_ACK_TYPE);
      needAccept('application/vnd.akamai.cps.change-id.v1+json');
      if (change.state !== 'awaiting-input')
        throw cpsProblem(409, 'Conflict', `the change is ${change.state}, not awaiting input`);
      if ((body as Json | undefined)?.acknowledgement !== 'acknowledge')
        throw cpsProblem(400, 'Bad Request', 'acknowledgement must be "acknowledge"');
      change.state = 'running';
      change.status = 'wait-for-deployment';
      change.dueAt = Date.now() + this.cpsDelayMs;
      this.advance(Date.now());
      return { status: 200, body: { change: changeLink } };
    }
    throw cpsProblem(404, 'Not Found', p.join('/'));
  }

  private enrollmentView(e: FakeEnrollment): Json {
    const pending = e.change && e.change.state !== 'completed';
    return {
      ...e.body,
      id: e.id,
      location: `/cps/v2/enrollments/${e.id}`,
      maxAllowedSanNames: 100,
      pendingChanges: pending
        ? [
            {
              location: `/cps/v2/enrollments/${e.id}/changes/${e.change!.id}`,
              changeType: 'new-certificate',
            },
          ]
        : [],
    };
  }
}
