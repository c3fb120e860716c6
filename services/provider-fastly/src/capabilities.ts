/**
 * What this adapter does with each part of the service model (logged at start, listed in
 * the README). A spec that asks for a known-unsupported feature is refused with a
 * non-retryable `fastly.UnsupportedCapability` error naming each feature, never half-applied.
 */
export const CAPABILITIES = {
  service: 'one Fastly service per Poppy service, named poppy-<service id> (idempotency key)',
  versions:
    'every change: clone the active version → edit → validate → activate; older versions stay for rollback',
  domains: 'domain objects; access URL <domain>.global.prod.fastly.net',
  origins: 'a backend per origin (port, use_ssl with SNI/cert hostname = origin)',
  originRules: 'request_url patterns → a REQUEST condition selecting that backend',
  hostHeader: 'domain → client Host; origin → override_host = origin; custom → override_host',
  caching: 'a cache setting per caching rule (ttl; 0 = pass) with a CACHE condition on its paths',
  restrictions:
    'regular VCL snippets: referrer, geography (client.geo.country_code), client IP (ACL in an init snippet) → 403',
  purge:
    'URL purge per domain (soft: Fastly-Soft-Purge: 1); /* hard → purge_all, soft → the service surrogate key',
  certificates:
    'custom PEM (private key + certificate + TLS activation per domain), else a Fastly TLS subscription',
  rateLimit:
    'every call through the account budget; Fastly-RateLimit-Remaining/-Reset observed; 429 pauses until reset',
} as const;

/** Feature key (as in Unsupported.feature) → why Fastly (through this adapter) cannot do it. */
export const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  'log-delivery':
    'Fastly log streaming needs an S3/Swift endpoint and credentials per service, which this adapter does not manage',
  'no-origin': 'a Fastly service needs at least one backend',
  'unknown-geography': 'the geography value has no ISO 3166 country code',
  'invalid-client-ip': 'a client_ip must be an IPv4/IPv6 address or CIDR to become a VCL ACL entry',
  'invalid-referrer': 'a referrer must be a host name to become a VCL regex',
  metrics:
    "GetMetrics returns no series: the RPC names a domain, Fastly's stats (/stats/service/{sid}) are per service, and finding a domain's service means reading every service",
  'invalid-request-url': 'a request_url with quotes, braces or spaces cannot be a VCL string',
};

export const UNSUPPORTED_ERROR_CLASS = 'fastly.UnsupportedCapability';
