/**
 * An in-repo fake of the Cloudflare API v4 endpoints the Cloudflare adapter calls
 * (services/provider-cloudflare; what it simplifies: that README, "The fake"): an HTTP
 * server on 127.0.0.1 (port 0)
 * under `/client/v4`, so the official `cloudflare` SDK talks to it with `baseURL`.
 *
 * Modelled: API-token (Bearer) auth with Cloudflare's error codes (6003/6111 malformed
 * header, 9109 unknown token, 10000 zone not granted), the v4 envelope
 * `{success, errors, messages, result}` (a bare `{id}` for a custom-hostname delete),
 * page pagination with an empty page past the last, custom hostnames with their
 * ownership and certificate status progressing over time (`activationDelayMs`), custom
 * certificates on a hostname, rulesets phase entry points (PUT replaces, rule-level
 * POST/PATCH/DELETE, `version` bumped on every change, action checked against the phase,
 * per-phase rule quotas), purge (one kind per request, ≤ 100 items, a per-zone token
 * bucket), a per-token request limit answered with 429 + `Retry-After` + `Ratelimit`
 * headers, and fault injection (a 429 period, a failing hostname, a failure of the next
 * matching request). State is exposed for tests (`hostnames()`, `ruleset()`, `purges`,
 * `requests`, `refusedOverLimit`).
 */
import { createHash, randomUUID, X509Certificate, createPrivateKey } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const CLOUDFLARE_BASE_PATH = '/client/v4';

export const PHASES = [
  'http_request_origin',
  'http_request_cache_settings',
  'http_request_firewall_custom',
] as const;
export type Phase = (typeof PHASES)[number];

/** Which actions each modelled phase accepts (docs: Rulesets API, §12 of the vendor reference). */
const PHASE_ACTIONS: Record<Phase, string[]> = {
  http_request_origin: ['route'],
  http_request_cache_settings: ['set_cache_settings'],
  http_request_firewall_custom: [
    'block',
    'skip',
    'challenge',
    'js_challenge',
    'managed_challenge',
    'log',
  ],
};

export interface FakeRule {
  id: string;
  ref: string;
  version: string;
  last_updated: string;
  expression: string;
  action: string;
  action_parameters?: unknown;
  description?: string;
  enabled: boolean;
}

export interface FakeRuleset {
  id: string;
  kind: 'zone';
  name: string;
  phase: Phase;
  version: string;
  last_updated: string;
  description?: string;
  rules: FakeRule[];
}

export type HostnameStatus = 'pending' | 'active' | 'moved' | 'blocked' | 'deleted';

export interface FakeHostname {
  id: string;
  hostname: string;
  created_at: string;
  createdAtMs: number;
  custom_metadata?: Record<string, string>;
  custom_origin_server?: string;
  ssl: {
    id: string;
    method: string;
    type: string;
    /** A custom certificate uploaded on the hostname (else a managed DV certificate). */
    custom_certificate?: string;
    uploadedAtMs?: number;
  };
  /** Set by a failure hook: the status the hostname stays in, and why. */
  failed?: { status: HostnameStatus; sslStatus: string; message: string };
  /** Restart of validation (PATCH with the same method): progression restarts. */
  validationStartedMs: number;
}

export interface FakePurge {
  zoneId: string;
  at: number;
  files?: string[];
  hosts?: string[];
  prefixes?: string[];
  tags?: string[];
  purge_everything?: boolean;
}

export interface FakeRequest {
  method: string;
  path: string;
  status: number;
  at: number;
}

export interface FakeCloudflareOptions {
  /** Tokens and the zones each may use. @default one token 'test-token' for every zone */
  tokens?: Record<string, string[] | '*'>;
  /** Zone ids served (32 hex). @default one zone, FAKE_ZONE_ID */
  zones?: string[];
  /** Time from a custom hostname's creation (or re-validation) to active. @default 200 */
  activationDelayMs?: number;
  /** Requests per token per window before 429. @default 1200 per 300 s */
  requestLimit?: { requests: number; windowMs: number };
  /** Custom hostnames per zone (403 1405 beyond). @default 100 */
  hostnameQuota?: number;
  /** Rules per phase (cache, origin: 300; WAF: 1000 on Enterprise). */
  ruleQuota?: Partial<Record<Phase, number>>;
  /** Purge token bucket per zone (Enterprise: 50/s, bucket 500). */
  purgeBucket?: { perSecond: number; size: number };
  /** Clock, for tests. */
  now?: () => number;
}

