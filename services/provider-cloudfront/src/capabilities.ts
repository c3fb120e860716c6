/**
 * What this adapter does with each part of the service model (logged at start, listed in
 * the README). A spec that asks for a known-unsupported feature is refused with a
 * non-retryable `cloudfront.UnsupportedCapability` error naming each feature, so the
 * tenant sees in `provider_details` why CloudFront did not take it — never silently dropped.
 */
export const CAPABILITIES = {
  domains:
    'distribution aliases (CNAMEs); access URL = the distribution domain (*.cloudfront.net) per domain',
  origins: 'custom origins: port, ssl → https-only, else http-only',
  originRules: 'request_url patterns → cache behaviours targeting that origin',
  hostHeader: "hostheadertype domain → viewer Host forwarded; origin → the origin's name",
  caching:
    'ttl per request_url → cache behaviour Min/Default/MaxTTL (0 = not cached); /* → default behaviour',
  geography:
    'whitelist or blacklist on /* → the distribution geo restriction (ISO codes, regions expanded)',
  purge:
    'invalidations (hard and soft alike), tracked to completion, in-progress path limits respected',
  status:
    'InProgress → deploy_in_progress (update_in_progress after an update), Deployed → deployed',
  delete: 'disable → wait until deployed (retryable "not yet") → delete with If-Match',
  idempotency: 'CallerReference = service_id; updates with If-Match ETag',
  certificates:
    'CreateCertificate with a PEM pair → ACM ImportCertificate (re-imported to the same ARN on renewal) → the distribution ViewerCertificate (sni-only); one certificate per distribution',
} as const;

/** Feature key (as in UnsupportedFeature.feature) → why CloudFront cannot do it. */
export const KNOWN_UNSUPPORTED: Readonly<Record<string, string>> = {
  'referrer-restriction':
    'CloudFront has no referrer restriction; it needs an AWS WAF web ACL, which this adapter does not manage',
  'client-ip-restriction':
    'CloudFront has no client-IP restriction; it needs an AWS WAF IP set, which this adapter does not manage',
  'per-path-geo-restriction':
    'a CloudFront geo restriction applies to the whole distribution, not to a request_url',
  'mixed-geo-restriction':
    'a distribution has one geo restriction: a whitelist or a blacklist, not both',
  'unknown-geography': 'the geography value has no ISO 3166 country code',
  'custom-host-header':
    'CloudFront refuses Host as a custom origin header; only the viewer Host or the origin name can be sent',
  'log-delivery': 'CloudFront access logs need an S3 bucket, which this adapter does not manage',
  'no-origin': 'a distribution needs at least one origin',
  'soft-purge':
    'CloudFront has no soft invalidation: a soft purge is an invalidation like a hard one (accepted, not refused)',
  certificates:
    'CreateCertificate without a PEM pair, and DeleteCertificate: ACM-managed certificates are not requested by this adapter (POPPY_CLOUDFRONT_ACM_CERTIFICATE_ARN names a shared one)',
  metrics: 'GetMetrics returns no series (CloudWatch is not queried)',
};

export const UNSUPPORTED_ERROR_CLASS = 'cloudfront.UnsupportedCapability';
