/**
 * Varnish edge benchmark (not a test): what one configuration change costs as the edge
 * holds more services. Every change compiles VCL (vcl.inline runs the VCL compiler and the
 * C compiler): provider-varnish spreads hosts over router shards and compiles only the
 * shards a change touches (services/provider-varnish/README.md), so a create should cost
 * about the same whatever the number of services. For each size N an edge is seeded with N
 * services through the driver in one batch (outside the measurement), a fresh driver reads
 * them back, then BENCH_CHANGES creates and as many updates run one at a time. Baseline:
 * the same changes on an empty edge, in the same run; the ratio is printed.
 *
 *   npm run bench:varnish
 *   BENCH_SIZES=0,2000 BENCH_CHANGES=5 BENCH_SHARDS=512
 */
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import type { commonV1 } from '@poppy/contracts';
import { startVarnish } from '@poppy/testing';
import { VarnishCli } from '../../../services/provider-varnish/src/admin/varnish-cli';
import {
  DEFAULT_ROUTER_SHARDS,
  VarnishDriver,
} from '../../../services/provider-varnish/src/varnish-driver';

const SIZES = (process.env.BENCH_SIZES ?? '0,2000').split(',').map(Number);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 5);
const SHARDS = Number(process.env.BENCH_SHARDS ?? DEFAULT_ROUTER_SHARDS);
const OPTIONS = {
  geoHeader: 'X-Country-Code',
  refreshToken: 'bench-token-1234',
  edgeHostname: 'edge.bench',
  routerShards: SHARDS,
  maxQueuedChanges: 100_000,
};

/** A realistic service: two domains, two origins chosen by path, two caching rules, a referrer and an IP restriction. */
function spec(i: number): commonV1.ServiceSpec {
  return {
    name: `bench-${i}`,
    domains: [
      { domain: `www.s${i}.bench.example.com`, protocol: 'http' },
      { domain: `img.s${i}.bench.example.com`, protocol: 'http' },
    ],
    origins: [
      {
        origin: '127.0.0.1',
        port: 80,
        ssl: false,
        rules: [{ name: 'default', request_url: '/*' }],
        hostheadertype: 'domain',
      },
      {
        origin: '127.0.0.2',
        port: 80,
        ssl: false,
        rules: [{ name: 'img', request_url: '/images/*' }],
        hostheadertype: 'custom',
        hostheadervalue: 'img.example.org',
      },
    ],
    caching: [
      { name: 'default', ttl: 3600, rules: [{ name: 'default', request_url: '/*' }] },
      { name: 'api', ttl: 0, rules: [{ name: 'api', request_url: '/api/*' }] },
    ],
    restrictions: [
      {
        name: 'ref',
        access: 'whitelist',
        rules: [{ name: 'r', referrer: `s${i}.example.com`, request_url: '/protected/*' }],
      },
      {
        name: 'ip',
        access: 'blacklist',
        rules: [{ name: 'i', client_ip: '10.0.0.0/8', request_url: '/admin/*' }],
      },
    ],
    flavor_id: 'varnish',
    log_delivery: { enabled: false },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const rows: Array<{ n: number; seedMs: number; createMs: number; updateMs: number }> = [];
  process.stdout.write(
    `bench-varnish: ${SHARDS} router shards; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
  );
  for (const n of SIZES) {
    const varnish = await startVarnish({ memoryMb: 64 });
    const cli = new VarnishCli({
      host: '127.0.0.1',
      port: varnish.adminPort,
      secretFile: varnish.secretFile,
      timeoutMs: 300_000,
    });
    try {
      const seeder = new VarnishDriver(cli, async () => 200, OPTIONS);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          seeder.createService({ project_id: 'bench', service_id: `seed-${i}`, spec: spec(i) }),
        ),
      );
      const seedMs = performance.now() - t0;
      const driver = new VarnishDriver(cli, async () => 200, OPTIONS);
      const held = await driver.getService({
        project_id: 'bench',
        service_id: `seed-${Math.max(0, n - 1)}`,
        provider_service_id: '',
      }); // reads the edge back
      if (n > 0 && !held.found) throw new Error('the seeded services were not read back');
      const creates: number[] = [];
      const updates: number[] = [];
      for (let c = 0; c < CHANGES; c++) {
        let t = performance.now();
        await driver.createService({
          project_id: 'bench',
          service_id: `new-${c}`,
          spec: spec(n + c),
        });
        creates.push(performance.now() - t);
        t = performance.now();
        await driver.updateService({
          project_id: 'bench',
          service_id: `new-${c}`,
          provider_service_id: '',
          spec: { ...spec(n + c), name: 'renamed' },
        });
        updates.push(performance.now() - t);
      }
      rows.push({ n, seedMs, createMs: median(creates), updateMs: median(updates) });
      process.stdout.write(
        `N=${n}: seeded in ${(seedMs / 1000).toFixed(1)} s; create median ${median(creates).toFixed(0)} ms; update median ${median(updates).toFixed(0)} ms; load average ${os.loadavg()[0].toFixed(2)}\n`,
      );
    } finally {
      cli.close();
      await varnish.stop();
    }
  }
  const base = rows.find((r) => r.n === 0) ?? rows[0];
  process.stdout.write(
    `\n| services held | seed s | create median ms | update median ms | create × empty | update × empty |\n|---:|---:|---:|---:|---:|---:|\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `| ${r.n} | ${(r.seedMs / 1000).toFixed(1)} | ${r.createMs.toFixed(0)} | ${r.updateMs.toFixed(0)} | ${(r.createMs / base.createMs).toFixed(2)} | ${(r.updateMs / base.updateMs).toFixed(2)} |\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench-varnish: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
