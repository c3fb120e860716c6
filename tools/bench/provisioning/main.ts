/**
 * Provisioning benchmark (not a test): services created through the REST API with the
 * mock provider at zero latency, on the JetStream queue and on the embedded SQLite queue.
 * Two phases per queue: a burst of N POSTs from CONCURRENCY clients (throughput:
 * services/s from the first POST to the last `deployed`), then a paced run below capacity
 * (latency: each service's time from its POST to `deployed`, without a backlog). The
 * baseline, measured in the same phase, is the rate of the synchronous half (POST → 202).
 *
 *   npm run bench:provisioning
 *   BENCH_SERVICES=1000 BENCH_CONCURRENCY=32 BENCH_PACED_SERVICES=300 BENCH_PACED_RATE=100 \
 *   BENCH_QUEUES=nats,sqlite npm run bench:provisioning
 *
 * "Deployed" is observed by polling catalog.ListServicesByStatus(create_in_progress)
 * every 10 ms over gRPC (one cheap indexed query, instead of one GET per service), so
 * times carry up to ~10 ms of observation granularity.
 * Targets (docs/performance.md): ≥ 300 services/s and p50 ≤ 50 ms on JetStream.
 */
import { catalogV1 } from '@poppy/contracts';
import { createPromiseClient, type PromiseClient } from '@poppy/platform';
import { startNatsServer, startSuite, type NatsServer, type Suite } from '@poppy/testing';

const N = Number(process.env.BENCH_SERVICES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const QUEUES = (process.env.BENCH_QUEUES ?? 'nats,sqlite').split(',') as Array<'nats' | 'sqlite'>;
const PACED_N = Number(process.env.BENCH_PACED_SERVICES ?? 300);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 100);
/**
 * Tenants the services are spread over. Real projects hold few services (the default limit
 * is 20); piling thousands into one project would measure the limit check's per-project
 * count instead of provisioning.
 */
const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 100);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function post(suite: Suite, i: number, tag: string): Promise<string> {
  const res = await fetch(`${suite.baseUrl}/v1.0/services`, {
    method: 'POST',
    headers: { 'x-project-id': `bench-${i % PROJECTS}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: `bench ${i}`,
      domains: [{ domain: `www.${tag}${i}.com` }],
      origins: [{ origin: 'origin.bench.com' }],
      flavor_id: 'mock',
    }),
  });
  if (res.status !== 202) throw new Error(`create failed: ${res.status} ${await res.text()}`);
  return res.headers.get('location')!.split('/').pop()!;
}

async function inParallel(
  count: number,
  limit: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

interface Phase {
  deployedPerSecond: number;
  postRate: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
}

/**
 * Posts `count` services with `send(i)` and watches them reach `deployed` by polling
 * catalog.ListServicesByStatus(create_in_progress) every 10 ms.
 */
async function phase(
  suite: Suite,
  catalog: PromiseClient<typeof catalogV1.CatalogServiceService>,
  count: number,
  send: (post: (i: number) => Promise<void>) => Promise<void>,
  tag: string,
): Promise<Phase> {
  const postedAt = new Map<string, number>();
  const deployedAt = new Map<string, number>();
  let posting = true;
  const start = performance.now();
  const poller = (async () => {
    while (posting || deployedAt.size < postedAt.size) {
      const { services } = await catalog.listServicesByStatus({ status: 'create_in_progress' });
      const now = performance.now();
      const pending = new Set(services.map((s) => s.service_id));
      for (const id of postedAt.keys())
        if (!pending.has(id) && !deployedAt.has(id)) deployedAt.set(id, now);
      if (!posting && now - start > 180_000) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  let lastPost = start;
  await send(async (i) => {
    const t = performance.now();
    const id = await post(suite, i, tag);
    postedAt.set(id, t);
    lastPost = performance.now();
  });
  posting = false;
  await poller;
  const end = Math.max(...deployedAt.values());
  const times = [...deployedAt].map(([id, at]) => at - postedAt.get(id)!).sort((a, b) => a - b);
  return {
    deployedPerSecond: count / ((end - start) / 1000),
    postRate: count / ((lastPost - start) / 1000),
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: times[times.length - 1],
    failed: count - deployedAt.size,
  };
}

async function run(
  queue: 'nats' | 'sqlite',
): Promise<{ queue: string; burst: Phase; paced: Phase }> {
  let nats: NatsServer | undefined;
  if (queue === 'nats') nats = await startNatsServer();
  const suite = await startSuite({
    env: { POPPY_LOG_LEVEL: 'info', POPPY_MAX_SERVICES_PER_PROJECT: String(10 * N + 100) },
    provisioning: { queue, natsUrl: nats?.url, providers: [{ id: 'mock' }] },
  }).catch(async (e: unknown) => {
    await nats?.stop();
    throw e;
  });
  const catalog = createPromiseClient(
    catalogV1.CatalogServiceService,
    `127.0.0.1:${suite.catalog.port}`,
    { deadlineMs: 10_000 },
  );
  try {
    // Warm-up: connections, JIT, queue consumers.
    await inParallel(50, 8, async (i) => void (await post(suite, i, `warm${queue}`)));
    await new Promise((r) => setTimeout(r, 1000));
    // Throughput: N POSTs as fast as CONCURRENCY clients go; latency here is mostly the backlog.
    const burst = await phase(
      suite,
      catalog,
      N,
      (send) => inParallel(N, CONCURRENCY, send),
      `burst${queue}`,
    );
    await new Promise((r) => setTimeout(r, 1000));
    // Latency without a backlog: PACED_N services at PACED_RATE per second, one POST every 1/rate s.
    const paced = await phase(
      suite,
      catalog,
      PACED_N,
      async (send) => {
        const sends: Array<Promise<void>> = [];
        const t0 = performance.now();
        for (let i = 0; i < PACED_N; i++) {
          const due = t0 + (i * 1000) / PACED_RATE;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          sends.push(send(i));
        }
        await Promise.all(sends);
      },
      `paced${queue}`,
    );
    return { queue, burst, paced };
  } finally {
    catalog.close();
    await suite.stop();
    await nats?.stop();
  }
}

async function main(): Promise<void> {
  process.stdout.write(
    `provisioning bench: mock provider at 0 ms; burst = ${N} services from ${CONCURRENCY} concurrent clients, ` +
      `paced = ${PACED_N} services at ${PACED_RATE}/s\n\n`,
  );
  const rows = [];
  for (const queue of QUEUES) rows.push(await run(queue));
  process.stdout.write(
    'queue   phase  deployed/s  POST/s  ratio  p50 ms  p99 ms  max ms  failed\n',
  );
  for (const r of rows) {
    for (const [name, f] of [
      ['burst', r.burst],
      ['paced', r.paced],
    ] as const) {
      process.stdout.write(
        `${r.queue.padEnd(7)} ${name.padEnd(5)} ${f.deployedPerSecond.toFixed(0).padStart(11)} ${f.postRate.toFixed(0).padStart(7)} ` +
          `${(f.deployedPerSecond / f.postRate).toFixed(2).padStart(6)} ${f.p50.toFixed(1).padStart(7)} ${f.p99.toFixed(1).padStart(7)} ` +
          `${f.max.toFixed(0).padStart(7)} ${String(f.failed).padStart(7)}\n`,
      );
    }
  }
  process.stdout.write(
    '\nratio = deployed/s ÷ POST → 202 rate of the same phase (baseline: the synchronous half alone; 1.00 = provisioning keeps up)\n',
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
