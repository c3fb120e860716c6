/**
 * The built provider-cloudfront process (dist/provider-cloudfront/main.js) over gRPC,
 * against a real moto server on loopback (the same SDK code path that talks to AWS): the
 * provider contract suite, then what is CloudFront's own — the distribution it makes,
 * If-Match updates, disable-then-delete, invalidations, throttling.
 */
import { randomUUID } from 'node:crypto';
import {
  CloudFrontClient,
  GetDistributionConfigCommand,
  ListInvalidationsCommand,
} from '@aws-sdk/client-cloudfront';
import type { commonV1 } from '@poppy/contracts';
import type { ProviderClient } from '@poppy/provider-kit';
import {
  defaultContractSpec,
  describeProviderContract,
  providerErrorOf,
  startAdapterProcess,
  type AdapterProcess,
  type ProviderContractTarget,
} from '@poppy/provider-kit/testing';
import { motoClientConfig, startMotoServer, type MotoServer } from '@poppy/testing';
import { startAwsProxy, type AwsProxy } from './aws-proxy';

type Adapter = AdapterProcess;

function startAdapter(endpoint: string, env: Record<string, string> = {}): Promise<Adapter> {
  return startAdapterProcess({
    name: 'provider-cloudfront',
    env: {
      POPPY_CLOUDFRONT_ENDPOINT: endpoint,
      POPPY_CLOUDFRONT_ACCESS_KEY_ID: 'testing',
      POPPY_CLOUDFRONT_SECRET_ACCESS_KEY: 'testing',
      POPPY_CLOUDFRONT_TIMEOUT_MS: '2000',
      ...env,
    },
  });
}

const spec = (): commonV1.ServiceSpec => defaultContractSpec(randomUUID().slice(0, 8));

interface CloudFrontTarget extends ProviderContractTarget {
  /** An adapter whose endpoint refuses connections. */
  unreachable: ProviderClient;
}

describeProviderContract<CloudFrontTarget>(
  'provider-cloudfront (moto)',
  async () => {
    const moto = await startMotoServer();
    const adapter = await startAdapter(moto.endpoint);
    const dead = await startAdapter('http://127.0.0.1:9', { POPPY_CLOUDFRONT_MAX_ATTEMPTS: '1' });
    return {
      client: adapter.client,
      unreachable: dead.client,
      teardown: async () => {
        await adapter.stop();
        await dead.stop();
        await moto.stop();
      },
    };
  },
  {
    providerName: 'CloudFront',
    links: (s, links) => {
      // One access URL per domain, all the distribution's *.cloudfront.net name.
      expect(links.map((l) => l.domain).sort()).toEqual(s.domains.map((d) => d.domain).sort());
      for (const link of links)
        expect(link).toMatchObject({
          rel: 'access_url',
          href: expect.stringMatching(/\.cloudfront\.net$/),
        });
      expect(new Set(links.map((l) => l.href)).size).toBe(1);
    },
    errorCases: [
      {
        name: 'a spec CloudFront cannot express (referrer restriction)',
        retryable: false,
        call: (target) =>
          target.client.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: {
              ...spec(),
              restrictions: [
                {
                  name: 'r',
                  access: 'whitelist',
                  rules: [{ request_url: '/*', referrer: 'a.example.com' }],
                },
              ],
            },
          }),
      },
      {
        name: 'an unreachable CloudFront endpoint',
        retryable: true,
        call: (target) =>
          target.unreachable.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: spec(),
          }),
      },
    ],
  },
);

