/**
 * End to end through the REST API with a real varnishd as the CDN: gateway → catalog →
 * queue → provisioning → provider-varnish (gRPC) → varnishd's management port; then real
 * HTTP requests to varnishd's HTTP port with the service's domain as Host, and origin HTTP
 * servers started here counting what reaches them.
 *
 * Origins must be on port 80 (Poppy's model allows 80 or 443 only), so each origin listens
 * on its own random 127.x.y.z address. The client of the edge is 127.0.0.1 (no
 * X-Forwarded-For is trusted), which is what the client-IP blacklist names.
 * hostheadertype 'origin' is covered by the renderer's unit test only: the model requires
 * the host header to be a domain name, and no multi-label name resolves to loopback here.
 */
import http from 'node:http';
import { catalogV1, providerDetailsFromWire } from '@poppy/contracts';
import { createPromiseClient } from '@poppy/platform';
import {
  callApi,
  startSuite,
  startVarnish,
  waitForServiceStatus,
  type Suite,
  type Varnish,
} from '@poppy/testing';

jest.setTimeout(60_000);

const PROJECT = 'varnish-e2e';
const EDGE_HOSTNAME = 'edge.poppy.test';

interface OriginRequest {
  path: string;
  host: string;
}

interface Origin {
  address: string;
  requests: OriginRequest[];
  hits(path: string): number;
  close(): Promise<void>;
}

