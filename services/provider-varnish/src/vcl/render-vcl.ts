/**
 * The service model → VCL 4.1 (pure; no I/O). Two kinds of program:
 *
 * - the router (`renderRouterVcl`), the active VCL: normalises the Host (lower case, no
 *   port), hashes it to one of N router shards (`routerShardOf`, the same hash varnishd's
 *   shard director computes) and hands the request to that shard's label
 *   (`return (vcl(poppy-shard-<i>))`); 404 for a shard that holds nothing yet;
 * - one program per shard (`renderShardVcl`), reached through its label, with every service
 *   that has a host in the shard:
 *   - one `backend` per origin, named `<key>_o<i>` (key = hash of the service id); TLS
 *     origins are refused (Varnish Cache has no backend TLS);
 *   - `<key>_recv`: the refresh (soft purge) token, restrictions (403), origin choice by the
 *     origins' `rules` (most specific pattern first), the host header the origin will see
 *     (`hostheadertype`), and `pass` for URLs whose caching rule has ttl 0; `vcl_recv`
 *     calls the one of the service answering for the Host (404 for another host);
 *   - `vcl_backend_fetch` sets the origin's Host; `vcl_backend_response` sets `beresp.ttl`
 *     from the caching rule of the backend's service (a fixed TTL overriding the origin's
 *     Cache-Control, except responses with Set-Cookie; 5xx never cached);
 *   - the services (and the records of the change) as comment lines (vcl-state.ts), read
 *     back after a restart.
 *
 * A change compiles the shards of the hosts it touches (and the small router when a shard
 * is used for the first time), so its cost does not grow with the number of services on
 * the edge beyond services / N per shard.
 */
import { createHash } from 'node:crypto';
import net from 'node:net';
import type { commonV1 } from '@poppy/contracts';
import { geographyToCountryCodes } from '@poppy/domain';
import { recordComment, stateComment, type EdgeRecord, type EdgeService } from './vcl-state';

export interface RenderOptions {
  /** Request header with the client's ISO country code (set by a GeoIP-aware load balancer). */
  geoHeader: string;
  /** Value of `X-Poppy-Refresh` that makes a request refetch from the origin (soft purge). */
  refreshToken: string;
}

/** A spec the edge cannot serve; the message is for the tenant. */
export class VclRenderError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'VclRenderError';
  }
}

/** The VCL identifier prefix of a service: stable, short, unique per service id. */
export function serviceKey(serviceId: string): string {
  return `s${createHash('sha256').update(serviceId).digest('hex').slice(0, 12)}`;
}

/** A VCL long string `{"…"}`; text that could end it early is refused. */
function str(value: string): string {
  if (value.includes('"}') || /[\r\n]/.test(value))
    throw new VclRenderError([`unsupported characters in ${JSON.stringify(value)}`]);
  return `{"${value}"}`;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A Poppy URL pattern (`/images/*`, `/a.png`, `*.jpg`) → an anchored regex over req.url. */
export function urlRegex(pattern: string): string {
  let p = pattern.trim() || '/*';
  if (!p.startsWith('/') && !p.startsWith('*')) p = `/${p}`;
  const body = p.split('*').map(escapeRegex).join('.*');
  return p.endsWith('*') ? `^${body}` : `^${body}(\\?.*)?$`;
}

/** Most specific first: exact paths before wildcards, then the longer literal part. */
function bySpecificity<T extends { pattern: string }>(items: T[]): T[] {
  const rank = (p: string) => [p.includes('*') ? 1 : 0, -p.replace(/\*/g, '').length] as const;
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => {
      const [wa, la] = rank(a.item.pattern);
      const [wb, lb] = rank(b.item.pattern);
      return wa - wb || la - lb || a.index - b.index;
    })
    .map((x) => x.item);
}

const normalisePath = (url: string | undefined) => {
  const u = (url ?? '').trim();
  if (u === '') return '/*';
  return u.startsWith('/') || u.startsWith('*') ? u : `/${u}`;
};

function ifChain(branches: Array<{ cond: string; body: string[] }>, indent: string): string[] {
  const out: string[] = [];
  branches.forEach((b, i) => {
    out.push(`${indent}${i === 0 ? 'if' : '} elsif'} (${b.cond}) {`);
    for (const line of b.body) out.push(`${indent}  ${line}`);
  });
  if (branches.length > 0) out.push(`${indent}}`);
  return out;
}

/** One `acl` entry from a client_ip rule (IPv4/IPv6, optional prefix; a zone id is dropped). */
function aclEntry(clientIp: string): string {
  const [rawAddress, prefix] = clientIp.trim().split('/');
  const address = rawAddress.split('%')[0];
  if (net.isIP(address) === 0)
    throw new VclRenderError([`client_ip ${clientIp} is not an IP address`]);
  return prefix === undefined ? `"${address}";` : `"${address}"/${Number(prefix)};`;
}

