/**
 * End to end through the REST API with Akamai as a flavor's provider: gateway → catalog →
 * queue → provisioning → provider-akamai (gRPC) → EdgeGrid-signed HTTP → the Akamai fake.
 * Activations are eventual at the fake (a short delay), so a service is first in progress
 * and becomes deployed when provisioning's reconciler calls again.
 */
import { randomUUID } from 'node:crypto';
import { startSuite, tenantApi, type Suite } from '@poppy/testing';
import { FakeAkamai } from '@poppy/fakes/akamai';
import { akamaiEnv } from './akamai-env';

jest.setTimeout(60_000);

const PROJECT = 'akamai-e2e';

describe('Akamai end to end through the REST API (fake)', () => {
  let fake: FakeAkamai;
  let suite: Suite;

  const {
    api,
    waitFor,
    providerDetails: details,
    createService,
  } = tenantApi(() => suite, PROJECT, {
    waitTimeoutMs: 20_000,
  });

  const domain = () => `www.ak${randomUUID().slice(0, 8)}.example.com`;

  const create = (flavor = 'akamai', name = domain()) =>
    createService({ name: `ak-${name}`, domain: name, flavor });

  beforeAll(async () => {
    // The fake's limit and the adapter's budget agree: no request should ever be refused for rate.
    fake = await new FakeAkamai({
      activationDelayMs: { staging: 150, production: 150 },
      rateLimit: { perSecond: 20, burst: 20 },
    }).start();
    suite = await startSuite({
      env: { POPPY_MAX_SERVICES_PER_PROJECT: '100' },
      provisioning: {
        providers: [
          { id: 'mock' },
          {
            id: 'akamai',
            process: 'provider-akamai',
            env: akamaiEnv(fake, { POPPY_AKAMAI_RATE_LIMIT: '20', POPPY_AKAMAI_RATE_BURST: '20' }),
          },
        ],
        env: {
          POPPY_JOB_BACKOFF_INITIAL_MS: '50',
          POPPY_JOB_BACKOFF_MAX_MS: '500',
          POPPY_RECONCILE_INTERVAL_MS: '200',
          POPPY_RECONCILE_STUCK_AFTER_MS: '300',
        },
      },
      // Flavors 'akamai' and 'akamai-mock'.
      flavors: [['akamai'], ['akamai', 'mock']].map((providers) => ({
        id: providers.join('-'),
        providers: providers.map((p) => ({
          provider: p,
          links: [{ href: `http://${p}.example`, rel: 'provider_url' }],
        })),
      })),
    });
  }, 90_000);

  afterAll(async () => {
    await suite?.stop();
    await fake?.stop();
  }, 30_000);

  it('create → deployed on production, with the edge hostname as access URL, and no request refused', async () => {
    const name = domain();
    const id = await create('akamai', name);
    const body = await waitFor(id, 'deployed');
    const detail = (await details(id)).Akamai;
    const property = fake.propertyByName(`poppy-${id}`)!;
    expect(detail).toMatchObject({ status: 'deployed', id: property.propertyId });
    expect(detail.access_urls).toEqual([
      expect.objectContaining({ domain: name, provider_url: 'poppy.edgesuite.net' }),
    ]);
    expect(
      body.links?.some((l) => l.rel === 'access_url' && l.href.includes('poppy.edgesuite.net')),
    ).toBe(true);
    expect(property.activations.map((a) => `${a.network}:${a.status}`)).toEqual([
      'STAGING:ACTIVE',
      'PRODUCTION:ACTIVE',
    ]);
    expect(fake.refused).toBe(0);
  });

  it('PATCH of origins, caching and restrictions → a new version, activated on staging then production', async () => {
    const id = await create();
    await waitFor(id, 'deployed');
    const property = fake.propertyByName(`poppy-${id}`)!;
    const patch = await api('PATCH', `/v1.0/services/${id}`, [
      {
        op: 'add',
        path: '/origins/-',
        value: { origin: 'img.example.com', rules: [{ name: 'img', request_url: '/img/*' }] },
      },
      { op: 'replace', path: '/caching/0/ttl', value: 60 },
      {
        op: 'add',
        path: '/restrictions',
        value: [
          {
            name: 'ref',
            access: 'whitelist',
            rules: [{ name: 'r', request_url: '/*', referrer: 'partner.example.com' }],
          },
        ],
      },
    ]);
    expect(patch.status).toBe(202);
    await waitFor(id, 'deployed');
    for (let i = 0; i < 100 && property.productionVersion !== 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(property.latestVersion).toBe(2);
    expect(property.productionVersion).toBe(2);
    const rules = JSON.stringify(property.versions.get(2)!.rules);
    expect(rules).toContain('"hostname":"img.example.com"');
    expect(rules).toContain('"ttl":"60s"');
    expect(rules).toContain('*partner.example.com*');
    expect(
      property.activations.filter((a) => a.propertyVersion === 2).map((a) => a.network),
    ).toEqual(['STAGING', 'PRODUCTION']);
  });

  it('purge of a URL and of everything, soft and hard, reaches Fast Purge', async () => {
    const name = domain();
    const id = await create('akamai', name);
    await waitFor(id, 'deployed');
    const before = fake.purges.length;
    for (const query of [
      'url=/img/logo.png&hard=false',
      'url=/img/logo.png&hard=true',
      'all=true&hard=false',
      'all=true&hard=true',
    ]) {
      // A soft purge puts the service in update_in_progress until it is done (reference §4.11).
      await waitFor(id, 'deployed');
      expect((await api('DELETE', `/v1.0/services/${id}/assets?${query}`)).status).toBe(202);
    }
    for (let i = 0; i < 200 && fake.purges.length < before + 4; i++)
      await new Promise((r) => setTimeout(r, 50));
    const seen = fake.purges
      .slice(before)
      .map((p) => `${p.action} ${p.type} ${p.objects.join(',')}`);
    expect(seen.sort()).toEqual(
      [
        `invalidate url http://${name}/img/logo.png,https://${name}/img/logo.png`,
        `delete url http://${name}/img/logo.png,https://${name}/img/logo.png`,
        `invalidate tag poppy-${id}`,
        `delete tag poppy-${id}`,
      ].sort(),
    );
  });

  it('DELETE leaves no property at Akamai', async () => {
    const id = await create();
    await waitFor(id, 'deployed');
    const propertyId = fake.propertyByName(`poppy-${id}`)!.propertyId;
    expect((await api('DELETE', `/v1.0/services/${id}`)).status).toBe(202);
    await waitFor(id, 'gone');
    expect(fake.properties.has(propertyId)).toBe(false);
  });

  it('a failed staging activation fails Akamai with the vendor message; the other provider is deployed', async () => {
    const message = 'Activation failed: the origin hostname origin.example.com does not resolve';
    fake.failNextActivation('STAGING', message);
    const id = await create('akamai-mock');
    const body = await waitFor(id, 'failed');
    expect(body.errors).toEqual([{ message: expect.stringContaining(message) }]);
    const all = await details(id);
    expect(all.Akamai).toMatchObject({ status: 'failed', error_class: 'akamai.ActivationFailed' });
    expect(all.Mock).toMatchObject({ status: 'deployed' });
  });

  it('a period of 429s at Akamai: the service still ends deployed, and the adapter waits it out', async () => {
    fake.throttleFor(2000);
    const started = Date.now();
    const id = await create();
    await waitFor(id, 'deployed');
    // The first refused request paused the budget until X-RateLimit-Next: nothing else was sent meanwhile.
    const during = fake.requests.filter((r) => r.at >= started && r.at < started + 2000);
    expect(during.every((r) => r.status === 429)).toBe(true);
    expect(during.length).toBeLessThanOrEqual(2);
    expect((await details(id)).Akamai.error_message).toBeUndefined();
  });
});
