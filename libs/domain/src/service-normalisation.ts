/**
 * From a validated service document to the stored ServiceSpec (docs/behaviour.md §4.1 defaults,
 * docs/behaviour.md §4.3 normalisation), and back to the JSON view that validation and jobs read.
 */
import { htmlEscape, invalid } from './errors';
import { isSupportedGeography } from './geo-zones';
import type {
  Access,
  CachingRule,
  CertificateType,
  Domain,
  HostHeaderType,
  Origin,
  Protocol,
  Restriction,
  RestrictionRule,
  Rule,
  ServiceSpec,
} from './model';
import { validateServiceDocument } from './service-validation';

export interface NormaliseOptions {
  /** TTL of the caching rule added when a new service names none ([drivers:provider] default_cache_ttl). */
  defaultCacheTtl: number;
  /**
   * Whether an absent or empty `caching` list gets the default entry. True on create;
   * false on PATCH, where an emptied list stays empty (docs/behaviour.md §4.9).
   * @default true
   */
  defaultCaching?: boolean;
}

type Json = Record<string, unknown>;

export const defaultRule = (): Rule => ({ name: 'default', request_url: '/*' });

const trimRule = (r: Json): Rule => ({
  name: String(r.name).trim(),
  request_url: String(r.request_url).trim(),
});

/** Rules as given (trimmed), or the catch-all `/*` rule when none are given. */
function rulesOrDefault(rules: unknown): Rule[] {
  return Array.isArray(rules) && rules.length > 0
    ? rules.map((r) => trimRule(r as Json))
    : [defaultRule()];
}

/**
 * Applies defaults and normalisation to a document that passed validateServiceDocument.
 * Fields a client may not choose (service_id, project_id, status, operator_status,
 * provider_details) are not read (docs/behaviour.md D-5). Throws invalid(...) for an unknown
 * geography (docs/behaviour.md §4.1).
 */
export function normaliseServiceDocument(doc: unknown, opts: NormaliseOptions): ServiceSpec {
  const d = doc as Json;
  const caching = Array.isArray(d.caching) ? (d.caching as Json[]) : [];
  const defaultCaching = opts.defaultCaching ?? true;
  return {
    name: String(d.name),
    domains: (d.domains as Json[]).map(normaliseDomain),
    origins: (d.origins as Json[]).map(normaliseOrigin),
    caching:
      caching.length === 0 && defaultCaching
        ? [{ name: 'default', ttl: opts.defaultCacheTtl, rules: [defaultRule()] }]
        : caching.map(normaliseCaching),
    restrictions: Array.isArray(d.restrictions)
      ? (d.restrictions as Json[]).map(normaliseRestriction)
      : [],
    flavor_id: String(d.flavor_id),
    log_delivery: { enabled: (d.log_delivery as Json | undefined)?.enabled === true },
  };
}

function normaliseDomain(d: Json): Domain {
  const protocol = (d.protocol ?? 'http') as Protocol;
  const domain: Domain = { domain: String(d.domain).trim().toLowerCase(), protocol };
  if (protocol === 'https') domain.certificate = d.certificate as CertificateType;
  return domain;
}

function normaliseOrigin(o: Json): Origin {
  const originName = String(o.origin).trim();
  const hostheadertype = (o.hostheadertype ?? 'domain') as HostHeaderType;
  const origin: Origin = {
    origin: originName,
    port: (o.port ?? 80) as number,
    ssl: o.ssl === true,
    rules: rulesOrDefault(o.rules),
    hostheadertype,
  };
  // The model keeps a host header value only where it means something (model.ts).
  if (hostheadertype === 'origin') origin.hostheadervalue = originName;
  if (hostheadertype === 'custom') origin.hostheadervalue = String(o.hostheadervalue);
  return origin;
}

function normaliseCaching(c: Json): CachingRule {
  return { name: String(c.name).trim(), ttl: c.ttl as number, rules: rulesOrDefault(c.rules) };
}

function normaliseRestriction(r: Json): Restriction {
  return {
    name: String(r.name).trim(),
    access: (r.access ?? 'whitelist') as Access,
    rules: (r.rules as Json[]).map(normaliseRestrictionRule),
  };
}

function normaliseRestrictionRule(r: Json): RestrictionRule {
  const rule: RestrictionRule = { request_url: '/*' };
  if (typeof r.name === 'string') rule.name = r.name.trim();
  if (typeof r.referrer === 'string') rule.referrer = r.referrer.trim();
  if (typeof r.geography === 'string') {
    const geography = r.geography.trim();
    if (!isSupportedGeography(geography)) {
      throw invalid(htmlEscape(`Country/Area ${geography} is not supported in geo zones`));
    }
    rule.geography = geography;
  }
  if (typeof r.client_ip === 'string') rule.client_ip = r.client_ip;
  if (typeof r.request_url === 'string') rule.request_url = r.request_url.trim();
  return rule;
}

/**
 * The JSON view of a spec (a Service is accepted and reduced to its spec fields): what
 * validation re-checks after defaults, and what jobs carry. No undefined keys.
 */
export function toServiceDocument(spec: ServiceSpec): Json {
  return {
    name: spec.name,
    domains: spec.domains.map((d) =>
      d.certificate === undefined
        ? { domain: d.domain, protocol: d.protocol }
        : { domain: d.domain, protocol: d.protocol, certificate: d.certificate },
    ),
    origins: spec.origins.map((o) => {
      const origin: Json = {
        origin: o.origin,
        port: o.port,
        ssl: o.ssl,
        rules: o.rules.map(ruleDocument),
        hostheadertype: o.hostheadertype,
      };
      if (o.hostheadervalue !== undefined) origin.hostheadervalue = o.hostheadervalue;
      return origin;
    }),
    caching: spec.caching.map((c) => ({
      name: c.name,
      ttl: c.ttl,
      rules: c.rules.map(ruleDocument),
    })),
    restrictions: spec.restrictions.map((r) => ({
      name: r.name,
      access: r.access,
      rules: r.rules.map(restrictionRuleDocument),
    })),
    flavor_id: spec.flavor_id,
    log_delivery: { enabled: spec.log_delivery.enabled },
  };
}

const ruleDocument = (r: Rule): Json => ({ name: r.name, request_url: r.request_url });

export function restrictionRuleDocument(r: RestrictionRule): Json {
  const rule: Json = {};
  if (r.name !== undefined) rule.name = r.name;
  if (r.referrer !== undefined) rule.referrer = r.referrer;
  if (r.geography !== undefined) rule.geography = r.geography;
  if (r.client_ip !== undefined) rule.client_ip = r.client_ip;
  rule.request_url = r.request_url;
  return rule;
}

/**
 * The whole create path of docs/behaviour.md §4.2/§4.5 without I/O: validate the raw body, apply defaults,
 * then validate the result again — defaults can create conflicts the raw body did not
 * have (a second origin without rules gets `/*` and collides with the first one's).
 */
export function prepareServiceSpec(raw: unknown, opts: NormaliseOptions): ServiceSpec {
  validateServiceDocument(raw);
  const spec = normaliseServiceDocument(raw, opts);
  validateServiceDocument(toServiceDocument(spec));
  return spec;
}
