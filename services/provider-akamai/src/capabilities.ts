/**
 * What this adapter does with each part of the service model (logged at start, listed in
 * the README). A spec that asks for a known-unsupported feature is refused with a
 * non-retryable `akamai.UnsupportedCapability` error naming each feature.
 */
export const CAPABILITIES = {
  service: 'one PAPI property per service, named poppy-<service id> (idempotency key and tag)',
  domains:
    "property hostnames → the operator's edge hostname (edgesuite.net for http, edgekey.net for https); access URL = that edge hostname",
  origins:
    'origin behavior per origin; origin rules (request_url) → child rules with a path criterion',
  hostHeader: 'domain → REQUEST_HOST_HEADER, origin → ORIGIN_HOSTNAME, custom → CUSTOM',
  caching: 'caching MAX_AGE <ttl>s per request_url (0 → NO_STORE); /* → the default rule',
  restrictions:
    'referrer (Referer header), client IP and geography (userLocation COUNTRY) → denyAccess rules, whitelist or blacklist, per path',
  versions: 'every change is a new version (the active one is read-only) → staging → production',
  status:
    'activation pending → deploy_in_progress / update_in_progress; ACTIVE on production → deployed; FAILED → failed with the vendor message',
  purge:
    'Fast Purge (CCU v3): soft = invalidate, hard = delete; a URL on every domain (http and https), everything = the cache tag poppy-<service id>',
  certificates:
    'san/sni: a CPS DV enrollment (Let’s Encrypt, SNI-only for sni) per domain; status from its change',
  delete: 'deactivate on both networks → delete the property once nothing is active',
} as const;

/** Feature key (as in UnsupportedFeature.feature) → why Akamai (through this adapter) cannot do it. */
export const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  'log-delivery': 'Akamai log delivery needs DataStream, which this adapter does not manage',
  'no-origin': 'a property needs an origin',
  'unknown-geography': 'the geography value has no ISO 3166 country code',
  'custom-certificate':
    'CPS never takes a customer private key: a custom (third-party) certificate needs the CPS third-party CSR flow, which this adapter does not drive',
  'certificate-upload':
    'createCertificate does not install a PEM certificate and key: Akamai CPS generates the key; san/sni domains get a CPS DV enrollment instead',
  metrics: 'GetMetrics returns no series (the Reporting API is not queried yet)',
};

export const UNSUPPORTED_ERROR_CLASS = 'akamai.UnsupportedCapability';
