/**
 * The behaviour every provider adapter must show over gRPC, written once and run against
 * each adapter process (services/provider-mock/test/provider-mock.int-spec.ts, later the
 * Varnish and CloudFront adapters). What differs between vendors — which links a spec
 * yields, how to provoke an error — is an option, never a fork of the suite.
 *
 * Every test uses fresh service ids, so a failure cannot leak into the next test, and
 * the target may be shared by the whole suite (one adapter process).
 */
import { randomUUID } from 'node:crypto';
import type { commonV1, providerV1 } from '@poppy/contracts';
import type { ProviderClient } from '../provider-client';
import { providerErrorOf } from './adapter-process';

export interface ProviderContractTarget {
  /** A client of the adapter under test. */
  client: ProviderClient;
  /** Stops what setup started; called once after the suite. */
  teardown(): Promise<void>;
}

export interface ProviderErrorCase<T extends ProviderContractTarget> {
  name: string;
  /** The retryable flag the caller must see. */
  retryable: boolean;
  /** Provokes the error, e.g. through a twin adapter configured to fail, or an invalid spec. */
  call(target: T): Promise<unknown>;
}

export type LinkPromise =
  /** One access_url link per domain of the spec, naming that domain (a real vendor). */
  | 'per-domain'
  /** At least one access_url link, whatever the domains (the Mock's fixed link, docs/behaviour.md §12.5). */
  | 'at-least-one'
  | ((spec: commonV1.ServiceSpec, links: providerV1.ProviderLink[]) => void);

export interface ProviderContractOptions<T extends ProviderContractTarget> {
  /** The provider_name describe must return; any non-empty name when absent. */
  providerName?: string;
  /** The spec provisioned by the tests; `n` makes its domains unique. @default two http domains, one origin */
  spec?: (n: string) => commonV1.ServiceSpec;
  /** Which links create and update promise. @default 'per-domain' */
  links?: LinkPromise;
  /** Whether get after create reports found=true. @default true */
  getFindsCreated?: boolean;
  /** Purges exercised by the suite. @default soft and hard of '/*' and one path */
  purges?: Array<{ url: string; hard: boolean }>;
  /** Failures the adapter must report with the right retryable flag. @default none */
  errorCases?: Array<ProviderErrorCase<T>>;
  /** Per-test timeout (vendors are slow). @default 15000 */
  timeoutMs?: number;
}

export function defaultContractSpec(n: string): commonV1.ServiceSpec {
  return {
    name: `contract-${n}`,
    domains: [
      { domain: `www.${n}.contract.example.com`, protocol: 'http' },
      { domain: `static.${n}.contract.example.com`, protocol: 'http' },
    ],
    origins: [
      {
        origin: 'origin.contract.example.com',
        port: 80,
        ssl: false,
        rules: [],
        hostheadertype: 'domain',
      },
    ],
    caching: [{ name: 'default', ttl: 3600, rules: [{ name: 'default', request_url: '/*' }] }],
    restrictions: [],
    flavor_id: 'contract',
    log_delivery: { enabled: false },
  };
}

function checkLinks(
  promise: LinkPromise,
  spec: commonV1.ServiceSpec,
  links: providerV1.ProviderLink[],
): void {
  if (typeof promise === 'function') {
    promise(spec, links);
    return;
  }
  const accessLinks = links.filter((l) => l.rel === 'access_url');
  for (const link of accessLinks) expect(link.href).not.toBe('');
  if (promise === 'at-least-one') {
    expect(accessLinks.length).toBeGreaterThanOrEqual(1);
    return;
  }
  expect(accessLinks.map((l) => l.domain).sort()).toEqual(spec.domains.map((d) => d.domain).sort());
}