export const FAKE_ZONE_ID = '023e105f4ecef8ad9ca31a8372d0c353';
export const FAKE_TOKEN = 'test-token';

interface ApiError {
  code: number;
  message: string;
  error_chain?: ApiError[];
}

class Failure extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(errors[0]?.message ?? 'failure');
  }
}

const fail = (status: number, code: number, message: string) =>
  new Failure(status, [{ code, message }]);

const RESERVED_TLDS = new Set(['test', 'example', 'invalid', 'localhost']);
const HOSTNAME = /^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

interface Injected {
  method: string;
  path: RegExp;
  status: number;
  code: number;
  message: string;
  times: number;
}

export class FakeCloudflare {
  readonly zones: string[];
  readonly purges: FakePurge[] = [];
  readonly requests: FakeRequest[] = [];
  /** Requests answered 429 because they were over the per-token limit. */
  refusedOverLimit = 0;
  /** Requests answered 429 during an injected throttling period. */
  throttled = 0;
  activationDelayMs: number;
  private server?: http.Server;
  private readonly tokens: Record<string, string[] | '*'>;
  private readonly hostnamesByZone = new Map<string, Map<string, FakeHostname>>();
  private readonly rulesets = new Map<string, FakeRuleset>();
  private readonly windowCounts = new Map<string, { start: number; count: number }>();
  private readonly purgeBuckets = new Map<string, { tokens: number; at: number }>();
  private readonly injected: Injected[] = [];
  private throttledUntil = 0;
  private readonly failingHostnames = new Map<string, string>();
  private readonly now: () => number;