describe('provider-cloudfront against moto', () => {
  let moto: MotoServer;
  let proxy: AwsProxy;
  let adapter: Adapter;
  let aws: CloudFrontClient;

  beforeAll(async () => {
    moto = await startMotoServer();
    proxy = await startAwsProxy(moto.endpoint);
    adapter = await startAdapter(proxy.endpoint, {
      POPPY_CLOUDFRONT_MAX_ATTEMPTS: '1',
      POPPY_CLOUDFRONT_POLL_MS: '250',
    });
    aws = new CloudFrontClient(motoClientConfig(moto.endpoint));
  }, 60_000);
  afterAll(async () => {
    aws?.destroy();
    await adapter?.stop();
    await proxy?.close();
    await moto?.stop();
  }, 30_000);

  const project = 'p1';

  it('creates a distribution keyed by the service id, in progress until CloudFront says deployed', async () => {
    const serviceId = randomUUID();
    const s = spec();
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    expect(service?.status).toBe('deploy_in_progress');
    const { DistributionConfig } = await aws.send(
      new GetDistributionConfigCommand({ Id: service!.provider_service_id }),
    );
    expect(DistributionConfig?.CallerReference).toBe(serviceId);
    expect(DistributionConfig?.Aliases?.Items).toEqual(s.domains.map((d) => d.domain));
    expect(DistributionConfig?.DefaultCacheBehavior?.DefaultTTL).toBe(3600);
    // moto deploys a distribution after one read; a replayed create now reports it deployed.
    const again = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    expect(again.service).toMatchObject({
      provider_service_id: service!.provider_service_id,
      status: 'deployed',
    });
  }, 20_000);

  it('stores two origins chosen by path, TTLs per path and a geo whitelist, as CloudFront reads them back', async () => {
    const serviceId = randomUUID();
    const s: commonV1.ServiceSpec = {
      ...spec(),
      origins: [
        { origin: 'web.example.com', port: 80, ssl: false, rules: [], hostheadertype: 'domain' },
        {
          origin: 'img.example.com',
          port: 8443,
          ssl: true,
          rules: [{ name: 'img', request_url: '/images/*' }],
          hostheadertype: 'origin',
        },
      ],
      caching: [
        { name: 'default', ttl: 600, rules: [{ name: 'd', request_url: '/*' }] },
        { name: 'api', ttl: 0, rules: [{ name: 'api', request_url: '/api/*' }] },
      ],
      restrictions: [
        {
          name: 'geo',
          access: 'whitelist',
          rules: [
            { request_url: '/*', geography: 'Japan' },
            { request_url: '/*', geography: 'India' },
          ],
        },
      ],
    };
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    const { DistributionConfig: c } = await aws.send(
      new GetDistributionConfigCommand({ Id: service!.provider_service_id }),
    );
    expect(
      c?.Origins?.Items?.map((o) => [
        o.Id,
        o.DomainName,
        o.CustomOriginConfig?.HTTPSPort,
        o.CustomOriginConfig?.OriginProtocolPolicy,
      ]),
    ).toEqual([
      ['origin-0', 'web.example.com', 443, 'http-only'],
      ['origin-1', 'img.example.com', 8443, 'https-only'],
    ]);
    expect(c?.DefaultCacheBehavior).toMatchObject({ TargetOriginId: 'origin-0', DefaultTTL: 600 });
    expect(
      c?.CacheBehaviors?.Items?.map((b) => [
        b.PathPattern,
        b.TargetOriginId,
        b.DefaultTTL,
        b.MaxTTL,
      ]),
    ).toEqual([
      ['/images/*', 'origin-1', 600, 600],
      ['/api/*', 'origin-0', 0, 0],
    ]);
    expect(c?.Restrictions?.GeoRestriction).toMatchObject({
      RestrictionType: 'whitelist',
      Quantity: 2,
      Items: ['IN', 'JP'],
    });
  }, 20_000);

  it('updates with If-Match the ETag it read, and changes the distribution', async () => {
    const serviceId = randomUUID();
    const s = spec();
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    const id = service!.provider_service_id;
    const before = proxy.calls.length;
    const changed: commonV1.ServiceSpec = {
      ...s,
      domains: [
        ...s.domains,
        { domain: `new.${randomUUID().slice(0, 8)}.example.com`, protocol: 'http' },
      ],
      caching: [
        ...s.caching,
        { name: 'img', ttl: 60, rules: [{ name: 'img', request_url: '/images/*' }] },
      ],
    };
    const updated = await adapter.client.updateService({
      project_id: project,
      service_id: serviceId,
      provider_service_id: id,
      spec: changed,
    });
    expect(updated.service?.provider_service_id).toBe(id);
    const calls = proxy.calls.slice(before);
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.path).toContain(`/distribution/${id}/config`);
    expect(put?.ifMatch).toBeTruthy();
    const read = await aws.send(new GetDistributionConfigCommand({ Id: id }));
    expect(read.DistributionConfig?.Aliases?.Items).toEqual(changed.domains.map((d) => d.domain));
    expect(
      read.DistributionConfig?.CacheBehaviors?.Items?.map((b) => [b.PathPattern, b.DefaultTTL]),
    ).toEqual([['/images/*', 60]]);
    // The same spec again writes nothing (a re-check must not restart a deployment).
    const mark = proxy.calls.length;
    await adapter.client.updateService({
      project_id: project,
      service_id: serviceId,
      provider_service_id: id,
      spec: changed,
    });
    expect(proxy.calls.slice(mark).filter((c) => c.method === 'PUT')).toEqual([]);
  }, 20_000);

  it('deletes by disabling first, then deleting with If-Match', async () => {
    const serviceId = randomUUID();
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: spec(),
    });
    const id = service!.provider_service_id;
    const before = proxy.calls.length;
    await adapter.client.deleteService({
      project_id: project,
      service_id: serviceId,
      provider_service_id: id,
    });
    const writes = proxy.calls.slice(before).filter((c) => c.method !== 'GET');
    expect(writes.map((c) => c.method)).toEqual(['PUT', 'DELETE']);
    expect(writes[0].body).toContain('<Enabled>false</Enabled>');
    expect(writes[1].ifMatch).toBeTruthy();
    expect(
      (
        await adapter.client.getService({
          project_id: project,
          service_id: serviceId,
          provider_service_id: id,
        })
      ).found,
    ).toBe(false);
  }, 20_000);

  it('deletes only once the disabled distribution deployed: until then a retryable "not yet" with the poll hint', async () => {
    // moto's state manager: a distribution stays InProgress for the next 5 reads.
    const transition = async (body: unknown, action: 'set' | 'unset') => {
      const res = await fetch(`${moto.endpoint}/moto-api/state-manager/${action}-transition`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      expect(res.ok).toBe(true);
    };
    await transition(
      { model_name: 'cloudfront::distribution', transition: { progression: 'manual', times: 5 } },
      'set',
    );
    try {
      const serviceId = randomUUID();
      const { service } = await adapter.client.createService({
        project_id: project,
        service_id: serviceId,
        spec: spec(),
      });
      const id = service!.provider_service_id;
      const request = { project_id: project, service_id: serviceId, provider_service_id: id };
      const before = proxy.calls.length;
      const notYet = await providerErrorOf(adapter.client.deleteService(request));
      expect(notYet).toMatchObject({
        retryable: true,
        retryAfterMs: 250,
        errorClass: 'cloudfront.DisableInProgress',
      });
      let outcome: unknown;
      for (let retry = 0; retry < 10 && outcome !== 'deleted'; retry += 1) {
        outcome = await adapter.client.deleteService(request).then(
          () => 'deleted',
          (e: unknown) => e,
        );
        if (outcome !== 'deleted')
          expect(outcome).toMatchObject({
            retryable: true,
            errorClass: 'cloudfront.DisableInProgress',
          });
      }
      expect(outcome).toBe('deleted');
      const writes = proxy.calls.slice(before).filter((c) => c.method !== 'GET');
      expect(writes.map((c) => c.method)).toEqual(['PUT', 'DELETE']); // disabled once, deleted once
      expect((await adapter.client.getService(request)).found).toBe(false);
    } finally {
      await transition({ model_name: 'cloudfront::distribution' }, 'unset');
    }
  }, 20_000);

  it('purges with an invalidation of the path', async () => {
    const serviceId = randomUUID();
    const s = spec();
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    const id = service!.provider_service_id;
    for (const url of ['/images/logo.png', '/*']) {
      await adapter.client.purgeService({
        project_id: project,
        service_id: serviceId,
        provider_service_id: id,
        spec: s,
        hard: true,
        purge_url: url,
      });
    }
    const list = await aws.send(new ListInvalidationsCommand({ DistributionId: id }));
    expect(list.InvalidationList?.Quantity).toBe(2);
    const bodies = proxy.calls
      .filter((c) => c.method === 'POST' && c.path.includes(`/distribution/${id}/invalidation`))
      .map((c) => c.body);
    expect(bodies[0]).toContain('<Path>/images/logo.png</Path>');
    expect(bodies[1]).toContain('<Path>/*</Path>');
  }, 20_000);

  it('reports throttling as retryable with the vendor retry hint, and succeeds once it stops', async () => {
    const serviceId = randomUUID();
    proxy.throttleNext(1, /^POST \/2020-05-31\/distribution$/, 4);
    const error = await providerErrorOf(
      adapter.client.createService({ project_id: project, service_id: serviceId, spec: spec() }),
    );
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 4000,
      errorClass: 'cloudfront.Throttling',
    });
    const { service } = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: spec(),
    });
    expect(service?.provider_service_id).not.toBe('');
  }, 20_000);

  it('lets the SDK retry throttling itself when configured with attempts (POPPY_CLOUDFRONT_MAX_ATTEMPTS)', async () => {
    const patient = await startAdapter(proxy.endpoint, { POPPY_CLOUDFRONT_MAX_ATTEMPTS: '3' });
    try {
      const serviceId = randomUUID();
      const before = proxy.calls.length;
      proxy.throttleNext(2, /^POST \/2020-05-31\/distribution$/, 0);
      const { service } = await patient.client.createService({
        project_id: project,
        service_id: serviceId,
        spec: spec(),
      });
      expect(service?.provider_service_id).not.toBe('');
      const posts = proxy.calls.slice(before).filter((c) => c.method === 'POST');
      expect(posts.map((c) => c.throttled)).toEqual([true, true, false]);
    } finally {
      await patient.stop();
    }
  }, 30_000);

  it('reports an unknown distribution id on update by creating it anew, and on purge as a refusal', async () => {
    const serviceId = randomUUID();
    const error = await providerErrorOf(
      adapter.client.purgeService({
        project_id: project,
        service_id: serviceId,
        provider_service_id: '',
        spec: spec(),
        hard: false,
        purge_url: '/*',
      }),
    );
    expect(error).toMatchObject({ retryable: false, errorClass: 'cloudfront.NoSuchDistribution' });
    const { service } = await adapter.client.updateService({
      project_id: project,
      service_id: serviceId,
      provider_service_id: 'GONE123',
      spec: spec(),
    });
    const { DistributionConfig } = await aws.send(
      new GetDistributionConfigCommand({ Id: service!.provider_service_id }),
    );
    expect(DistributionConfig?.CallerReference).toBe(serviceId);
  }, 20_000);
});
