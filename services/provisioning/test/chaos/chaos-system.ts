/**
 * The system the chaos suite breaks: NATS JetStream, catalog (SQLite, or Cassandra when a
 * node is given), provider-mock with a journal and a faults file, provisioning and the
 * gateway, each a real process on a fixed loopback port so any of them can be killed and
 * started again where the others expect it. docs/reliability.md, "Chaos suite".
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createProviderClient, type ProviderClient } from '@poppy/provider-kit';
import {
  freePort,
  makeTempDir,
  REPO_ROOT,
  startNatsServer,
  startProcess,
  type NatsServer,
  type RunningProcess,
} from '@poppy/testing';

/** The timings the faults are measured against (small, so a bounded run fits in CI). */
export const CHAOS_TIMINGS = {
  /** Job attempts and their backoff: the retry budget is ≈ 50+100+200+400+400 ms of waits. */
  maxAttempts: 6,
  backoffInitialMs: 50,
  backoffMaxMs: 400,
  providerTimeoutMs: 800,
  reconcileIntervalMs: 1000,
  /** Also how long a flow waits for the catalog before releasing its job (catalog-wait.ts). */
  reconcileStuckAfterMs: 3000,
  orphanSweepIntervalMs: 2000,
  orphanSweepGraceMs: 3000,
};

/** How long the retry budget lasts: a catalog outage longer than this used to fail services. */
export function retryBudgetMs(): number {
  let total = 0;
  for (let n = 1; n < CHAOS_TIMINGS.maxAttempts; n++)
    total += Math.min(CHAOS_TIMINGS.backoffMaxMs, CHAOS_TIMINGS.backoffInitialMs * 2 ** (n - 1));
  return total;
}

type Role = 'catalog' | 'provider-mock' | 'provisioning' | 'gateway';

export interface ChaosSystemOptions {
  /** `host:port` of a Cassandra node of the caller's (durable mode); SQLite when absent. */
  cassandra?: string;
}

export class ChaosSystem {
  readonly dir = makeTempDir('chaos');
  readonly journal = path.join(this.dir, 'mock-journal.jsonl');
  readonly faultsFile = path.join(this.dir, 'mock-faults.json');
  readonly keyspace = `chaos_${Date.now().toString(36)}`;
  nats!: NatsServer;
  private readonly ports = new Map<Role, number>();
  private readonly running = new Map<Role, RunningProcess>();
  private mockClient?: ProviderClient;

