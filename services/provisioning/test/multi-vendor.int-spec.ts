/**
 * Two real vendors in one flavor: the self-hosted Varnish edge (a real varnishd) and
 * CloudFront (a local moto server). A service both accept is deployed at both; a service
 * CloudFront refuses (a referrer rule needs AWS WAF) fails at CloudFront only, while the
 * edge serves it — one vendor failing does not hold the other (issue 6, "Both").
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { catalogV1, providerDetailsFromWire } from '@poppy/contracts';
import { createPromiseClient } from '@poppy/platform';
import {
  callApi,
  startMotoServer,
  startSuite,
  startVarnish,
  waitForServiceStatus,
  type MotoServer,
  type Suite,
  type Varnish,
} from '@poppy/testing';

jest.setTimeout(90_000);

const PROJECT = 'multi-vendor';

function edgeGet(varnish: Varnish, host: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(
        { host: '127.0.0.1', port: varnish.httpPort, path: '/', headers: { host, ...headers } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      )
      .once('error', reject);
  });
}

describe('a flavor with the Varnish edge and CloudFront', () => {
  let varnish: Varnish;
  let moto: MotoServer;
  let origin: http.Server;
  let suite: Suite;

  const create = async (domain: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const reply = await callApi(suite, PROJECT, 'POST', '/v1.0/services', {
      name: domain,
      domains: [{ domain }],
      // Poppy allows origin ports 80 and 443 only: the origin listens on :80 of its own loopback address.
      origins: [{ origin: (origin.address() as AddressInfo).address }],
      flavor_id: 'edge-and-cloud',
      ...extra,
    });
    expect(reply.status).toBe(202);
    return reply.headers.get('location')!.split('/').pop()!;
  };

  const details = async (id: string) => {
    const catalog = createPromiseClient(
      catalogV1.CatalogServiceService,
      `127.0.0.1:${suite.catalog.port}`,
      {
        deadlineMs: 5000,
      },
    );
    try {
      const { service } = await catalog.getService({ project_id: PROJECT, service_id: id });
      return providerDetailsFromWire(service!.provider_details);
    } finally {
      catalog.close();
    }
  };

  beforeAll(async () => {
    [varnish, moto] = await Promise.all([startVarnish(), startMotoServer()]);
    origin = http.createServer((req, res) => res.end(`origin says hello to ${req.headers.host}`));
    for (let attempt = 0; ; attempt++) {
      const address = `127.${60 + Math.floor(Math.random() * 190)}.${1 + Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
      try {
        await new Promise<void>((resolve, reject) => {
          origin.once('error', reject);
          origin.listen(80, address, () => {
            origin.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (error) {
        if (attempt > 20) throw error;
      }
    }
    suite = await startSuite({
      provisioning: {
        providers: [
          {
            id: 'varnish',
            process: 'provider-varnish',
            env: {
              POPPY_VARNISH_ADMIN_ADDRESS: varnish.adminAddress,
              POPPY_VARNISH_HTTP_ADDRESS: varnish.httpAddress,
              POPPY_VARNISH_SECRET_FILE: varnish.secretFile,
              POPPY_VARNISH_EDGE_HOSTNAME: 'edge.poppy.test',
            },
          },
          {
            id: 'cloudfront',
            process: 'provider-cloudfront',
            env: {
              POPPY_CLOUDFRONT_ENDPOINT: moto.endpoint,
              POPPY_CLOUDFRONT_ACCESS_KEY_ID: 'testing',
              POPPY_CLOUDFRONT_SECRET_ACCESS_KEY: 'testing',
              POPPY_CLOUDFRONT_POLL_MS: '200',
            },
          },
        ],
        env: {
          POPPY_JOB_BACKOFF_INITIAL_MS: '50',
          POPPY_JOB_BACKOFF_MAX_MS: '500',
          POPPY_RECONCILE_INTERVAL_MS: '200',
          POPPY_RECONCILE_STUCK_AFTER_MS: '400',
        },
      },
    });
    const flavor = await callApi(suite, PROJECT, 'POST', '/v1.0/flavors', {
      id: 'edge-and-cloud',
      providers: [
        { provider: 'varnish', links: [{ href: 'http://edge.poppy.test', rel: 'provider_url' }] },
        {
          provider: 'cloudfront',
          links: [{ href: 'https://aws.amazon.com/cloudfront/', rel: 'provider_url' }],
        },
      ],
    });
    expect(flavor.status).toBe(201);
  });

  afterAll(async () => {
    await suite?.stop();
    await Promise.all([varnish?.stop(), moto?.stop()]);
    await new Promise((resolve) => origin?.close(resolve));
  });

  it('deploys a service at both vendors, and the edge serves the origin for its domain', async () => {
    const id = await create('www.both-vendors.com');
    const body = await waitForServiceStatus(suite, PROJECT, id, 'deployed', { timeoutMs: 30_000 });
    const accessUrls = body.links.filter((l) => l.rel === 'access_url').map((l) => l.href);
    expect(accessUrls).toHaveLength(2);
    const byProvider = await details(id);
    expect(byProvider.Varnish).toMatchObject({ status: 'deployed' });
    expect(byProvider.CloudFront).toMatchObject({ status: 'deployed' });
    expect(byProvider.CloudFront.access_urls[0]!.provider_url).toMatch(/\.cloudfront\.net$/);
    expect(await edgeGet(varnish, 'www.both-vendors.com')).toEqual({
      status: 200,
      body: 'origin says hello to www.both-vendors.com',
    });
  });

  it('fails only CloudFront for a rule it cannot provide, while the edge deploys and enforces it', async () => {
    const id = await create('www.edge-only.com', {
      restrictions: [
        {
          name: 'partners',
          access: 'whitelist',
          rules: [{ name: 'partner', referrer: 'partner.example.com', request_url: '/*' }],
        },
      ],
    });
    const body = await waitForServiceStatus(suite, PROJECT, id, 'failed', { timeoutMs: 30_000 });
    expect(body.errors).toEqual([{ message: expect.stringContaining('CloudFront') }]);
    // `failed` shows as soon as CloudFront refused (docs/behaviour.md D-7); the edge finishes on its own.
    let byProvider = await details(id);
    for (let i = 0; i < 200 && byProvider.Varnish?.status !== 'deployed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      byProvider = await details(id);
    }
    expect(byProvider.CloudFront).toMatchObject({
      status: 'failed',
      error_class: 'cloudfront.UnsupportedCapability',
    });
    expect(byProvider.Varnish).toMatchObject({ status: 'deployed' });
    expect(
      (await edgeGet(varnish, 'www.edge-only.com', { referer: 'https://partner.example.com/x' }))
        .status,
    ).toBe(200);
    expect(
      (await edgeGet(varnish, 'www.edge-only.com', { referer: 'https://other.example.com/' }))
        .status,
    ).toBe(403);
  });
});
