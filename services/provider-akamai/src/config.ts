import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';

export interface ProviderAkamaiConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_PROVIDER_HOST) */
  host: string;
  /** @default 50065 (POPPY_PROVIDER_PORT); 0 picks a free port. */
  port: number;
  /** API base URL: `https://<host from .edgerc>` (POPPY_AKAMAI_BASE_URL, required) */
  baseUrl: string;
  /** EdgeGrid credentials (POPPY_AKAMAI_CLIENT_TOKEN, POPPY_AKAMAI_CLIENT_SECRET, POPPY_AKAMAI_ACCESS_TOKEN, required) */
  credentials: { clientToken: string; clientSecret: string; accessToken: string };
  /** Partner account switch key (POPPY_AKAMAI_ACCOUNT_SWITCH_KEY) */
  accountSwitchKey?: string;
  /** (POPPY_AKAMAI_CONTRACT_ID, POPPY_AKAMAI_GROUP_ID, required) */
  contractId: string;
  groupId: string;
  /** @default 'prd_Fresca' (POPPY_AKAMAI_PRODUCT_ID) */
  productId: string;
  /** CP code of every property (POPPY_AKAMAI_CP_CODE, required) */
  cpCodeId: number;
  /** @default 'poppy.edgesuite.net' (POPPY_AKAMAI_EDGE_HOSTNAME) */
  edgeHostname: string;
  /** @default 'poppy.edgekey.net' (POPPY_AKAMAI_SECURE_EDGE_HOSTNAME) */
  secureEdgeHostname: string;
  /** @default 'v2025-10-16' (POPPY_AKAMAI_RULE_FORMAT) */
  ruleFormat: string;
  /** @default ['cdn-ops@example.com'] (POPPY_AKAMAI_NOTIFY_EMAILS) */
  notifyEmails: string[];
  /** @default 'production' (POPPY_AKAMAI_PURGE_NETWORK) */
  purgeNetwork: 'staging' | 'production';
  /** Requests per second of the account budget. @default 1.66 — PAPI's 100/min (POPPY_AKAMAI_RATE_LIMIT) */
  ratePerSecond: number;
  /** @default 1000 — PAPI's burst (POPPY_AKAMAI_RATE_BURST) */
  rateBurst: number;
  /** Per request. @default 10000 (POPPY_AKAMAI_TIMEOUT_MS) */
  requestTimeoutMs: number;
  /** Retry hint while a deactivation runs before a delete. @default 60000 (POPPY_AKAMAI_POLL_MS) */
  pollMs: number;
  /** @default 86400 (POPPY_DEFAULT_CACHE_TTL) */
  defaultCacheTtl: number;
  /** Contact fields of CPS enrollments (POPPY_AKAMAI_CERT_ORG, POPPY_AKAMAI_CERT_EMAIL, POPPY_AKAMAI_CERT_COUNTRY) */
  certificateContact: { organization: string; email: string; country: string };
  /** SAN certificate names the operator routes accept (reference `san_cert_cnames`). @default [] (POPPY_AKAMAI_SAN_CERT_NAMES) */
  sanCertNames: string[];
  /** SNI certificate names the operator routes accept (reference `sni_cert_cnames`). @default [] (POPPY_AKAMAI_SNI_CERT_NAMES) */
  sniCertNames: string[];
  /** Edge-hostname suffix of certificates, `<cert>.<suffix>`. @default 'edgekey.net' (POPPY_AKAMAI_HTTPS_SUFFIX) */
  httpsSuffix: string;
  /** The property carrying the mod-SAN hostnames. @default 'mod-san-hostnames' (POPPY_AKAMAI_SAN_PROPERTY) */
  sanPropertyName: string;
  /** The property carrying the mod-SNI hostnames. @default 'mod-sni-hostnames' (POPPY_AKAMAI_SNI_PROPERTY) */
  sniPropertyName: string;
}

const PURGE_NETWORKS = ['staging', 'production'] as const;

