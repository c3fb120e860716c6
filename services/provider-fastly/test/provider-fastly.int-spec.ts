/**
 * The built provider-fastly process (dist/provider-fastly/main.js) over gRPC, against the
 * Fastly fake (tools/fakes/fastly) over real HTTP: the provider contract suite, then what
 * is Fastly's own — versions cloned and activated, rollback kept, purges, validation and
 * activation failures, 429s, TLS.
 */
import { randomUUID } from 'node:crypto';
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
import { FakeFastly } from '@poppy/fakes/fastly';

type Adapter = AdapterProcess;

function startAdapter(url: string, env: Record<string, string> = {}): Promise<Adapter> {
  return startAdapterProcess({
    name: 'provider-fastly',
    env: {
      POPPY_FASTLY_API_URL: url,
      POPPY_FASTLY_API_TOKEN: 'fake-fastly-token',
      POPPY_FASTLY_TIMEOUT_MS: '2000',
      POPPY_FASTLY_RATE_LIMIT: '200',
      ...env,
    },
  });
}

const spec = (): commonV1.ServiceSpec => defaultContractSpec(randomUUID().slice(0, 8));

interface FastlyTarget extends ProviderContractTarget {
  unreachable: ProviderClient;
  badToken: ProviderClient;
}

describeProviderContract<FastlyTarget>(
  'provider-fastly (fake Fastly API)',
  async () => {
    const fake = new FakeFastly();
    const url = await fake.start();
    const adapter = await startAdapter(url);
    const dead = await startAdapter('http://127.0.0.1:9');
    const wrong = await startAdapter(url, { POPPY_FASTLY_API_TOKEN: 'wrong' });
    return {
      client: adapter.client,
      unreachable: dead.client,
      badToken: wrong.client,
      teardown: async () => {
        await adapter.stop();
        await dead.stop();
        await wrong.stop();
        await fake.stop();
      },
    };
  },
  {
    providerName: 'Fastly',
    links: (s, links) => {
      expect(links.map((l) => l.domain).sort()).toEqual(s.domains.map((d) => d.domain).sort());
      for (const link of links)
        expect(link).toMatchObject({
          rel: 'access_url',
          href: `${link.domain}.global.prod.fastly.net`,
        });
    },
    errorCases: [
      {
        name: 'a spec Fastly cannot take (log delivery)',
        retryable: false,
        call: (target) =>
          target.client.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: { ...spec(), log_delivery: { enabled: true } },
          }),
      },
      {
        name: 'an unreachable Fastly API',
        retryable: true,
        call: (target) =>
          target.unreachable.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: spec(),
          }),
      },
      {
        name: 'a token Fastly refuses (401)',
        retryable: false,
        call: (target) =>
          target.badToken.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: spec(),
          }),
      },
    ],
  },
);

