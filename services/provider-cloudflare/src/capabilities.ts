/**
 * What this adapter does with each part of the service model (logged at start, listed in
 * the README). A spec that asks for a known-unsupported feature is refused with a
 * non-retryable `cloudflare.UnsupportedCapability` error naming each feature, never
 * silently half-applied (docs/adding-a-provider.md §1).
 */
export const CAPABILITIES = {
  domains:
    "Cloudflare for SaaS custom hostnames on the operator's zone, tagged custom_metadata.poppy_service_id; access URL = the zone's CNAME target",
  origins:
    'Origin Rules (http_request_origin, action route): origin.host + port per request_url, the default origin for the rest',
  hostHeader:
    'domain → the viewer Host; origin → host_header = the origin; custom → host_header = the value',
  caching:
    'Cache Rules (http_request_cache_settings): edge TTL override per request_url; ttl 0 → bypass cache',
  restrictions:
    'WAF custom rules (http_request_firewall_custom, action block): referrer, geography (ISO codes), client IP; whitelist → block what does not match',
  purge:
    '/* → purge by host (the service’s hostnames), /path/* → by prefix, a URL → by URL (every domain); soft = hard',
  certificates:
    'managed DV certificate per custom hostname; createCertificate with a PEM certificate + key installs it as the hostname’s custom certificate',
  status:
    'deployed once every hostname is active; its ssl.status feeds domains_certificate_status (https domains)',
  idempotency:
    'hostnames found by hostname + custom_metadata; rules by ref poppy_<service>_<phase>_<n>; rule-level writes',
} as const;

/** Feature key (as in UnsupportedFeature.feature) → why this adapter cannot provide it. */
export const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  'log-delivery':
    'Logpush is Enterprise-only and needs a bucket; this adapter does not manage Logpush jobs',
  'no-origin': 'a service needs at least one origin for its Origin Rules',
  'unknown-geography': 'the geography value has no ISO 3166 country code',
  'invalid-client-ip':
    'the client_ip is not an IP address or CIDR range the Rules language accepts',
  'soft-purge':
    'Cloudflare has no soft purge: a soft purge is a purge like a hard one (accepted, not refused)',
  'purge-everything':
    'the zone is shared by every tenant: a purge of /* purges the service’s hostnames, never the whole zone',
  'origin-tls':
    "the scheme to the origin follows the zone's SSL/TLS mode (Origin Rules set host and port only): `ssl` is not per origin",
  'zone-per-domain':
    'only the custom-hostname model (one SaaS zone for every tenant) is implemented, not a zone per domain',
  metrics: 'GetMetrics returns no series (the GraphQL Analytics API is not queried yet)',
};

export const UNSUPPORTED_ERROR_CLASS = 'cloudflare.UnsupportedCapability';
