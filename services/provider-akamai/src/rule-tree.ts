/**
 * Poppy's service model → an Akamai property version: a PAPI rule tree and the version's
 * hostnames (pure; no Akamai call). README "What it does with the service model".
 *
 * - one property per service, named `poppy-<service id>` (its idempotency key and Poppy tag);
 * - the default rule: the default origin, the operator's CP code, the default TTL, and a
 *   cache tag `poppy-<service id>` (what a purge of everything invalidates);
 * - origins by path: a child rule per origin with `rules`, `path` criterion → `origin`;
 * - caching by path: a child rule per `request_url`, `caching` MAX_AGE `<ttl>s` (0 → NO_STORE);
 * - restrictions: a child rule per restriction and kind, `denyAccess` when the request does
 *   not match (whitelist) or matches (blacklist) its `requestHeader` Referer / `clientIp` /
 *   `userLocation` criterion, combined with the path;
 * - child rules go from the least to the most specific path: in a PAPI rule tree a later
 *   matching rule's behavior wins, so the most specific path decides;
 * - hostnames: each domain → the operator's edge hostname (`edgesuite.net` for http, the
 *   secure `edgekey.net` one for https), certificates CPS-managed.
 *
 * What the tree cannot express is returned in `unsupported`; the driver refuses such a spec.
 */
import { createHash } from 'node:crypto';
import type { commonV1 } from '@poppy/contracts';
import { geographyToCountryCodes } from '@poppy/domain';

export interface PropertySettings {
  /** The CP code (reporting/billing bucket) every property uses. */
  cpCodeId: number;
  /** Edge hostname the http domains point at (e.g. `poppy.edgesuite.net`). */
  edgeHostname: string;
  /** Edge hostname the https domains point at (e.g. `poppy.edgekey.net`). */
  secureEdgeHostname: string;
  /** TTL of the default rule when no caching rule covers `/*`. @default 86400 */
  defaultTtl?: number;
}

export interface Behavior {
  name: string;
  options: Record<string, unknown>;
}
export interface Criterion {
  name: string;
  options: Record<string, unknown>;
}
export interface Rule {
  name: string;
  options?: Record<string, unknown>;
  behaviors: Behavior[];
  criteria?: Criterion[];
  criteriaMustSatisfy?: 'all' | 'any';
  children: Rule[];
  comments?: string;
}
export interface PropertyHostname {
  cnameType: 'EDGE_HOSTNAME';
  cnameFrom: string;
  cnameTo: string;
  certProvisioningType: 'CPS_MANAGED';
}

export interface UnsupportedFeature {
  /** A key of KNOWN_UNSUPPORTED (capabilities.ts). */
  feature: string;
  detail: string;
}

export interface PropertyPlan {
  rules: Rule;
  hostnames: PropertyHostname[];
  /** Names the desired state; stored as the version's `comments` so an unchanged spec writes nothing. */
  comments: string;
  unsupported: UnsupportedFeature[];
}

const PROPERTY_PREFIX = 'poppy-';
export const propertyName = (serviceId: string): string => `${PROPERTY_PREFIX}${serviceId}`;
export const serviceIdOfProperty = (name: string): string | undefined =>
  name.startsWith(PROPERTY_PREFIX) ? name.slice(PROPERTY_PREFIX.length) : undefined;
export const cacheTag = (serviceId: string): string => `poppy-${serviceId}`;