export function loadProviderAkamaiConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ProviderAkamaiConfig> {
  const e = new EnvReader(env);
  const required = (name: string): string => {
    const value = e.optionalString(name);
    if (value === undefined) e.problem(`${name} is required`);
    return value ?? '';
  };
  const baseUrl = required('POPPY_AKAMAI_BASE_URL');
  if (baseUrl && !/^https?:\/\/[^\s/]+\/?$/.test(baseUrl))
    e.problem(`POPPY_AKAMAI_BASE_URL: expected http(s)://host[:port], got '${baseUrl}'`);
  const decimal = (name: string, fallback: number): number => {
    const raw = e.optionalString(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!(value > 0)) e.problem(`${name}: expected a positive number, got '${raw}'`);
    return value > 0 ? value : fallback;
  };
  const cpCode = required('POPPY_AKAMAI_CP_CODE').replace(/^cpc_/, '');
  if (cpCode && !/^\d+$/.test(cpCode))
    e.problem(`POPPY_AKAMAI_CP_CODE: expected a number, got '${cpCode}'`);
  const config: ProviderAkamaiConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_PROVIDER_HOST', '127.0.0.1'),
    port: e.int('POPPY_PROVIDER_PORT', 50065, { min: 0, max: 65535 }),
    baseUrl: baseUrl.replace(/\/+$/, ''),
    credentials: {
      clientToken: required('POPPY_AKAMAI_CLIENT_TOKEN'),
      clientSecret: required('POPPY_AKAMAI_CLIENT_SECRET'),
      accessToken: required('POPPY_AKAMAI_ACCESS_TOKEN'),
    },
    accountSwitchKey: e.optionalString('POPPY_AKAMAI_ACCOUNT_SWITCH_KEY'),
    contractId: required('POPPY_AKAMAI_CONTRACT_ID'),
    groupId: required('POPPY_AKAMAI_GROUP_ID'),
    productId: e.string('POPPY_AKAMAI_PRODUCT_ID', 'prd_Fresca'),
    cpCodeId: Number(cpCode) || 0,
    edgeHostname: e.string('POPPY_AKAMAI_EDGE_HOSTNAME', 'poppy.edgesuite.net'),
    secureEdgeHostname: e.string('POPPY_AKAMAI_SECURE_EDGE_HOSTNAME', 'poppy.edgekey.net'),
    ruleFormat: e.string('POPPY_AKAMAI_RULE_FORMAT', 'v2025-10-16'),
    notifyEmails: e.list('POPPY_AKAMAI_NOTIFY_EMAILS', ['cdn-ops@example.com']),
    purgeNetwork: e.oneOf('POPPY_AKAMAI_PURGE_NETWORK', PURGE_NETWORKS, 'production'),
    ratePerSecond: decimal('POPPY_AKAMAI_RATE_LIMIT', 1.66),
    rateBurst: e.int('POPPY_AKAMAI_RATE_BURST', 1000, { min: 1 }),
    requestTimeoutMs: e.int('POPPY_AKAMAI_TIMEOUT_MS', 10_000, { min: 100 }),
    pollMs: e.int('POPPY_AKAMAI_POLL_MS', 60_000, { min: 0 }),
    defaultCacheTtl: e.int('POPPY_DEFAULT_CACHE_TTL', 86400, { min: 0, max: 31536000 }),
    certificateContact: {
      organization: e.string('POPPY_AKAMAI_CERT_ORG', 'Poppy CDN'),
      email: e.string('POPPY_AKAMAI_CERT_EMAIL', 'cdn-ops@example.com'),
      country: e.string('POPPY_AKAMAI_CERT_COUNTRY', 'US'),
    },
    sanCertNames: e.list('POPPY_AKAMAI_SAN_CERT_NAMES', []),
    sniCertNames: e.list('POPPY_AKAMAI_SNI_CERT_NAMES', []),
    httpsSuffix: e.string('POPPY_AKAMAI_HTTPS_SUFFIX', 'edgekey.net'),
    sanPropertyName: e.string('POPPY_AKAMAI_SAN_PROPERTY', 'mod-san-hostnames'),
    sniPropertyName: e.string('POPPY_AKAMAI_SNI_PROPERTY', 'mod-sni-hostnames'),
  };
  // The orphan sweep owns every poppy-* property (rule-tree.ts): these must not look like one.
  for (const [name, value] of [
    ['POPPY_AKAMAI_SAN_PROPERTY', config.sanPropertyName],
    ['POPPY_AKAMAI_SNI_PROPERTY', config.sniPropertyName],
  ] as const)
    if (value.startsWith('poppy-'))
      e.problem(`${name}: '${value}' starts with poppy-, the prefix of service properties`);
  return e.done(config);
}
