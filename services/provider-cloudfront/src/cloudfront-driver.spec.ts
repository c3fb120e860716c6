/**
 * The driver's decisions against an in-memory CloudFront behind our CloudFrontApi (no
 * network): idempotent create, If-Match updates that write nothing when unchanged,
 * disable-then-delete, invalidations in progress and their limits. The AWS SDK file is
 * covered against moto (test/*.int-spec.ts).
 */
import type { commonV1 } from '@poppy/contracts';
import { ProviderError } from '@poppy/provider-kit';
import { CloudFrontDriver, MAX_WILDCARD_PATHS_IN_PROGRESS } from './cloudfront-driver';
import { distributionComment } from './distribution-config';
import { FakeCloudFront, vendorError } from './fake-cloudfront-api.test-helper';

const spec = (domains = ['www.example.com', 'static.example.com']): commonV1.ServiceSpec => ({
  name: 'site',
  domains: domains.map((domain) => ({ domain, protocol: 'http' })),
  origins: [
    { origin: 'origin.example.com', port: 80, ssl: false, rules: [], hostheadertype: 'domain' },
  ],
  caching: [{ name: 'default', ttl: 3600, rules: [{ name: 'default', request_url: '/*' }] }],
  restrictions: [],
  flavor_id: 'cdn',
  log_delivery: { enabled: false },
});

const create = (serviceId = 's1', s = spec()) => ({
  project_id: 'p',
  service_id: serviceId,
  spec: s,
});

const purge = (url: string) => ({
  project_id: 'p',
  service_id: 's1',
  provider_service_id: 'D1',
  spec: undefined,
  hard: false,
  purge_url: url,
});

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('CloudFrontDriver create', () => {
  it('makes one distribution keyed by the service id, in progress until CloudFront deployed it', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api });
    const { service } = await driver.createService(create());
    expect(service).toEqual({
      provider_service_id: 'D1',
      links: [
        { domain: 'www.example.com', href: 'd1.cloudfront.net', rel: 'access_url' },
        { domain: 'static.example.com', href: 'd1.cloudfront.net', rel: 'access_url' },
      ],
      status: 'deploy_in_progress',
      domains_certificate_status: {},
    });
    expect(api.distributions.get('D1')?.config).toMatchObject({
      CallerReference: 's1',
      Comment: distributionComment('s1'),
      Aliases: { Items: ['www.example.com', 'static.example.com'] },
    });

    // The reconciler's re-check: the same distribution, found by its Comment, not made again.
    api.setStatus('D1', 'Deployed');
    const again = await driver.createService(create());
    expect(again.service).toMatchObject({ provider_service_id: 'D1', status: 'deployed' });
    expect(api.count('createDistribution')).toBe(1);
  });

  it('finds the distribution of a create whose answer was lost through CloudFront naming it (DistributionAlreadyExists)', async () => {
    const api = new FakeCloudFront({ listsComments: false });
    const driver = new CloudFrontDriver({ api });
    await driver.createService(create('s0'));
    await driver.createService(create('s1'));
    const again = await driver.createService(create('s1'));
    expect(again.service?.provider_service_id).toBe('D2');
    expect(api.distributions.size).toBe(2);
  });

  it('looks the CallerReference up when CloudFront does not name the distribution', async () => {
    const api = new FakeCloudFront({ listsComments: false, namesExisting: false });
    const driver = new CloudFrontDriver({ api });
    await driver.createService(create('s0'));
    await driver.createService(create('s1'));
    const again = await driver.createService(create('s1'));
    expect(again.service?.provider_service_id).toBe('D2');
    expect(api.count('getDistributionConfig')).toBe(2);
  });

  it('refuses a spec CloudFront cannot express, naming the feature, without calling CloudFront', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api });
    const restricted: commonV1.ServiceSpec = {
      ...spec(),
      restrictions: [
        { name: 'r', access: 'whitelist', rules: [{ request_url: '/*', referrer: 'a.example' }] },
      ],
    };
    const error = await rejection(driver.createService(create('s1', restricted)));
    expect(error).toMatchObject({
      retryable: false,
      errorClass: 'cloudfront.UnsupportedCapability',
    });
    expect(error.message).toMatch(/^CloudFront cannot provide referrer-restriction/);
    expect(api.calls).toEqual([]);
  });

  it('reports a vendor refusal with the operation the tenant asked for', async () => {
    const api = new FakeCloudFront();
    api.failNext('createDistribution', vendorError('InvalidArgument', 400, 'bad origin'));
    const error = await rejection(new CloudFrontDriver({ api }).createService(create()));
    expect(error).toMatchObject({
      retryable: false,
      errorClass: 'cloudfront.InvalidArgument',
      message: 'CloudFront refused create: bad origin',
    });
  });
});

