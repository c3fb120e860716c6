/**
 * End to end through the REST API with Fastly as the flavor's provider: gateway → catalog →
 * queue → provisioning → provider-fastly (gRPC) → HTTP → the Fastly fake
 * (tools/fakes/fastly), whose state the tests query. The fake enforces a request rate limit
 * (all requests counted, a 1 s window) above the adapter's budget, so no request should be
 * refused except inside an injected 429 period.
 */
import { randomUUID } from 'node:crypto';
import { startSuite, tenantApi, type Suite } from '@poppy/testing';
import { FakeFastly, type FakeService } from '@poppy/fakes/fastly';

jest.setTimeout(60_000);

const PROJECT = 'fastly-e2e';
/** The fake's limit per second, and the adapter's budget below it. */
const FAKE_LIMIT_PER_S = 30;
const ADAPTER_RATE = 12;

describe('Fastly end to end through the REST API (Fastly fake)', () => {
  let fake: FakeFastly;
  let suite: Suite;

  const { api, waitFor, providerDetails, createService } = tenantApi(() => suite, PROJECT, {
    waitTimeoutMs: 20_000,
  });
  const fastlyDetail = async (id: string) => (await providerDetails(id)).Fastly;

  const domain = () => `www.f${randomUUID().slice(0, 8)}.example.com`;

  const create = (name: string) =>
    createService({ name: `fastly-${name}`, domain: name, flavor: 'fastly' });

  async function fastlyService(id: string): Promise<FakeService> {
    const detail = await fastlyDetail(id);
    return fake.services.get(detail.id!)!;
  }

  beforeAll(async () => {
    fake = new FakeFastly({ rateLimit: FAKE_LIMIT_PER_S, rateWindowMs: 1000, countReads: true });
    await fake.start();
    suite = await startSuite({
      env: { POPPY_MAX_SERVICES_PER_PROJECT: '100' },
      provisioning: {
        providers: [
          {
            id: 'fastly',
            process: 'provider-fastly',
            env: {
              POPPY_FASTLY_API_URL: fake.url,
              POPPY_FASTLY_API_TOKEN: fake.token,
              POPPY_FASTLY_RATE_LIMIT: String(ADAPTER_RATE),
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
          id: 'fastly',
          providers: [
            {
              provider: 'fastly',
              links: [{ href: 'https://www.fastly.com', rel: 'provider_url' }],
            },
          ],
        },
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await suite?.stop();
    await fake?.stop();
  }, 30_000);

  it('create → deployed, with <domain>.global.prod.fastly.net as access URL and v1 active', async () => {
    const name = domain();
    const id = await create(name);
    const body = await waitFor(id, 'deployed');
    const detail = await fastlyDetail(id);
    expect(detail.access_urls).toEqual([
      expect.objectContaining({ domain: name, provider_url: `${name}.global.prod.fastly.net` }),
    ]);
    expect(body.links?.filter((l) => l.rel === 'access_url').map((l) => l.href)).toEqual([
      expect.stringContaining(`${name}.global.prod.fastly.net`),
    ]);
    const service = await fastlyService(id);
    expect(service.name).toBe(`poppy-${id}`);
    expect(fake.activeVersion(service)?.number).toBe(1);
  });

  it('PATCH of origins, caching and restrictions → a cloned version activated, the old one kept', async () => {
    const id = await create(domain());
    await waitFor(id, 'deployed');
    const patch = await api('PATCH', `/v1.0/services/${id}`, [
      {
        op: 'add',
        path: '/origins/-',
        value: { origin: 'api.example.com', rules: [{ name: 'api', request_url: '/api/*' }] },
      },
      { op: 'replace', path: '/caching/0/ttl', value: 60 },
      {
        op: 'add',
        path: '/restrictions',
        value: [
          {
            name: 'partners',
            access: 'whitelist',
            rules: [{ name: 'p', request_url: '/*', referrer: 'partner.example.com' }],
          },
        ],
      },
    ]);
    expect(patch.status).toBe(202);
    await waitFor(id, 'deployed');
    const service = await fastlyService(id);
    // v1 stays (rollback); the newest version is the active one. A job redelivered while
    // another run of it is in flight may add a version on the way (same final config).
    const [first, ...later] = service.versions;
    expect(first).toMatchObject({ number: 1, active: false, locked: true });
    expect(later.length).toBeGreaterThanOrEqual(1);
    expect(fake.activeVersion(service)?.number).toBe(Math.max(...later.map((v) => v.number)));
    const v2 = fake.activeVersion(service)!;
    expect(fake.objects(v2, 'backends').map((b) => b.address)).toEqual([
      'origin.example.com',
      'api.example.com',
    ]);
    expect(fake.objects(v2, 'cache_settings')[0]).toMatchObject({ ttl: '60' });
    expect(String(fake.objects(v2, 'snippets')[0].content)).toContain('partner\\.example\\.com');
  });

  it('purge of a URL and of everything, soft and hard, reaches Fastly', async () => {
    const name = domain();
    const id = await create(name);
    await waitFor(id, 'deployed');
    const providerId = (await fastlyDetail(id)).id!;
    const before = fake.purges.length;
    for (const query of [
      'url=/img/logo.png&hard=true',
      'url=/img/logo.png&hard=false',
      'all=true&hard=true',
      'all=true&hard=false',
    ]) {
      const purge = await api('DELETE', `/v1.0/services/${id}/assets?${query}`);
      expect(purge.status).toBe(202);
      await waitFor(id, 'deployed');
    }
    const wanted = [
      { kind: 'url', target: `${name}/img/logo.png`, soft: false },
      { kind: 'url', target: `${name}/img/logo.png`, soft: true },
      { kind: 'all', target: providerId, soft: false },
      { kind: 'key', target: `${providerId}/poppy-${id}`, soft: true },
    ];
    for (let i = 0; i < 200 && fake.purges.length - before < wanted.length; i++)
      await new Promise((r) => setTimeout(r, 50));
    const seen = fake.purges
      .slice(before)
      .map(({ kind, target, soft }) => ({ kind, target, soft }));
    expect(seen).toEqual(expect.arrayContaining(wanted));
  });

  it('DELETE deactivates and deletes the Fastly service: nothing left at the vendor', async () => {
    const id = await create(domain());
    await waitFor(id, 'deployed');
    const providerId = (await fastlyDetail(id)).id!;
    expect((await api('DELETE', `/v1.0/services/${id}`)).status).toBe(202);
    await waitFor(id, 'gone');
    expect(fake.services.has(providerId)).toBe(false);
    expect(fake.deletedServices.has(providerId)).toBe(true);
    expect(fake.serviceByName(`poppy-${id}`)).toBeUndefined();
  });

  it('a 429 period at Fastly: the service still ends deployed, and only one request met it', async () => {
    const refusedBefore = fake.refused;
    fake.throttleFor(2);
    const id = await create(domain());
    await waitFor(id, 'deployed', 30_000);
    // The first 429 paused the adapter's budget until Fastly-RateLimit-Reset; nothing else
    // was sent in the period, and the rate limit (above the budget) refused nothing.
    expect(fake.refused - refusedBefore).toBe(1);
    expect(fake.requests.filter((r) => r.status === 429)).toHaveLength(1);
  });
});
