/**
 * The in-cluster behaviour, simulated with processes on loopback (docs/reliability.md):
 * a 3-node NATS JetStream cluster (jobs stream at 3 replicas), a Cassandra node, 2 replicas
 * each of gateway, catalog, provisioning and provider-mock — gRPC replicas behind round-robin
 * TCP fronts (the Services), gateways behind a round-robin HTTP front (the ingress). Under a
 * steady load of creates and reads it kills one replica of each kind in turn (SIGKILL, and a
 * replacement started, as a Deployment does), then rolls each kind one replica at a time
 * (surge one, drain, SIGTERM: maxSurge 1, maxUnavailable 0), and counts requests that failed
 * after the front's retries and services never `deployed` (a stuck job).
 *
 * The "new build" of a roll is the same build restarted: the repository produces one build;
 * docs/rolling-upgrades.md says what keeps two versions compatible.
 */
import fs from 'node:fs';
import { makeTempDir, startProcess, type RunningProcess } from '@poppy/testing';
import { HttpFront, TcpFront } from './fronts';
import { startNatsCluster, type NatsCluster } from './nats-cluster';

export interface RehearsalOptions {
  /** Cassandra `host:port`. */
  cassandra: string;
  keyspace: string;
  /** Requests per second of the load. @default 20 */
  rate?: number;
  /** Share of the load that creates a service (the rest reads one). @default 0.3 */
  createShare?: number;
  /** Seconds between the steps of the scenario. @default 2 */
  settleSeconds?: number;
  /** How long created services may take to become `deployed` after the load. @default 60000 */
  deployDeadlineMs?: number;
  log?: (line: string) => void;
}

export interface StepFigures {
  step: string;
  requests: number;
  failed: number;
  /** Creates the front sent again after a crash lost the answer of an attempt that had stored the service (found stored once, and followed). */
  duplicates: number;
  /** 503 answers the client waited out and sent again (it is told to retry later). */
  retried503: number;
  /** The slowest answer during the step. */
  slowestMs: number;
}

export interface RehearsalReport {
  steps: StepFigures[];
  requests: number;
  lost: number;
  created: number;
  deployed: number;
  stuck: number;
  frontRetries: number;
  /** Nodes holding the jobs stream (POPPY_JOBS) at the end. */
  streamReplicas: number;
  /** Why requests failed, with counts (empty when none did). */
  failures: Record<string, number>;
  /** Resident memory of one replica of each kind at the end, MiB. */
  rssMiB: Record<string, number>;
}

type Kind = 'gateway' | 'catalog' | 'provisioning' | 'provider-mock';
const KINDS: Kind[] = ['gateway', 'catalog', 'provisioning', 'provider-mock'];

interface Replicas {
  front: TcpFront | HttpFront;
  running: RunningProcess[];
  env: () => Record<string, string>;
}