describe('CloudFrontDriver update', () => {
  it('writes with If-Match the ETag it read, keeping CallerReference and Enabled; an unchanged spec writes nothing', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api });
    await driver.createService(create());
    const changed = spec(['www.example.com', 'new.example.com']);
    const request = { project_id: 'p', service_id: 's1', provider_service_id: 'D1', spec: changed };
    const { service } = await driver.updateService(request);
    expect(service).toMatchObject({ provider_service_id: 'D1', status: 'update_in_progress' });
    const update = api.calls.find((c) => c.method === 'updateDistribution');
    expect(update?.args[2]).toBe('E1');
    expect(update?.args[1]).toMatchObject({
      CallerReference: 's1',
      Enabled: true,
      Aliases: { Items: ['www.example.com', 'new.example.com'] },
    });

    await driver.updateService(request);
    expect(api.count('updateDistribution')).toBe(1);
  });

  it('creates the distribution when CloudFront does not know the stored id', async () => {
    const api = new FakeCloudFront();
    const { service } = await new CloudFrontDriver({ api }).updateService({
      project_id: 'p',
      service_id: 's1',
      provider_service_id: 'GONE',
      spec: spec(),
    });
    expect(service).toMatchObject({ provider_service_id: 'D1', status: 'deploy_in_progress' });
    expect(api.distributions.get('D1')?.config.CallerReference).toBe('s1');
  });

  it('answers retryable when the ETag moved meanwhile (PreconditionFailed)', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api });
    await driver.createService(create());
    api.failNext('updateDistribution', vendorError('PreconditionFailed', 412));
    const error = await rejection(
      driver.updateService({
        project_id: 'p',
        service_id: 's1',
        provider_service_id: 'D1',
        spec: spec(['other.example.com']),
      }),
    );
    expect(error).toMatchObject({ retryable: true, errorClass: 'cloudfront.PreconditionFailed' });
  });
});

describe('CloudFrontDriver delete', () => {
  it('disables, then answers "not yet" (retryable, with the hint) until the disabled config deployed, then deletes with If-Match', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api, pollHintMs: 700 });
    await driver.createService(create());
    const request = { project_id: 'p', service_id: 's1', provider_service_id: 'D1' };
    const error = await rejection(driver.deleteService(request));
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 700,
      errorClass: 'cloudfront.DisableInProgress',
    });
    const disable = api.calls.find((c) => c.method === 'updateDistribution');
    expect(disable?.args[2]).toBe('E1');
    expect(disable?.args[1]).toMatchObject({ Enabled: false, CallerReference: 's1' });
    // Still deploying: not disabled twice, still not deleted.
    await rejection(driver.deleteService(request));
    expect(api.count('updateDistribution')).toBe(1);
    expect(api.count('deleteDistribution')).toBe(0);

    api.setStatus('D1', 'Deployed');
    await expect(driver.deleteService(request)).resolves.toEqual({ provider_service_id: 'D1' });
    expect(api.calls.find((c) => c.method === 'deleteDistribution')?.args).toEqual(['D1', 'E2']);
    expect(api.distributions.has('D1')).toBe(false);
    await expect(driver.getService(request)).resolves.toMatchObject({ found: false });
  });

  it('counts a distribution that is gone as deleted', async () => {
    const api = new FakeCloudFront();
    await expect(
      new CloudFrontDriver({ api }).deleteService({
        project_id: 'p',
        service_id: 's1',
        provider_service_id: 'D1',
      }),
    ).resolves.toEqual({ provider_service_id: 'D1' });
    expect(api.count('updateDistribution')).toBe(0);
  });
});

describe('CloudFrontDriver purge', () => {
  it('tracks an invalidation of the same path already in progress instead of making another, until it completed', async () => {
    const api = new FakeCloudFront();
    const inProgress = { id: 'I1', status: 'InProgress', paths: ['/img/a.png'] };
    api.invalidations.set('D1', [inProgress]);
    const driver = new CloudFrontDriver({ api, pollHintMs: 1234 });
    const error = await rejection(driver.purgeService(purge('/img/a.png')));
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 1234,
      errorClass: 'cloudfront.InvalidationInProgress',
    });
    inProgress.status = 'Completed';
    await expect(driver.purgeService(purge('/img/a.png'))).resolves.toEqual({
      provider_service_id: 'D1',
      purge_url: '/img/a.png',
    });
    expect(api.count('createInvalidation')).toBe(0);
  });

  it('waits (retryable) while the wildcard paths in progress are at the limit, and creates plain paths meanwhile', async () => {
    const api = new FakeCloudFront();
    api.invalidations.set(
      'D1',
      Array.from({ length: MAX_WILDCARD_PATHS_IN_PROGRESS }, (_, i) => ({
        id: `W${i}`,
        status: 'InProgress',
        paths: [`/dir${i}/*`],
      })),
    );
    const driver = new CloudFrontDriver({ api, pollHintMs: 500, purgeWait: false });
    const error = await rejection(driver.purgeService(purge('/*')));
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 500,
      errorClass: 'cloudfront.TooManyInvalidationsInProgress',
    });
    await expect(driver.purgeService(purge('img/a.png'))).resolves.toMatchObject({
      purge_url: 'img/a.png',
    });
    const created = api.calls.filter((c) => c.method === 'createInvalidation');
    expect(created.map((c) => [c.args[0], c.args[2]])).toEqual([['D1', '/img/a.png']]);
  });

  it('with purgeWait, asks for its own invalidation again until it completed', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api });
    await rejection(driver.purgeService(purge('/*')));
    await rejection(driver.purgeService(purge('/*')));
    expect(api.count('createInvalidation')).toBe(1);
    api.invalidations.get('D1')![0].status = 'Completed';
    await expect(driver.purgeService(purge('/*'))).resolves.toMatchObject({ purge_url: '/*' });
    expect(api.count('createInvalidation')).toBe(1);
  });

  it('refuses a purge of a service CloudFront has no distribution for', async () => {
    const api = new FakeCloudFront();
    const error = await rejection(
      new CloudFrontDriver({ api }).purgeService({ ...purge('/*'), provider_service_id: '' }),
    );
    expect(error).toMatchObject({ retryable: false, errorClass: 'cloudfront.NoSuchDistribution' });
  });
});