interface Rendered {
  declarations: string[];
  hosts: string[];
  recv: string[];
  response: string[];
  backends: string[];
}

function renderService(service: EdgeService, options: RenderOptions): Rendered {
  const { spec } = service;
  const key = serviceKey(service.serviceId);
  const problems: string[] = [];
  const declarations: string[] = [];
  const hosts = spec.domains.map((d) => d.domain.trim().toLowerCase().replace(/\.$/, ''));
  if (hosts.length === 0) problems.push('the service has no domain');
  if (spec.origins.length === 0) problems.push('the service has no origin');

  // Backends, one per origin.
  const backends: string[] = [];
  spec.origins.forEach((origin, i) => {
    const name = `${key}_o${i}`;
    backends.push(name);
    if (origin.ssl) {
      problems.push(
        `origin ${origin.origin} uses TLS (ssl: true); this Varnish edge connects to origins over plain HTTP only`,
      );
    }
    const host = origin.origin.trim();
    if (!/^[A-Za-z0-9.:-]+$/.test(host))
      problems.push(`origin ${origin.origin} is not a host name or IP address`);
    declarations.push(
      `backend ${name} {`,
      `  .host = "${host.replace(/"/g, '')}";`,
      `  .port = "${origin.port || 80}";`,
      '  .connect_timeout = 3s;',
      '  .first_byte_timeout = 30s;',
      '}',
    );
  });

  const recv: string[] = [`set req.http.X-Poppy-Service = "${key}";`];

  // Restrictions: one condition per (access, kind, url) group; a match of a blacklist or a
  // miss of a whitelist answers 403.
  interface Group {
    access: 'whitelist' | 'blacklist';
    kind: 'referrer' | 'client_ip' | 'geography';
    url: string;
    values: string[];
  }
  const groups = new Map<string, Group>();
  for (const restriction of spec.restrictions) {
    const access = restriction.access === 'blacklist' ? 'blacklist' : 'whitelist';
    for (const rule of restriction.rules) {
      const kind = rule.referrer
        ? 'referrer'
        : rule.client_ip
          ? 'client_ip'
          : rule.geography
            ? 'geography'
            : undefined;
      if (!kind) continue; // a rule of another kind (http_host, …) has nothing to enforce here
      const url = normalisePath(rule.request_url);
      const id = `${access}|${kind}|${url}`;
      const group = groups.get(id) ?? { access, kind, url, values: [] };
      group.values.push((rule.referrer ?? rule.client_ip ?? rule.geography ?? '').trim());
      groups.set(id, group);
    }
  }
  let aclCount = 0;
  for (const g of groups.values()) {
    let test: string;
    if (g.kind === 'referrer') {
      const hostsAlt = g.values.map((v) => escapeRegex(v.toLowerCase())).join('|');
      test = `req.http.Referer ~ ${str(`^(?i)[a-z][a-z0-9+.-]*://([^/@]*\\.)?(${hostsAlt})(:[0-9]+)?(/|\\?|$)`)}`;
    } else if (g.kind === 'client_ip') {
      const acl = `${key}_acl${aclCount++}`;
      const entries: string[] = [];
      for (const v of g.values) {
        try {
          entries.push(aclEntry(v));
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
      declarations.push(`acl ${acl} {`, ...entries.map((e) => `  ${e}`), '}');
      test = `client.ip ~ ${acl}`;
    } else {
      const codes: string[] = [];
      for (const v of g.values) {
        const c = geographyToCountryCodes(v);
        if (c) codes.push(...c);
        else problems.push(`geography ${v} has no country code known to this edge`);
      }
      test = `req.http.${options.geoHeader} ~ ${str(`^(?i)(${[...new Set(codes)].join('|') || '-'})$`)}`;
    }
    const refused = g.access === 'blacklist' ? `(${test})` : `!(${test})`;
    // A refresh request (soft purge, carrying the adapter's token) is not the tenant's client.
    recv.push(
      `if (!req.hash_always_miss && req.url ~ ${str(urlRegex(g.url))} && ${refused}) {`,
      '  return (synth(403, "Forbidden"));',
      '}',
    );
  }

  // Origin choice: each origin rule's pattern, most specific first; the fallback is the
  // first origin with no rules or a '/*' rule, else the first origin.
  const originHost = (origin: commonV1.Origin): string | undefined => {
    if (origin.hostheadertype === 'origin') return origin.origin.trim();
    if (origin.hostheadertype === 'custom')
      return (origin.hostheadervalue ?? '').trim() || undefined;
    return undefined; // 'domain': the client's Host goes to the origin
  };
  const chooseOrigin = (i: number): string[] => {
    const lines = [`set req.backend_hint = ${backends[i]};`];
    const host = originHost(spec.origins[i]);
    if (host) lines.push(`set req.http.X-Poppy-Origin-Host = ${str(host)};`);
    return lines;
  };
  if (spec.origins.length > 0) {
    const fallback = Math.max(
      0,
      spec.origins.findIndex(
        (o) => o.rules.length === 0 || o.rules.some((r) => normalisePath(r.request_url) === '/*'),
      ),
    );
    const routed = bySpecificity(
      spec.origins.flatMap((o, i) =>
        o.rules
          .map((r) => ({ pattern: normalisePath(r.request_url), origin: i }))
          .filter((r) => r.pattern !== '/*'),
      ),
    );
    recv.push(...chooseOrigin(fallback));
    recv.push(
      ...ifChain(
        routed.map((r) => ({
          cond: `req.url ~ ${str(urlRegex(r.pattern))}`,
          body: chooseOrigin(r.origin),
        })),
        '',
      ),
    );
  }

  // Caching: the most specific rule whose pattern matches; ttl 0 = pass.
  const caching = bySpecificity(
    spec.caching.flatMap((c) =>
      (c.rules.length > 0 ? c.rules : [{ name: c.name, request_url: '/*' }]).map((r) => ({
        pattern: normalisePath(r.request_url),
        ttl: c.ttl,
      })),
    ),
  );
  const passes = caching.some((c) => c.ttl === 0);
  if (passes) {
    recv.push(
      ...ifChain(
        caching.map((c) => ({
          cond: `req.url ~ ${str(urlRegex(c.pattern))}`,
          body: c.ttl === 0 ? ['return (pass);'] : ['# cached'],
        })),
        '',
      ),
    );
  }
  const response = ifChain(
    caching.map((c) => ({
      cond: `bereq.url ~ ${str(urlRegex(c.pattern))}`,
      body:
        c.ttl === 0
          ? ['set beresp.uncacheable = true;', 'set beresp.ttl = 0s;', 'return (deliver);']
          : [
              `set beresp.ttl = ${c.ttl}s;`,
              'if (!beresp.http.Set-Cookie) {',
              '  return (deliver);',
              '}',
            ],
    })),
    '',
  );

  if (problems.length > 0) throw new VclRenderError(problems);
  return { declarations, hosts, recv, response, backends };
}

function checkOptions(options: RenderOptions): void {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(options.geoHeader))
    throw new Error(`invalid geo header name ${options.geoHeader}`);
  if (!/^[A-Za-z0-9_-]{8,}$/.test(options.refreshToken)) throw new Error('invalid refresh token');
}

/** The host names a service answers for, as the router compares them. */
export function serviceHosts(service: EdgeService): string[] {
  return service.spec.domains.map((d) => d.domain.trim().toLowerCase().replace(/\.$/, ''));
}

/**
 * The router shard of a host: varnishd's `directors.shard().key(host)` (SHA-256 of the
 * string, its last four bytes as a little-endian unsigned 32-bit integer; checked against
 * a real varnishd in test/varnish-scale.int-spec.ts) modulo the number of shards.
 */
export function routerShardOf(host: string, shards: number): number {
  return createHash('sha256').update(host, 'utf8').digest().readUInt32LE(28) % shards;
}

/** The label through which the router reaches shard `index`. */
export function shardLabel(index: number): string {
  return `poppy-shard-${index}`;
}

/** Checks that every service renders (the tenant-readable problems of the first that does not). */
export function checkServiceRenders(service: EdgeService, options: RenderOptions): void {
  checkOptions(options);
  renderService(service, options);
}

export interface ShardContent {
  /** Services answering for at least one host of this shard, in a stable order. */
  services: EdgeService[];
  /**
   * The last state of every service a change touched (kept in each VCL the change loads,
   * read back to finish a change interrupted between two labels; see vcl-state.ts).
   */
  records: EdgeRecord[];
}

/**
 * One router shard: the programs of the services with a host in it (backends, ACLs,
 * `<key>_recv` / `<key>_response`), the host → service dispatch in `vcl_recv` (404 for
 * another host of the shard), the origin host header in `vcl_backend_fetch`, TTLs in
 * `vcl_backend_response`, and the services as comments (read back after a restart). The
 * Host is normalised again (lower case, no port) as in the router. A change compiles only the shards of the hosts it
 * touches, whose size is the number of services / the number of shards.
 */
export function renderShardVcl(
  index: number,
  shards: number,
  content: ShardContent,
  options: RenderOptions,
): string {
  checkOptions(options);
  const rendered = content.services.map((s) => ({
    key: serviceKey(s.serviceId),
    out: renderService(s, options),
    hosts: serviceHosts(s).filter((h) => routerShardOf(h, shards) === index),
  }));
  return [
    'vcl 4.1;',
    `# Generated by poppy provider-varnish: router shard ${index} of ${shards} (each change loads a new one).`,
    ...content.services.map(stateComment),
    ...content.records.map(recordComment),
    'import std;',
    '',
    'backend poppy_none none;',
    '',
    ...rendered.flatMap(({ key, out }) => [
      ...out.declarations,
      '',
      `sub ${key}_recv {`,
      ...out.recv.map((l) => `  ${l}`),
      '}',
      '',
      `sub ${key}_response {`,
      ...out.response.map((l) => `  ${l}`),
      '}',
      '',
    ]),
    'sub vcl_recv {',
    '  set req.backend_hint = poppy_none;',
    '  # The router hashed the normalised Host; a label starts from the request as received.',
    '  set req.http.host = std.tolower(regsub(req.http.host, ":[0-9]+$", ""));',
    '  unset req.http.X-Poppy-Origin-Host;',
    '  unset req.http.X-Poppy-Service;',
    '  if (req.http.X-Poppy-Refresh) {',
    `    if (req.http.X-Poppy-Refresh == "${options.refreshToken}") {`,
    '      set req.hash_always_miss = true;',
    '    }',
    '    unset req.http.X-Poppy-Refresh;',
    '  }',
    ...ifChain(
      rendered
        .filter((r) => r.hosts.length > 0)
        .map((r) => ({
          cond: r.hosts.map((h) => `req.http.host == ${str(h)}`).join(' || '),
          body: [`call ${r.key}_recv;`],
        })),
      '  ',
    ),
    '  if (!req.http.X-Poppy-Service) {',
    '    return (synth(404, "Unknown host"));',
    '  }',
    '}',
    '',
    'sub vcl_backend_fetch {',
    '  if (bereq.http.X-Poppy-Origin-Host) {',
    '    set bereq.http.host = bereq.http.X-Poppy-Origin-Host;',
    '  }',
    '  unset bereq.http.X-Poppy-Origin-Host;',
    '  unset bereq.http.X-Poppy-Service;',
    '}',
    '',
    'sub vcl_backend_response {',
    '  if (beresp.status >= 500) {',
    '    set beresp.uncacheable = true;',
    '    set beresp.ttl = 0s;',
    '    return (deliver);',
    '  }',
    ...ifChain(
      rendered.map((r) => ({
        cond: r.out.backends.map((b) => `bereq.backend == ${b}`).join(' || '),
        body: [`call ${r.key}_response;`],
      })),
      '  ',
    ),
    '}',
    '',
  ].join('\n');
}

/** `# poppy-router shards=<n>` in the router: how hosts were hashed when it was made. */
export const ROUTER_SHARDS_COMMENT = '# poppy-router shards=';

/**
 * The active program: normalises the Host (lower case, no port), hashes it to a router
 * shard (`directors.shard().key()`, see routerShardOf) and hands the request to that
 * shard's label (`return (vcl(poppy-shard-<i>))`); 404 for a shard that holds nothing yet.
 * It lists shards, never hosts, so it changes only when a shard is used for the first time.
 */
export function renderRouterVcl(shards: number, routed: number[]): string {
  const indexes = [...new Set(routed)].sort((a, b) => a - b);
  return [
    'vcl 4.1;',
    '# Generated by poppy provider-varnish: the router (host → shard label).',
    `${ROUTER_SHARDS_COMMENT}${shards}`,
    'import std;',
    'import directors;',
    '',
    'backend poppy_none none;',
    '',
    'sub vcl_init {',
    '  new poppy_hash = directors.shard();',
    '}',
    '',
    'sub vcl_recv {',
    '  set req.backend_hint = poppy_none;',
    '  set req.http.host = std.tolower(regsub(req.http.host, ":[0-9]+$", ""));',
    `  set req.http.X-Poppy-Shard = poppy_hash.key(req.http.host) % ${shards};`,
    ...ifChain(
      indexes.map((i) => ({
        cond: `req.http.X-Poppy-Shard == "${i}"`,
        body: ['unset req.http.X-Poppy-Shard;', `return (vcl(${shardLabel(i)}));`],
      })),
      '  ',
    ),
    '  return (synth(404, "Unknown host"));',
    '}',
    '',
  ].join('\n');
}
