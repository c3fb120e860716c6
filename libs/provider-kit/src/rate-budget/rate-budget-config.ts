/**
 * Which store a provider process keeps its vendor account's budget in (README,
 * "Configuration"): POPPY_RATE_BUDGET `local` (default: this process alone), `sqlite` (one
 * file shared by the processes of a machine, POPPY_RATE_BUDGET_FILE, default the job
 * queue's file `<POPPY_DATA_DIR>/jobs.sqlite`) or `nats` (a JetStream KV bucket,
 * POPPY_RATE_BUDGET_KV_BUCKET, on the queue's servers POPPY_NATS_URL).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { EnvReader } from '@poppy/platform/boot';
import { NatsBucketStore } from './nats-bucket-store';
import { BucketRateBudget, LocalRateBudget, type RateBudgetOptions } from './rate-budget';
import { SqliteBucketStore } from './sqlite-bucket-store';

export type RateBudgetConfig =
  | { driver: 'local' }
  | { driver: 'sqlite'; file: string }
  | { driver: 'nats'; servers: string[]; kvBucket: string };

export function readRateBudgetConfig(e: EnvReader): RateBudgetConfig {
  const driver = e.oneOf('POPPY_RATE_BUDGET', ['local', 'sqlite', 'nats'] as const, 'local');
  if (driver === 'local') return { driver };
  if (driver === 'sqlite') {
    const dataDir = e.string('POPPY_DATA_DIR', './.data');
    return {
      driver,
      file: path.resolve(e.string('POPPY_RATE_BUDGET_FILE', path.join(dataDir, 'jobs.sqlite'))),
    };
  }
  const servers = e.list('POPPY_NATS_URL', ['nats://127.0.0.1:4222']);
  for (const url of servers) {
    if (!/^nats:\/\/[^\s/]+:\d{1,5}$/.test(url))
      e.problem(`POPPY_NATS_URL: expected nats://host:port, got '${url}'`);
  }
  const kvBucket = e.string('POPPY_RATE_BUDGET_KV_BUCKET', 'poppy_rate_budgets');
  if (!/^[-_A-Za-z0-9]+$/.test(kvBucket))
    e.problem(
      `POPPY_RATE_BUDGET_KV_BUCKET: expected letters, digits, '-' or '_', got '${kvBucket}'`,
    );
  return { driver, servers, kvBucket };
}

/**
 * The key of a vendor account's budget: the vendor and a digest of the credential that
 * identifies the account, so replicas with the same token share one bucket and the token
 * itself is never written to the shared store.
 */
export function rateBudgetKey(vendor: string, accountCredential: string): string {
  const digest = createHash('sha256').update(accountCredential).digest('hex').slice(0, 16);
  return `${vendor}.${digest}`;
}

export function createRateBudget(
  config: RateBudgetConfig,
  account: { vendor: string; credential: string },
  options: RateBudgetOptions,
): BucketRateBudget {
  const key = rateBudgetKey(account.vendor, account.credential);
  switch (config.driver) {
    case 'local':
      return new LocalRateBudget(options);
    case 'sqlite':
      return new BucketRateBudget(new SqliteBucketStore(config.file, key), options);
    case 'nats':
      return new BucketRateBudget(
        new NatsBucketStore({
          servers: config.servers,
          kvBucket: config.kvBucket,
          key,
          connectionName: `rate-budget-${account.vendor}`,
        }),
        options,
      );
  }
}
