/**
 * The Varnish edge at scale (issue 19): a real varnishd holding POPPY_VARNISH_SCALE_SERVICES
 * services (default 2 000) through the driver, spread over POPPY_VARNISH_SCALE_SHARDS router
 * shards (default 32: fewer, larger shards load the edge faster; the product default of 512
 * is measured by `npm run bench:varnish`, docs/performance.md). A random sample of services
 * must serve their own origin through the edge (real HTTP, Host header), another host gets
 * a 404, and a fresh driver reads every service back from varnishd. The router's host
 * hash is checked against varnishd's own (directors.shard key).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { commonV1 } from '@poppy/contracts';
import { startVarnish, type Varnish } from '@poppy/testing';
import { VarnishCli } from '../src/admin/varnish-cli';
import { VarnishDriver } from '../src/varnish-driver';
import { routerShardOf } from '../src/vcl/render-vcl';

const SERVICES = Number(process.env.POPPY_VARNISH_SCALE_SERVICES ?? 2000);
const SHARDS = Number(process.env.POPPY_VARNISH_SCALE_SHARDS ?? 32);
const SAMPLE = Math.min(20, SERVICES);

jest.setTimeout(600_000);

const host = (i: number) => `www.s${i}.scale.test`;

function spec(i: number, port: number): commonV1.ServiceSpec {
  return {
    name: `scale-${i}`,
    domains: [{ domain: host(i), protocol: 'http' }],
    origins: [{ origin: '127.0.0.1', port, ssl: false, rules: [], hostheadertype: 'domain' }],
    caching: [{ name: 'default', ttl: 60, rules: [{ name: 'default', request_url: '/*' }] }],
    restrictions: [],
    flavor_id: 'varnish',
    log_delivery: { enabled: false },
  };
}

/** A loopback origin answering `name` and the Host it was asked for. */
async function startOrigin(name: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`${name} ${req.headers.host ?? ''}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: http.Server) => (server.address() as AddressInfo).port;

function get(
  varnish: Varnish,
  hostHeader: string,
  path = '/',
): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: varnish.httpPort, path, headers: { host: hostHeader } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
  });
}

describe(`the Varnish edge holding ${SERVICES} services (${SHARDS} router shards)`, () => {
  let varnish: Varnish;
  let cli: VarnishCli;
  const origins: http.Server[] = [];
  let shared: http.Server;
  const sample = new Map<number, http.Server>();

  beforeAll(async () => {
    varnish = await startVarnish({ memoryMb: 64 });
    cli = new VarnishCli({
      host: '127.0.0.1',
      port: varnish.adminPort,
      secretFile: varnish.secretFile,
      timeoutMs: 300_000,
    });
    shared = await startOrigin('shared');
    origins.push(shared);
    while (sample.size < SAMPLE) {
      const i = Math.floor(Math.random() * SERVICES);
      if (sample.has(i)) continue;
      const origin = await startOrigin(`origin-${i}`);
      origins.push(origin);
      sample.set(i, origin);
    }
  });

  afterAll(async () => {
    cli?.close();
    await varnish?.stop();
    for (const o of origins) await new Promise((resolve) => o.close(resolve));
  });

  it('hashes hosts to shards as varnishd does', async () => {
    // The router VCL of varnishd itself: X-Poppy-Shard as a response header.
    const name = 'poppy_hash_probe';
    await cli.run(
      'vcl.inline',
      name,
      [
        'vcl 4.1;',
        'import directors;',
        'backend none none;',
        'sub vcl_init { new h = directors.shard(); }',
        `sub vcl_recv { return (synth(200, "" + (h.key(req.http.host) % ${SHARDS}))); }`,
      ].join('\n'),
    );
    await cli.run('vcl.use', name);
    for (const i of [0, 1, 2, 3, 4, ...sample.keys()]) {
      const answer = await get(varnish, host(i));
      expect(answer.body).toContain(`<title>200 ${routerShardOf(host(i), SHARDS)}</title>`);
    }
  });

  it('serves a sample of them from their own origins, and 404 for a host it does not hold', async () => {
    const driver = new VarnishDriver(cli, async () => 200, {
      edgeHostname: 'edge.scale.test',
      geoHeader: 'X-Country-Code',
      refreshToken: 'scale-token-1234',
      routerShards: SHARDS,
      maxQueuedChanges: SERVICES + 1,
    });
    const started = performance.now();
    const created = await Promise.all(
      Array.from({ length: SERVICES }, (_, i) =>
        driver.createService({
          project_id: 'scale',
          service_id: `svc-${i}`,
          spec: spec(i, portOf(sample.get(i) ?? shared)),
        }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`varnish-scale: ${SERVICES} services loaded in ${seconds.toFixed(1)} s\n`);
    expect(created).toHaveLength(SERVICES);
    // One VCL per shard and a router per batch, not one per service.
    expect(driver.loadCount).toBeLessThanOrEqual(SHARDS + 3); // the first create alone, then one batch

    for (const [i] of sample) {
      const answer = await get(varnish, host(i).toUpperCase(), `/page-${i}`);
      expect({ status: answer.status, body: answer.body }).toEqual({
        status: 200,
        body: `origin-${i} ${host(i)}`,
      });
    }
    const other = [...Array(SERVICES).keys()].find((i) => !sample.has(i));
    if (other !== undefined)
      expect((await get(varnish, host(other))).body).toBe(`shared ${host(other)}`);
    expect((await get(varnish, 'not-held.scale.test')).status).toBe(404);
  });

  it('reads every service back from varnishd in a fresh driver, and one more create serves at once', async () => {
    const driver = new VarnishDriver(cli, async () => 200, {
      edgeHostname: 'edge.scale.test',
      geoHeader: 'X-Country-Code',
      refreshToken: 'scale-token-1234',
      routerShards: SHARDS,
    });
    for (const i of [0, SERVICES - 1, ...sample.keys()]) {
      const held = await driver.getService({
        project_id: 'scale',
        service_id: `svc-${i}`,
        provider_service_id: '',
      });
      expect(held.found).toBe(true);
      expect(held.spec?.domains[0].domain).toBe(host(i));
    }
    const [i, origin] = [...sample.entries()][0];
    await driver.createService({
      project_id: 'scale',
      service_id: 'one-more',
      spec: { ...spec(SERVICES, portOf(origin)), name: 'one-more' },
    });
    expect(driver.loadCount).toBe(1); // its shard only
    expect((await get(varnish, host(SERVICES))).body).toBe(`origin-${i} ${host(SERVICES)}`);
  });
});
