/**
 * Poppy's service model → what Cloudflare holds for it on the operator's SaaS zone (pure;
 * no API call). Reference: the vendor doc's §3 (custom hostnames), §4 (Origin Rules),
 * §5 (Cache Rules), §6 (WAF custom rules); summary in the README.
 *
 * - every domain → a custom hostname tagged `custom_metadata.poppy_service_id`;
 * - origins → Origin Rules (`route`): first one rule for every hostname of the service to
 *   the default origin, then one per origin `request_url`, least specific first — when
 *   several Origin Rules match, later ones override earlier ones;
 * - caching rules → Cache Rules (`set_cache_settings`), in the same order, `ttl` as the edge
 *   TTL (`override_origin`), 0 → not cached;
 * - restrictions → WAF custom rules (`block`): a blacklist blocks what matches, a whitelist
 *   blocks what does not, per request_url and kind (referrer, geography, client IP).
 *
 * Every rule's `ref` names the service (`poppy_<service id>_<phase>_<n>`), so the rules of a
 * service are found in a phase shared by every tenant, and every expression starts with the
 * service's `http.host in {…}` set, so it never touches another tenant's traffic.
 */
import { isIP } from 'node:net';
import type { commonV1 } from '@poppy/contracts';
import { geographyToCountryCodes } from '@poppy/domain';
import {
  CACHE_PHASE,
  ORIGIN_PHASE,
  WAF_PHASE,
  type Phase,
  type Rule,
  type RuleSpec,
} from './cloudflare-api';

export const METADATA_KEY = 'poppy_service_id';

export interface UnsupportedFeature {
  /** A key of KNOWN_UNSUPPORTED (capabilities.ts). */
  feature: string;
  /** What in the spec asked for it. */
  detail: string;
}

export interface DesiredHostname {
  hostname: string;
  /** Whether the domain is served over https (its certificate status is reported). */
  https: boolean;
}

export interface ServicePlan {
  hostnames: DesiredHostname[];
  rules: Record<Phase, RuleSpec[]>;
  unsupported: UnsupportedFeature[];
}

const PHASE_TAGS: Record<Phase, string> = {
  [ORIGIN_PHASE]: 'origin',
  [CACHE_PHASE]: 'cache',
  [WAF_PHASE]: 'waf',
};

/** The prefix of every rule ref of a service (refs allow letters, digits and `_`). */
export function refPrefix(serviceId: string): string {
  return `poppy_${serviceId.replace(/[^A-Za-z0-9]/g, '')}_`;
}

export function ruleRef(serviceId: string, phase: Phase, index: number): string {
  return `${refPrefix(serviceId)}${PHASE_TAGS[phase]}_${index}`;
}

