/**
 * Poppy's service model → a CloudFront DistributionConfig (pure; no AWS call).
 *
 * - one distribution per service: `CallerReference` = service_id (CloudFront's idempotency
 *   key), aliases = the service's domains, `Comment` names the service;
 * - origins: one custom origin per Poppy origin (`ssl` → https-only on `port`, else
 *   http-only on `port`); an origin's `rules` (`request_url` patterns) become cache
 *   behaviours targeting it; the first origin without rules (or with `/*`) is the default;
 * - caching rules: each `request_url` becomes a cache behaviour with Min/Default/MaxTTL =
 *   `ttl` (0 = nothing cached), aimed at the origin whose rule covers the path; the `/*`
 *   rule sets the default behaviour's TTL;
 * - host header: `domain` forwards the viewer's Host, `origin` lets CloudFront send the
 *   origin's name; `custom` cannot be expressed (CloudFront refuses Host as a custom header);
 * - geography restrictions → the distribution's geo restriction (ISO codes; regions expand).
 *
 * What CloudFront cannot express — referrer and client-IP restrictions (AWS WAF's job),
 * per-path geography, whitelist and blacklist mixed, a custom host header, log delivery —
 * is returned in `unsupported`, never silently dropped; the driver refuses such a spec.
 */
import type {
  CacheBehavior,
  DefaultCacheBehavior,
  DistributionConfig,
  Origin,
} from '@aws-sdk/client-cloudfront';
import type { commonV1 } from '@poppy/contracts';
import { geographyToCountryCodes } from '@poppy/domain';

export interface DistributionSettings {
  /** @default 'PriceClass_All' */
  priceClass?: string;
  /** An ACM certificate (us-east-1) for the aliases; CloudFront's default certificate when absent. */
  acmCertificateArn?: string;
  /** TTL of the default behaviour when no caching rule covers `/*`. @default 86400 */
  defaultTtl?: number;
}

export interface UnsupportedFeature {
  /** A key of KNOWN_UNSUPPORTED (capabilities.ts). */
  feature: string;
  /** What in the spec asked for it. */
  detail: string;
}

export interface DistributionPlan {
  config: DistributionConfig;
  unsupported: UnsupportedFeature[];
}

