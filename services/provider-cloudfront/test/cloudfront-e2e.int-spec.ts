/**
 * End to end through the REST API with CloudFront as the flavor's provider: gateway →
 * catalog → queue → provisioning → provider-cloudfront (gRPC) → AWS SDK → a recording
 * proxy → a real moto server. moto reports a new distribution `InProgress` until it is
 * read once, so a create is first `deploy_in_progress` and becomes `deployed` when
 * provisioning checks again (its reconciler re-runs the create; nothing blocks meanwhile).
 * The certificates service runs with its local issuer: an https domain's certificate is
 * imported to ACM (on moto) and attached to the distribution.
 */
import { randomUUID } from 'node:crypto';
import {
  CloudFrontClient,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  ListInvalidationsCommand,
  GetInvalidationCommand,
} from '@aws-sdk/client-cloudfront';
import { ACMClient, DescribeCertificateCommand } from '@aws-sdk/client-acm';
import { catalogV1, providerDetailsFromWire } from '@poppy/contracts';
import { createPromiseClient } from '@poppy/platform';
import {
  motoClientConfig,
  startMotoServer,
  startSuite,
  tenantApi,
  type MotoServer,
  type Suite,
} from '@poppy/testing';
import { startAwsProxy, type AwsProxy } from './aws-proxy';

jest.setTimeout(60_000);

const PROJECT = 'cloudfront-e2e';

