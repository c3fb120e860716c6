/**
 * Response bodies for services and flavors (docs/behaviour.md §4.8, §8.2). Key order is part of
 * the contract: clients and the original's tests compare bodies as text.
 */
import { htmlEscape } from './errors';
import type {
  CachingRule,
  Domain,
  Flavor,
  Origin,
  Restriction,
  RestrictionRule,
  Rule,
  Service,
} from './model';
import { displayedStatus } from './status';

type Json = Record<string, unknown>;
type Link = { href: string; rel: string };

const UNRESERVED_OR_DELIMITER = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]$/;
const ALL_UNRESERVED_OR_DELIMITER = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]*$/;
const utf8 = new TextEncoder();

/**
 * RFC 3986 encoding as Poppy applies it to whole URLs (docs/behaviour.md §2.3): unreserved characters and
 * all reserved delimiters stay, everything else (including `%` and space) becomes UTF-8
 * percent-escapes. So an already-encoded URL gets encoded again, as in the original.
 */
export function encodeUriRfc3986(s: string): string {
  // Fast path: most links need no encoding at all.
  if (ALL_UNRESERVED_OR_DELIMITER.test(s)) return s;
  let out = '';
  for (const ch of s) {
    if (UNRESERVED_OR_DELIMITER.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of utf8.encode(ch))
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * The body of `GET /v1.0/services/{id}`. `baseUrl` is the raw (not yet encoded) base of
 * docs/behaviour.md §2.3, e.g. `https://cdn.example.com/v1.0`; the generated links are encoded whole.
 * Tenant-supplied text is HTML-escaped on the way out (it is stored raw).
 */
export function renderService(service: Service, baseUrl: string): Json {
  return {
    name: htmlEscape(service.name),
    id: service.service_id,
    project_id: service.project_id,
    domains: service.domains.map((d) => renderDomain(d, service)),
    origins: service.origins.map(renderOrigin),
    restrictions: service.restrictions.map(renderRestriction),
    caching: service.caching.map(renderCaching),
    flavor_id: service.flavor_id,
    log_delivery: { enabled: service.log_delivery.enabled },
    status: displayedStatus(service),
    errors: Object.values(service.provider_details)
      .filter((p) => typeof p.error_message === 'string' && p.error_message !== '')
      .map((p) => ({ message: p.error_message })),
    links: serviceLinks(service, baseUrl),
  };
}

function renderDomain(d: Domain, service: Service): Json {
  const out: Json = { domain: htmlEscape(d.domain), protocol: d.protocol };
  if (d.protocol === 'https') {
    out.certificate = d.certificate;
    out.certificate_status = certificateStatus(d, service);
  }
  return out;
}

/**
 * Shared certificates are always deployed; other https domains are still being created
 * while no provider has reported, and otherwise show what the last provider that knows
 * the domain recorded. When none recorded one: a managed (san / sni) certificate has no
 * certificate hostname yet, so it is still `create_in_progress` (docs/behaviour.md §7.5: the
 * status follows the certificate once one exists); a custom one is `deployed`.
 */
function certificateStatus(d: Domain, service: Service): string {
  if (d.certificate === 'shared') return 'deployed';
  const details = Object.values(service.provider_details);
  if (details.length === 0) return 'create_in_progress';
  let status =
    d.certificate === 'san' || d.certificate === 'sni' ? 'create_in_progress' : 'deployed';
  for (const detail of details) {
    const recorded = detail.domains_certificate_status?.[d.domain];
    if (recorded !== undefined && recorded !== null) status = recorded;
  }
  return status;
}

function renderOrigin(o: Origin): Json {
  const out: Json = {
    origin: htmlEscape(o.origin),
    port: o.port,
    ssl: o.ssl,
    rules: o.rules.map(renderRule),
    hostheadertype: o.hostheadertype,
  };
  if (o.hostheadervalue !== undefined && o.hostheadervalue !== null) {
    out.hostheadervalue = htmlEscape(o.hostheadervalue);
  }
  return out;
}

function renderRestriction(r: Restriction): Json {
  return { name: htmlEscape(r.name), access: r.access, rules: r.rules.map(renderRule) };
}

function renderCaching(c: CachingRule): Json {
  const out: Json = { name: htmlEscape(c.name), ttl: c.ttl };
  if (c.rules.length > 0) out.rules = c.rules.map(renderRule);
  return out;
}

/** `name` and `request_url` always come first (`""` when unset), then the entity. */
function renderRule(r: Rule | RestrictionRule): Json {
  const rule = r as RestrictionRule & { http_host?: string; http_method?: string };
  const out: Json = {
    name: htmlEscape(rule.name ?? ''),
    request_url: htmlEscape(rule.request_url ?? ''),
  };
  for (const key of ['http_host', 'http_method', 'client_ip', 'referrer', 'geography'] as const) {
    const value = rule[key];
    if (value !== undefined && value !== null) out[key] = htmlEscape(value);
  }
  return out;
}

function serviceLinks(service: Service, baseUrl: string): Link[] {
  const links: Link[] = [
    { href: encodeUriRfc3986(`${baseUrl}/services/${service.service_id}`), rel: 'self' },
    { href: encodeUriRfc3986(`${baseUrl}/flavors/${service.flavor_id}`), rel: 'flavor' },
  ];
  for (const detail of Object.values(service.provider_details)) {
    for (const url of detail.access_urls ?? []) {
      if (url.operator_url !== undefined && url.operator_url !== null) {
        links.push({ href: url.operator_url, rel: 'access_url' });
      } else if (Array.isArray(url.log_delivery) && url.log_delivery.length > 0) {
        links.push({
          href: (url.log_delivery[0] as { publicURL: string }).publicURL,
          rel: 'log_delivery',
        });
      }
    }
  }
  return links;
}

/** The body of `GET /v1.0/flavors/{id}` (docs/behaviour.md §8.2); `baseUrl` as for renderService. */
export function renderFlavor(flavor: Flavor, baseUrl: string): Json {
  return {
    id: flavor.id,
    providers: flavor.providers.map((p) => ({
      provider: p.provider,
      links: [{ href: p.provider_url, rel: 'provider_url' }],
    })),
    links: [{ href: encodeUriRfc3986(`${baseUrl}/flavors/${flavor.id}`), rel: 'self' }],
  };
}
