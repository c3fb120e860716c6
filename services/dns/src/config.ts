import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';
import type { OperatorDnsConfig } from './operator-dns';

export type DnsBackend = 'manual' | 'powerdns' | 'route53' | 'designate';

export interface DnsServiceConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_DNS_HOST) */
  host: string;
  /** @default 50091 (POPPY_DNS_PORT); 0 picks a free port. */
  port: number;
  /** @default 'manual' (POPPY_DNS_BACKEND) */
  backend: DnsBackend;
  /** Naming, sharding, targets, TTLs and retries (POPPY_DNS_*; see README). */
  operator: OperatorDnsConfig;
  /** The breaker around backend calls (POPPY_DNS_CALL_TIMEOUT_MS, POPPY_DNS_BREAKER_*). */
  breaker: {
    timeoutMs: number;
    errorThresholdPercentage: number;
    resetTimeoutMs: number;
    volumeThreshold: number;
  };
  /** Read when backend is powerdns (POPPY_POWERDNS_API_URL, _API_KEY, _SERVER_ID, _NAMESERVERS). */
  powerdns: { apiUrl: string; apiKey: string; serverId: string; nameservers: string[] };
  /** Read when backend is route53 (POPPY_ROUTE53_ENDPOINT, _REGION); credentials from the AWS chain. */
  route53: { endpoint?: string; region: string };
  /** Read when backend is designate (POPPY_DESIGNATE_API_URL, _TOKEN, _EMAIL). */
  designate: { apiUrl: string; token: string; email?: string };
}

export function loadDnsConfig(env: NodeJS.ProcessEnv = process.env): Readonly<DnsServiceConfig> {
  const e = new EnvReader(env);
  const backend = e.oneOf(
    'POPPY_DNS_BACKEND',
    ['manual', 'powerdns', 'route53', 'designate'] as const,
    'manual',
  );
  const suffix = e.string('POPPY_DNS_ZONE_SUFFIX', 'poppycdn.net');
  const retry = {
    attempts: e.int('POPPY_DNS_RETRIES', 5, { min: 1, max: 50 }),
    initialMs: e.int('POPPY_DNS_BACKOFF_INITIAL_MS', 200, { min: 0 }),
    maxMs: e.int('POPPY_DNS_BACKOFF_MAX_MS', 5000, { min: 0 }),
  };
  const config: DnsServiceConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_DNS_HOST', '127.0.0.1'),
    port: e.int('POPPY_DNS_PORT', 50091, { min: 0, max: 65535 }),
    backend,
    operator: {
      suffix,
      shardPrefix: e.string('POPPY_DNS_SHARD_PREFIX', 'cdn'),
      numShards: e.int('POPPY_DNS_NUM_SHARDS', 10, { min: 0, max: 1000 }),
      recordsLimit: e.int('POPPY_DNS_RECORDS_LIMIT', 400, { min: 1 }),
      sharedSslSuffix: e.string('POPPY_DNS_SHARED_SSL_SUFFIX', `secure.${suffix}`),
      sharedSslShardPrefix: e.string('POPPY_DNS_SHARED_SSL_SHARD_PREFIX', 'scdn'),
      sharedSslNumShards: e.int('POPPY_DNS_SHARED_SSL_NUM_SHARDS', 5, { min: 0, max: 1000 }),
      url404: e.string('POPPY_DNS_URL_404', `notfound.${suffix}`),
      cnameTtl: e.int('POPPY_DNS_CNAME_TTL', 300, { min: 1 }),
      txtTtl: e.int('POPPY_DNS_TXT_TTL', 60, { min: 1 }),
      retry,
    },
    breaker: {
      timeoutMs: e.int('POPPY_DNS_CALL_TIMEOUT_MS', 5000, { min: 0 }),
      errorThresholdPercentage: e.int('POPPY_DNS_BREAKER_ERROR_PERCENT', 50, { min: 1, max: 100 }),
      resetTimeoutMs: e.int('POPPY_DNS_BREAKER_RESET_MS', 2000, { min: 1 }),
      volumeThreshold: e.int('POPPY_DNS_BREAKER_VOLUME', 10, { min: 1 }),
    },
    powerdns: {
      apiUrl: backend === 'powerdns' ? e.string('POPPY_POWERDNS_API_URL', '') : '',
      apiKey: backend === 'powerdns' ? e.string('POPPY_POWERDNS_API_KEY', '') : '',
      serverId: e.string('POPPY_POWERDNS_SERVER_ID', 'localhost'),
      nameservers: e.list('POPPY_POWERDNS_NAMESERVERS', []),
    },
    route53: {
      endpoint: e.optionalString('POPPY_ROUTE53_ENDPOINT'),
      region: e.string('POPPY_ROUTE53_REGION', 'us-east-1'),
    },
    designate: {
      apiUrl: backend === 'designate' ? e.string('POPPY_DESIGNATE_API_URL', '') : '',
      token: backend === 'designate' ? e.string('POPPY_DESIGNATE_TOKEN', '') : '',
      email: backend === 'designate' ? e.optionalString('POPPY_DESIGNATE_EMAIL') : undefined,
    },
  };
  if (backend === 'designate' && !/^https?:\/\/[^\s/]+/.test(config.designate.apiUrl))
    e.problem(
      'POPPY_DESIGNATE_API_URL (the dns endpoint, http(s)) is required when POPPY_DNS_BACKEND=designate',
    );
  if (backend === 'designate' && !config.designate.token)
    e.problem(
      'POPPY_DESIGNATE_TOKEN (a Keystone token) is required when POPPY_DNS_BACKEND=designate',
    );
  if (backend === 'powerdns' && !config.powerdns.apiUrl)
    e.problem('POPPY_POWERDNS_API_URL is required when POPPY_DNS_BACKEND=powerdns');
  if (backend === 'powerdns' && !config.powerdns.apiKey)
    e.problem('POPPY_POWERDNS_API_KEY is required when POPPY_DNS_BACKEND=powerdns');
  if (retry.maxMs < retry.initialMs)
    e.problem('POPPY_DNS_BACKOFF_MAX_MS must not be below POPPY_DNS_BACKOFF_INITIAL_MS');
  if (!/^[a-z0-9.-]+$/i.test(suffix))
    e.problem(`POPPY_DNS_ZONE_SUFFIX: '${suffix}' is not a DNS name`);
  return e.done(config);
}