  constructor(private readonly options: FakeCloudflareOptions = {}) {
    this.zones = options.zones ?? [FAKE_ZONE_ID];
    this.tokens = options.tokens ?? { [FAKE_TOKEN]: '*' };
    this.activationDelayMs = options.activationDelayMs ?? 200;
    this.now = options.now ?? Date.now;
    for (const zone of this.zones) this.hostnamesByZone.set(zone, new Map());
  }

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port;
  }

  /** What the SDK takes as `baseURL`. */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}${CLOUDFLARE_BASE_PATH}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // --- state for tests --------------------------------------------------------------

  /** Every custom hostname of a zone as the API shows it now. */
  hostnames(zoneId = this.zones[0]): Array<Record<string, unknown>> {
    return [...(this.hostnamesByZone.get(zoneId)?.values() ?? [])].map((h) => this.view(h));
  }

  ruleset(phase: Phase, zoneId = this.zones[0]): FakeRuleset | undefined {
    return this.rulesets.get(`${zoneId}/${phase}`);
  }

  // --- fault injection ----------------------------------------------------------------

  /** Every request for `ms` is answered 429 with `Retry-After` = the rest of the period. */
  throttleFor(ms: number): void {
    this.throttledUntil = this.now() + ms;
  }

  /** The next `times` requests matching `method` and `path` fail with this Cloudflare error. */
  failNext(
    method: string,
    path: RegExp,
    error: { status: number; code: number; message: string },
    times = 1,
  ): void {
    this.injected.push({ method, path, times, ...error });
  }

  /** A hostname that will not activate: its certificate validation times out with `message`. */
  failHostname(hostname: string, message: string): void {
    this.failingHostnames.set(hostname, message);
  }

  // --- HTTP ---------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let status = 200;
    let headers: Record<string, string> = {};
    let body: unknown;
    try {
      const token = this.authenticate(req.headers.authorization);
      headers = this.countRequest(token);
      ({ status, body } = this.route(method, url, raw, token));
    } catch (error) {
      if (!(error instanceof Failure)) throw error;
      status = error.status;
      headers = { ...headers, ...error.headers };
      body = { success: false, errors: error.errors, messages: [], result: null };
    }
    this.requests.push({ method, path: url.pathname, status, at: this.now() });
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private authenticate(header: string | undefined): string {
    const match = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header ?? '');
    if (!match) {
      throw new Failure(400, [
        {
          code: 6003,
          message: 'Invalid request headers',
          error_chain: [{ code: 6111, message: 'Invalid format for Authorization header' }],
        },
      ]);
    }
    if (!(match[1] in this.tokens)) throw fail(401, 9109, 'Invalid access token');
    return match[1];
  }

  /** The per-token limit and the injected 429 period; the rate-limit headers of the answer. */
  private countRequest(token: string): Record<string, string> {
    const now = this.now();
    const limit = this.options.requestLimit ?? { requests: 1200, windowMs: 300_000 };
    let window = this.windowCounts.get(token);
    if (!window || now - window.start >= limit.windowMs) {
      window = { start: now, count: 0 };
      this.windowCounts.set(token, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.start + limit.windowMs - now) / 1000));
    const policy = {
      'ratelimit-policy': `"default";q=${limit.requests};w=${limit.windowMs / 1000}`,
    };
    if (now < this.throttledUntil) {
      this.throttled++;
      const seconds = Math.max(1, Math.ceil((this.throttledUntil - now) / 1000));
      throw new Failure(429, [{ code: 10429, message: 'Rate limited. Please wait and retry.' }], {
        ...policy,
        'retry-after': String(seconds),
        ratelimit: `"default";r=0;t=${seconds}`,
      });
    }
    if (window.count >= limit.requests) {
      this.refusedOverLimit++;
      throw new Failure(429, [{ code: 10429, message: 'Rate limited. Please wait and retry.' }], {
        ...policy,
        'retry-after': String(resetSeconds),
        ratelimit: `"default";r=0;t=${resetSeconds}`,
      });
    }
    window.count++;
    return {
      ...policy,
      ratelimit: `"default";r=${limit.requests - window.count};t=${resetSeconds}`,
    };
  }

  private route(
    method: string,
    url: URL,
    raw: string,
    token: string,
  ): { status: number; body: unknown } {
    const path = url.pathname;
    if (!path.startsWith(`${CLOUDFLARE_BASE_PATH}/`)) throw fail(404, 7003, 'No route for the URI');
    const rest = path.slice(CLOUDFLARE_BASE_PATH.length);
    const injected = this.injected.find((i) => i.method === method && i.path.test(rest));
    if (injected) {
      if (--injected.times <= 0) this.injected.splice(this.injected.indexOf(injected), 1);
      throw fail(injected.status, injected.code, injected.message);
    }
    const body = (): Record<string, unknown> => {
      if (raw === '') return {};
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
      } catch {
        // reported below
      }
      throw fail(400, 1400, 'Unable to parse the request body: not valid JSON');
    };
    const ok = (result: unknown, status = 200, extra: Record<string, unknown> = {}) => ({
      status,
      body: { success: true, errors: [], messages: [], result, ...extra },
    });

    if (method === 'GET' && rest === '/user/tokens/verify')
      return ok({
        id: createHash('sha256').update(token).digest('hex').slice(0, 32),
        status: 'active',
      });

    const zoneMatch = /^\/zones\/([^/]+)(\/.*)$/.exec(rest);
    if (!zoneMatch) throw fail(404, 7003, 'No route for the URI');
    const [, zoneId, sub] = zoneMatch;
    const granted = this.tokens[token];
    if (granted !== '*' && !granted.includes(zoneId))
      throw fail(403, 10000, 'Authentication error');
    const hostnames = this.hostnamesByZone.get(zoneId);
    if (!hostnames)
      throw fail(
        404,
        7003,
        'Could not route to /zones/' + zoneId + ', perhaps your object identifier is invalid?',
      );

    // Custom hostnames.
    if (sub === '/custom_hostnames' && method === 'POST')
      return ok(this.view(this.createHostname(hostnames, body())), 201);
    if (sub === '/custom_hostnames' && method === 'GET') return this.listHostnames(hostnames, url);
    const one = /^\/custom_hostnames\/([^/]+)$/.exec(sub);
    if (one) {
      const found = hostnames.get(one[1]);
      if (!found) throw fail(404, 1436, 'The custom hostname was not found.');
      if (method === 'GET') return ok(this.view(found));
      if (method === 'PATCH') return ok(this.view(this.editHostname(found, body())), 202);
      if (method === 'DELETE') {
        hostnames.delete(found.id);
        return { status: 200, body: { id: found.id } };
      }
    }

    // Rulesets: phase entry points and their rules.
    const phase = /^\/rulesets\/phases\/([a-z_]+)\/entrypoint$/.exec(sub);
    if (phase) {
      const name = this.phase(phase[1]);
      const key = `${zoneId}/${name}`;
      if (method === 'GET') {
        const found = this.rulesets.get(key);
        if (!found)
          throw fail(404, 10003, `could not find entrypoint ruleset in the ${name} phase`);
        return ok(found);
      }
      if (method === 'PUT') {
        const b = body();
        const rules = this.rulesOf(name, b.rules);
        const existing = this.rulesets.get(key);
        const next: FakeRuleset = {
          id: existing?.id ?? randomUUID().replace(/-/g, ''),
          kind: 'zone',
          name: typeof b.name === 'string' ? b.name : 'default',
          phase: name,
          version: '0',
          last_updated: '',
          description: typeof b.description === 'string' ? b.description : undefined,
          rules: [],
        };
        next.version = existing?.version ?? '0';
        next.rules = rules.map((r) => this.newRule(r, next));
        this.bump(next);
        this.rulesets.set(key, next);
        return ok(next);
      }
    }
    const ruleRoute = /^\/rulesets\/([^/]+)\/rules(?:\/([^/]+))?$/.exec(sub);
    if (ruleRoute) {
      const ruleset = [...this.rulesets.entries()].find(
        ([k, r]) => k.startsWith(`${zoneId}/`) && r.id === ruleRoute[1],
      )?.[1];
      if (!ruleset) throw fail(404, 10003, 'could not find ruleset');
      const ruleId = ruleRoute[2];
      if (ruleId === undefined && method === 'POST') {
        const [rule] = this.rulesOf(ruleset.phase, [body()], ruleset.rules.length + 1);
        ruleset.rules.push(this.newRule(rule, ruleset));
        this.bump(ruleset);
        return ok(ruleset);
      }
      const index = ruleset.rules.findIndex((r) => r.id === ruleId);
      if (ruleId !== undefined && index < 0)
        throw fail(404, 10003, `could not find rule ${ruleId}`);
      if (method === 'PATCH') {
        const [rule] = this.rulesOf(ruleset.phase, [body()], ruleset.rules.length);
        ruleset.rules[index] = { ...this.newRule(rule, ruleset), id: ruleId! };
        this.bump(ruleset);
        return ok(ruleset);
      }
      if (method === 'DELETE') {
        ruleset.rules.splice(index, 1);
        this.bump(ruleset);
        return ok(ruleset);
      }
    }

    if (sub === '/purge_cache' && method === 'POST') return ok(this.purge(zoneId, body()));
    throw fail(404, 7003, 'No route for the URI');
  }

  // --- custom hostnames -----------------------------------------------------------------

  private checkHostname(hostname: unknown): string {
    if (typeof hostname !== 'string' || hostname === '')
      throw fail(400, 1407, 'The custom hostname is not valid.');
    const name = hostname.toLowerCase();
    if ([...name].some((c) => c.charCodeAt(0) > 0x7f))
      throw fail(400, 1408, 'Non-ASCII hostnames are not supported.');
    if (!HOSTNAME.test(name)) throw fail(400, 1407, `The custom hostname ${name} is not valid.`);
    if (RESERVED_TLDS.has(name.split('.').pop()!))
      throw fail(400, 1409, `The custom hostname ${name} uses a reserved top level domain.`);
    return name;
  }

  private checkSsl(ssl: unknown): FakeHostname['ssl'] | undefined {
    if (ssl === undefined) return undefined;
    const s = ssl as Record<string, unknown>;
    if ((s.method === undefined) !== (s.type === undefined))
      throw fail(400, 1440, 'Both validation type and validation method are required.');
    if (s.method !== undefined && !['http', 'txt', 'email'].includes(String(s.method)))
      throw fail(400, 1432, 'The validation method must be one of http, email or txt.');
    if (s.type !== undefined && s.type !== 'dv')
      throw fail(400, 1433, 'The validation type must be dv.');
    const out: FakeHostname['ssl'] = {
      id: randomUUID(),
      method: String(s.method ?? 'http'),
      type: 'dv',
    };
    if (s.custom_certificate !== undefined || s.custom_key !== undefined) {
      out.custom_certificate = checkCertificatePair(s.custom_certificate, s.custom_key);
      out.uploadedAtMs = this.now();
    }
    return out;
  }

  private createHostname(
    hostnames: Map<string, FakeHostname>,
    b: Record<string, unknown>,
  ): FakeHostname {
    const hostname = this.checkHostname(b.hostname);
    if ([...hostnames.values()].some((h) => h.hostname === hostname))
      throw fail(409, 1406, `Duplicate custom hostname found: ${hostname}.`);
    if (hostnames.size >= (this.options.hostnameQuota ?? 100))
      throw fail(403, 1405, 'You have reached the custom hostname quota for this zone.');
    const ssl = this.checkSsl(b.ssl) ?? { id: randomUUID(), method: 'http', type: 'dv' };
    const now = this.now();
    const created: FakeHostname = {
      id: randomUUID(),
      hostname,
      created_at: new Date(now).toISOString(),
      createdAtMs: now,
      ssl,
      validationStartedMs: now,
      custom_metadata: metadataOf(b.custom_metadata),
      custom_origin_server:
        typeof b.custom_origin_server === 'string' ? b.custom_origin_server : undefined,
    };
    const failing = this.failingHostnames.get(hostname);
    if (failing !== undefined)
      created.failed = { status: 'pending', sslStatus: 'validation_timed_out', message: failing };
    hostnames.set(created.id, created);
    return created;
  }

  private editHostname(found: FakeHostname, b: Record<string, unknown>): FakeHostname {
    if (b.hostname !== undefined)
      throw fail(409, 1439, 'Modifying the custom hostname is not supported.');
    if (b.custom_metadata !== undefined) found.custom_metadata = metadataOf(b.custom_metadata);
    if (typeof b.custom_origin_server === 'string')
      found.custom_origin_server = b.custom_origin_server;
    const ssl = this.checkSsl(b.ssl);
    if (ssl) {
      // Same method and type restart validation (docs: "re-validation"); a new custom
      // certificate, or none, replaces the old one.
      found.ssl = { ...ssl, id: found.ssl.id };
      found.validationStartedMs = this.now();
      if (found.failed && !this.failingHostnames.has(found.hostname)) delete found.failed;
    }
    return found;
  }

  private listHostnames(hostnames: Map<string, FakeHostname>, url: URL) {
    const q = url.searchParams;
    const id = q.get('id');
    const exact = q.get('hostname.exact') ?? q.get('hostname');
    if (id !== null && exact !== null)
      throw fail(400, 1438, 'The id filter cannot be combined with other filters.');
    let items = [...hostnames.values()];
    if (id !== null) items = items.filter((h) => h.id === id);
    if (exact !== null) items = items.filter((h) => h.hostname === exact.toLowerCase());
    const contain = q.get('hostname.contain');
    if (contain !== null) items = items.filter((h) => h.hostname.includes(contain.toLowerCase()));
    items.sort((a, b) => a.createdAtMs - b.createdAtMs || a.hostname.localeCompare(b.hostname));
    const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
    const perPage = Math.min(50, Math.max(5, Number(q.get('per_page') ?? 20) || 20));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    return {
      status: 200,
      body: {
        success: true,
        errors: [],
        messages: [],
        result: slice.map((h) => this.view(h)),
        result_info: {
          page,
          per_page: perPage,
          count: slice.length,
          total_count: items.length,
          total_pages: Math.max(1, Math.ceil(items.length / perPage)),
        },
      },
    };
  }

  /** The hostname as the API answers now: statuses progress with time since validation began. */
  private view(h: FakeHostname): Record<string, unknown> {
    const elapsed = this.now() - h.validationStartedMs;
    const delay = this.activationDelayMs;
    const custom = h.ssl.custom_certificate !== undefined;
    let sslStatus: string;
    if (h.failed) sslStatus = h.failed.sslStatus;
    else if (elapsed >= delay) sslStatus = 'active';
    else if (custom) sslStatus = 'pending_deployment';
    else if (elapsed >= delay * 0.75) sslStatus = 'pending_deployment';
    else if (elapsed >= delay * 0.5) sslStatus = 'pending_issuance';
    else if (elapsed >= delay * 0.25) sslStatus = 'pending_validation';
    else sslStatus = 'initializing';
    const status: HostnameStatus = h.failed
      ? h.failed.status
      : elapsed >= delay
        ? 'active'
        : 'pending';
    const token = createHash('sha256').update(h.id).digest('hex').slice(0, 32);
    return {
      id: h.id,
      hostname: h.hostname,
      created_at: h.created_at,
      status,
      ...(status === 'pending'
        ? {
            verification_errors: [
              h.failed?.message ?? 'custom hostname does not CNAME to this zone.',
            ],
          }
        : {}),
      ownership_verification: {
        type: 'txt',
        name: `_cf-custom-hostname.${h.hostname}`,
        value: token,
      },
      ownership_verification_http: {
        http_url: `http://${h.hostname}/.well-known/cf-custom-hostname-challenge/${h.id}`,
        http_body: token,
      },
      ssl: {
        id: h.ssl.id,
        status: sslStatus,
        method: h.ssl.method,
        type: h.ssl.type,
        bundle_method: 'ubiquitous',
        wildcard: false,
        certificate_authority: custom ? undefined : 'google',
        ...(custom
          ? {
              custom_certificate: h.ssl.custom_certificate,
              uploaded_on: new Date(h.ssl.uploadedAtMs!).toISOString(),
            }
          : {}),
        validation_records:
          sslStatus === 'active' || custom
            ? []
            : [
                {
                  status: 'pending',
                  http_url: `http://${h.hostname}/.well-known/pki-validation/${token}.txt`,
                  http_body: token,
                },
              ],
        ...(h.failed ? { validation_errors: [{ message: h.failed.message }] } : {}),
      },
      ...(h.custom_metadata ? { custom_metadata: h.custom_metadata } : {}),
      ...(h.custom_origin_server ? { custom_origin_server: h.custom_origin_server } : {}),
    };
  }

  // --- rulesets -------------------------------------------------------------------------

  private phase(name: string): Phase {
    if (!(PHASES as readonly string[]).includes(name))
      throw fail(400, 20217, `'${name}' is not a valid phase`);
    return name as Phase;
  }

  private rulesOf(
    phase: Phase,
    raw: unknown,
    countAfter?: number,
  ): Array<Omit<FakeRule, 'id' | 'version' | 'last_updated'>> {
    if (!Array.isArray(raw)) throw fail(400, 20021, "'rules' must be an array");
    const quota =
      this.options.ruleQuota?.[phase] ?? (phase === 'http_request_firewall_custom' ? 1000 : 300);
    if ((countAfter ?? raw.length) > quota)
      throw fail(400, 20200, `exceeded maximum number of rules in the ${phase} phase: ${quota}`);
    return raw.map((r: Record<string, unknown>, i) => {
      if (typeof r.expression !== 'string' || r.expression.trim() === '')
        throw fail(400, 20021, `rules[${i}]: 'expression' is required`);
      if (!balanced(r.expression))
        throw fail(
          400,
          20021,
          `rules[${i}]: filter parsing error: unbalanced parentheses or quotes`,
        );
      if (typeof r.action !== 'string' || !PHASE_ACTIONS[phase].includes(r.action))
        throw fail(
          400,
          20021,
          `rules[${i}]: '${String(r.action)}' is not a valid action for the ${phase} phase`,
        );
      return {
        ref: typeof r.ref === 'string' ? r.ref : '',
        expression: r.expression,
        action: r.action,
        action_parameters: r.action_parameters,
        description: typeof r.description === 'string' ? r.description : undefined,
        enabled: r.enabled !== false,
      };
    });
  }

  private newRule(
    rule: Omit<FakeRule, 'id' | 'version' | 'last_updated'>,
    ruleset: FakeRuleset,
  ): FakeRule {
    const id = randomUUID().replace(/-/g, '');
    return {
      ...rule,
      id,
      ref: rule.ref || id,
      version: String(Number(ruleset.version) + 1),
      last_updated: new Date(this.now()).toISOString(),
    };
  }

  private bump(ruleset: FakeRuleset): void {
    ruleset.version = String(Number(ruleset.version) + 1);
    ruleset.last_updated = new Date(this.now()).toISOString();
  }

  // --- purge ----------------------------------------------------------------------------

  private purge(zoneId: string, b: Record<string, unknown>): { id: string } {
    const kinds = ['files', 'tags', 'hosts', 'prefixes', 'purge_everything'].filter(
      (k) => b[k] !== undefined,
    );
    if (kinds.length !== 1)
      throw fail(
        400,
        1012,
        'Request must contain one of "purge_everything", "files", "tags", "hosts" or "prefixes"',
      );
    const kind = kinds[0];
    if (kind === 'purge_everything') {
      if (b.purge_everything !== true) throw fail(400, 1012, 'purge_everything must be true');
    } else {
      const items = b[kind];
      if (!Array.isArray(items) || items.length === 0)
        throw fail(400, 1012, `${kind} must be a non-empty array`);
      if (items.length > 100)
        throw fail(400, 1015, `a purge request may contain at most 100 ${kind}`);
    }
    const bucket = this.options.purgeBucket ?? { perSecond: 50, size: 500 };
    const now = this.now();
    const state = this.purgeBuckets.get(zoneId) ?? { tokens: bucket.size, at: now };
    state.tokens = Math.min(
      bucket.size,
      state.tokens + ((now - state.at) / 1000) * bucket.perSecond,
    );
    state.at = now;
    this.purgeBuckets.set(zoneId, state);
    if (state.tokens < 1) {
      const wait = Math.ceil((1 - state.tokens) / bucket.perSecond);
      throw new Failure(429, [{ code: 1134, message: 'Purge rate limit exceeded' }], {
        'retry-after': String(Math.max(1, wait)),
      });
    }
    state.tokens -= 1;
    const files = b.files as Array<string | { url: string }> | undefined;
    this.purges.push({
      zoneId,
      at: now,
      ...(kind === 'files'
        ? { files: files!.map((f) => (typeof f === 'string' ? f : f.url)) }
        : {}),
      ...(kind === 'hosts' ? { hosts: b.hosts as string[] } : {}),
      ...(kind === 'prefixes' ? { prefixes: b.prefixes as string[] } : {}),
      ...(kind === 'tags' ? { tags: b.tags as string[] } : {}),
      ...(kind === 'purge_everything' ? { purge_everything: true } : {}),
    });
    return { id: randomUUID().replace(/-/g, '') };
  }
}

function metadataOf(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw fail(400, 1401, 'custom_metadata must be an object of strings');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v !== 'string') throw fail(400, 1401, 'custom_metadata values must be strings');
    out[k] = v;
  }
  return out;
}

/** A certificate and key that parse and belong together (1426–1429), else the API's refusal. */
function checkCertificatePair(certificate: unknown, key: unknown): string {
  if (typeof certificate !== 'string' || certificate.trim() === '')
    throw fail(400, 1427, 'The custom certificate is empty.');
  if (typeof key !== 'string' || key.trim() === '')
    throw fail(400, 1428, 'The custom key is empty.');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificate);
  } catch {
    throw fail(400, 1426, 'The custom certificate could not be parsed.');
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw fail(400, 1426, 'The custom key could not be parsed.');
  }
  if (!cert.checkPrivateKey(privateKey))
    throw fail(400, 1429, 'The custom certificate and key do not match.');
  return certificate;
}

/** Parentheses balanced outside string literals (a stand-in for Cloudflare's expression parser). */
function balanced(expression: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0 && !quoted;
}
