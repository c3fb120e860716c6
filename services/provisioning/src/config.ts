import path from 'node:path';
import { readJobQueueConfig, type JobQueueConfig } from '@poppy/jobs';
import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';
import { readCertificateStepConfig, type CertificateStepConfig } from './certificates';

export interface BreakerConfig {
  /** A provider call slower than this fails and counts against the breaker. @default 10000 (POPPY_PROVIDER_TIMEOUT_MS) */
  timeoutMs: number;
  /** Failure percentage that opens a provider's breaker. @default 50 (POPPY_BREAKER_ERROR_PERCENT) */
  errorThresholdPercentage: number;
  /** How long an open breaker waits before a probe call. @default 10000 (POPPY_BREAKER_RESET_MS) */
  resetTimeoutMs: number;
  /** Calls in the window before a breaker may open. @default 10 (POPPY_BREAKER_VOLUME) */
  volumeThreshold: number;
}

export interface ProvisioningConfig extends CommonConfig {
  /** gRPC (health) listen address. @default '127.0.0.1' / 50071 (POPPY_PROVISIONING_HOST / _PORT); port 0 = any. */
  host: string;
  port: number;
  /** @default '127.0.0.1:50051' (POPPY_CATALOG_ADDRESS) */
  catalogAddress: string;
  /** The job queue, shared with the catalog's outbox relay (POPPY_QUEUE, POPPY_QUEUE_FILE, POPPY_NATS_URL, …). */
  queue: JobQueueConfig;
  /**
   * Provider adapters by provider id (the ids flavors name):
   * `mock=127.0.0.1:50061,mock2=127.0.0.1:50062`. @default 'mock=127.0.0.1:50061' (POPPY_PROVIDER_ADDRESSES)
   */
  providerAddresses: Record<string, string>;
  /** Jobs run at once by this process. @default 32 (POPPY_PROVISIONING_CONCURRENCY) */
  concurrency: number;
  /** Attempts of a job before the providers still pending are `failed`. @default 8 (POPPY_JOB_MAX_ATTEMPTS) */
  maxAttempts: number;
  /** Retry delay: min(max, initial·2^(attempt−1)). @default 200 / 30000 (POPPY_JOB_BACKOFF_INITIAL_MS / _MAX_MS) */
  backoff: { initialMs: number; maxMs: number };
  /** How fast the jobs of a dead worker move on. @default 15000 (POPPY_JOB_LEASE_MS) */
  leaseMs: number;
  breaker: BreakerConfig;
  /** Reconciler sweep period; 0 turns it off. @default 10000 (POPPY_RECONCILE_INTERVAL_MS) */
  reconcileIntervalMs: number;
  /** A service in *_in_progress at one generation this long gets its job again. @default 60000 (POPPY_RECONCILE_STUCK_AFTER_MS) */
  reconcileStuckAfterMs: number;
  /** Orphan sweep period (orphan-sweep.ts); 0 turns it off. @default 3600000 (POPPY_ORPHAN_SWEEP_INTERVAL_MS) */
  orphanSweepIntervalMs: number;
  /** A vendor object without a service younger than this is kept. @default 3600000 (POPPY_ORPHAN_SWEEP_GRACE_MS) */
  orphanSweepGraceMs: number;
  /** Report the orphans, remove nothing. @default false (POPPY_ORPHAN_SWEEP_DRY_RUN) */
  orphanSweepDryRun: boolean;
  /** DNS driver for operator CNAMEs (docs/behaviour.md §13). @default 'default' (POPPY_DNS_DRIVER) */
  dnsDriver: 'default';
  /** services/dns (host:port); when set it replaces the DNS driver. @default none (POPPY_DNS_ADDRESS) */
  dnsAddress?: string;
  /** The certificate step before provider configuration (POPPY_CERTIFICATES_ADDRESS, POPPY_CERTIFICATE_WAIT_MS). */
  certificates: CertificateStepConfig;
}

