/**
 * What the Varnish edge does with each part of the service model, and what it does not
 * (with the reason): logged when the adapter starts and listed in the service README.
 */
export interface CapabilityManifest {
  provider: string;
  supported: string[];
  unsupported: Array<{ feature: string; reason: string }>;
}

export const VARNISH_CAPABILITIES: Readonly<CapabilityManifest> = Object.freeze({
  provider: 'varnish',
  supported: [
    'domains: the Host values the edge answers for (other hosts get 404)',
    "origins: one backend per origin (host, port), chosen by the origins' rules (request_url patterns, most specific first)",
    'hostheadertype: domain (client Host), origin (origin host name), custom (hostheadervalue)',
    "caching: TTL per caching rule (most specific request_url first), overriding the origin's Cache-Control; ttl 0 = pass",
    'restrictions: referrer and client_ip whitelist/blacklist per request_url (403)',
    'restrictions: geography whitelist/blacklist through a request header carrying the ISO country code (POPPY_VARNISH_GEO_HEADER)',
    'purge: hard (ban) of one URL, a wildcard or everything',
    'purge: soft of one URL (refetched from the origin; the cached copy serves until the new one arrives)',
    'access URL: the edge host name (POPPY_VARNISH_EDGE_HOSTNAME) for every domain',
    'certificates: a PEM certificate + key (cert_details certificate_pem / private_key_pem) installed at the TLS front (hitch pem-dir, POPPY_VARNISH_TLS_PEM_DIR), chosen by SNI; a renewal replaces it without dropping connections (SIGHUP)',
  ],
  unsupported: [
    {
      feature: 'origins with ssl: true',
      reason: 'Varnish Cache has no TLS to backends; such a service is refused (not retryable)',
    },
    {
      feature: 'certificates without POPPY_VARNISH_TLS_PEM_DIR',
      reason:
        'Varnish Cache does not terminate TLS; certificates go to a hitch in front of it, when one is configured',
    },
    {
      feature: 'certificates issued by the edge (createCertificate without a PEM pair)',
      reason:
        'the edge has no certificate authority of its own; it installs what services/certificates issued or the tenant uploaded',
    },
    {
      feature: 'soft purge of a wildcard or of everything',
      reason: 'no soft ban in Varnish Cache and no list of cached URLs: done as a hard ban',
    },
    {
      feature: 'metrics (getMetrics)',
      reason: 'no per-service analytics store; answers no series',
    },
    {
      feature: 'restriction rules other than referrer, client_ip, geography',
      reason: 'nothing to enforce; ignored',
    },
    {
      feature: 'log_delivery',
      reason: "varnishncsa is the operator's; not configured per service",
    },
  ],
});