/** `request_url` with a leading slash; `''`, `*` and `/*` are the default path. */
export function normalisePath(requestUrl: string): string {
  const trimmed = requestUrl.trim();
  if (trimmed === '' || trimmed === '*' || trimmed === '/*') return '/*';
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

const isDefaultPath = (path: string) => path === '/*';

/** Whether the CloudFront pattern `pattern` (`*` any run, `?` one char) covers `path` read literally. */
export function patternCovers(pattern: string, path: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(path);
}

/** More specific first: longer literal prefix, then longer pattern, then text (stable output). */
function bySpecificity(a: string, b: string): number {
  const prefix = (p: string) => (p.search(/[*?]/) === -1 ? p.length : p.search(/[*?]/));
  return prefix(b) - prefix(a) || b.length - a.length || a.localeCompare(b);
}

export const originId = (index: number) => `origin-${index}`;

const COMMENT_PREFIX = 'poppy service ';

export function distributionComment(serviceId: string): string {
  return `${COMMENT_PREFIX}${serviceId}`.slice(0, 128);
}

/** The service id a distribution's Comment names (distributionComment), or undefined for one we did not make. */
export function serviceIdOfComment(comment: string): string | undefined {
  if (!comment.startsWith(COMMENT_PREFIX)) return undefined;
  const serviceId = comment.slice(COMMENT_PREFIX.length).trim();
  return serviceId === '' ? undefined : serviceId;
}

export function distributionConfigFor(
  serviceId: string,
  spec: commonV1.ServiceSpec,
  settings: DistributionSettings = {},
): DistributionPlan {
  const unsupported: UnsupportedFeature[] = [];
  if (spec.origins.length === 0) {
    unsupported.push({ feature: 'no-origin', detail: 'a distribution needs at least one origin' });
  }

  // Origins, and the path patterns each one serves.
  const origins: Origin[] = spec.origins.map((o, i) => ({
    Id: originId(i),
    DomainName: o.origin,
    OriginPath: '',
    CustomHeaders: { Quantity: 0, Items: [] },
    CustomOriginConfig: {
      HTTPPort: o.ssl ? 80 : o.port || 80,
      HTTPSPort: o.ssl ? o.port || 443 : 443,
      OriginProtocolPolicy: o.ssl ? 'https-only' : 'http-only',
      OriginSslProtocols: { Quantity: 1, Items: ['TLSv1.2'] },
      OriginReadTimeout: 30,
      OriginKeepaliveTimeout: 5,
    },
  }));
  for (const o of spec.origins) {
    if (o.hostheadertype === 'custom') {
      unsupported.push({
        feature: 'custom-host-header',
        detail: `origin ${o.origin}: hostheadertype custom (${o.hostheadervalue ?? ''}) — CloudFront sends the viewer's Host or the origin's name only`,
      });
    }
  }
  const originPatterns: Array<{ path: string; index: number }> = [];
  spec.origins.forEach((o, index) => {
    for (const rule of o.rules) {
      const path = normalisePath(rule.request_url);
      if (!isDefaultPath(path) && !originPatterns.some((p) => p.path === path))
        originPatterns.push({ path, index });
    }
  });
  originPatterns.sort((a, b) => bySpecificity(a.path, b.path));
  let defaultOrigin = spec.origins.findIndex(
    (o) => o.rules.length === 0 || o.rules.some((r) => isDefaultPath(normalisePath(r.request_url))),
  );
  if (defaultOrigin < 0) defaultOrigin = 0;
  const originFor = (path: string) =>
    originPatterns.find((p) => patternCovers(p.path, path))?.index ?? defaultOrigin;

  // TTLs per path pattern.
  const cachingPatterns: Array<{ path: string; ttl: number }> = [];
  for (const rule of spec.caching) {
    for (const r of rule.rules.length > 0 ? rule.rules : [{ name: rule.name, request_url: '/*' }]) {
      const path = normalisePath(r.request_url);
      if (!cachingPatterns.some((p) => p.path === path))
        cachingPatterns.push({ path, ttl: rule.ttl });
    }
  }
  const defaultTtl =
    cachingPatterns.find((p) => isDefaultPath(p.path))?.ttl ?? settings.defaultTtl ?? 86400;
  const specificCaching = cachingPatterns
    .filter((p) => !isDefaultPath(p.path))
    .sort((a, b) => bySpecificity(a.path, b.path));
  const ttlFor = (path: string) =>
    specificCaching.find((p) => patternCovers(p.path, path))?.ttl ?? defaultTtl;

  const https = spec.domains.some((d) => d.protocol === 'https');
  const viewerProtocolPolicy = https ? 'redirect-to-https' : 'allow-all';
  const behaviour = (index: number, ttl: number): DefaultCacheBehavior => {
    const forwardHost = spec.origins[index]?.hostheadertype === 'domain';
    return {
      TargetOriginId: originId(index),
      ViewerProtocolPolicy: viewerProtocolPolicy,
      MinTTL: 0,
      DefaultTTL: ttl,
      MaxTTL: ttl,
      Compress: true,
      SmoothStreaming: false,
      TrustedSigners: { Enabled: false, Quantity: 0, Items: [] },
      ForwardedValues: {
        QueryString: true,
        Cookies: { Forward: 'none' },
        Headers: forwardHost ? { Quantity: 1, Items: ['Host'] } : { Quantity: 0, Items: [] },
      },
    };
  };

  const paths = [
    ...new Set([...originPatterns.map((p) => p.path), ...specificCaching.map((p) => p.path)]),
  ].sort(bySpecificity);
  const cacheBehaviours: CacheBehavior[] = paths.map((path) => ({
    PathPattern: path,
    ...behaviour(originFor(path), ttlFor(path)),
  }));

  // Restrictions.
  const geo = { access: undefined as string | undefined, codes: new Set<string>() };
  for (const restriction of spec.restrictions) {
    const access = restriction.access || 'blacklist';
    for (const rule of restriction.rules) {
      const where = `restriction ${restriction.name}`;
      if (rule.referrer !== undefined) {
        unsupported.push({
          feature: 'referrer-restriction',
          detail: `${where}: referrer ${access} ${rule.referrer}`,
        });
      } else if (rule.client_ip !== undefined) {
        unsupported.push({
          feature: 'client-ip-restriction',
          detail: `${where}: client_ip ${access} ${rule.client_ip}`,
        });
      } else if (rule.geography !== undefined) {
        const path = normalisePath(rule.request_url);
        const codes = geographyToCountryCodes(rule.geography);
        if (!isDefaultPath(path)) {
          unsupported.push({
            feature: 'per-path-geo-restriction',
            detail: `${where}: geography ${rule.geography} on ${path}`,
          });
        } else if (!codes) {
          unsupported.push({
            feature: 'unknown-geography',
            detail: `${where}: no ISO country code for ${rule.geography}`,
          });
        } else if (geo.access !== undefined && geo.access !== access) {
          unsupported.push({
            feature: 'mixed-geo-restriction',
            detail: `${where}: ${access} next to a ${geo.access}`,
          });
        } else {
          geo.access = access;
          codes.forEach((c) => geo.codes.add(c));
        }
      }
    }
  }
  if (spec.log_delivery?.enabled) {
    unsupported.push({
      feature: 'log-delivery',
      detail: 'log_delivery.enabled needs an S3 bucket, which this adapter does not manage',
    });
  }
  const codes = [...geo.codes].sort();

  const config: DistributionConfig = {
    CallerReference: serviceId,
    Comment: distributionComment(serviceId),
    Enabled: true,
    Aliases: { Quantity: spec.domains.length, Items: spec.domains.map((d) => d.domain) },
    DefaultRootObject: '',
    Origins: { Quantity: origins.length, Items: origins },
    DefaultCacheBehavior: behaviour(defaultOrigin, defaultTtl),
    CacheBehaviors: { Quantity: cacheBehaviours.length, Items: cacheBehaviours },
    PriceClass: (settings.priceClass ?? 'PriceClass_All') as DistributionConfig['PriceClass'],
    ViewerCertificate: settings.acmCertificateArn
      ? viewerCertificate(settings.acmCertificateArn)
      : { CloudFrontDefaultCertificate: true },
    Restrictions: {
      GeoRestriction:
        codes.length > 0
          ? {
              RestrictionType: geo.access === 'whitelist' ? 'whitelist' : 'blacklist',
              Quantity: codes.length,
              Items: codes,
            }
          : { RestrictionType: 'none', Quantity: 0 },
    },
    HttpVersion: 'http2',
    IsIPV6Enabled: true,
  };
  return { config, unsupported };
}

/** What Poppy owns in a config: compared before an update so an unchanged spec writes nothing. */
export function ownedParts(config: DistributionConfig | undefined): string {
  if (!config) return '';
  const behaviour = (
    b:
      | {
          TargetOriginId?: string;
          MinTTL?: number;
          DefaultTTL?: number;
          MaxTTL?: number;
          ViewerProtocolPolicy?: string;
          ForwardedValues?: { Headers?: { Items?: string[] } };
        }
      | undefined,
  ) =>
    b && [
      b.TargetOriginId,
      b.MinTTL,
      b.DefaultTTL,
      b.MaxTTL,
      b.ViewerProtocolPolicy,
      [...(b.ForwardedValues?.Headers?.Items ?? [])].sort(),
    ];
  return JSON.stringify([
    config.Comment ?? '',
    [...(config.Aliases?.Items ?? [])].sort(),
    (config.Origins?.Items ?? []).map((o) => [
      o.Id,
      o.DomainName,
      o.CustomOriginConfig?.HTTPPort,
      o.CustomOriginConfig?.HTTPSPort,
      o.CustomOriginConfig?.OriginProtocolPolicy,
    ]),
    behaviour(config.DefaultCacheBehavior),
    (config.CacheBehaviors?.Items ?? []).map((b) => [b.PathPattern, behaviour(b)]),
    [
      config.Restrictions?.GeoRestriction?.RestrictionType ?? 'none',
      [...(config.Restrictions?.GeoRestriction?.Items ?? [])].sort(),
    ],
    config.PriceClass,
    config.ViewerCertificate?.ACMCertificateArn ?? '',
  ]);
}

/** The viewer certificate of a distribution served with an ACM certificate (SNI only: no dedicated IPs). */
export function viewerCertificate(
  arn: string,
): NonNullable<DistributionConfig['ViewerCertificate']> {
  return {
    ACMCertificateArn: arn,
    SSLSupportMethod: 'sni-only',
    MinimumProtocolVersion: 'TLSv1.2_2021',
  };
}
