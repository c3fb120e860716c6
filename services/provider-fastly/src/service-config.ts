/**
 * Poppy's service spec → the config objects of one Fastly version (pure; unit-tested in
 * service-config.spec.ts), and the changes that turn one version's config into another.
 *
 * - domains → domain objects; origins → a backend each (`origin_<i>`); an origin's
 *   `request_url` rules → a REQUEST condition selecting that backend; the first origin
 *   without rules (or with `/*`) is the default backend (no condition);
 * - caching rules → a cache setting each (`cache_<i>`, `ttl`; 0 = pass) with a CACHE
 *   condition on its paths (`/*` = no condition);
 * - a surrogate key per service (`poppy-<service id>`, a cache header appended to the
 *   origin's own keys): what a soft "purge everything" purges, as purge_all cannot be soft;
 * - restrictions → regular VCL snippets: an `init` snippet declaring one ACL per client-IP
 *   rule and a `recv` snippet answering 403 (referrer, `client.geo.country_code`, ACL
 *   match). Regular snippets live in the version, so a rollback to an older version also
 *   rolls back its restrictions; Fastly's ACL entries are versionless and would not.
 *
 * Patterns: `/images/*` → `req.url ~ "^/images/"`; `/a.png` → `^/a\.png$` (VCL strings do
 * not process backslashes, so the regex reaches Fastly as written).
 */
import ipaddr from 'ipaddr.js';
import type { commonV1 } from '@poppy/contracts';
import { geographyToCountryCodes } from '@poppy/domain';
import {
  CONFIG_KINDS,
  type ConfigChange,
  type ConfigKind,
  type ConfigObject,
  type VersionConfig,
} from './fastly-api';

export interface Unsupported {
  feature: string;
  detail: string;
}

/** The Fastly service name of a Poppy service: the idempotency key (`GET /service/search?name=`). */
export const SERVICE_NAME_PREFIX = 'poppy-';
export const serviceNameFor = (serviceId: string): string => `${SERVICE_NAME_PREFIX}${serviceId}`;
export const serviceIdOfName = (name: string): string | undefined =>
  name.startsWith(SERVICE_NAME_PREFIX) ? name.slice(SERVICE_NAME_PREFIX.length) : undefined;
/** The surrogate key every response of the service carries. */
export const surrogateKeyFor = (serviceId: string): string => `poppy-${serviceId}`;

export const emptyConfig = (): VersionConfig => ({
  condition: [],
  domain: [],
  backend: [],
  cache_settings: [],
  header: [],
  snippet: [],
});

const isCatchAll = (pattern: string): boolean => ['', '/', '/*', '*', '/.*'].includes(pattern);