/** `request_url` with a leading slash; `''`, `*` and `/*` are the default path. */
export function normalisePath(requestUrl: string): string {
  const trimmed = requestUrl.trim();
  if (trimmed === '' || trimmed === '*' || trimmed === '/*') return '/*';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
const isDefaultPath = (path: string) => path === '/*';

/** Less specific first (shorter literal prefix, then shorter pattern): later rules win in PAPI. */
function bySpecificityAscending(a: string, b: string): number {
  const literal = (p: string) => (p.indexOf('*') === -1 ? p.length + 1 : p.indexOf('*'));
  return literal(a) - literal(b) || a.length - b.length || a.localeCompare(b);
}

const pathCriterion = (paths: string[]): Criterion => ({
  name: 'path',
  options: {
    matchOperator: 'MATCHES_ONE_OF',
    values: paths,
    matchCaseSensitive: false,
    normalize: false,
  },
});

function originBehavior(origin: commonV1.Origin): Behavior {
  const forward =
    origin.hostheadertype === 'origin'
      ? 'ORIGIN_HOSTNAME'
      : origin.hostheadertype === 'custom'
        ? 'CUSTOM'
        : 'REQUEST_HOST_HEADER';
  return {
    name: 'origin',
    options: {
      originType: 'CUSTOMER',
      hostname: origin.origin,
      forwardHostHeader: forward,
      ...(forward === 'CUSTOM' ? { customForwardHostHeader: origin.hostheadervalue ?? '' } : {}),
      cacheKeyHostname: forward === 'ORIGIN_HOSTNAME' ? 'ORIGIN_HOSTNAME' : 'REQUEST_HOST_HEADER',
      compress: true,
      enableTrueClientIp: false,
      httpPort: origin.ssl ? 80 : origin.port || 80,
      httpsPort: origin.ssl ? origin.port || 443 : 443,
      ...(origin.ssl ? { originSni: true, verificationMode: 'PLATFORM_SETTINGS' } : {}),
    },
  };
}

const cachingBehavior = (ttl: number): Behavior =>
  ttl === 0
    ? { name: 'caching', options: { behavior: 'NO_STORE' } }
    : { name: 'caching', options: { behavior: 'MAX_AGE', mustRevalidate: false, ttl: `${ttl}s` } };

type RestrictionKind = 'referrer' | 'client_ip' | 'geography';

function restrictionCriterion(
  kind: RestrictionKind,
  values: string[],
  blacklist: boolean,
): Criterion {
  const operator = blacklist ? 'IS_ONE_OF' : 'IS_NOT_ONE_OF';
  if (kind === 'referrer')
    return {
      name: 'requestHeader',
      options: {
        headerName: 'Referer',
        matchOperator: operator,
        values: values.map((v) => `*${v}*`),
        matchWildcardValue: true,
        matchCaseSensitiveValue: false,
      },
    };
  if (kind === 'client_ip')
    return { name: 'clientIp', options: { matchOperator: operator, values, useHeaders: false } };
  return {
    name: 'userLocation',
    options: {
      field: 'COUNTRY',
      matchOperator: operator,
      countryValues: values,
      checkIps: 'BOTH',
      useOnlyFirstXForwardedForIp: false,
    },
  };
}

export function propertyPlanFor(
  serviceId: string,
  spec: commonV1.ServiceSpec,
  settings: PropertySettings,
): PropertyPlan {
  const unsupported: UnsupportedFeature[] = [];
  if (spec.origins.length === 0)
    unsupported.push({ feature: 'no-origin', detail: 'a property needs at least one origin' });
  if (spec.log_delivery?.enabled)
    unsupported.push({ feature: 'log-delivery', detail: 'log_delivery enabled' });
  for (const d of spec.domains)
    if (d.protocol === 'https' && d.certificate === 'custom')
      unsupported.push({
        feature: 'custom-certificate',
        detail: `domain ${d.domain}: certificate custom`,
      });

  // The default origin: the first without rules (or with /*), else the first.
  let defaultOrigin = spec.origins.findIndex(
    (o) => o.rules.length === 0 || o.rules.some((r) => isDefaultPath(normalisePath(r.request_url))),
  );
  if (defaultOrigin < 0) defaultOrigin = 0;

  const pathRules: Array<{ path: string; rule: Rule }> = [];
  spec.origins.forEach((origin, index) => {
    if (index === defaultOrigin) return;
    const paths = [...new Set(origin.rules.map((r) => normalisePath(r.request_url)))].filter(
      (p) => !isDefaultPath(p),
    );
    for (const path of paths)
      pathRules.push({
        path,
        rule: {
          name: `origin ${origin.origin} ${path}`,
          criteria: [pathCriterion([path])],
          criteriaMustSatisfy: 'all',
          behaviors: [originBehavior(origin)],
          children: [],
        },
      });
  });

  let defaultTtl = settings.defaultTtl ?? 86400;
  const seenCaching = new Set<string>();
  for (const caching of spec.caching) {
    const rules =
      caching.rules.length > 0 ? caching.rules : [{ name: caching.name, request_url: '/*' }];
    for (const r of rules) {
      const path = normalisePath(r.request_url);
      if (seenCaching.has(path)) continue;
      seenCaching.add(path);
      if (isDefaultPath(path)) defaultTtl = caching.ttl;
      else
        pathRules.push({
          path,
          rule: {
            name: `caching ${caching.name} ${path}`,
            criteria: [pathCriterion([path])],
            criteriaMustSatisfy: 'all',
            behaviors: [cachingBehavior(caching.ttl)],
            children: [],
          },
        });
    }
  }

  const restrictionRules: Rule[] = [];
  for (const restriction of spec.restrictions) {
    const blacklist = restriction.access === 'blacklist';
    const groups = new Map<string, { kind: RestrictionKind; path: string; values: string[] }>();
    for (const r of restriction.rules) {
      const path = normalisePath(r.request_url);
      let kind: RestrictionKind;
      let values: string[];
      if (r.referrer !== undefined) {
        kind = 'referrer';
        values = r.referrer.split(/\s+/).filter(Boolean);
      } else if (r.client_ip !== undefined) {
        kind = 'client_ip';
        values = [r.client_ip];
      } else if (r.geography !== undefined) {
        kind = 'geography';
        const codes = geographyToCountryCodes(r.geography);
        if (!codes) {
          unsupported.push({
            feature: 'unknown-geography',
            detail: `restriction ${restriction.name}: geography ${r.geography}`,
          });
          continue;
        }
        values = codes;
      } else continue;
      const key = `${kind} ${path}`;
      const group = groups.get(key) ?? { kind, path, values: [] };
      for (const v of values) if (!group.values.includes(v)) group.values.push(v);
      groups.set(key, group);
    }
    for (const g of groups.values()) {
      const criteria = [restrictionCriterion(g.kind, g.values, blacklist)];
      if (!isDefaultPath(g.path)) criteria.unshift(pathCriterion([g.path]));
      restrictionRules.push({
        name: `restriction ${restriction.name} ${g.kind} ${g.path}`,
        criteria,
        criteriaMustSatisfy: 'all',
        behaviors: [
          { name: 'denyAccess', options: { enabled: true, reason: `poppy-${restriction.access}` } },
        ],
        children: [],
      });
    }
  }

  pathRules.sort((a, b) => bySpecificityAscending(a.path, b.path));
  const https = spec.domains.some((d) => d.protocol === 'https');
  const origin = spec.origins[defaultOrigin];
  const rules: Rule = {
    name: 'default',
    options: { is_secure: https },
    behaviors: [
      ...(origin ? [originBehavior(origin)] : []),
      { name: 'cpCode', options: { value: { id: settings.cpCodeId } } },
      cachingBehavior(defaultTtl),
      { name: 'cacheTag', options: { tag: cacheTag(serviceId) } },
    ],
    // Restrictions last: a deny must not be overridden by a later path rule.
    children: [...pathRules.map((p) => p.rule), ...restrictionRules],
  };
  const hostnames: PropertyHostname[] = spec.domains.map((d) => ({
    cnameType: 'EDGE_HOSTNAME',
    cnameFrom: d.domain,
    cnameTo: d.protocol === 'https' ? settings.secureEdgeHostname : settings.edgeHostname,
    certProvisioningType: 'CPS_MANAGED',
  }));
  const digest = createHash('sha256')
    .update(JSON.stringify({ rules, hostnames }))
    .digest('hex')
    .slice(0, 16);
  return { rules, hostnames, comments: `poppy service ${serviceId} spec ${digest}`, unsupported };
}