  constructor(private readonly options: ChaosSystemOptions = {}) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.ports.get('gateway')}`;
  }

  /** The mock vendor's own view (ListManagedServices), for the orphan count. */
  get mock(): ProviderClient {
    this.mockClient ??= createProviderClient(`127.0.0.1:${this.ports.get('provider-mock')}`, {
      deadlineMs: 5000,
    });
    return this.mockClient;
  }

  async start(): Promise<void> {
    fs.writeFileSync(this.faultsFile, '{}');
    this.nats = await startNatsServer();
    for (const role of ['catalog', 'provider-mock', 'provisioning', 'gateway'] as const) {
      this.ports.set(role, await freePort());
      await this.startRole(role);
    }
  }

  private envOf(role: Role): Record<string, string> {
    const t = CHAOS_TIMINGS;
    const port = String(this.ports.get(role));
    const catalog = `127.0.0.1:${this.ports.get('catalog')}`;
    const common = {
      POPPY_DATA_DIR: this.dir,
      POPPY_QUEUE: 'nats',
      POPPY_NATS_URL: this.nats.url,
      // info: startProcess knows a process is up from its "<name> ready" line.
      POPPY_LOG_LEVEL: 'info',
    };
    switch (role) {
      case 'catalog':
        return {
          ...common,
          POPPY_CATALOG_PORT: port,
          POPPY_MAX_SERVICES_PER_PROJECT: '100000',
          ...(this.options.cassandra
            ? {
                POPPY_STORE: 'cassandra',
                POPPY_CASSANDRA_CONTACT_POINTS: this.options.cassandra,
                POPPY_CASSANDRA_KEYSPACE: this.keyspace,
              }
            : {}),
        };
      case 'provider-mock':
        return {
          ...common,
          POPPY_PROVIDER_PORT: port,
          POPPY_MOCK_PROVIDER_NAME: 'Mock',
          POPPY_MOCK_JOURNAL: this.journal,
          POPPY_MOCK_FAULTS_FILE: this.faultsFile,
          POPPY_MOCK_LATENCY_MS: '20',
        };
      case 'provisioning':
        return {
          ...common,
          POPPY_PROVISIONING_PORT: port,
          POPPY_CATALOG_ADDRESS: catalog,
          POPPY_PROVIDER_ADDRESSES: `mock=127.0.0.1:${this.ports.get('provider-mock')}`,
          POPPY_JOB_MAX_ATTEMPTS: String(t.maxAttempts),
          POPPY_JOB_BACKOFF_INITIAL_MS: String(t.backoffInitialMs),
          POPPY_JOB_BACKOFF_MAX_MS: String(t.backoffMaxMs),
          POPPY_JOB_LEASE_MS: '3000',
          POPPY_PROVIDER_TIMEOUT_MS: String(t.providerTimeoutMs),
          POPPY_BREAKER_RESET_MS: '500',
          POPPY_RECONCILE_INTERVAL_MS: String(t.reconcileIntervalMs),
          POPPY_RECONCILE_STUCK_AFTER_MS: String(t.reconcileStuckAfterMs),
          POPPY_ORPHAN_SWEEP_INTERVAL_MS: String(t.orphanSweepIntervalMs),
          POPPY_ORPHAN_SWEEP_GRACE_MS: String(t.orphanSweepGraceMs),
        };
      case 'gateway':
        return { ...common, POPPY_GATEWAY_PORT: port, POPPY_CATALOG_ADDRESS: catalog };
    }
  }

  async startRole(role: Role): Promise<void> {
    this.running.set(role, await startProcess(role, this.envOf(role), { timeoutMs: 60_000 }));
  }

  /** kill -9, as a crash. */
  async kill(role: Role): Promise<void> {
    await this.running.get(role)?.kill();
    this.running.delete(role);
  }

  /** The mock vendor's faults from now on (its faults file, reloaded on SIGUSR2). */
  setVendorFaults(faults: Record<string, unknown>): void {
    fs.writeFileSync(this.faultsFile, JSON.stringify(faults));
    process.kill(this.running.get('provider-mock')!.pid, 'SIGUSR2');
  }

  /** NATS SIGKILL; with `emptyStore` its JetStream store is gone when it comes back. */
  async crashNats(downMs: number, emptyStore: boolean): Promise<void> {
    await this.nats.kill();
    if (emptyStore) {
      for (const entry of fs.readdirSync(this.nats.dataDir))
        fs.rmSync(path.join(this.nats.dataDir, entry), { recursive: true, force: true });
    }
    await sleep(downMs);
    await this.nats.restart();
  }

  /** The Cassandra node: graceful stop (drain) or SIGKILL, then start again on its data. */
  async cassandraOutage(kind: 'kill' | 'stop', downMs: number): Promise<void> {
    const port = this.options.cassandra!.split(':')[1];
    const script = (...args: string[]) =>
      spawnSync(
        'bash',
        [path.join(REPO_ROOT, 'tools/infra/cassandra.sh'), ...args, '--port', port],
        {
          encoding: 'utf8',
          env: { ...process.env, CASSANDRA_FAST_UNSAFE: '0' },
        },
      );
    if (kind === 'stop') script('stop');
    else {
      const pid = /pid (\d+)/.exec(`${script('status').stdout}${script('status').stderr}`)?.[1];
      if (!pid) throw new Error('cannot find the Cassandra node to kill');
      process.kill(Number(pid), 'SIGKILL');
    }
    await sleep(downMs);
    const started = script('start');
    if (started.status !== 0) throw new Error(`Cassandra did not start again: ${started.stderr}`);
  }

  async stop(): Promise<void> {
    this.mockClient?.close();
    for (const role of ['gateway', 'provisioning', 'provider-mock', 'catalog'] as const)
      await this.running.get(role)?.stop();
    await this.nats?.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
