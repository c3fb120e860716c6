/**
 * The storage contract every CatalogStore driver must pass (SQLite here, Cassandra in
 * its own int-spec). Written once; a driver's spec calls describeCatalogStoreContract
 * with a factory that returns a fresh, empty store (unique file / keyspace per call).
 */
import type { Flavor, ProviderDetail, Service } from '@poppy/domain';
import { sampleService } from '@poppy/testing';
import type { CatalogStore, OutboxJob } from './catalog-store';

export type StoreFactory = () => Promise<CatalogStore>;

export function sampleJob(service: Service, kind: OutboxJob['kind'] = 'create'): OutboxJob {
  return {
    job_id: `${service.service_id}:${service.generation}:${kind}`,
    kind,
    project_id: service.project_id,
    service_id: service.service_id,
    generation: service.generation,
    payload: { note: 'x' },
    created_at: new Date().toISOString(),
  };
}

/** The flavor sampleService() uses: a service can only be stored on an existing flavor. */
export const sampleFlavor = (id = 'mock'): Flavor => ({
  id,
  providers: [{ provider: 'mock', provider_url: 'http://mock.example' }],
});

/** Creates sampleService()'s flavor unless the store has it already. */
export async function ensureSampleFlavor(store: CatalogStore): Promise<void> {
  if (!(await store.getFlavor(sampleFlavor().id))) await store.createFlavor(sampleFlavor());
}

const deployed = (providerUrl: string, domain: string): Record<string, ProviderDetail> => ({
  Mock: {
    id: 'vendor-1',
    access_urls: [{ domain, provider_url: providerUrl, operator_url: providerUrl }],
    status: 'deployed',
    domains_certificate_status: {},
  },
});

