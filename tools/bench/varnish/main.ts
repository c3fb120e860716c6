/**
 * Varnish edge benchmark (not a test): what one configuration change costs as the edge
 * holds more services. Every change compiles VCL (vcl.inline runs the VCL compiler and the
 * C compiler): provider-varnish compiles one VCL per service plus a small router of
 * host → label, so a create (service VCL + router) should cost about the same whatever the
 * number of services, and an update that keeps the hosts compiles the service VCL only.
 * For each size N an edge is seeded with N services (labels + one router, outside the
 * measurement), a fresh driver reads them back, then BENCH_CHANGES creates and as many
 * updates run one at a time. Baseline: the same changes on an empty edge, in the same run.
 *
 *   node tools/build.js && node dist/bench-varnish/main.js
 *   BENCH_SIZES=0,25,100 BENCH_CHANGES=3
 */
import { performance } from 'node:perf_hooks';
import type { commonV1 } from '@poppy/contracts';
import { startVarnish } from '@poppy/testing';
import { VarnishCli } from '../../../services/provider-varnish/src/admin/varnish-cli';
import { VarnishDriver } from '../../../services/provider-varnish/src/varnish-driver';
import {
  renderRouterVcl,
  renderServiceVcl,
  serviceHosts,
  serviceLabel,
} from '../../../services/provider-varnish/src/vcl/render-vcl';
import type { EdgeService } from '../../../services/provider-varnish/src/vcl/vcl-state';

const SIZES = (process.env.BENCH_SIZES ?? '0,25,100').split(',').map(Number);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 3);
const OPTIONS = { geoHeader: 'X-Country-Code', refreshToken: 'bench-token-1234' };

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
  const rows: Array<{ n: number; routerMs: number; createMs: number; updateMs: number }> = [];
  for (const n of SIZES) {
    const varnish = await startVarnish({ memoryMb: 32 });
    const cli = new VarnishCli({
      host: '127.0.0.1',
      port: varnish.adminPort,
      secretFile: varnish.secretFile,
      timeoutMs: 300_000,
    });
    try {
      const seeded: EdgeService[] = Array.from({ length: n }, (_, i) => ({
        serviceId: `seed-${i}`,
        projectId: 'bench',
        spec: spec(i),
      }));
      for (const s of seeded) {
        const name = `poppy_seed_${s.serviceId.replace(/-/g, '_')}`;
        await cli.run('vcl.inline', name, renderServiceVcl(s, OPTIONS));
        await cli.run('vcl.label', serviceLabel(s.serviceId), name);
      }
      const t0 = performance.now();
      await cli.run(
        'vcl.inline',
        'poppy_router_seed',
        renderRouterVcl(
          seeded.map((s) => ({ label: serviceLabel(s.serviceId), hosts: serviceHosts(s) })),
        ),
      );
      await cli.run('vcl.use', 'poppy_router_seed');
      const routerMs = performance.now() - t0;
      const driver = new VarnishDriver(cli, async () => 200, {
        ...OPTIONS,
        edgeHostname: 'edge.bench',
      });
      await driver.getService({
        project_id: 'bench',
        service_id: 'seed-0',
        provider_service_id: '',
      }); // reads the edge back
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
      rows.push({ n, routerMs, createMs: median(creates), updateMs: median(updates) });
      process.stdout.write(
        `N=${n}: router load ${routerMs.toFixed(0)} ms; create median ${median(creates).toFixed(0)} ms; update median ${median(updates).toFixed(0)} ms\n`,
      );
    } finally {
      cli.close();
      await varnish.stop();
    }
  }
  const base = rows.find((r) => r.n === 0) ?? rows[0];
  process.stdout.write(
    `\nservices held | router load ms | create median ms | update median ms | create × baseline | update × baseline (N=${base.n})\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r.n} | ${r.routerMs.toFixed(0)} | ${r.createMs.toFixed(0)} | ${r.updateMs.toFixed(0)} | ${(r.createMs / base.createMs).toFixed(2)} | ${(r.updateMs / base.updateMs).toFixed(2)}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `bench-varnish: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
