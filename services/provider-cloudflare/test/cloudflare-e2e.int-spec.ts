/**
 * End to end through the REST API with Cloudflare as the flavor's provider: gateway →
 * catalog → queue → provisioning → provider-cloudflare (gRPC) → the official SDK → the
 * Cloudflare fake (tools/fakes/cloudflare) over HTTP. The fake activates a custom hostname
 * some time after its creation, so a create is first `deploy_in_progress` and becomes
 * `deployed` when provisioning checks again. The fake enforces a request limit; the
 * adapter's budget is set below it, and no test may see a request refused for the limit.
 */
import { randomUUID } from 'node:crypto';
import { startSuite, tenantApi, type Suite } from '@poppy/testing';
import { FAKE_TOKEN, FAKE_ZONE_ID, FakeCloudflare, type Phase } from '@poppy/fakes/cloudflare';

jest.setTimeout(60_000);

const PROJECT = 'cloudflare-e2e';
const CNAME_TARGET = 'customers.poppy-edge.example.net';
/** The fake's limit; the adapter's budget (POPPY_CLOUDFLARE_RATE_LIMIT) stays below it. */
const FAKE_LIMIT_PER_SECOND = 40;

describe('Cloudflare end to end through the REST API (fake)', () => {
  let fake: FakeCloudflare;
  let suite: Suite;

  const { api, waitFor, providerDetails, createService } = tenantApi(() => suite, PROJECT, {
    waitTimeoutMs: 20_000,
  });
  const cloudflareDetail = async (id: string) => (await providerDetails(id)).Cloudflare;

  const create = (domain: string) =>
    createService({ name: `cf-${domain}`, domain, flavor: 'cloudflare' });

  const domain = () => `www.cf${randomUUID().slice(0, 8)}.example.com`;
  const hostnamesOf = (serviceId: string) =>
    fake
      .hostnames()
      .filter(
        (h) =>
          (h.custom_metadata as Record<string, string> | undefined)?.poppy_service_id === serviceId,
      );
  const rulesOf = (phase: Phase, serviceId: string) =>
    (fake.ruleset(phase)?.rules ?? []).filter((r) =>
      r.ref.startsWith(`poppy_${serviceId.replace(/-/g, '')}_`),
    );

  beforeAll(async () => {
    fake = await new FakeCloudflare({
      activationDelayMs: 1500,
      requestLimit: { requests: FAKE_LIMIT_PER_SECOND, windowMs: 1000 },
    }).start();
    suite = await startSuite({
      env: { POPPY_MAX_SERVICES_PER_PROJECT: '100' },
      provisioning: {
        providers: [
          {
            id: 'cloudflare',
            process: 'provider-cloudflare',
            env: {
              POPPY_CLOUDFLARE_BASE_URL: fake.baseUrl,
              POPPY_CLOUDFLARE_API_TOKEN: FAKE_TOKEN,
              POPPY_CLOUDFLARE_ZONE_ID: FAKE_ZONE_ID,
              POPPY_CLOUDFLARE_CNAME_TARGET: CNAME_TARGET,
              POPPY_CLOUDFLARE_RATE_LIMIT: String(FAKE_LIMIT_PER_SECOND / 2),
              POPPY_CLOUDFLARE_MAX_RETRIES: '0',
            },
          },
        ],
        env: {
          POPPY_JOB_BACKOFF_INITIAL_MS: '50',
          POPPY_JOB_BACKOFF_MAX_MS: '500',
          // Each re-check of an in-progress service costs Cloudflare requests (the phases and
          // the hostnames are read again): not more often than the budget can carry.
          POPPY_RECONCILE_INTERVAL_MS: '1000',
          POPPY_RECONCILE_STUCK_AFTER_MS: '1000',
        },
      },
      flavors: [
        {
          id: 'cloudflare',
          providers: [
            {
              provider: 'cloudflare',
              links: [{ href: 'https://www.cloudflare.com/', rel: 'provider_url' }],
            },
          ],
        },
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await suite?.stop();
    await fake?.stop();
    // Over every test: the adapter's budget kept it under the fake's limit.
    expect(fake.refusedOverLimit).toBe(0);
  }, 30_000);

  it('create → deploy_in_progress → deployed, with the CNAME target as access URL', async () => {
    const name = domain();
    const id = await create(name);
    let seenInProgress = false;
    for (let i = 0; i < 500 && !seenInProgress; i++) {
      const detail = await cloudflareDetail(id).catch(() => undefined);
      if (detail?.status === 'deploy_in_progress') seenInProgress = true;
      else if (detail?.status === 'deployed') break;
      else await new Promise((r) => setTimeout(r, 10));
    }
    expect(seenInProgress).toBe(true);
    const body = await waitFor(id, 'deployed');
    const detail = await cloudflareDetail(id);
    expect(detail).toMatchObject({ status: 'deployed', id: `${FAKE_ZONE_ID}/${id}` });
    expect(detail.access_urls).toEqual([
      expect.objectContaining({ domain: name, provider_url: CNAME_TARGET }),
    ]);
    expect(body.links?.filter((l) => l.rel === 'access_url').map((l) => l.href)).toEqual([
      expect.stringContaining(CNAME_TARGET),
    ]);
    expect(hostnamesOf(id)).toEqual([
      expect.objectContaining({ hostname: name, status: 'active' }),
    ]);
    expect(rulesOf('http_request_cache_settings', id)).toEqual([
      expect.objectContaining({
        action_parameters: { cache: true, edge_ttl: { mode: 'override_origin', default: 300 } },
      }),
    ]);
  });

  it('PATCH of origins, caching and restrictions writes new rule versions at Cloudflare', async () => {
    const id = await create(domain());
    await waitFor(id, 'deployed');
    const versions = (['http_request_origin', 'http_request_cache_settings'] as const).map((p) =>
      Number(fake.ruleset(p)!.version),
    );
    const patch = await api('PATCH', `/v1.0/services/${id}`, [
      {
        op: 'add',
        path: '/origins/-',
        value: { origin: 'images.example.com', rules: [{ name: 'img', request_url: '/img/*' }] },
      },
      { op: 'replace', path: '/caching/0/ttl', value: 60 },
      {
        op: 'add',
        path: '/restrictions',
        value: [
          {
            name: 'partners',
            access: 'whitelist',
            rules: [{ name: 'p', request_url: '/*', referrer: 'partner.example.org' }],
          },
        ],
      },
    ]);
    expect(patch.status).toBe(202);
    await waitFor(id, 'deployed');
    const origin = rulesOf('http_request_origin', id);
    expect(origin.map((r) => r.action_parameters)).toEqual([
      { origin: { host: 'origin.example.com', port: 80 } },
      { origin: { host: 'images.example.com', port: 80 } },
    ]);
    expect(origin[1].expression).toContain('starts_with(http.request.uri.path, "/img/")');
    expect(rulesOf('http_request_cache_settings', id)[0].action_parameters).toMatchObject({
      edge_ttl: { default: 60 },
    });
    expect(rulesOf('http_request_firewall_custom', id)).toEqual([
      expect.objectContaining({
        action: 'block',
        expression: expect.stringContaining('not http.referer contains "partner.example.org"'),
      }),
    ]);
    expect(Number(fake.ruleset('http_request_origin')!.version)).toBeGreaterThan(versions[0]);
    expect(Number(fake.ruleset('http_request_cache_settings')!.version)).toBeGreaterThan(
      versions[1],
    );
  });

  it('purge of a URL and of everything, soft and hard, reaches Cloudflare', async () => {
    const name = domain();
    const id = await create(name);
    await waitFor(id, 'deployed');
    const before = fake.purges.length;
    for (const query of [
      'url=/img/logo.png&hard=true',
      'url=/img/logo.png&hard=false',
      'all=true&hard=true',
      'all=true&hard=false',
    ]) {
      const count = fake.purges.length;
      expect((await api('DELETE', `/v1.0/services/${id}/assets?${query}`)).status).toBe(202);
      for (let i = 0; i < 400 && fake.purges.length === count; i++)
        await new Promise((r) => setTimeout(r, 25));
      await waitFor(id, 'deployed');
    }
    expect(fake.purges.slice(before).map(({ files, hosts }) => ({ files, hosts }))).toEqual([
      { files: [`http://${name}/img/logo.png`], hosts: undefined },
      { files: [`http://${name}/img/logo.png`], hosts: undefined },
      { files: undefined, hosts: [name] },
      { files: undefined, hosts: [name] },
    ]);
  });

  it('DELETE leaves no custom hostname and no rule of the service at Cloudflare', async () => {
    const id = await create(domain());
    await waitFor(id, 'deployed');
    expect(hostnamesOf(id)).toHaveLength(1);
    expect((await api('DELETE', `/v1.0/services/${id}`)).status).toBe(202);
    await waitFor(id, 'gone');
    expect(hostnamesOf(id)).toEqual([]);
    for (const phase of [
      'http_request_origin',
      'http_request_cache_settings',
      'http_request_firewall_custom',
    ] as const)
      expect(rulesOf(phase, id)).toEqual([]);
  });

  it('a 429 period at Cloudflare: the service still ends deployed, and no request went beyond the limit', async () => {
    const throttledBefore = fake.throttled;
    fake.throttleFor(3000);
    const started = Date.now();
    const id = await create(domain());
    await waitFor(id, 'deployed', 30_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    // The adapter paused after Cloudflare's first 429 until its Retry-After instead of
    // hammering: a handful of refused requests, not one per retry of every job.
    expect(fake.throttled - throttledBefore).toBeGreaterThanOrEqual(1);
    expect(fake.throttled - throttledBefore).toBeLessThanOrEqual(10);
    expect(fake.refusedOverLimit).toBe(0);
    expect((await cloudflareDetail(id)).error_message).toBeUndefined();
  });
});