/** A Poppy request_url pattern as a VCL regex on `req.url`; undefined when it cannot be one. */
export function urlRegex(pattern: string): string | undefined {
  if (/["\s{}]/.test(pattern)) return undefined;
  const path = pattern.startsWith('/') ? pattern : `/${pattern}`;
  const open = path.endsWith('*');
  const body = (open ? path.slice(0, -1) : path)
    .split('*')
    .map((part) => part.replace(/[.+?^$()[\]|\\]/g, '\\$&'))
    .join('.*');
  return `^${body}${open ? '' : '$'}`;
}

function urlTest(patterns: string[], where: string, unsupported: Unsupported[]): string {
  const tests: string[] = [];
  for (const pattern of patterns) {
    const regex = urlRegex(pattern);
    if (regex === undefined)
      unsupported.push({ feature: 'invalid-request-url', detail: `${where}: ${pattern}` });
    else tests.push(`req.url ~ "${regex}"`);
  }
  return tests.length === 1 ? tests[0] : tests.map((t) => `(${t})`).join(' || ');
}

function referrerTest(referrer: string): string | undefined {
  const host = referrer.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!/^[a-z0-9*.-]+$/i.test(host)) return undefined;
  const regex = host
    .replace(/\./g, '\\.')
    .replace(/^\\\*\\\./, '')
    .replace(/\*/g, '[^/]*');
  return `req.http.Referer ~ "^https?://([^/]+\\.)?${regex}(:[0-9]+)?(/|$)"`;
}

function aclEntry(value: string): string | undefined {
  try {
    if (value.includes('/')) {
      const [address, prefix] = ipaddr.parseCIDR(value);
      return `"${address.toString()}"/${prefix};`;
    }
    return `"${ipaddr.parse(value).toString()}";`;
  } catch {
    return undefined;
  }
}

function restrictionSnippets(
  spec: commonV1.ServiceSpec,
  unsupported: Unsupported[],
): ConfigObject[] {
  const acls: string[] = [];
  const checks: string[] = [];
  spec.restrictions.forEach((restriction, r) => {
    const where = `restriction ${restriction.name}`;
    const byPath = new Map<string, string[]>();
    restriction.rules.forEach((rule, i) => {
      let match: string | undefined;
      if (rule.referrer !== undefined) {
        match = referrerTest(rule.referrer);
        if (!match)
          unsupported.push({
            feature: 'invalid-referrer',
            detail: `${where}: referrer ${rule.referrer}`,
          });
      } else if (rule.geography !== undefined) {
        const codes = geographyToCountryCodes(rule.geography);
        if (!codes || codes.length === 0)
          unsupported.push({
            feature: 'unknown-geography',
            detail: `${where}: no ISO country code for ${rule.geography}`,
          });
        else match = codes.map((c) => `client.geo.country_code == "${c}"`).join(' || ');
      } else if (rule.client_ip !== undefined) {
        const entry = aclEntry(rule.client_ip);
        if (!entry)
          unsupported.push({
            feature: 'invalid-client-ip',
            detail: `${where}: client_ip ${rule.client_ip}`,
          });
        else {
          const acl = `poppy_acl_${r}_${i}`;
          acls.push(`acl ${acl} { ${entry} }`);
          match = `client.ip ~ ${acl}`;
        }
      }
      if (!match) return;
      const path = rule.request_url || '/*';
      byPath.set(path, [...(byPath.get(path) ?? []), `(${match})`]);
    });
    for (const [path, matches] of byPath) {
      const onPath = isCatchAll(path) ? '' : `(${urlTest([path], where, unsupported)}) && `;
      const any = matches.join(' || ');
      const refused = restriction.access === 'whitelist' ? `!(${any})` : `(${any})`;
      checks.push(`# ${restriction.name}\nif (${onPath}${refused}) {\n  error 403 "Forbidden";\n}`);
    }
  });
  const snippets: ConfigObject[] = [];
  if (acls.length > 0)
    snippets.push({
      name: 'poppy_acls',
      type: 'init',
      priority: 100,
      dynamic: 0,
      content: acls.join('\n'),
    });
  if (checks.length > 0)
    snippets.push({
      name: 'poppy_restrictions',
      type: 'recv',
      priority: 100,
      dynamic: 0,
      content: checks.join('\n'),
    });
  return snippets;
}

/** The config a version must hold for `spec`, and every feature Fastly cannot take. */
export function fastlyConfigFor(
  serviceId: string,
  spec: commonV1.ServiceSpec,
): { config: VersionConfig; unsupported: Unsupported[] } {
  const unsupported: Unsupported[] = [];
  const config = emptyConfig();
  if (spec.origins.length === 0)
    unsupported.push({ feature: 'no-origin', detail: 'a Fastly service needs a backend' });
  if (spec.log_delivery?.enabled)
    unsupported.push({ feature: 'log-delivery', detail: 'log_delivery.enabled is true' });

  config.domain = spec.domains.map((d) => ({ name: d.domain, comment: '' }));

  let hasDefault = false;
  spec.origins.forEach((origin, i) => {
    const name = `origin_${i}`;
    const patterns = origin.rules.map((r) => r.request_url);
    const routed = patterns.length > 0 && !patterns.some(isCatchAll);
    const overrideHost =
      origin.hostheadertype === 'origin'
        ? origin.origin
        : origin.hostheadertype === 'custom'
          ? (origin.hostheadervalue ?? '')
          : '';
    const backend: ConfigObject = {
      name,
      address: origin.origin,
      port: origin.port || (origin.ssl ? 443 : 80),
      use_ssl: origin.ssl,
      ssl_cert_hostname: origin.ssl ? origin.origin : '',
      ssl_sni_hostname: origin.ssl ? origin.origin : '',
      override_host: overrideHost,
      request_condition: '',
    };
    if (routed || hasDefault) {
      const condition = `${name}_url`;
      config.condition.push({
        name: condition,
        type: 'REQUEST',
        priority: 10,
        statement: routed ? urlTest(patterns, `origin ${origin.origin}`, unsupported) : 'false',
      });
      backend.request_condition = condition;
    } else hasDefault = true;
    config.backend.push(backend);
  });

  spec.caching.forEach((rule, i) => {
    const name = `cache_${i}`;
    const patterns = rule.rules.map((r) => r.request_url);
    const setting: ConfigObject = {
      name,
      action: rule.ttl > 0 ? 'cache' : 'pass',
      ttl: rule.ttl,
      stale_ttl: 0,
      cache_condition: '',
    };
    if (!patterns.some(isCatchAll) && patterns.length > 0) {
      config.condition.push({
        name: `${name}_url`,
        type: 'CACHE',
        // Specific paths run after the catch-all (lower runs first), so they win.
        priority: 20 + i,
        statement: urlTest(patterns, `caching rule ${rule.name}`, unsupported),
      });
      setting.cache_condition = `${name}_url`;
    }
    config.cache_settings.push(setting);
  });

  config.header.push({
    name: 'poppy_surrogate_key',
    type: 'cache',
    action: 'set',
    dst: 'http.Surrogate-Key',
    src: `if(beresp.http.Surrogate-Key, beresp.http.Surrogate-Key " ", "") "${surrogateKeyFor(serviceId)}"`,
    priority: 100,
  });

  config.snippet = restrictionSnippets(spec, unsupported);
  return { config, unsupported };
}

/** A field as Fastly's form encoding sends it and its answers compare: booleans 0/1, unset ''. */
export function formValue(value: unknown): string {
  if (value === true) return '1';
  if (value === false) return '0';
  if (value === null || value === undefined) return '';
  return String(value);
}

const sameFields = (current: ConfigObject, desired: ConfigObject): boolean =>
  Object.entries(desired).every(([k, v]) => formValue(current[k]) === formValue(v));

/**
 * The changes that turn `current` into `desired` (only the fields Poppy sets are compared,
 * so Fastly's defaults and type quirks — ttl as a string, booleans as JSON — do not count).
 * Order: conditions are created before the objects that name them and deleted after.
 */
export function planChanges(current: VersionConfig, desired: VersionConfig): ConfigChange[] {
  const upserts: ConfigChange[] = [];
  const deletes: ConfigChange[] = [];
  for (const kind of CONFIG_KINDS) {
    const have = new Map(current[kind].map((o) => [o.name, o]));
    const want = new Map(desired[kind].map((o) => [o.name, o]));
    for (const [name, object] of want) {
      const existing = have.get(name);
      if (!existing) upserts.push({ op: 'create', kind, object });
      else if (!sameFields(existing, object)) upserts.push({ op: 'update', kind, object });
    }
    for (const name of have.keys()) if (!want.has(name)) deletes.push({ op: 'delete', kind, name });
  }
  // Deletes of referring objects first, conditions last.
  const kindOrder = (kind: ConfigKind) => (kind === 'condition' ? 1 : 0);
  deletes.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind));
  return [...upserts, ...deletes];
}
