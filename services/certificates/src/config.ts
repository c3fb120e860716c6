import path from 'node:path';
import { readJobQueueConfig, type JobQueueConfig } from '@poppy/jobs';
import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';

export interface AcmeConfig {
  /** ACME directory; empty turns managed issuance off (requests stay create_in_progress). (POPPY_ACME_DIRECTORY_URL) */
  directoryUrl: string;
  /** PEM file of a CA to trust for the ACME server's own TLS (pebble's listener). (POPPY_ACME_CA_FILE) */
  caFile?: string;
  /** Account contact. (POPPY_ACME_EMAIL) */
  email?: string;
  /** How domains are validated: `http-01` (served here) or `dns-01` (TXT through the dns service). @default 'http-01' (POPPY_ACME_CHALLENGE) */
  challenge: 'http-01' | 'dns-01';
  /** The dns service, required for dns-01. (POPPY_DNS_ADDRESS) */
  dnsAddress?: string;
  /** Where HTTP-01 tokens are served. @default '127.0.0.1' / 5002 (POPPY_ACME_HTTP_HOST / _PORT); port 0 = off. */
  httpHost: string;
  httpPort: number;
}

export interface CertificatesConfig extends CommonConfig {
  /** @default '127.0.0.1' (POPPY_CERTIFICATES_HOST) */
  host: string;
  /** @default 50081 (POPPY_CERTIFICATES_PORT); 0 picks a free port. */
  port: number;
  /** Directory of the SQLite file certificates.sqlite. @default './.data' (POPPY_DATA_DIR) */
  dataDir: string;
  /** Where managed certificates come from: `acme` (the directory below; production) or `local` (an internal CA made in the data directory at first start; one machine, no validation). @default 'acme' (POPPY_CERTIFICATES_ISSUER) */
  issuer: 'acme' | 'local';
  acme: AcmeConfig;
  /** Renew certificates expiring within this many days. @default 30 (POPPY_CERT_RENEW_WITHIN_DAYS) */
  renewWithinDays: number;
  /** Renewal sweep period; 0 turns it off. @default 3600000 (POPPY_CERT_RENEW_INTERVAL_MS) */
  renewIntervalMs: number;
  /** Longest wait EnsureCertificates may ask for. @default 30000 (POPPY_CERT_MAX_WAIT_MS) */
  maxWaitMs: number;
  /** Where a renewed certificate's install job goes (POPPY_QUEUE, POPPY_QUEUE_FILE, POPPY_NATS_URL; see readJobQueueConfig in libs/jobs). */
  queue: JobQueueConfig;
}

export function loadCertificatesConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<CertificatesConfig> {
  const e = new EnvReader(env);
  const directoryUrl = e.string('POPPY_ACME_DIRECTORY_URL', '');
  if (directoryUrl && !/^https?:\/\/\S+$/.test(directoryUrl))
    e.problem(`POPPY_ACME_DIRECTORY_URL: expected an http(s) URL, got '${directoryUrl}'`);
  const caFile = e.optionalString('POPPY_ACME_CA_FILE');
  const dataDir = path.resolve(e.string('POPPY_DATA_DIR', './.data'));
  const config: CertificatesConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_CERTIFICATES_HOST', '127.0.0.1'),
    port: e.int('POPPY_CERTIFICATES_PORT', 50081, { min: 0, max: 65535 }),
    dataDir,
    issuer: e.oneOf('POPPY_CERTIFICATES_ISSUER', ['acme', 'local'] as const, 'acme'),
    acme: {
      directoryUrl,
      caFile: caFile === undefined ? undefined : path.resolve(caFile),
      email: e.optionalString('POPPY_ACME_EMAIL'),
      challenge: e.oneOf('POPPY_ACME_CHALLENGE', ['http-01', 'dns-01'] as const, 'http-01'),
      dnsAddress:
        e.optionalString('POPPY_DNS_ADDRESS') === undefined
          ? undefined
          : e.address('POPPY_DNS_ADDRESS', ''),
      httpHost: e.string('POPPY_ACME_HTTP_HOST', '127.0.0.1'),
      httpPort: e.int('POPPY_ACME_HTTP_PORT', 5002, { min: 0, max: 65535 }),
    },
    renewWithinDays: e.int('POPPY_CERT_RENEW_WITHIN_DAYS', 30, { min: 0, max: 3650 }),
    renewIntervalMs: e.int('POPPY_CERT_RENEW_INTERVAL_MS', 3_600_000, { min: 0 }),
    maxWaitMs: e.int('POPPY_CERT_MAX_WAIT_MS', 30_000, { min: 0, max: 600_000 }),
    queue: readJobQueueConfig(e, { dataDir, connectionName: 'certificates' }),
  };
  if (config.acme.challenge === 'dns-01' && !config.acme.dnsAddress)
    e.problem('POPPY_DNS_ADDRESS is required when POPPY_ACME_CHALLENGE=dns-01');
  return e.done(config);
}