export function describeProviderContract<T extends ProviderContractTarget>(
  name: string,
  setup: () => Promise<T>,
  options: ProviderContractOptions<T> = {},
): void {
  const makeSpec = options.spec ?? defaultContractSpec;
  const links = options.links ?? 'per-domain';
  const purges = options.purges ?? [
    { url: '/*', hard: false },
    { url: '/*', hard: true },
    { url: '/images/logo.png', hard: false },
    { url: '/images/logo.png', hard: true },
  ];
  const timeout = options.timeoutMs ?? 15_000;

  describe(`provider contract: ${name}`, () => {
    let target: T;
    beforeAll(async () => {
      target = await setup();
    }, 60_000);
    afterAll(async () => {
      await target?.teardown();
    }, 60_000);

    const project = 'contract-project';
    function fresh() {
      const n = randomUUID().slice(0, 8);
      return { serviceId: randomUUID(), spec: makeSpec(n) };
    }
    async function created(
      serviceId: string,
      spec: commonV1.ServiceSpec,
    ): Promise<providerV1.ProvisionedService> {
      const response = await target.client.createService({
        project_id: project,
        service_id: serviceId,
        spec,
      });
      expect(response.service).toBeDefined();
      expect(response.service!.provider_service_id).not.toBe('');
      return response.service!;
    }

    it(
      'describes itself with a name',
      async () => {
        const described = await target.client.describe();
        if (options.providerName !== undefined)
          expect(described.provider_name).toBe(options.providerName);
        else expect(described.provider_name).not.toBe('');
        expect(described.alive).toBe(true);
        expect(Array.isArray(described.regions)).toBe(true);
      },
      timeout,
    );

    it(
      'creates idempotently: the same service_id gives the same vendor object',
      async () => {
        const { serviceId, spec } = fresh();
        const first = await created(serviceId, spec);
        const second = await created(serviceId, spec);
        expect(second.provider_service_id).toBe(first.provider_service_id);
        const other = await created(fresh().serviceId, spec);
        expect(other.provider_service_id).not.toBe(first.provider_service_id);
      },
      timeout,
    );

    it(
      'returns the links it promises on create',
      async () => {
        const { serviceId, spec } = fresh();
        checkLinks(links, spec, (await created(serviceId, spec)).links);
      },
      timeout,
    );

    it(
      'updates the object create made, keeping its id and its links',
      async () => {
        const { serviceId, spec } = fresh();
        const original = await created(serviceId, spec);
        const changed: commonV1.ServiceSpec = {
          ...spec,
          name: `${spec.name}-renamed`,
          caching: [
            ...spec.caching,
            { name: 'images', ttl: 60, rules: [{ name: 'images', request_url: '/images/*' }] },
          ],
        };
        const response = await target.client.updateService({
          project_id: project,
          service_id: serviceId,
          provider_service_id: original.provider_service_id,
          spec: changed,
        });
        expect(response.service?.provider_service_id).toBe(original.provider_service_id);
        checkLinks(links, changed, response.service!.links);
      },
      timeout,
    );

    it(
      'deletes, and a second delete of the same object succeeds too',
      async () => {
        const { serviceId, spec } = fresh();
        const { provider_service_id } = await created(serviceId, spec);
        const request = { project_id: project, service_id: serviceId, provider_service_id };
        await expect(target.client.deleteService(request)).resolves.toEqual({
          provider_service_id,
        });
        await expect(target.client.deleteService(request)).resolves.toEqual({
          provider_service_id,
        });
      },
      timeout,
    );

    it(
      'finds a created object with get, and no longer after delete',
      async () => {
        const { serviceId, spec } = fresh();
        const { provider_service_id } = await created(serviceId, spec);
        const request = { project_id: project, service_id: serviceId, provider_service_id };
        if (options.getFindsCreated ?? true)
          expect((await target.client.getService(request)).found).toBe(true);
        await target.client.deleteService(request);
        expect((await target.client.getService(request)).found).toBe(false);
      },
      timeout,
    );

    it(
      'purges and returns the purged URL',
      async () => {
        const { serviceId, spec } = fresh();
        const { provider_service_id } = await created(serviceId, spec);
        for (const { url, hard } of purges) {
          const response = await target.client.purgeService({
            project_id: project,
            service_id: serviceId,
            provider_service_id,
            spec,
            hard,
            purge_url: url,
          });
          expect(response).toEqual({ provider_service_id, purge_url: url });
        }
      },
      timeout,
    );

    it(
      'lists a created object as managed, tagged with its service id, and no longer after delete',
      async () => {
        const { serviceId, spec } = fresh();
        const before = Date.now();
        const { provider_service_id } = await created(serviceId, spec);
        const listed = (await target.client.listManagedServices()).services;
        const mine = listed.filter((s) => s.service_id === serviceId);
        expect(mine).toHaveLength(1);
        expect(mine[0].provider_service_id).toBe(provider_service_id);
        // 0 is allowed (the vendor cannot tell); a time it gives is the create's.
        if (mine[0].created_at_ms !== 0) {
          expect(mine[0].created_at_ms).toBeGreaterThanOrEqual(before - 60_000);
          expect(mine[0].created_at_ms).toBeLessThanOrEqual(Date.now() + 60_000);
        }
        if (mine[0].project_id !== '') expect(mine[0].project_id).toBe(project);
        await target.client.deleteService({
          project_id: project,
          service_id: serviceId,
          provider_service_id,
        });
        const after = (await target.client.listManagedServices()).services;
        expect(after.filter((s) => s.service_id === serviceId)).toEqual([]);
      },
      timeout,
    );

    for (const errorCase of options.errorCases ?? []) {
      it(
        `reports ${errorCase.name} as a ProviderError with retryable=${errorCase.retryable}`,
        async () => {
          const error = await providerErrorOf(errorCase.call(target));
          expect(error.retryable).toBe(errorCase.retryable);
          expect(error.message).not.toBe('');
        },
        timeout,
      );
    }
  });
}