describe('CloudFront end to end through the REST API (moto)', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let suite: Suite;
  let aws: CloudFrontClient;

  const { api, waitFor, providerDetails, createService } = tenantApi(() => suite, PROJECT, {
    waitTimeoutMs: 15_000,
  });
  const cloudFrontDetail = async (id: string) => (await providerDetails(id)).CloudFront;

  const create = (domain: string) =>
    createService({ name: `cf-${domain}`, domain, flavor: 'cloudfront' });

  const domain = () => `www.cf${randomUUID().slice(0, 8)}.example.com`;

  beforeAll(async () => {
    moto = await startMotoServer();
    proxy = await startAwsProxy(moto.endpoint);
    aws = new CloudFrontClient(motoClientConfig(moto.endpoint));
    suite = await startSuite({
      env: { POPPY_MAX_SERVICES_PER_PROJECT: '100' },
      certificates: {},
      provisioning: {
        providers: [
          { id: 'mock' },
          {
            id: 'cloudfront',
            process: 'provider-cloudfront',
            env: {
              POPPY_CLOUDFRONT_ENDPOINT: proxy.endpoint,
              POPPY_CLOUDFRONT_ACCESS_KEY_ID: 'testing',
              POPPY_CLOUDFRONT_SECRET_ACCESS_KEY: 'testing',
              // Every throttling answer reaches provisioning, which retries the job.
              POPPY_CLOUDFRONT_MAX_ATTEMPTS: '1',
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
      flavors: [
        {
          id: 'cloudfront',
          providers: [
            {
              provider: 'cloudfront',
              links: [{ href: 'https://aws.amazon.com/cloudfront/', rel: 'provider_url' }],
            },
          ],
        },
        {
          id: 'cloudfront-mock',
          providers: ['cloudfront', 'mock'].map((p) => ({
            provider: p,
            links: [{ href: `http://${p}.example`, rel: 'provider_url' }],
          })),
        },
      ],
    });
  }, 90_000);

  afterAll(async () => {
    aws?.destroy();
    await suite?.stop();
    await proxy?.close();
    await moto?.stop();
  }, 30_000);

  it('create → deploy_in_progress at CloudFront → deployed, with the distribution domain as access URL', async () => {
    const name = domain();
    const id = await create(name);
    // CloudFront's first answer (an id, still InProgress) is recorded before deployed is.
    let seenInProgress = false;
    for (let i = 0; i < 500 && !seenInProgress; i++) {
      const detail = await cloudFrontDetail(id).catch(() => undefined);
      if (detail?.id && detail.status === 'deploy_in_progress') seenInProgress = true;
      else if (detail?.status === 'deployed') break;
      else await new Promise((r) => setTimeout(r, 10));
    }
    expect(seenInProgress).toBe(true);
    const body = await waitFor(id, 'deployed');
    const detail = await cloudFrontDetail(id);
    expect(detail.status).toBe('deployed');
    const { Distribution } = await aws.send(new GetDistributionCommand({ Id: detail.id! }));
    expect(Distribution?.DistributionConfig?.CallerReference).toBe(id);
    expect(Distribution?.DistributionConfig?.Aliases?.Items).toEqual([name]);
    expect(Distribution?.DistributionConfig?.DefaultCacheBehavior?.DefaultTTL).toBe(300);
    expect(detail.access_urls).toEqual([
      expect.objectContaining({ domain: name, provider_url: Distribution!.DomainName }),
    ]);
    expect(body.links?.filter((l) => l.rel === 'access_url').map((l) => l.href)).toEqual([
      expect.stringContaining(Distribution!.DomainName!),
    ]);
    // The create answered InProgress; deployed came from a later read of the distribution.
    const calls = proxy.calls.filter(
      (c) =>
        c.path.includes(detail.id!) ||
        (c.method === 'POST' && c.body.includes(`<CallerReference>${id}<`)),
    );
    expect(calls[0].method).toBe('POST');
    expect(
      calls
        .slice(1)
        .some((c) => c.method === 'GET' && c.path.endsWith(`/distribution/${detail.id}`)),
    ).toBe(true);
  });

  it('an https san domain: its certificate is imported to ACM and set as the viewer certificate', async () => {
    const name = domain();
    const reply = await api('POST', '/v1.0/services', {
      name: `cf-tls-${name}`,
      domains: [{ domain: name, protocol: 'https', certificate: 'san' }],
      origins: [{ origin: 'origin.example.com' }],
      flavor_id: 'cloudfront',
    });
    expect(reply.status).toBe(202);
    const id = reply.headers.get('location')!.split('/').pop()!;
    await waitFor(id, 'deployed');
    const detail = await cloudFrontDetail(id);
    const { DistributionConfig } = await aws.send(
      new GetDistributionConfigCommand({ Id: detail.id! }),
    );
    const arn = DistributionConfig?.ViewerCertificate?.ACMCertificateArn;
    expect(arn).toMatch(/^arn:aws:acm:/);
    expect(DistributionConfig?.ViewerCertificate?.SSLSupportMethod).toBe('sni-only');
    const acm = new ACMClient(motoClientConfig(moto.endpoint));
    try {
      const { Certificate } = await acm.send(
        new DescribeCertificateCommand({ CertificateArn: arn }),
      );
      expect(Certificate?.DomainName).toBe(name);
      expect(Certificate?.Type).toBe('IMPORTED');
    } finally {
      acm.destroy();
    }
  });

  it('PATCH changes the distribution', async () => {
    const id = await create(domain());
    await waitFor(id, 'deployed');
    const added = domain();
    const patch = await api('PATCH', `/v1.0/services/${id}`, [
      { op: 'add', path: '/domains/-', value: { domain: added } },
      { op: 'replace', path: '/caching/0/ttl', value: 60 },
    ]);
    expect(patch.status).toBe(202);
    await waitFor(id, 'deployed');
    const detail = await cloudFrontDetail(id);
    const { DistributionConfig } = await aws.send(
      new GetDistributionConfigCommand({ Id: detail.id! }),
    );
    expect(DistributionConfig?.Aliases?.Items).toContain(added);
    expect(DistributionConfig?.DefaultCacheBehavior?.DefaultTTL).toBe(60);
    expect(
      proxy.calls.some(
        (c) =>
          c.method === 'PUT' && c.path.includes(`/distribution/${detail.id}/config`) && c.ifMatch,
      ),
    ).toBe(true);
  });

  it('purge creates an invalidation of the URL', async () => {
    const id = await create(domain());
    await waitFor(id, 'deployed');
    const purge = await api('DELETE', `/v1.0/services/${id}/assets?url=/img/logo.png&hard=true`);
    expect(purge.status).toBe(202);
    const distributionId = (await cloudFrontDetail(id)).id!;
    let items: Array<{ Id?: string }> = [];
    for (let i = 0; i < 200 && items.length === 0; i++) {
      items =
        (await aws.send(new ListInvalidationsCommand({ DistributionId: distributionId })))
          .InvalidationList?.Items ?? [];
      if (items.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(items).toHaveLength(1);
    const { Invalidation } = await aws.send(
      new GetInvalidationCommand({ DistributionId: distributionId, Id: items[0].Id! }),
    );
    expect(Invalidation?.InvalidationBatch?.Paths?.Items).toEqual(['/img/logo.png']);
    await waitFor(id, 'deployed');
  });

  it('DELETE disables the distribution, then deletes it', async () => {
    const id = await create(domain());
    await waitFor(id, 'deployed');
    const distributionId = (await cloudFrontDetail(id)).id!;
    const before = proxy.calls.length;
    expect((await api('DELETE', `/v1.0/services/${id}`)).status).toBe(202);
    await waitFor(id, 'gone');
    const writes = proxy.calls
      .slice(before)
      .filter((c) => c.method !== 'GET' && c.path.includes(distributionId));
    expect(writes.map((c) => c.method)).toEqual(['PUT', 'DELETE']);
    expect(writes[0].body).toContain('<Enabled>false</Enabled>');
    await expect(
      aws.send(new GetDistributionCommand({ Id: distributionId })),
    ).rejects.toMatchObject({ name: 'NoSuchDistribution' });
  });

  it('a throttled CloudFront call is retried until it goes through', async () => {
    proxy.throttleNext(2, /^POST \/2020-05-31\/distribution$/, 0);
    const before = proxy.calls.length;
    const id = await create(domain());
    await waitFor(id, 'deployed');
    const posts = proxy.calls
      .slice(before)
      .filter((c) => c.method === 'POST' && c.path === '/2020-05-31/distribution');
    // Two throttled, then through; a later re-check may POST again (moto leaves Comment out of
    // its list, so the adapter finds the distribution by its CallerReference instead).
    expect(posts.map((c) => c.throttled).slice(0, 3)).toEqual([true, true, false]);
    expect(posts.slice(3).every((c) => !c.throttled)).toBe(true);
    const detail = await cloudFrontDetail(id);
    expect(detail.error_message).toBeUndefined();
    const { DistributionConfig } = await aws.send(
      new GetDistributionConfigCommand({ Id: detail.id! }),
    );
    expect(DistributionConfig?.CallerReference).toBe(id);
  });

  it('a spec CloudFront cannot express fails CloudFront with the reason for the tenant, and does not hold back the other provider', async () => {
    const reply = await api('POST', '/v1.0/services', {
      name: 'restricted',
      domains: [{ domain: domain() }],
      origins: [{ origin: 'origin.example.com' }],
      restrictions: [
        {
          name: 'ref',
          access: 'whitelist',
          rules: [{ name: 'r', request_url: '/*', referrer: 'partner.example.com' }],
        },
      ],
      flavor_id: 'cloudfront-mock',
    });
    expect(reply.status).toBe(202);
    const id = reply.headers.get('location')!.split('/').pop()!;
    const body = await waitFor(id, 'failed');
    expect(body.errors).toEqual([
      { message: expect.stringContaining('CloudFront cannot provide referrer-restriction') },
    ]);
    const catalog = createPromiseClient(
      catalogV1.CatalogServiceService,
      `127.0.0.1:${suite.catalog.port}`,
      { deadlineMs: 5000 },
    );
    try {
      const { service } = await catalog.getService({ project_id: PROJECT, service_id: id });
      const details = providerDetailsFromWire(service!.provider_details);
      expect(details.CloudFront).toMatchObject({
        status: 'failed',
        error_class: 'cloudfront.UnsupportedCapability',
      });
      expect(details.CloudFront.error_message).toContain('partner.example.com');
      expect(details.Mock).toMatchObject({ status: 'deployed' });
    } finally {
      catalog.close();
    }
  });

  it('a vendor validation error is not retried, and its message is what the tenant sees', async () => {
    const message = 'The parameter Origin DomainName does not refer to a valid S3 bucket.';
    proxy.failNext(1, /^POST \/2020-05-31\/distribution$/, {
      status: 400,
      code: 'InvalidArgument',
      message,
    });
    const before = proxy.calls.length;
    const id = await create(domain());
    const body = await waitFor(id, 'failed');
    expect(body.errors).toEqual([{ message: `CloudFront refused create: ${message}` }]);
    const detail = await cloudFrontDetail(id);
    expect(detail).toMatchObject({ status: 'failed', error_class: 'cloudfront.InvalidArgument' });
    const posts = proxy.calls
      .slice(before)
      .filter((c) => c.method === 'POST' && c.path === '/2020-05-31/distribution');
    expect(posts).toHaveLength(1);
  });
});
