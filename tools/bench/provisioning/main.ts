/**
 * Provisioning benchmark (not a test): N services created through the REST API with the
 * mock provider at zero latency, on the JetStream queue and on the embedded SQLite queue.
 * Prints services/s from the first POST to the last `deployed`, and p50/p99 of each
 * service's time from its POST to `deployed`. Baseline measured in the same run: the
 * rate of the synchronous half alone (POST → 202) with the same client concurrency.
 *
 *   npm run bench:provisioning
 *   BENCH_SERVICES=1000 BENCH_CONCURRENCY=32 BENCH_QUEUES=nats,sqlite npm run bench:provisioning
 *
 * "Deployed" is observed by polling catalog.ListServicesByStatus(create_in_progress)
 * every 10 ms over gRPC (one cheap indexed query, instead of one GET per service), so
 * times carry up to ~10 ms of observation granularity.
 * Targets (docs/performance.md): ≥ 300 services/s and p50 ≤ 50 ms on JetStream.
 */
import { catalogV1 } from '@poppy/contracts';
import { createPromiseClient } from '@poppy/platform';
import { startNatsServer, startSuite, type NatsServer, type Suite } from '@poppy/testing';

const N = Number(process.env.BENCH_SERVICES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const QUEUES = (process.env.BENCH_QUEUES ?? 'nats,sqlite').split(',') as Array<'nats' | 'sqlite'>;
const PROJECT = 'bench-provisioning';

interface Figures {
  queue: string;
  servicesPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
  postRate: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function post(suite: Suite, i: number, tag: string): Promise<string> {
  const res = await fetch(`${suite.baseUrl}/v1.0/services`, {
    method: 'POST',
    headers: { 'x-project-id': PROJECT, 'content-type': 'application/json' },
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

async function inParallel(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

async function run(queue: 'nats' | 'sqlite'): Promise<Figures> {
  let nats: NatsServer | undefined;
  if (queue === 'nats') nats = await startNatsServer();
  const suite = await startSuite({
    env: { POPPY_LOG_LEVEL: 'info', POPPY_MAX_SERVICES_PER_PROJECT: String(10 * N + 100) },
    provisioning: { queue, natsUrl: nats?.url, providers: [{ id: 'mock' }] },
  }).catch(async (e: unknown) => {
    await nats?.stop();
    throw e;
  });
  const catalog = createPromiseClient(catalogV1.CatalogServiceService, `127.0.0.1:${suite.catalog.port}`, { deadlineMs: 10_000 });
  try {
    // Warm-up: connections, JIT, queue consumers.
    await inParallel(50, 8, async (i) => void (await post(suite, i, `warm${queue}`)));
    await new Promise((r) => setTimeout(r, 1000));

    const postedAt = new Map<string, number>();
    const deployedAt = new Map<string, number>();
    let polling = true;
    const start = performance.now();
    const poller = (async () => {
      while (polling || deployedAt.size < postedAt.size) {
        const { services } = await catalog.listServicesByStatus({ status: 'create_in_progress' });
        const now = performance.now();
        const pending = new Set(services.map((s) => s.service_id));
        for (const id of postedAt.keys()) if (!pending.has(id) && !deployedAt.has(id)) deployedAt.set(id, now);
        if (!polling && now - start > 120_000) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    let lastPost = start;
    await inParallel(N, CONCURRENCY, async (i) => {
      const t = performance.now();
      const id = await post(suite, i, `run${queue}`);
      postedAt.set(id, t);
      lastPost = performance.now();
    });
    polling = false;
    await poller;
    const end = Math.max(...deployedAt.values());
    const { services: failedRefs } = await catalog.listServicesByStatus({ status: 'failed' });
    const times = [...deployedAt].map(([id, at]) => at - postedAt.get(id)!).sort((a, b) => a - b);
    return {
      queue,
      servicesPerSecond: N / ((end - start) / 1000),
      p50: percentile(times, 50),
      p99: percentile(times, 99),
      max: times[times.length - 1],
      failed: failedRefs.length + (N - deployedAt.size),
      postRate: N / ((lastPost - start) / 1000),
    };
  } finally {
    catalog.close();
    await suite.stop();
    await nats?.stop();
  }
}

async function main(): Promise<void> {
  process.stdout.write(`provisioning bench: ${N} services, ${CONCURRENCY} concurrent POSTs, mock provider at 0 ms\n\n`);
  const rows: Figures[] = [];
  for (const queue of QUEUES) rows.push(await run(queue));
  process.stdout.write('queue   services/s  p50 ms  p99 ms  max ms  failed  POST-only rate  ratio\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.queue.padEnd(7)} ${r.servicesPerSecond.toFixed(0).padStart(10)} ${r.p50.toFixed(1).padStart(7)} ${r.p99
        .toFixed(1)
        .padStart(7)} ${r.max.toFixed(0).padStart(7)} ${String(r.failed).padStart(7)} ${r.postRate.toFixed(0).padStart(15)} ${(
        r.servicesPerSecond / r.postRate
      ).toFixed(2)}\n`,
    );
  }
  process.stdout.write('\nratio = deployed services/s ÷ POST → 202 rate of the same run (1.00 = provisioning keeps up with the API)\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