describe('CloudFrontDriver listManaged', () => {
  it.each([true, false])(
    'lists the distributions it made by their Comment, and not the others (comments listed: %s)',
    async (listsComments) => {
      const api = new FakeCloudFront({ listsComments });
      const driver = new CloudFrontDriver({ api });
      const a = await driver.createService(create('svc-a'));
      const b = await driver.createService(create('svc-b'));
      await api.createDistribution({
        CallerReference: 'someone-else',
        Comment: 'not ours',
      } as Parameters<typeof api.createDistribution>[0]);
      expect(
        (await driver.listManaged()).sort((x, y) => x.serviceId.localeCompare(y.serviceId)),
      ).toEqual([
        { serviceId: 'svc-a', providerServiceId: a.service!.provider_service_id, createdAtMs: 0 },
        { serviceId: 'svc-b', providerServiceId: b.service!.provider_service_id, createdAtMs: 0 },
      ]);
    },
  );
});

describe('CloudFrontDriver certificates', () => {
  const install = (pem: string, key = 'KEY', provider_service_id = 'D1') => ({
    certificate: {
      domain_name: 'www.example.com',
      project_id: 'p',
      flavor_id: 'cdn',
      cert_type: 'san',
      cert_details: { certificate_pem: pem, private_key_pem: key },
    },
    enqueue: false,
    https_upgrade: false,
    service_id: 's1',
    provider_service_id,
  });
  const LEAF = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----';
  const CA = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----';

  it('imports the PEM pair to ACM and sets it as the viewer certificate; a renewal re-imports into the same ARN', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api });
    await driver.createService(create());
    const first = await driver.createCertificate(install(`${LEAF}\n${CA}\n`));
    const arn = JSON.parse(first.extra_info_json).acm_certificate_arn as string;
    expect(arn).toMatch(/^arn:aws:acm:/);
    expect(api.acm.get(arn)).toBe(`${LEAF}\n`);
    expect(api.distributions.get('D1')?.config.ViewerCertificate).toEqual({
      ACMCertificateArn: arn,
      SSLSupportMethod: 'sni-only',
      MinimumProtocolVersion: 'TLSv1.2_2021',
    });
    const updates = api.count('updateDistribution');

    const renewed = '-----BEGIN CERTIFICATE-----\nCCCC\n-----END CERTIFICATE-----';
    const second = await driver.createCertificate(install(`${renewed}\n${CA}\n`));
    expect(JSON.parse(second.extra_info_json).acm_certificate_arn).toBe(arn);
    expect(api.acm.get(arn)).toBe(`${renewed}\n`);
    expect(api.acm.size).toBe(1);
    // Same ARN: the distribution is not touched again.
    expect(api.count('updateDistribution')).toBe(updates);

    // A later update of the service keeps the installed certificate.
    await driver.updateService({ ...create(), provider_service_id: 'D1' });
    expect(api.distributions.get('D1')?.config.ViewerCertificate?.ACMCertificateArn).toBe(arn);
  });

  it("never re-imports into the operator's shared certificate", async () => {
    const shared = 'arn:aws:acm:us-east-1:123456789012:certificate/shared';
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api, settings: { acmCertificateArn: shared } });
    await driver.createService(create());
    const reply = await driver.createCertificate(install(LEAF));
    const arn = JSON.parse(reply.extra_info_json).acm_certificate_arn as string;
    expect(arn).not.toBe(shared);
    expect(api.acm.has(shared)).toBe(false);
  });

  it('waits (retryable) for a distribution that does not exist yet, and refuses a request without a PEM pair', async () => {
    const api = new FakeCloudFront();
    const driver = new CloudFrontDriver({ api });
    const early = await rejection(driver.createCertificate(install(LEAF, 'KEY', '')));
    expect(early.retryable).toBe(true);
    const managed = await rejection(driver.createCertificate(install('', '')));
    expect(managed.retryable).toBe(false);
    expect(managed.errorClass).toBe('cloudfront.UnsupportedCapability');
  });
});