function readProviderAddresses(e: EnvReader): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of e.list('POPPY_PROVIDER_ADDRESSES', ['mock=127.0.0.1:50061'])) {
    const match = /^([a-z0-9_-]+)=([^\s:=]+:\d{1,5})$/.exec(entry);
    if (!match) {
      e.problem(`POPPY_PROVIDER_ADDRESSES: expected <provider id>=<host:port>, got '${entry}'`);
      continue;
    }
    if (out[match[1]])
      e.problem(`POPPY_PROVIDER_ADDRESSES: provider '${match[1]}' is listed twice`);
    out[match[1]] = match[2];
  }
  return out;
}

export function loadProvisioningConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ProvisioningConfig> {
  const e = new EnvReader(env);
  const config: ProvisioningConfig = {
    ...readCommonConfig(e),
    host: e.string('POPPY_PROVISIONING_HOST', '127.0.0.1'),
    port: e.int('POPPY_PROVISIONING_PORT', 50071, { min: 0, max: 65535 }),
    catalogAddress: e.address('POPPY_CATALOG_ADDRESS', '127.0.0.1:50051'),
    queue: readJobQueueConfig(e, {
      dataDir: path.resolve(e.string('POPPY_DATA_DIR', './.data')),
      durable: 'poppy-provisioning',
      connectionName: `provisioning-${process.pid}`,
    }),
    providerAddresses: readProviderAddresses(e),
    concurrency: e.int('POPPY_PROVISIONING_CONCURRENCY', 32, { min: 1, max: 4096 }),
    maxAttempts: e.int('POPPY_JOB_MAX_ATTEMPTS', 8, { min: 1, max: 1000 }),
    backoff: {
      initialMs: e.int('POPPY_JOB_BACKOFF_INITIAL_MS', 200, { min: 0 }),
      maxMs: e.int('POPPY_JOB_BACKOFF_MAX_MS', 30_000, { min: 0 }),
    },
    leaseMs: e.int('POPPY_JOB_LEASE_MS', 15_000, { min: 100 }),
    breaker: {
      timeoutMs: e.int('POPPY_PROVIDER_TIMEOUT_MS', 10_000, { min: 1 }),
      errorThresholdPercentage: e.int('POPPY_BREAKER_ERROR_PERCENT', 50, { min: 1, max: 100 }),
      resetTimeoutMs: e.int('POPPY_BREAKER_RESET_MS', 10_000, { min: 1 }),
      volumeThreshold: e.int('POPPY_BREAKER_VOLUME', 10, { min: 1 }),
    },
    reconcileIntervalMs: e.int('POPPY_RECONCILE_INTERVAL_MS', 10_000, { min: 0 }),
    reconcileStuckAfterMs: e.int('POPPY_RECONCILE_STUCK_AFTER_MS', 60_000, { min: 1 }),
    orphanSweepIntervalMs: e.int('POPPY_ORPHAN_SWEEP_INTERVAL_MS', 3_600_000, { min: 0 }),
    orphanSweepGraceMs: e.int('POPPY_ORPHAN_SWEEP_GRACE_MS', 3_600_000, { min: 0 }),
    orphanSweepDryRun: e.bool('POPPY_ORPHAN_SWEEP_DRY_RUN', false),
    dnsDriver: e.oneOf('POPPY_DNS_DRIVER', ['default'] as const, 'default'),
    dnsAddress: e.optionalString('POPPY_DNS_ADDRESS'),
    certificates: readCertificateStepConfig(e),
  };
  if (Object.keys(config.providerAddresses).length === 0)
    e.problem('POPPY_PROVIDER_ADDRESSES: at least one provider is needed');
  if (config.backoff.maxMs < config.backoff.initialMs) {
    e.problem('POPPY_JOB_BACKOFF_MAX_MS must not be below POPPY_JOB_BACKOFF_INITIAL_MS');
  }
  return e.done(config);
}