describe('provider-fastly against the fake: versions, purges, failures, TLS', () => {
  let fake: FakeFastly;
  let adapter: Adapter;

  beforeAll(async () => {
    fake = new FakeFastly();
    adapter = await startAdapter(await fake.start());
  }, 30_000);
  afterAll(async () => {
    await adapter?.stop();
    await fake?.stop();
  });

  const create = async (serviceId: string, s: commonV1.ServiceSpec) =>
    (await adapter.client.createService({ project_id: 'p', service_id: serviceId, spec: s }))
      .service!;

  it('creates one service named after the Poppy service, with v1 active and its config', async () => {
    const id = randomUUID();
    const s: commonV1.ServiceSpec = {
      ...spec(),
      origins: [
        {
          origin: 'api.example.com',
          port: 443,
          ssl: true,
          rules: [{ name: 'api', request_url: '/api/*' }],
          hostheadertype: 'origin',
        },
        {
          origin: 'www-origin.example.com',
          port: 80,
          ssl: false,
          rules: [],
          hostheadertype: 'domain',
        },
      ],
    };
    const created = await create(id, s);
    expect(created.status).toBe('deployed');
    const service = fake.services.get(created.provider_service_id)!;
    expect(service.name).toBe(`poppy-${id}`);
    const active = fake.activeVersion(service)!;
    expect(active.number).toBe(1);
    expect(
      fake
        .objects(active, 'domains')
        .map((d) => d.name)
        .sort(),
    ).toEqual(s.domains.map((d) => d.domain).sort());
    const backends = fake.objects(active, 'backends');
    expect(backends.find((b) => b.address === 'api.example.com')).toMatchObject({
      use_ssl: true,
      request_condition: 'origin_0_url',
      override_host: 'api.example.com',
    });
    expect(fake.objects(active, 'conditions').find((c) => c.name === 'origin_0_url')).toMatchObject(
      {
        type: 'REQUEST',
        statement: 'req.url ~ "^/api/"',
      },
    );
    expect(fake.objects(active, 'cache_settings')).toEqual([
      expect.objectContaining({ ttl: '3600' }),
    ]);
  });

  it('an update clones the active version, activates the clone and keeps the old one locked', async () => {
    const id = randomUUID();
    const s = spec();
    const created = await create(id, s);
    const changed: commonV1.ServiceSpec = {
      ...s,
      caching: [{ name: 'default', ttl: 60, rules: [{ name: 'default', request_url: '/*' }] }],
      restrictions: [
        { name: 'geo', access: 'blacklist', rules: [{ request_url: '/*', geography: 'Germany' }] },
      ],
    };
    const updated = await adapter.client.updateService({
      project_id: 'p',
      service_id: id,
      provider_service_id: created.provider_service_id,
      spec: changed,
    });
    expect(updated.service!.status).toBe('deployed');
    const service = fake.services.get(created.provider_service_id)!;
    expect(service.versions.map((v) => [v.number, v.active, v.locked])).toEqual([
      [1, false, true],
      [2, true, true],
    ]);
    const v2 = fake.activeVersion(service)!;
    expect(fake.objects(v2, 'cache_settings')[0]).toMatchObject({ ttl: '60' });
    expect(String(fake.objects(v2, 'snippets')[0].content)).toContain(
      'client.geo.country_code == "DE"',
    );
    // The same spec again writes nothing: no third version.
    await adapter.client.updateService({
      project_id: 'p',
      service_id: id,
      provider_service_id: created.provider_service_id,
      spec: changed,
    });
    expect(service.versions).toHaveLength(2);
  });

  it('purges: URL per domain (soft and hard), everything hard → purge_all, soft → the surrogate key', async () => {
    const id = randomUUID();
    const s = spec();
    const { provider_service_id } = await create(id, s);
    const purge = (url: string, hard: boolean) =>
      adapter.client.purgeService({
        project_id: 'p',
        service_id: id,
        provider_service_id,
        spec: s,
        hard,
        purge_url: url,
      });
    const before = fake.purges.length;
    await purge('/img/a.png', false);
    await purge('/*', true);
    await purge('/*', false);
    expect(
      fake.purges.slice(before).map(({ kind, target, soft }) => ({ kind, target, soft })),
    ).toEqual([
      ...s.domains.map((d) => ({ kind: 'url', target: `${d.domain}/img/a.png`, soft: true })),
      { kind: 'all', target: provider_service_id, soft: false },
      { kind: 'key', target: `${provider_service_id}/poppy-${id}`, soft: true },
    ]);
  });

  it('a validation or activation failure is not retried and carries Fastly’s message', async () => {
    fake.failNextValidation('Syntax error: Expected an action');
    const validation = await providerErrorOf(create(randomUUID(), spec()));
    expect(validation.retryable).toBe(false);
    expect(validation.message).toContain('Syntax error: Expected an action');
    fake.failNextActivation('Backend origin_0 is unreachable');
    const activation = await providerErrorOf(create(randomUUID(), spec()));
    expect(activation.retryable).toBe(false);
    expect(activation.message).toContain('Backend origin_0 is unreachable');
  });

  it('an activation Fastly takes time to apply is in progress, then deployed on the next run', async () => {
    fake.activationDelayMs = 300;
    try {
      const id = randomUUID();
      const s = spec();
      expect((await create(id, s)).status).toBe('deploy_in_progress');
      await new Promise((r) => setTimeout(r, 350));
      const again = await create(id, s);
      expect(again.status).toBe('deployed');
      expect(fake.services.get(again.provider_service_id)!.versions).toHaveLength(1);
    } finally {
      fake.activationDelayMs = 0;
    }
  });

  it('a 429 is retryable with the reset as hint, and the adapter holds its requests until then', async () => {
    fake.throttleFor(1);
    const refusedBefore = fake.refused;
    const error = await providerErrorOf(create(randomUUID(), spec()));
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBeGreaterThan(0);
    // The budget waits for Fastly-RateLimit-Reset: the next create goes through without another 429.
    const ok = await create(randomUUID(), spec());
    expect(ok.status).toBe('deployed');
    expect(fake.refused - refusedBefore).toBe(1);
  });

  it('installs a custom certificate (key, certificate, activation) once, and removes it', async () => {
    const certificate = {
      domain_name: 'secure.example.com',
      project_id: 'p',
      flavor_id: 'f',
      cert_type: 'custom',
      cert_details: { certificate_pem: 'CERT-PEM', private_key_pem: 'KEY-PEM' },
    };
    const first = await adapter.client.createCertificate({
      certificate,
      enqueue: false,
      https_upgrade: false,
      service_id: '',
      provider_service_id: '',
    });
    await adapter.client.createCertificate({
      certificate,
      enqueue: false,
      https_upgrade: false,
      service_id: '',
      provider_service_id: '',
    });
    expect(JSON.parse(first.extra_info_json)).toMatchObject({ status: 'deployed', kind: 'custom' });
    const types = [...fake.tls.values()].map((r) => r.type).sort();
    expect(types).toEqual(['tls_activation', 'tls_certificate', 'tls_private_key']);
    await adapter.client.deleteCertificate({ certificate });
    expect(fake.tls.size).toBe(0);
  });

  it('without a PEM, asks Fastly for a managed certificate (TLS subscription) and reports its state', async () => {
    const certificate = {
      domain_name: 'managed.example.com',
      project_id: 'p',
      flavor_id: 'f',
      cert_type: 'san',
      cert_details: {},
    };
    const first = JSON.parse(
      (
        await adapter.client.createCertificate({
          certificate,
          enqueue: false,
          https_upgrade: false,
          service_id: '',
          provider_service_id: '',
        })
      ).extra_info_json,
    );
    expect(first).toMatchObject({ status: 'create_in_progress', kind: 'tls_subscription' });
    fake.setSubscriptionState(first.subscription_id, 'issued');
    const again = JSON.parse(
      (
        await adapter.client.createCertificate({
          certificate,
          enqueue: false,
          https_upgrade: false,
          service_id: '',
          provider_service_id: '',
        })
      ).extra_info_json,
    );
    expect(again).toMatchObject({ status: 'deployed', subscription_id: first.subscription_id });
    await adapter.client.deleteCertificate({ certificate });
    expect([...fake.tls.values()].filter((r) => r.type === 'tls_subscription')).toHaveLength(0);
  });
});