export async function runRehearsal(options: RehearsalOptions): Promise<RehearsalReport> {
  const log = options.log ?? (() => undefined);
  const settle = () => new Promise((r) => setTimeout(r, (options.settleSeconds ?? 2) * 1000));
  const dataDir = makeTempDir('rehearse');
  const cleanups: Array<() => Promise<unknown>> = [];
  let nats: NatsCluster | undefined;
  try {
    log('starting a 3-node NATS JetStream cluster');
    nats = await startNatsCluster(3);
    cleanups.push(() => nats!.stop());
    const fronts = {
      catalog: await TcpFront.start(),
      'provider-mock': await TcpFront.start(),
      provisioning: await TcpFront.start(),
      gateway: await HttpFront.start(),
    };
    for (const f of Object.values(fronts)) cleanups.push(() => f.close());
    const queue = {
      POPPY_QUEUE: 'nats',
      POPPY_NATS_URL: nats.urls,
      POPPY_NATS_STREAM_REPLICAS: '3',
      POPPY_PROVIDERS: 'mock',
      POPPY_DATA_DIR: dataDir,
    };
    const replicas: Record<Kind, Replicas> = {
      catalog: {
        front: fronts.catalog,
        running: [],
        env: () => ({
          ...queue,
          POPPY_CATALOG_PORT: '0',
          POPPY_STORE: 'cassandra',
          POPPY_CASSANDRA_CONTACT_POINTS: options.cassandra,
          POPPY_CASSANDRA_LOCAL_DC: 'datacenter1',
          POPPY_CASSANDRA_KEYSPACE: options.keyspace,
          POPPY_MAX_SERVICES_PER_PROJECT: '100000',
        }),
      },
      'provider-mock': {
        front: fronts['provider-mock'],
        running: [],
        env: () => ({ POPPY_PROVIDER_PORT: '0', POPPY_MOCK_PROVIDER_NAME: 'Mock' }),
      },
      provisioning: {
        front: fronts.provisioning,
        running: [],
        env: () => ({
          ...queue,
          POPPY_PROVISIONING_PORT: '0',
          POPPY_CATALOG_ADDRESS: `127.0.0.1:${fronts.catalog.port}`,
          POPPY_PROVIDER_ADDRESSES: `mock=127.0.0.1:${fronts['provider-mock'].port}`,
          // A dead worker's jobs move on after the lease; the reconciler re-publishes what is stuck.
          POPPY_JOB_LEASE_MS: '3000',
          POPPY_RECONCILE_INTERVAL_MS: '2000',
          POPPY_RECONCILE_STUCK_AFTER_MS: '10000',
        }),
      },
      gateway: {
        front: fronts.gateway,
        running: [],
        env: () => ({
          POPPY_GATEWAY_PORT: '0',
          POPPY_CATALOG_ADDRESS: `127.0.0.1:${fronts.catalog.port}`,
          POPPY_PROVIDERS: 'mock',
        }),
      },
    };
    const startReplica = async (kind: Kind): Promise<RunningProcess> => {
      const r = replicas[kind];
      const proc = await startProcess(kind, r.env(), { timeoutMs: 60_000 });
      r.running.push(proc);
      r.front.add(proc.port);
      cleanups.push(() => proc.stop());
      return proc;
    };
    // The first catalog alone (it creates the keyspace, the default flavor and, as the first
    // queue client, the R3 stream); then the rest, each kind once what it calls is up.
    log('starting 2 × catalog, 2 × provider-mock, 2 × provisioning, 2 × gateway');
    await startReplica('catalog');
    await Promise.all([
      startReplica('catalog'),
      startReplica('provider-mock'),
      startReplica('provider-mock'),
    ]);
    await Promise.all([startReplica('provisioning'), startReplica('provisioning')]);
    await Promise.all([startReplica('gateway'), startReplica('gateway')]);

    const load = new Load(`http://127.0.0.1:${fronts.gateway.port}`, options);
    const steps: StepFigures[] = [];
    const step = async (name: string, action: () => Promise<void>) => {
      log(name);
      const before = load.snapshot();
      await action();
      await settle();
      const after = load.snapshot();
      steps.push({
        step: name,
        requests: after.requests - before.requests,
        failed: after.failed - before.failed,
        duplicates: after.duplicates - before.duplicates,
        retried503: after.unavailable - before.unavailable,
        slowestMs: after.slowest,
      });
    };
    load.start();
    await step('steady load', async () => undefined);
    for (const kind of KINDS) {
      await step(`kill one ${kind}`, async () => {
        const r = replicas[kind];
        const victim = r.running.shift()!;
        // A crash: the front still lists it until the replacement is up, as an endpoint
        // lingers until its readiness probe fails.
        await victim.kill();
        await settle();
        r.front.remove(victim.port);
        await startReplica(kind);
      });
    }
    await step('kill one NATS node', async () => {
      await nats!.kill(1);
      await settle();
      await nats!.start(1);
    });
    for (const kind of KINDS) {
      await step(`roll ${kind}`, async () => {
        const r = replicas[kind];
        for (const old of [...r.running]) {
          await startReplica(kind);
          r.front.remove(old.port);
          r.running = r.running.filter((p) => p !== old);
          await old.stop();
        }
      });
    }
    await load.stop();

    log('waiting for every created service to be deployed');
    const { deployed, stuck } = await load.waitForDeployed(options.deployDeadlineMs ?? 60_000);
    const totals = load.snapshot();
    const rssMiB: Record<string, number> = {};
    for (const kind of KINDS) rssMiB[kind] = rss(replicas[kind].running[0]!.pid);
    return {
      steps,
      requests: totals.requests,
      lost: totals.failed,
      created: load.created.length,
      deployed,
      stuck,
      frontRetries: fronts.gateway.retries,
      streamReplicas: await nats.streamReplicas('POPPY_JOBS'),
      failures: Object.fromEntries(load.failures),
      rssMiB,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function rss(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

/** How long a client waits for an answer (an ingress's usual read timeout is 60 s). */
const CLIENT_TIMEOUT_MS = 30_000;

/** A steady open-loop load through the front: creates (one project per 20) and reads. */
class Load {
  readonly created: Array<{ project: string; id: string }> = [];
  private requests = 0;
  private failed = 0;
  /** Slowest answer since the last snapshot, ms. */
  private slowest = 0;
  private duplicates = 0;
  /** 503 answers the client waited out and sent again. */
  private unavailable = 0;
  /** Why requests failed: `<method> <status>` or the error, with counts. */
  readonly failures = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private counter = 0;
  private readonly run = Date.now().toString(36);

  constructor(
    private readonly baseUrl: string,
    private readonly options: RehearsalOptions,
  ) {}

  start(): void {
    const rate = this.options.rate ?? 20;
    this.timer = setInterval(() => {
      const p = this.one().finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
    }, 1000 / rate);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  snapshot() {
    const slowest = this.slowest;
    this.slowest = 0;
    return {
      requests: this.requests,
      failed: this.failed,
      duplicates: this.duplicates,
      unavailable: this.unavailable,
      slowest,
    };
  }

  private async one(): Promise<void> {
    this.requests++;
    const started = Date.now();
    try {
      await this.send();
    } finally {
      this.slowest = Math.max(this.slowest, Date.now() - started);
    }
  }

  private async send(): Promise<void> {
    const create = this.created.length === 0 || Math.random() < (this.options.createShare ?? 0.3);
    try {
      if (create) {
        const n = this.counter++;
        const project = `rehearse-${this.run}-${Math.floor(n / 20)}`;
        const res = await this.call(`${this.baseUrl}/v1.0/services`, {
          method: 'POST',
          headers: { 'X-Project-ID': project, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            name: `svc-${n}`,
            domains: [{ domain: `www.r${this.run}-${n}.example.com` }],
            origins: [{ origin: 'origin.example.com' }],
            flavor_id: 'mock',
          }),
        });
        const text = await res.text();
        if (res.status === 202) {
          const id = res.headers.get('location')!.split('/').pop()!;
          this.created.push({ project, id });
        } else if (
          (res.status === 409 || /already been taken/.test(text)) &&
          (await this.adoptStored(project, `svc-${n}`))
        ) {
          // The front sent the create again after a crash lost the answer of an attempt
          // that had stored it: the service exists once, and is followed like the others.
          this.duplicates++;
        } else this.fail(`POST ${res.status} ${text.slice(0, 120)}`);
      } else {
        const s = this.created[Math.floor(Math.random() * this.created.length)]!;
        const res = await this.call(`${this.baseUrl}/v1.0/services/${s.id}`, {
          headers: { 'X-Project-ID': s.project },
        });
        await res.arrayBuffer();
        if (res.status !== 200) this.fail(`GET ${res.status}`);
      }
    } catch (err) {
      this.fail(`${create ? 'POST' : 'GET'} ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * One request as a well-behaved API client makes it: a 503 ("temporarily unavailable.
   * Please retry later") is sent again after 1, 2, 4 s, within CLIENT_TIMEOUT_MS in all.
   */
  private async call(url: string, init: RequestInit): Promise<Response> {
    const deadline = AbortSignal.timeout(CLIENT_TIMEOUT_MS);
    for (let retry = 0; ; retry++) {
      const res = await fetch(url, { ...init, signal: deadline });
      if (res.status !== 503 || retry === 3) return res;
      await res.arrayBuffer();
      this.unavailable++;
      await new Promise((r) => setTimeout(r, 1000 * 2 ** retry));
    }
  }

  /** Finds the stored service named `name` in `project` and follows it; false when absent. */
  private async adoptStored(project: string, name: string): Promise<boolean> {
    const res = await fetch(`${this.baseUrl}/v1.0/services?limit=20`, {
      headers: { 'X-Project-ID': project },
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    if (!res.ok) return false;
    const body = (await res.json()) as { services?: Array<{ id: string; name: string }> };
    const stored = body.services?.find((x) => x.name === name);
    if (stored) this.created.push({ project, id: stored.id });
    return stored !== undefined;
  }

  private fail(reason: string): void {
    this.failed++;
    this.failures.set(reason, (this.failures.get(reason) ?? 0) + 1);
  }

  /** Polls every created service until all are `deployed` or the deadline passes. */
  async waitForDeployed(deadlineMs: number): Promise<{ deployed: number; stuck: number }> {
    const pending = new Set(this.created);
    const deadline = Date.now() + deadlineMs;
    while (pending.size > 0 && Date.now() < deadline) {
      for (const s of [...pending]) {
        const res = await fetch(`${this.baseUrl}/v1.0/services/${s.id}`, {
          headers: { 'X-Project-ID': s.project },
        }).catch(() => undefined);
        const body = res?.ok ? ((await res.json()) as { status?: string }) : undefined;
        if (body?.status === 'deployed') pending.delete(s);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
    return { deployed: this.created.length - pending.size, stuck: pending.size };
  }
}

export function formatReport(report: RehearsalReport): string {
  const rows = report.steps.map(
    (s) =>
      `| ${s.step} | ${s.requests} | ${s.failed} | ${s.retried503} | ${s.duplicates} | ${s.slowestMs} |`,
  );
  return [
    '| step | requests | lost | 503 retried by the client | creates sent twice | slowest ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `requests ${report.requests}, lost ${report.lost}; services created ${report.created}, ` +
      `deployed ${report.deployed}, stuck ${report.stuck}; front retries ${report.frontRetries}; ` +
      `jobs stream on ${report.streamReplicas} NATS nodes`,
    ...Object.entries(report.failures).map(([why, n]) => `failed: ${n} × ${why}`),
    `RSS MiB (one replica each, at the end): ${Object.entries(report.rssMiB)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ].join('\n');
}
