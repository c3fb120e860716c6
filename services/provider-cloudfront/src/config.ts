import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';

export const PRICE_CLASSES = ['PriceClass_All', 'PriceClass_200', 'PriceClass_100'] as const;

export interface ProviderCloudFrontConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_PROVIDER_HOST) */
  host: string;
  /** @default 50062 (POPPY_PROVIDER_PORT); 0 picks a free port. */
  port: number;
  /** Another CloudFront API endpoint, e.g. a local moto server. @default AWS (POPPY_CLOUDFRONT_ENDPOINT) */
  endpoint?: string;
  /** @default 'us-east-1' (POPPY_CLOUDFRONT_REGION) */
  region: string;
  /** Static credentials; both or neither. @default the AWS SDK's credential chain (POPPY_CLOUDFRONT_ACCESS_KEY_ID, POPPY_CLOUDFRONT_SECRET_ACCESS_KEY) */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Attempts per AWS call inside the SDK (its own throttling back-off); 1 leaves every retry to provisioning. @default 3 (POPPY_CLOUDFRONT_MAX_ATTEMPTS) */
  maxAttempts: number;
  /** Per AWS request. @default 10000 (POPPY_CLOUDFRONT_TIMEOUT_MS) */
  requestTimeoutMs: number;
  /** Retry hint of "not yet" answers (disable before delete, invalidation in progress). @default 60000 (POPPY_CLOUDFRONT_POLL_MS) */
  pollMs: number;
  /** A purge is done only once its invalidation completed. @default true (POPPY_CLOUDFRONT_PURGE_WAIT) */
  purgeWait: boolean;
  /** @default 'PriceClass_All' (POPPY_CLOUDFRONT_PRICE_CLASS) */
  priceClass: (typeof PRICE_CLASSES)[number];
  /** ACM certificate (us-east-1) for the aliases. @default CloudFront's default certificate (POPPY_CLOUDFRONT_ACM_CERTIFICATE_ARN) */
  acmCertificateArn?: string;
  /** TTL of the default behaviour when no caching rule covers /*. @default 86400 (POPPY_DEFAULT_CACHE_TTL) */
  defaultCacheTtl: number;
}

export function loadProviderCloudFrontConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ProviderCloudFrontConfig> {
  const e = new EnvReader(env);
  const endpoint = e.optionalString('POPPY_CLOUDFRONT_ENDPOINT');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    e.problem(`POPPY_CLOUDFRONT_ENDPOINT: expected an http(s) URL, got '${endpoint}'`);
  }
  const accessKeyId = e.optionalString('POPPY_CLOUDFRONT_ACCESS_KEY_ID');
  const secretAccessKey = e.optionalString('POPPY_CLOUDFRONT_SECRET_ACCESS_KEY');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    e.problem(
      'POPPY_CLOUDFRONT_ACCESS_KEY_ID and POPPY_CLOUDFRONT_SECRET_ACCESS_KEY: set both or neither',
    );
  }
  const config: ProviderCloudFrontConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_PROVIDER_HOST', '127.0.0.1'),
    port: e.int('POPPY_PROVIDER_PORT', 50062, { min: 0, max: 65535 }),
    endpoint,
    region: e.string('POPPY_CLOUDFRONT_REGION', 'us-east-1'),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    maxAttempts: e.int('POPPY_CLOUDFRONT_MAX_ATTEMPTS', 3, { min: 1, max: 20 }),
    requestTimeoutMs: e.int('POPPY_CLOUDFRONT_TIMEOUT_MS', 10_000, { min: 100 }),
    pollMs: e.int('POPPY_CLOUDFRONT_POLL_MS', 60_000, { min: 0 }),
    purgeWait: e.bool('POPPY_CLOUDFRONT_PURGE_WAIT', true),
    priceClass: e.oneOf('POPPY_CLOUDFRONT_PRICE_CLASS', PRICE_CLASSES, 'PriceClass_All'),
    acmCertificateArn: e.optionalString('POPPY_CLOUDFRONT_ACM_CERTIFICATE_ARN'),
    defaultCacheTtl: e.int('POPPY_DEFAULT_CACHE_TTL', 86400, { min: 0, max: 31536000 }),
  };
  return e.done(config);
}
