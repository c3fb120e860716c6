/**
 * The built provider-akamai process (dist/provider-akamai/main.js) over gRPC, against the
 * Akamai fake (tools/fakes/akamai) over real HTTP with EdgeGrid signing: the provider
 * contract suite, then what is Akamai's own — the property and its rule tree, versions and
 * staging → production activation, a failed activation, purges, CPS, bad credentials.
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
import { FakeAkamai } from '@poppy/fakes/akamai';
import { akamaiEnv } from './akamai-env';

type Adapter = AdapterProcess;

function startAdapter(env: Record<string, string>): Promise<Adapter> {
  return startAdapterProcess({
    name: 'provider-akamai',
    env: env,
  });
}

interface AkamaiTarget extends ProviderContractTarget {
  badCredentials: ProviderClient;
}

describeProviderContract<AkamaiTarget>(
  'provider-akamai (fake)',
  async () => {
    const fake = await new FakeAkamai().start();
    const adapter = await startAdapter(akamaiEnv(fake));
    const bad = await startAdapter(
      akamaiEnv(fake, { POPPY_AKAMAI_CLIENT_SECRET: 'not-the-secret' }),
    );
    return {
      client: adapter.client,
      badCredentials: bad.client,
      teardown: async () => {
        await adapter.stop();
        await bad.stop();
        await fake.stop();
      },
    };
  },
  {
    providerName: 'Akamai',
    errorCases: [
      {
        name: 'a signature Akamai refuses (401)',
        retryable: false,
        call: (t) =>
          t.badCredentials.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: defaultContractSpec('bad'),
          }),
      },
      {
        name: 'a spec Akamai cannot express (log delivery)',
        retryable: false,
        call: (t) =>
          t.client.createService({
            project_id: 'p',
            service_id: randomUUID(),
            spec: { ...defaultContractSpec('logs'), log_delivery: { enabled: true } },
          }),
      },
    ],
  },
);

describe('provider-akamai against the fake: Akamai specifics', () => {
  let fake: FakeAkamai;
  let adapter: Adapter;
  const project = 'akamai-specifics';

  beforeAll(async () => {
    fake = await new FakeAkamai().start();
    adapter = await startAdapter(akamaiEnv(fake));
  }, 60_000);
  afterAll(async () => {
    await adapter?.stop();
    await fake?.stop();
  }, 30_000);

  const spec = (): commonV1.ServiceSpec => defaultContractSpec(randomUUID().slice(0, 8));

  async function converge(serviceId: string, s: commonV1.ServiceSpec, id = '') {
    for (let i = 0; i < 10; i++) {
      const { service } = id
        ? await adapter.client.updateService({
            project_id: project,
            service_id: serviceId,
            provider_service_id: id,
            spec: s,
          })
        : await adapter.client.createService({
            project_id: project,
            service_id: serviceId,
            spec: s,
          });
      id = service!.provider_service_id;
      if (service!.status === 'deployed') return service!;
    }
    throw new Error('not deployed after 10 calls');
  }

  it('creates a property with the rule tree and hostnames, then activates staging, then production', async () => {
    const serviceId = randomUUID();
    const s = spec();
    const first = await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    expect(first.service?.status).toBe('deploy_in_progress');
    const property = fake.propertyByName(`poppy-${serviceId}`)!;
    expect(first.service?.provider_service_id).toBe(property.propertyId);
    expect(property.activations.map((a) => a.network)).toEqual(['STAGING']);
    const v1 = property.versions.get(1)!;
    expect(v1.hostnames.map((h) => [h.cnameFrom, h.cnameTo])).toEqual(
      s.domains.map((d) => [d.domain, 'poppy.edgesuite.net']),
    );
    expect(JSON.stringify(v1.rules)).toContain('"hostname":"origin.contract.example.com"');
    expect(v1.ruleFormat).toBe('v2025-10-16');
    const deployed = await converge(serviceId, s);
    expect(deployed.links.map((l) => l.href)).toEqual([
      'poppy.edgesuite.net',
      'poppy.edgesuite.net',
    ]);
    expect(property.activations.map((a) => `${a.network}:${a.status}`)).toEqual([
      'STAGING:ACTIVE',
      'PRODUCTION:ACTIVE',
    ]);
    // Unchanged spec: nothing written, no new version.
    await converge(serviceId, s, property.propertyId);
    expect(property.latestVersion).toBe(1);
    // A change: a new version (v1 is read-only), activated again.
    await converge(
      serviceId,
      { ...s, caching: [{ name: 'all', ttl: 60, rules: [] }] },
      property.propertyId,
    );
    expect(property.latestVersion).toBe(2);
    expect(property.productionVersion).toBe(2);
    expect(property.versions.get(1)!.productionStatus).toBe('INACTIVE');
    expect(JSON.stringify(property.versions.get(2)!.rules)).toContain('"ttl":"60s"');
  });

  it('a failed staging activation fails with the vendor message, not retryable', async () => {
    const serviceId = randomUUID();
    fake.failNextActivation(
      'STAGING',
      'Property validation failed: origin hostname does not resolve',
    );
    const s = spec();
    await adapter.client.createService({
      project_id: project,
      service_id: serviceId,
      spec: s,
    });
    const error = await providerErrorOf(
      adapter.client.createService({ project_id: project, service_id: serviceId, spec: s }),
    );
    expect(error.retryable).toBe(false);
    expect(error.errorClass).toBe('akamai.ActivationFailed');
    expect(error.message).toContain('origin hostname does not resolve');
  });

  it('purges by URL on every domain and everything by cache tag, soft = invalidate, hard = delete', async () => {
    const serviceId = randomUUID();
    const s = spec();
    const { provider_service_id } = await converge(serviceId, s);
    const before = fake.purges.length;
    for (const [url, hard] of [
      ['/a.css', false],
      ['/*', true],
    ] as const)
      await adapter.client.purgeService({
        project_id: project,
        service_id: serviceId,
        provider_service_id,
        spec: s,
        hard,
        purge_url: url,
      });
    expect(
      fake.purges
        .slice(before)
        .map(({ action, type, network, objects }) => ({ action, type, network, objects })),
    ).toEqual([
      {
        action: 'invalidate',
        type: 'url',
        network: 'production',
        objects: s.domains.flatMap((d) => [
          `http://${d.domain}/a.css`,
          `https://${d.domain}/a.css`,
        ]),
      },
      { action: 'delete', type: 'tag', network: 'production', objects: [`poppy-${serviceId}`] },
    ]);
  });

  it('delete deactivates on both networks, then deletes the property', async () => {
    const serviceId = randomUUID();
    const { provider_service_id } = await converge(serviceId, spec());
    await adapter.client.deleteService({
      project_id: project,
      service_id: serviceId,
      provider_service_id,
    });
    expect(fake.properties.has(provider_service_id)).toBe(false);
  });

  it('enrolls a san certificate through CPS, acknowledges validation, and reports it deployed', async () => {
    const domain = `secure-${randomUUID().slice(0, 8)}.example.com`;
    const certificate = {
      domain_name: domain,
      project_id: project,
      flavor_id: 'akamai',
      cert_type: 'san',
      cert_details: {},
    };
    const statusOf = async () =>
      JSON.parse(
        (
          await adapter.client.createCertificate({
            certificate,
            enqueue: true,
            https_upgrade: false,
            service_id: '',
            provider_service_id: '',
          })
        ).extra_info_json,
      ) as Record<string, unknown>;
    expect(await statusOf()).toMatchObject({
      status: 'create_in_progress',
      'san cert': 'poppy.edgekey.net',
    });
    const enrollment = [...fake.enrollments.values()].find(
      (e) => (e.body.csr as { cn: string }).cn === domain,
    )!;
    expect(enrollment.body).toMatchObject({
      ra: 'lets-encrypt',
      validationType: 'dv',
      certificateType: 'san',
    });
    expect(await statusOf()).toMatchObject({
      status: 'create_in_progress',
      action: expect.stringContaining('acknowledged'),
    });
    expect(await statusOf()).toMatchObject({ status: 'deployed' });
    expect(fake.enrollments.size).toBe(1);
    await adapter.client.deleteCertificate({ certificate });
    expect(fake.enrollments.size).toBe(0);
  });
});
