/**
 * Provider benchmark (not a test): BENCH_SERVICES services created through the REST API
 * with a flavor of the vendor fakes in BENCH_VENDORS (fastly, cloudflare), each fake
 * refusing more than BENCH_VENDOR_RATE requests per second (counting reads too) and each
 * adapter's budget set to that same rate, kept in the SQLite queue file
 * (POPPY_RATE_BUDGET=sqlite). Reports the time until every service is `deployed`, the
 * requests each fake refused (target 0) and the budget's utilisation: requests the fake
 * received ÷ (rate × the time from the first POST to the last `deployed`) (target ≥ 90 %).
 *
 *   npm run bench:providers
 *   BENCH_SERVICES=100 BENCH_VENDORS=fastly,cloudflare BENCH_VENDOR_RATE=20 npm run bench:providers
 */
import os from 'node:os';
import { FAKE_TOKEN, FAKE_ZONE_ID, FakeCloudflare } from '@poppy/fakes/cloudflare';
import { FakeFastly } from '@poppy/fakes/fastly';
import { startSuite, type MockProviderOptions } from '@poppy/testing';

const N = Number(process.env.BENCH_SERVICES ?? 500);
const RATE = Number(process.env.BENCH_VENDOR_RATE ?? 20);
const VENDORS = (process.env.BENCH_VENDORS ?? 'fastly,cloudflare').split(',');
const CONCURRENCY = 16;
const PROJECTS = Math.max(1, Math.ceil(N / 20));

interface Vendor {
  provider: MockProviderOptions;
  requests(): number;
  refused(): number;
  stop(): Promise<void>;
}

async function startVendor(name: string): Promise<Vendor> {
  const budget = { POPPY_RATE_BUDGET: 'sqlite' };
  if (name === 'fastly') {
    const fake = new FakeFastly({ rateLimit: RATE, rateWindowMs: 1000, countReads: true });
    await fake.start();
    return {
      provider: {
        id: 'fastly',
        process: 'provider-fastly',
        env: {
          ...budget,
          POPPY_FASTLY_API_URL: fake.url,
          POPPY_FASTLY_API_TOKEN: fake.token,
          POPPY_FASTLY_RATE_LIMIT: String(RATE),
        },
      },
      requests: () => fake.requests.length,
      refused: () => fake.refused,
      stop: () => fake.stop(),
    };
  }
  if (name === 'cloudflare') {
    const fake = new FakeCloudflare({
      activationDelayMs: 200,
      requestLimit: { requests: RATE, windowMs: 1000 },
    });
    await fake.start(0);
    return {
      provider: {
        id: 'cloudflare',
        process: 'provider-cloudflare',
        env: {
          ...budget,
          POPPY_CLOUDFLARE_BASE_URL: fake.baseUrl,
          POPPY_CLOUDFLARE_API_TOKEN: FAKE_TOKEN,
          POPPY_CLOUDFLARE_ZONE_ID: FAKE_ZONE_ID,
          POPPY_CLOUDFLARE_CNAME_TARGET: 'edge.bench.example',
          POPPY_CLOUDFLARE_RATE_LIMIT: String(RATE),
        },
      },
      requests: () => fake.requests.length,
      refused: () => fake.refusedOverLimit,
      stop: () => fake.stop(),
    };
  }
  throw new Error(`BENCH_VENDORS: no fake for '${name}' (fastly, cloudflare)`);
}

async function main(): Promise<void> {
  const vendors = new Map<string, Vendor>();
  for (const name of VENDORS) vendors.set(name, await startVendor(name));
  const suite = await startSuite({
    env: { POPPY_MAX_SERVICES_PER_PROJECT: String(N + 100) },
    provisioning: {
      providers: [...vendors.values()].map((v) => v.provider),
      env: { POPPY_RECONCILE_INTERVAL_MS: '1000', POPPY_RECONCILE_STUCK_AFTER_MS: '5000' },
    },
  });
  const api = (method: string, path: string, project: string, body?: unknown) =>
    fetch(`${suite.baseUrl}${path}`, {
      method,
      headers: { 'x-project-id': project, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  try {
    const flavor = await api('POST', '/v1.0/flavors', 'admin', {
      id: 'bench-vendors',
      providers: VENDORS.map((p) => ({
        provider: p,
        links: [{ href: `https://${p}.example`, rel: 'provider_url' }],
      })),
    });
    if (flavor.status !== 201) throw new Error(`flavor: ${flavor.status} ${await flavor.text()}`);
    const ids: Array<{ id: string; project: string }> = [];
    const start = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const i = next++;
          const project = `bench-${i % PROJECTS}`;
          const res = await api('POST', '/v1.0/services', project, {
            name: `bench ${i}`,
            domains: [{ domain: `www.bench${i}.example.com` }],
            origins: [{ origin: 'origin.bench.example.com' }],
            flavor_id: 'bench-vendors',
          });
          if (res.status !== 202) throw new Error(`create: ${res.status} ${await res.text()}`);
          ids.push({ id: res.headers.get('location')!.split('/').pop()!, project });
        }
      }),
    );
    const pending = new Map(ids.map((s) => [s.id, s.project]));
    const statuses = new Map<string, number>();
    const deadline = start + Number(process.env.BENCH_TIMEOUT_MS ?? 1_800_000);
    while (pending.size && performance.now() < deadline) {
      for (const [id, project] of [...pending]) {
        const res = await api('GET', `/v1.0/services/${id}`, project);
        const { status } = (await res.json()) as { status: string };
        if (status === 'deployed' || status === 'failed') {
          pending.delete(id);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }
      if (pending.size) await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (performance.now() - start) / 1000;
    process.stdout.write(
      `providers bench: ${N} services, flavor ${VENDORS.join('+')}, vendor limit ${RATE} requests/s each, ` +
        `budgets ${RATE}/s in the SQLite queue file; load average ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}\n`,
    );
    process.stdout.write(
      `time to all settled: ${seconds.toFixed(1)} s; deployed ${statuses.get('deployed') ?? 0}, failed ${statuses.get('failed') ?? 0}, still in progress ${pending.size}\n`,
    );
    process.stdout.write('vendor      requests  refused  utilisation\n');
    for (const [name, v] of vendors) {
      const utilisation = v.requests() / (RATE * seconds);
      process.stdout.write(
        `${name.padEnd(11)} ${String(v.requests()).padStart(8)} ${String(v.refused()).padStart(8)} ${(utilisation * 100).toFixed(1).padStart(11)} %\n`,
      );
    }
  } finally {
    await suite.stop();
    for (const v of vendors.values()) await v.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