/** An origin on <random loopback address>:80 answering `<name> <path> v<n>` (n = hits of that path). */
async function startOrigin(name: string): Promise<Origin> {
  const requests: OriginRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', host: req.headers.host ?? '' });
    const n = requests.filter((r) => r.path === req.url).length;
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${name} ${req.url} v${n}`);
  });
  for (let attempt = 0; ; attempt++) {
    const address = `127.${50 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 2}`;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(80, address, () => {
          server.off('error', reject);
          resolve();
        });
      });
      return {
        address,
        requests,
        hits: (path) => requests.filter((r) => r.path === path).length,
        close: () => new Promise((resolve) => server.close(() => resolve())),
      };
    } catch (error) {
      if (attempt > 20) throw error;
    }
  }
}

interface EdgeReply {
  status: number;
  body: string;
}

function edgeGet(
  varnish: Varnish,
  host: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<EdgeReply> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: varnish.httpPort, path, headers: { host, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('error', reject);
  });
}

describe('Varnish edge end to end through the REST API', () => {
  let varnish: Varnish;
  let suite: Suite;
  let main: Origin;
  let images: Origin;

  async function api(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
    const reply = await callApi<Record<string, unknown> | undefined>(
      suite,
      PROJECT,
      method,
      path,
      body,
    );
    return { ...reply, body: reply.body ?? {} };
  }

  const waitFor = (
    id: string,
    status: string,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> =>
    waitForServiceStatus(suite, PROJECT, id, status, { timeoutMs, pollMs: 50 });

  /** Polls until `check` holds (the purge job runs asynchronously). */
  async function eventually(
    check: () => Promise<boolean>,
    what: string,
    timeoutMs = 15_000,
  ): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  let domain: string;
  let serviceId: string;

  beforeAll(async () => {
    varnish = await startVarnish();
    [main, images] = await Promise.all([startOrigin('main'), startOrigin('images')]);
    suite = await startSuite({
      env: { POPPY_DEFAULT_FLAVOR: 'varnish' },
      provisioning: {
        providers: [
          {
            id: 'varnish',
            process: 'provider-varnish',
            env: {
              POPPY_VARNISH_ADMIN_ADDRESS: varnish.adminAddress,
              POPPY_VARNISH_HTTP_ADDRESS: varnish.httpAddress,
              POPPY_VARNISH_SECRET_FILE: varnish.secretFile,
              POPPY_VARNISH_EDGE_HOSTNAME: EDGE_HOSTNAME,
            },
          },
          { id: 'broken', env: { POPPY_MOCK_FAIL_ALWAYS: 'true' } },
        ],
        env: {
          POPPY_JOB_BACKOFF_INITIAL_MS: '50',
          POPPY_JOB_BACKOFF_MAX_MS: '500',
          POPPY_PROVIDER_TIMEOUT_MS: '15000',
        },
      },
    });
    const flavor = await api('POST', '/v1.0/flavors', {
      id: 'pair',
      providers: ['varnish', 'broken'].map((p) => ({
        provider: p,
        links: [{ href: `http://${p}.example`, rel: 'provider_url' }],
      })),
    });
    if (flavor.status !== 201)
      throw new Error(`flavor: ${flavor.status} ${JSON.stringify(flavor.body)}`);
    domain = `www.e2e${Date.now().toString(36)}.com`;
    const create = await api('POST', '/v1.0/services', {
      name: 'edge-e2e',
      domains: [{ domain }],
      origins: [
        { origin: main.address, port: 80 },
        {
          origin: images.address,
          port: 80,
          rules: [{ name: 'images', request_url: '/images/*' }],
          hostheadertype: 'custom',
          hostheadervalue: 'custom.example.org',
        },
      ],
      caching: [
        { name: 'default', ttl: 60 },
        { name: 'live', ttl: 0, rules: [{ name: 'live', request_url: '/live/*' }] },
      ],
      restrictions: [
        {
          name: 'hotlinks',
          access: 'whitelist',
          rules: [{ name: 'good', referrer: 'good.example.com', request_url: '/protected/*' }],
        },
        {
          name: 'no-loopback',
          access: 'blacklist',
          rules: [{ name: 'me', client_ip: '127.0.0.1', request_url: '/blocked/*' }],
        },
        {
          name: 'apac',
          access: 'whitelist',
          rules: [
            { name: 'jp', geography: 'Japan', request_url: '/jp/*' },
            { name: 'anz', geography: 'Australia/NZ', request_url: '/jp/*' },
          ],
        },
      ],
      flavor_id: 'varnish',
    });
    if (create.status !== 202)
      throw new Error(`create answered ${create.status}: ${JSON.stringify(create.body)}`);
    serviceId = create.headers.get('location')!.split('/').pop()!;
  });

  afterAll(async () => {
    await suite?.stop();
    await varnish?.stop();
    await Promise.all([main, images].map((o) => o?.close()));
  });

  it('deploys the service with the edge host name as access URL, and serves the origin content for its domain', async () => {
    const body = await waitFor(serviceId, 'deployed');
    expect(body.links).toEqual(
      expect.arrayContaining([{ href: EDGE_HOSTNAME, rel: 'access_url' }]),
    );
    expect(await edgeGet(varnish, domain, '/hello.txt')).toEqual({
      status: 200,
      body: 'main /hello.txt v1',
    });
    expect(await edgeGet(varnish, 'not-a-service.example.com', '/hello.txt')).toMatchObject({
      status: 404,
    });
  });

  it('serves from cache under a ttl 60 rule (the origin hit once) and passes ttl 0 through', async () => {
    for (let i = 0; i < 5; i++)
      expect(await edgeGet(varnish, domain, '/cached.txt')).toEqual({
        status: 200,
        body: 'main /cached.txt v1',
      });
    expect(main.hits('/cached.txt')).toBe(1);
    for (let i = 1; i <= 3; i++)
      expect(await edgeGet(varnish, domain, '/live/feed')).toEqual({
        status: 200,
        body: `main /live/feed v${i}`,
      });
    expect(main.hits('/live/feed')).toBe(3);
  });

  it('hard purge: the next request goes to the origin', async () => {
    await edgeGet(varnish, domain, '/purge-me.txt');
    await edgeGet(varnish, domain, '/purge-me.txt');
    expect(main.hits('/purge-me.txt')).toBe(1);
    const purge = await api(
      'DELETE',
      `/v1.0/services/${serviceId}/assets?url=/purge-me.txt&hard=true`,
    );
    expect(purge.status).toBe(202);
    await eventually(
      async () =>
        (await edgeGet(varnish, domain, '/purge-me.txt')).body === 'main /purge-me.txt v2',
      'a request after the purge reaches the origin',
    );
    expect(main.hits('/purge-me.txt')).toBe(2);
    expect(await edgeGet(varnish, domain, '/purge-me.txt')).toEqual({
      status: 200,
      body: 'main /purge-me.txt v2',
    });
    expect(main.hits('/purge-me.txt')).toBe(2);
  });

  it('soft purge: the object is refetched once and the new copy served from cache', async () => {
    await waitFor(serviceId, 'deployed');
    expect((await edgeGet(varnish, domain, '/soft.txt')).body).toBe('main /soft.txt v1');
    const purge = await api(
      'DELETE',
      `/v1.0/services/${serviceId}/assets?url=/soft.txt&hard=false`,
    );
    expect(purge.status).toBe(202);
    await eventually(
      async () => main.hits('/soft.txt') === 2,
      'the adapter refreshed the object from the origin',
    );
    expect(await edgeGet(varnish, domain, '/soft.txt')).toEqual({
      status: 200,
      body: 'main /soft.txt v2',
    });
    expect(main.hits('/soft.txt')).toBe(2);
  });

  it('a referrer whitelist answers 403 to other referrers and to none', async () => {
    expect(
      (
        await edgeGet(varnish, domain, '/protected/a.png', {
          referer: 'https://good.example.com/page',
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await edgeGet(varnish, domain, '/protected/a.png', {
          referer: 'https://evil.example.net/page',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await edgeGet(varnish, domain, '/protected/a.png', {
          referer: 'https://good.example.com.evil.net/',
        })
      ).status,
    ).toBe(403);
    expect((await edgeGet(varnish, domain, '/protected/a.png')).status).toBe(403);
    expect(
      (await edgeGet(varnish, domain, '/open.png', { referer: 'https://evil.example.net/' }))
        .status,
    ).toBe(200);
  });

  it('a client-IP blacklist blocks the listed client (127.0.0.1) on its path only', async () => {
    expect((await edgeGet(varnish, domain, '/blocked/x')).status).toBe(403);
    expect(main.hits('/blocked/x')).toBe(0);
    expect((await edgeGet(varnish, domain, '/not-blocked/x')).status).toBe(200);
  });

  it('a geography whitelist admits the listed countries by the country header (X-Country-Code)', async () => {
    expect((await edgeGet(varnish, domain, '/jp/a', { 'x-country-code': 'JP' })).status).toBe(200);
    expect((await edgeGet(varnish, domain, '/jp/a', { 'x-country-code': 'nz' })).status).toBe(200);
    expect((await edgeGet(varnish, domain, '/jp/a', { 'x-country-code': 'US' })).status).toBe(403);
    expect((await edgeGet(varnish, domain, '/jp/a')).status).toBe(403);
    expect((await edgeGet(varnish, domain, '/elsewhere', { 'x-country-code': 'US' })).status).toBe(
      200,
    );
  });

  it('chooses the origin by path, and sends the host header hostheadertype asks for', async () => {
    expect((await edgeGet(varnish, domain, '/images/logo.png')).body).toBe(
      'images /images/logo.png v1',
    );
    expect((await edgeGet(varnish, domain, '/page.html')).body).toBe('main /page.html v1');
    expect(images.requests.find((r) => r.path === '/images/logo.png')?.host).toBe(
      'custom.example.org',
    );
    expect(main.requests.find((r) => r.path === '/page.html')?.host).toBe(domain);
    expect(images.hits('/page.html')).toBe(0);
    expect(main.hits('/images/logo.png')).toBe(0);
  });

  async function providerDetails(
    id: string,
  ): Promise<Record<string, { status: string; error_message?: string }>> {
    const catalog = createPromiseClient(
      catalogV1.CatalogServiceService,
      `127.0.0.1:${suite.catalog.port}`,
      { deadlineMs: 5000 },
    );
    try {
      const { service } = await catalog.getService({ project_id: PROJECT, service_id: id });
      return providerDetailsFromWire(service!.provider_details) as Record<
        string,
        { status: string; error_message?: string }
      >;
    } finally {
      catalog.close();
    }
  }

  it('a flavor of varnish + a failing provider: the edge still serves, each provider has its own status', async () => {
    const pairDomain = `pair.${domain.slice(4)}`;
    const create = await api('POST', '/v1.0/services', {
      name: 'pair',
      domains: [{ domain: pairDomain }],
      origins: [{ origin: main.address, port: 80 }],
      flavor_id: 'pair',
    });
    expect(create.status).toBe(202);
    const id = create.headers.get('location')!.split('/').pop()!;
    await waitFor(id, 'failed');
    // The failing provider does not hold the edge: its own detail reaches deployed.
    await eventually(
      async () => (await providerDetails(id)).Varnish?.status === 'deployed',
      'the Varnish detail is deployed',
    );
    const details = await providerDetails(id);
    expect(details.Broken).toMatchObject({
      status: 'failed',
      error_message: 'Mock provider failure',
    });
    expect(await edgeGet(varnish, pairDomain, '/pair.txt')).toEqual({
      status: 200,
      body: 'main /pair.txt v1',
    });
  });

  it('a service the edge cannot serve (TLS origin) fails with the reason for the tenant; other services keep serving', async () => {
    const create = await api('POST', '/v1.0/services', {
      name: 'tls',
      domains: [{ domain: `tls.${domain.slice(4)}` }],
      origins: [{ origin: main.address, port: 443, ssl: true }],
      flavor_id: 'varnish',
    });
    expect(create.status).toBe(202);
    const id = create.headers.get('location')!.split('/').pop()!;
    const body = await waitFor(id, 'failed');
    expect(body.errors).toEqual([{ message: expect.stringContaining('uses TLS (ssl: true)') }]);
    expect((await providerDetails(id)).Varnish).toMatchObject({
      status: 'failed',
      error_message: expect.stringContaining('The Varnish edge cannot serve this service'),
    });
    expect((await edgeGet(varnish, domain, '/hello.txt')).status).toBe(200);
  });

  it('PATCH reaches the edge: a ttl 0 rule changed to 60 starts caching', async () => {
    await waitFor(serviceId, 'deployed');
    const patch = await api('PATCH', `/v1.0/services/${serviceId}`, [
      { op: 'replace', path: '/caching/1/ttl', value: 60 },
    ]);
    expect(patch.status).toBe(202);
    await waitFor(serviceId, 'deployed');
    for (let i = 0; i < 3; i++)
      expect((await edgeGet(varnish, domain, '/live/after-patch')).body).toBe(
        'main /live/after-patch v1',
      );
    expect(main.hits('/live/after-patch')).toBe(1);
  });

  it('DELETE removes the service from the edge', async () => {
    await waitFor(serviceId, 'deployed');
    expect((await api('DELETE', `/v1.0/services/${serviceId}`)).status).toBe(202);
    await waitFor(serviceId, 'gone');
    expect((await edgeGet(varnish, domain, '/hello.txt')).status).toBe(404);
  });
});