/** `request_url` with a leading slash; `''`, `*` and `/*` are the default path. */
export function normalisePath(requestUrl: string): string {
  const trimmed = requestUrl.trim();
  if (trimmed === '' || trimmed === '*' || trimmed === '/*') return '/*';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

const isDefaultPath = (path: string) => path === '/*';

/** A string literal of the Rules language. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function hostCondition(hostnames: string[]): string {
  return `http.host in {${hostnames.map(quote).join(' ')}}`;
}

/** The path condition of a Poppy `request_url` (a glob), undefined for `/*`. */
export function pathCondition(requestUrl: string): string | undefined {
  const path = normalisePath(requestUrl);
  if (isDefaultPath(path)) return undefined;
  const star = path.indexOf('*');
  if (star < 0) return `http.request.uri.path eq ${quote(path)}`;
  if (star === path.length - 1)
    return `starts_with(http.request.uri.path, ${quote(path.slice(0, -1))})`;
  return `http.request.uri.path wildcard ${quote(path)}`;
}

/** Least specific first (later rules override earlier ones): shorter literal prefix, then shorter. */
function bySpecificityAscending(a: string, b: string): number {
  const prefix = (p: string) => (p.indexOf('*') === -1 ? p.length + 1 : p.indexOf('*'));
  return prefix(a) - prefix(b) || a.length - b.length || a.localeCompare(b);
}

function expression(hosts: string, ...conditions: Array<string | undefined>): string {
  return `(${[hosts, ...conditions.filter((c): c is string => c !== undefined)].join(' and ')})`;
}

export function planService(serviceId: string, spec: commonV1.ServiceSpec): ServicePlan {
  const unsupported: UnsupportedFeature[] = [];
  const hostnames = spec.domains.map((d) => ({
    hostname: d.domain.toLowerCase(),
    https: d.protocol === 'https',
  }));
  const hosts = hostCondition(hostnames.map((h) => h.hostname));
  const describe = (what: string) => `poppy service ${serviceId}: ${what}`;

  // Origin Rules.
  if (spec.origins.length === 0)
    unsupported.push({ feature: 'no-origin', detail: 'the service has no origin' });
  const route = (o: commonV1.Origin): Record<string, unknown> => {
    const parameters: Record<string, unknown> = {
      origin: { host: o.origin, port: o.port || (o.ssl ? 443 : 80) },
    };
    if (o.hostheadertype === 'origin') parameters.host_header = o.origin;
    if (o.hostheadertype === 'custom' && o.hostheadervalue)
      parameters.host_header = o.hostheadervalue;
    return parameters;
  };
  let defaultOrigin = spec.origins.findIndex(
    (o) => o.rules.length === 0 || o.rules.some((r) => isDefaultPath(normalisePath(r.request_url))),
  );
  if (defaultOrigin < 0) defaultOrigin = 0;
  const originPaths: Array<{ path: string; origin: commonV1.Origin }> = [];
  for (const origin of spec.origins) {
    for (const rule of origin.rules) {
      const path = normalisePath(rule.request_url);
      if (!isDefaultPath(path) && !originPaths.some((p) => p.path === path))
        originPaths.push({ path, origin });
    }
  }
  originPaths.sort((a, b) => bySpecificityAscending(a.path, b.path));
  const originRules: Array<Omit<RuleSpec, 'ref'>> = [];
  const fallback = spec.origins[defaultOrigin];
  if (fallback) {
    originRules.push({
      description: describe(`default origin ${fallback.origin}`),
      expression: expression(hosts),
      action: 'route',
      action_parameters: route(fallback),
      enabled: true,
    });
  }
  for (const { path, origin } of originPaths) {
    originRules.push({
      description: describe(`origin ${origin.origin} for ${path}`),
      expression: expression(hosts, pathCondition(path)),
      action: 'route',
      action_parameters: route(origin),
      enabled: true,
    });
  }

  // Cache Rules.
  const cachingPaths: Array<{ path: string; ttl: number; name: string }> = [];
  for (const rule of spec.caching) {
    for (const r of rule.rules.length > 0 ? rule.rules : [{ name: rule.name, request_url: '/*' }]) {
      const path = normalisePath(r.request_url);
      if (!cachingPaths.some((p) => p.path === path))
        cachingPaths.push({ path, ttl: rule.ttl, name: rule.name });
    }
  }
  cachingPaths.sort((a, b) => bySpecificityAscending(a.path, b.path));
  const cacheRules = cachingPaths.map(({ path, ttl, name }) => ({
    description: describe(`caching ${name} for ${path}`),
    expression: expression(hosts, pathCondition(path)),
    action: 'set_cache_settings',
    action_parameters:
      ttl > 0
        ? { cache: true, edge_ttl: { mode: 'override_origin', default: ttl } }
        : { cache: false },
    enabled: true,
  }));

  // WAF custom rules.
  const wafRules: Array<Omit<RuleSpec, 'ref'>> = [];
  for (const restriction of spec.restrictions) {
    const access = restriction.access === 'whitelist' ? 'whitelist' : 'blacklist';
    const groups = new Map<string, { path: string; kind: string; conditions: string[] }>();
    for (const rule of restriction.rules) {
      const where = `restriction ${restriction.name}`;
      let kind: string;
      let condition: string;
      if (rule.referrer !== undefined) {
        kind = 'referrer';
        condition = `http.referer contains ${quote(rule.referrer)}`;
      } else if (rule.geography !== undefined) {
        const codes = geographyToCountryCodes(rule.geography);
        if (!codes) {
          unsupported.push({
            feature: 'unknown-geography',
            detail: `${where}: no ISO country code for ${rule.geography}`,
          });
          continue;
        }
        kind = 'geography';
        condition = `ip.src.country in {${[...codes].sort().map(quote).join(' ')}}`;
      } else if (rule.client_ip !== undefined) {
        const [address, bits, extra] = rule.client_ip.trim().split('/');
        const family = isIP(address ?? '');
        const validBits =
          bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
        if (family === 0 || !validBits || extra !== undefined) {
          unsupported.push({
            feature: 'invalid-client-ip',
            detail: `${where}: client_ip ${rule.client_ip}`,
          });
          continue;
        }
        kind = 'client_ip';
        condition = `ip.src in {${rule.client_ip.trim()}}`;
      } else continue;
      const path = normalisePath(rule.request_url);
      const key = `${path}\u0000${kind}`;
      const group = groups.get(key) ?? { path, kind, conditions: [] };
      group.conditions.push(condition);
      groups.set(key, group);
    }
    for (const { path, kind, conditions } of groups.values()) {
      const any = conditions.length === 1 ? conditions[0] : `(${conditions.join(' or ')})`;
      wafRules.push({
        description: describe(`restriction ${restriction.name}: ${kind} ${access} on ${path}`),
        expression: expression(
          hosts,
          pathCondition(path),
          access === 'whitelist' ? `not ${any}` : any,
        ),
        action: 'block',
        enabled: true,
      });
    }
  }
  if (spec.log_delivery?.enabled) {
    unsupported.push({
      feature: 'log-delivery',
      detail: 'log_delivery.enabled needs a Logpush job, which this adapter does not manage',
    });
  }

  const withRefs = (phase: Phase, rules: Array<Omit<RuleSpec, 'ref'>>): RuleSpec[] =>
    rules.map((r, i) => ({ ref: ruleRef(serviceId, phase, i), ...r }));
  return {
    hostnames,
    rules: {
      [ORIGIN_PHASE]: withRefs(ORIGIN_PHASE, originRules),
      [CACHE_PHASE]: withRefs(CACHE_PHASE, cacheRules),
      [WAF_PHASE]: withRefs(WAF_PHASE, wafRules),
    },
    unsupported,
  };
}

/**
 * The hostnames a service's rules were last written for: the `http.host in {…}` set that
 * starts every expression of the service (undefined when the phase holds none of its rules).
 * The driver reads it to find hostnames a PATCH removed, without listing the whole zone.
 */
export function hostnamesInRules(rules: Rule[], serviceId: string): string[] | undefined {
  const prefix = refPrefix(serviceId);
  const mine = rules.find((r) => r.ref.startsWith(prefix));
  if (!mine) return undefined;
  const set = /^\(http\.host in \{([^}]*)\}/.exec(mine.expression);
  if (!set) return [];
  return [...set[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, '$1'));
}