export function describeCatalogStoreContract(driver: string, makeStore: StoreFactory): void {
  describe(`CatalogStore contract: ${driver}`, () => {
    let store: CatalogStore;
    beforeEach(async () => {
      store = await makeStore();
      await ensureSampleFlavor(store);
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns a created service as stored, with its job pending', async () => {
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      expect(await store.getService(service.project_id, service.service_id)).toEqual(service);
      const jobs = await store.listPendingJobs(10);
      expect(jobs).toEqual(
        [sampleJob(service)].map((j) => ({ ...j, created_at: expect.any(String) })),
      );
    });

    it('finds no service in another project', async () => {
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      expect(await store.getService('project-b', service.service_id)).toBeUndefined();
    });

    it('refuses a domain another service holds, in any project', async () => {
      const first = sampleService();
      await store.createService(first, sampleJob(first), 20);
      const second = sampleService({ project_id: 'project-b', domains: first.domains });
      await expect(store.createService(second, sampleJob(second), 20)).rejects.toMatchObject({
        kind: 'invalid',
        detail: `Domain ${first.domains[0].domain} has already been taken`,
      });
      expect(await store.getService('project-b', second.service_id)).toBeUndefined();
      expect(await store.listPendingJobs(10)).toHaveLength(1);
    });

    it('lets exactly one of two concurrent creates claim a domain', async () => {
      const domains = [{ domain: 'race.example.com', protocol: 'http' as const }];
      const a = sampleService({ project_id: 'p1', domains });
      const b = sampleService({ project_id: 'p2', domains });
      const results = await Promise.allSettled([
        store.createService(a, sampleJob(a), 20),
        store.createService(b, sampleJob(b), 20),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((await store.findDomainOwner('race.example.com'))?.project_id).toMatch(/^p[12]$/);
    });

    it('refuses a create at the limit, discounting only the project’s own deletions', async () => {
      for (let i = 0; i < 2; i++) {
        const s = sampleService();
        await store.createService(s, sampleJob(s), 2);
      }
      const third = sampleService();
      await expect(store.createService(third, sampleJob(third), 2)).rejects.toMatchObject({
        kind: 'limit_exceeded',
        detail: 'Maximum Services Limit of 2 reached!',
      });
      // Another project deleting does not help (docs/behaviour.md D-4)…
      const other = sampleService({ project_id: 'project-z' });
      await store.createService(other, sampleJob(other), 2);
      await store.replaceService(
        {
          ...other,
          provider_details: {
            Mock: { ...deployed('x.cdn.net', 'a.b.com').Mock, status: 'delete_in_progress' },
          },
          generation: 2,
        },
        1,
      );
      await expect(store.createService(third, sampleJob(third), 2)).rejects.toMatchObject({
        kind: 'limit_exceeded',
      });
      // …but one of its own does.
      const [own] = await store.listServices('project-a', undefined, 1);
      await store.replaceService(
        {
          ...own,
          provider_details: {
            Mock: { ...deployed('x.cdn.net', 'a.b.com').Mock, status: 'delete_in_progress' },
          },
          generation: 2,
        },
        1,
      );
      await expect(store.createService(third, sampleJob(third), 2)).resolves.toBeUndefined();
    });

    it('lists a project’s services by ascending id after the marker', async () => {
      const created: Service[] = [];
      for (let i = 0; i < 5; i++) {
        const s = sampleService();
        created.push(s);
        await store.createService(s, sampleJob(s), 20);
      }
      const other = sampleService({ project_id: 'project-b' });
      await store.createService(other, sampleJob(other), 20);
      const ids = created.map((s) => s.service_id).sort();
      const page1 = await store.listServices('project-a', undefined, 3);
      expect(page1.map((s) => s.service_id)).toEqual(ids.slice(0, 3));
      const page2 = await store.listServices('project-a', page1[2].service_id, 3);
      expect(page2.map((s) => s.service_id)).toEqual(ids.slice(3));
    });

    it('replaces a service only at the expected generation, moving its domain claims', async () => {
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      const next: Service = {
        ...service,
        name: 'renamed',
        domains: [{ domain: 'new.example.com', protocol: 'http' }],
        generation: 2,
      };
      expect(await store.replaceService(next, 5, sampleJob(next, 'update'))).toBe(false);
      expect(await store.replaceService(next, 1, sampleJob(next, 'update'))).toBe(true);
      expect(await store.getService(service.project_id, service.service_id)).toEqual(next);
      expect(await store.findDomainOwner(service.domains[0].domain)).toBeUndefined();
      expect(await store.findDomainOwner('new.example.com')).toEqual({
        project_id: service.project_id,
        service_id: service.service_id,
      });
      expect((await store.listPendingJobs(10)).map((j) => j.kind)).toEqual(['create', 'update']);
    });

    it('refuses a replace that takes a domain another service holds, changing nothing', async () => {
      const a = sampleService();
      const b = sampleService();
      await store.createService(a, sampleJob(a), 20);
      await store.createService(b, sampleJob(b), 20);
      await expect(
        store.replaceService({ ...b, domains: a.domains, generation: 2 }, 1),
      ).rejects.toMatchObject({
        kind: 'invalid',
      });
      expect(await store.getService(b.project_id, b.service_id)).toEqual(b);
    });

    it('updates provider details for the current generation only, and indexes them', async () => {
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      const details = deployed('abc.cdn.example.net', service.domains[0].domain);
      expect(
        await store.updateProviderDetails(service.project_id, service.service_id, 9, details),
      ).toBe(false);
      expect(
        await store.updateProviderDetails(service.project_id, service.service_id, 1, details),
      ).toBe(true);
      expect(
        (await store.getService(service.project_id, service.service_id))?.provider_details,
      ).toEqual(details);
      expect(await store.listDomainsByProviderUrl('abc.cdn.example.net')).toEqual([
        service.domains[0].domain,
      ]);
      expect(await store.listServicesByStatus('deployed')).toEqual([
        { project_id: service.project_id, service_id: service.service_id },
      ]);
      expect(await store.listServicesByStatus('create_in_progress')).toEqual([]);
    });

    it('writes provider details only over the ones the writer read, when it names them', async () => {
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      const first = deployed('one.cdn.net', service.domains[0].domain);
      const second = deployed('two.cdn.net', service.domains[0].domain);
      const { project_id: p, service_id: id } = service;
      // A write-back computed from the empty details after `first` landed: refused, nothing changed.
      expect(await store.updateProviderDetails(p, id, 1, first)).toBe(true);
      expect(await store.updateProviderDetails(p, id, 1, second, {})).toBe(false);
      expect((await store.getService(p, id))?.provider_details).toEqual(first);
      // The same content in another key order and without absent fields still matches.
      const { Mock } = first;
      const reordered: Record<string, ProviderDetail> = {
        Mock: {
          status: Mock.status,
          domains_certificate_status: Mock.domains_certificate_status,
          access_urls: Mock.access_urls,
          id: Mock.id,
          error_message: undefined,
        },
      };
      expect(await store.updateProviderDetails(p, id, 1, second, reordered)).toBe(true);
      expect((await store.getService(p, id))?.provider_details).toEqual(second);
      expect(await store.listDomainsByProviderUrl('two.cdn.net')).toEqual([
        service.domains[0].domain,
      ]);
    });

    it('replaces a service at its generation only over the provider details it read', async () => {
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      const read = await store.getService(service.project_id, service.service_id);
      // A write-back at the same generation lands after the read.
      const written = deployed('w.cdn.net', service.domains[0].domain);
      await store.updateProviderDetails(service.project_id, service.service_id, 1, written);
      const disabled: Service = { ...read!, operator_status: 'disabled' };
      expect(await store.replaceService(disabled, 1, undefined, read!.provider_details)).toBe(
        false,
      );
      expect(
        (await store.getService(service.project_id, service.service_id))?.provider_details,
      ).toEqual(written);
      // Read again, it applies and keeps the write-back.
      const again = (await store.getService(service.project_id, service.service_id))!;
      expect(
        await store.replaceService(
          { ...again, operator_status: 'disabled' },
          1,
          undefined,
          again.provider_details,
        ),
      ).toBe(true);
      expect(await store.getService(service.project_id, service.service_id)).toEqual({
        ...again,
        operator_status: 'disabled',
      });
    });

    it('deletes a service with its claims and indexes, freeing the domain', async () => {
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      await store.updateProviderDetails(
        service.project_id,
        service.service_id,
        1,
        deployed('d.cdn.net', service.domains[0].domain),
      );
      expect(await store.deleteService(service.project_id, service.service_id, 7)).toBe(false);
      expect(await store.deleteService(service.project_id, service.service_id, 1)).toBe(true);
      expect(await store.getService(service.project_id, service.service_id)).toBeUndefined();
      expect(await store.findDomainOwner(service.domains[0].domain)).toBeUndefined();
      expect(await store.listDomainsByProviderUrl('d.cdn.net')).toEqual([]);
      const again = sampleService({ domains: service.domains });
      await expect(store.createService(again, sampleJob(again), 20)).resolves.toBeUndefined();
    });

    it('stores flavors, refuses a duplicate id, and refuses deleting one in use', async () => {
      const flavor = {
        id: 'cdn',
        providers: [{ provider: 'mock', provider_url: 'http://mock.example' }],
      };
      await store.createFlavor(flavor);
      await expect(store.createFlavor(flavor)).rejects.toMatchObject({
        kind: 'invalid',
        detail: "A flavor with the id 'cdn' already exists",
      });
      expect(await store.getFlavor('cdn')).toEqual(flavor);
      expect(await store.listFlavors()).toEqual([flavor, sampleFlavor()]);
      const service = sampleService({ flavor_id: 'cdn' });
      await store.createService(service, sampleJob(service), 20);
      await expect(store.deleteFlavor('cdn')).rejects.toMatchObject({ kind: 'conflict' });
      await store.deleteFlavor('unknown');
      await store.deleteService(service.project_id, service.service_id, 1);
      await store.deleteFlavor('cdn');
      expect(await store.getFlavor('cdn')).toBeUndefined();
    });

    it('holds the limit exactly under many concurrent creates in one project', async () => {
      const racers = Array.from({ length: 12 }, () => sampleService({ project_id: 'crowded' }));
      const results = await Promise.allSettled(
        racers.map((s) => store.createService(s, sampleJob(s), 4)),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
      for (const r of results)
        if (r.status === 'rejected') expect(r.reason).toMatchObject({ kind: 'limit_exceeded' });
      expect(await store.listServices('crowded', undefined, 20)).toHaveLength(4);
    });

    it('gives a deleted service’s place to the next create, and a refused create’s too', async () => {
      const first = sampleService();
      await store.createService(first, sampleJob(first), 1);
      // Refused for its domain: it must not keep the only place.
      const taken = sampleService({ project_id: 'project-b', domains: first.domains });
      await expect(store.createService(taken, sampleJob(taken), 1)).rejects.toMatchObject({
        kind: 'invalid',
      });
      const second = sampleService({ project_id: 'project-b' });
      await expect(store.createService(second, sampleJob(second), 1)).resolves.toBeUndefined();
      const blocked = sampleService();
      await expect(store.createService(blocked, sampleJob(blocked), 1)).rejects.toMatchObject({
        kind: 'limit_exceeded',
      });
      expect(await store.deleteService(first.project_id, first.service_id, 1)).toBe(true);
      await expect(store.createService(blocked, sampleJob(blocked), 1)).resolves.toBeUndefined();
    });

    it('refuses a service on a flavor that does not exist, on create and on replace', async () => {
      const orphan = sampleService({ flavor_id: 'nowhere' });
      await expect(store.createService(orphan, sampleJob(orphan), 20)).rejects.toMatchObject({
        kind: 'invalid',
        detail: "Could not find a flavor with the id 'nowhere'",
      });
      expect(await store.getService(orphan.project_id, orphan.service_id)).toBeUndefined();
      const service = sampleService();
      await store.createService(service, sampleJob(service), 20);
      await expect(
        store.replaceService({ ...service, flavor_id: 'nowhere', generation: 2 }, 1),
      ).rejects.toMatchObject({ kind: 'invalid' });
      expect(await store.getService(service.project_id, service.service_id)).toEqual(service);
      // The flavor the caller checked is deleted before the write: the write must see it.
      await store.createFlavor(sampleFlavor('brief'));
      await store.deleteFlavor('brief');
      const late = sampleService({ flavor_id: 'brief' });
      await expect(store.createService(late, sampleJob(late), 20)).rejects.toMatchObject({
        kind: 'invalid',
      });
    });

    it('never leaves a service on a missing flavor when creates race the flavor’s delete', async () => {
      for (let round = 0; round < 6; round++) {
        const flavorId = `racy-${round}`;
        await store.createFlavor(sampleFlavor(flavorId));
        const service = sampleService({ flavor_id: flavorId });
        const create = () => store.createService(service, sampleJob(service), 20);
        const remove = () => store.deleteFlavor(flavorId);
        // Both orders of issue, so either side can be first to reach the store.
        const [created, deleted] =
          round % 2 === 0
            ? await Promise.allSettled([create(), remove()])
            : (await Promise.allSettled([remove(), create()])).reverse();
        const stored = await store.getService(service.project_id, service.service_id);
        const flavor = await store.getFlavor(flavorId);
        if (stored) expect(flavor).toBeDefined();
        expect(created.status === 'fulfilled').toBe(stored !== undefined);
        if (created.status === 'rejected')
          expect(created.reason).toMatchObject({ kind: 'invalid' });
        if (deleted.status === 'rejected')
          expect(deleted.reason).toMatchObject({ kind: 'conflict' });
        // Exactly one of them won.
        expect(created.status === 'fulfilled').toBe(deleted.status === 'rejected');
      }
    });

    it('keeps per-project limits', async () => {
      expect(await store.getProjectLimit('p')).toBeUndefined();
      await store.setProjectLimit('p', 3);
      await store.setProjectLimit('p', 5);
      expect(await store.getProjectLimit('p')).toBe(5);
    });

    it('hands out each pending job until it is marked relayed, oldest first', async () => {
      const a = sampleService();
      const b = sampleService();
      await store.createService(a, sampleJob(a), 20);
      await store.createService(b, sampleJob(b), 20);
      const pending = await store.listPendingJobs(10);
      expect(pending.map((j) => j.service_id)).toEqual([a.service_id, b.service_id]);
      await store.markJobsRelayed([pending[0].job_id]);
      expect((await store.listPendingJobs(10)).map((j) => j.service_id)).toEqual([b.service_id]);
    });

    it('answers a ping', async () => {
      expect(await store.ping()).toBe(true);
    });
  });
}
