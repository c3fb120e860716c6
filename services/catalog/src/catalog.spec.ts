import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProviderDetail } from '@poppy/domain';
import { sampleServiceSpec } from '@poppy/testing';
import { Catalog } from './catalog';
import { SqliteCatalogStore } from './drivers/sqlite/sqlite-catalog-store';
import { allocateSharedSslDomain } from './shared-ssl-shards';
import { providerDetailsFromWire } from '@poppy/contracts';
import { decodeServiceJob } from '@poppy/jobs';
import { toQueueJob } from './outbox-relay';
import type { OutboxJob } from './store/catalog-store';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-catalog-'));
let n = 0;

const SHARDS = ['scdn1.secure.example.net', 'scdn2.secure.example.net'];

const deployed: Record<string, ProviderDetail> = {
  Mock: {
    id: 'm-1',
    access_urls: [{ domain: 'www.site.com', provider_url: 'p.net', operator_url: 'p.net' }],
    status: 'deployed',
    domains_certificate_status: {},
  },
};

let store: SqliteCatalogStore;
let catalog: Catalog;

beforeEach(async () => {
  store = new SqliteCatalogStore(path.join(dir, `c-${n++}.sqlite`));
  catalog = new Catalog(store, {
    providers: ['mock'],
    maxServicesPerProject: 20,
    defaultCacheTtl: 86400,
    sharedSslShards: SHARDS,
  });
  await catalog.ensureFlavor('mock', 'mock');
});
afterEach(() => store.close());

describe('Catalog.createService', () => {
  it('stores the service create_in_progress with a create job for generation 1', async () => {
    const service = await catalog.createService('p', sampleServiceSpec());
    expect(service).toMatchObject({
      project_id: 'p',
      operator_status: 'enabled',
      provider_details: {},
      generation: 1,
    });
    const [job] = await store.listPendingJobs(10);
    expect(job).toMatchObject({
      kind: 'create',
      service_id: service.service_id,
      generation: 1,
      job_id: `${service.service_id}:1:create`,
    });
  });

  it('refuses an unknown flavor with Poppy’s message', async () => {
    await expect(
      catalog.createService('p', sampleServiceSpec({ flavor_id: 'nope' })),
    ).rejects.toMatchObject({
      kind: 'invalid',
      detail: "Could not find a flavor with the id 'nope'",
    });
  });

  it('uses the project’s own limit over the default', async () => {
    await catalog.setProjectLimit('p', 1);
    await catalog.createService('p', sampleServiceSpec());
    await expect(
      catalog.createService(
        'p',
        sampleServiceSpec({ domains: [{ domain: 'www.other.com', protocol: 'http' }] }),
      ),
    ).rejects.toMatchObject({
      kind: 'limit_exceeded',
      detail: 'Maximum Services Limit of 1 reached!',
    });
  });

  it('gives a shared-SSL label a shard, and refuses it once every shard holds it', async () => {
    const shared = sampleServiceSpec({
      domains: [{ domain: 'mysite', protocol: 'https', certificate: 'shared' }],
    });
    const a = await catalog.createService('p', shared);
    const b = await catalog.createService('q', shared);
    const names = [a.domains[0].domain, b.domains[0].domain].sort();
    expect(names).toEqual(SHARDS.map((s) => `mysite.${s}`));
    await expect(catalog.createService('r', shared)).rejects.toMatchObject({
      detail: 'Domain mysite has already been taken',
    });
  });
});

describe('Catalog.patchService', () => {
  it('refuses a service that is not yet deployed', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await expect(catalog.patchService('p', s.service_id, [])).rejects.toMatchObject({
      detail: `Service ${s.service_id} neither deployed nor failed`,
    });
  });

  it('saves the new configuration at once, marks providers update_in_progress and records an update job', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await catalog.updateProvisioning('p', s.service_id, 1, deployed, false);
    const patched = await catalog.patchService('p', s.service_id, [
      { op: 'replace', path: '/domains/0/domain', value: 'www.moved.com' },
    ]);
    expect(patched.generation).toBe(2);
    expect(patched.domains).toEqual([{ domain: 'www.moved.com', protocol: 'http' }]);
    expect(patched.provider_details.Mock.status).toBe('update_in_progress');
    expect(await store.findDomainOwner('www.site.com')).toBeUndefined();
    const jobs = await store.listPendingJobs(10);
    expect(jobs.map((j) => j.kind)).toEqual(['create', 'update']);
    const update = jobBody(jobs[1]);
    expect(update.$case === 'update' && update.value.previous?.domains[0].domain).toBe(
      'www.site.com',
    );
  });

  it('keeps the full name of a shared-SSL domain the service already holds', async () => {
    const s = await catalog.createService(
      'p',
      sampleServiceSpec({
        domains: [{ domain: 'mysite', protocol: 'https', certificate: 'shared' }],
      }),
    );
    await catalog.updateProvisioning('p', s.service_id, 1, deployed, false);
    const patched = await catalog.patchService('p', s.service_id, [
      { op: 'replace', path: '/name', value: 'renamed' },
    ]);
    expect(patched.domains[0].domain).toBe(s.domains[0].domain);
  });

  it('refuses a disabled service', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await store.replaceService(
      { ...s, operator_status: 'disabled', provider_details: deployed, generation: 2 },
      1,
    );
    await expect(catalog.patchService('p', s.service_id, [])).rejects.toMatchObject({
      detail: `Service ${s.service_id} is disabled`,
    });
  });
});

describe('Catalog.deleteService and write-back', () => {
  it('marks providers delete_in_progress, records the previous details, and removes the service on a completed delete', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await catalog.updateProvisioning('p', s.service_id, 1, deployed, false);
    const deleting = await catalog.deleteService('p', s.service_id);
    expect(deleting.provider_details.Mock.status).toBe('delete_in_progress');
    const job = (await store.listPendingJobs(10)).find((j) => j.kind === 'delete')!;
    const body = jobBody(job);
    expect(body.$case === 'delete' && providerDetailsFromWire(body.value.provider_details)).toEqual(
      deployed,
    );
    // A create outcome arriving late (generation 1) is ignored.
    expect(await catalog.updateProvisioning('p', s.service_id, 1, deployed, false)).toBe(false);
    expect(await catalog.updateProvisioning('p', s.service_id, 2, {}, true)).toBe(true);
    await expect(catalog.getService('p', s.service_id)).rejects.toMatchObject({
      kind: 'not_found',
    });
  });

  it('applies a batch of write-backs in order, ignoring the stale ones', async () => {
    const a = await catalog.createService('p', sampleServiceSpec());
    const b = await catalog.createService(
      'p',
      sampleServiceSpec({ domains: [{ domain: 'www.other.com', protocol: 'http' }] }),
    );
    const applied = await catalog.updateProvisioningBatch([
      { projectId: 'p', serviceId: a.service_id, generation: 1, details: deployed, deleted: false },
      { projectId: 'p', serviceId: b.service_id, generation: 7, details: deployed, deleted: false },
      { projectId: 'p', serviceId: b.service_id, generation: 1, details: deployed, deleted: true },
    ]);
    expect(applied).toEqual([true, false, true]);
    expect((await catalog.getService('p', a.service_id)).provider_details).toEqual(deployed);
    await expect(catalog.getService('p', b.service_id)).rejects.toMatchObject({
      kind: 'not_found',
    });
  });

  it('answers not found for another project’s service', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await expect(catalog.deleteService('q', s.service_id)).rejects.toMatchObject({
      detail: `No service found: ${s.service_id}`,
    });
  });
});

describe('Catalog.purgeService', () => {
  it('refuses a service that is not deployed', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await expect(catalog.purgeService('p', s.service_id, '/*', true)).rejects.toMatchObject({
      detail: `Service ${s.service_id} is not deployed.`,
    });
  });

  it('records a purge job per request; a soft purge marks providers update_in_progress, a hard one does not', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await catalog.updateProvisioning('p', s.service_id, 1, deployed, false);
    const hard = await catalog.purgeService('p', s.service_id, '/img/*', true);
    expect(hard.provider_details.Mock.status).toBe('deployed');
    const soft = await catalog.purgeService('p', s.service_id, '/*', false);
    expect(soft.provider_details.Mock.status).toBe('update_in_progress');
    const purges = (await store.listPendingJobs(10)).filter((j) => j.kind === 'purge');
    expect(purges.map(jobBody)).toEqual([
      { $case: 'purge', value: { url: '/img/*', hard: true } },
      { $case: 'purge', value: { url: '/*', hard: false } },
    ]);
  });
});

describe('Catalog.runServiceAction', () => {
  it('disables every service of a project with one disable job each, keeping the generation', async () => {
    const a = await catalog.createService('p', sampleServiceSpec());
    const b = await catalog.createService(
      'p',
      sampleServiceSpec({ domains: [{ domain: 'www.other.com', protocol: 'http' }] }),
    );
    await catalog.createService(
      'q',
      sampleServiceSpec({ domains: [{ domain: 'www.third.com', protocol: 'http' }] }),
    );
    const refs = await catalog.runServiceAction({ project_id: 'p' }, 'disable');
    expect(refs.map((r) => r.service_id).sort()).toEqual([a.service_id, b.service_id].sort());
    const disabled = await catalog.getService('p', a.service_id);
    expect(disabled).toMatchObject({ operator_status: 'disabled', generation: 1 });
    const jobs = (await store.listPendingJobs(20)).filter((j) => j.kind === 'disable');
    expect(jobs.map((j) => j.service_id).sort()).toEqual([a.service_id, b.service_id].sort());
  });

  it('enables the service owning a domain, and deletes by domain like a tenant DELETE', async () => {
    const s = await catalog.createService('p', sampleServiceSpec());
    await catalog.runServiceAction({ project_id: 'p' }, 'disable');
    await catalog.runServiceAction({ domain: 'www.site.com' }, 'enable');
    expect((await catalog.getService('p', s.service_id)).operator_status).toBe('enabled');
    await catalog.runServiceAction({ domain: 'www.site.com' }, 'delete');
    expect(
      (await store.listPendingJobs(20)).some(
        (j) => j.kind === 'delete' && j.service_id === s.service_id,
      ),
    ).toBe(true);
  });

  it('refuses an unknown action, an unknown domain, and a target with both or neither key', async () => {
    await expect(catalog.runServiceAction({ project_id: 'p' }, 'explode')).rejects.toMatchObject({
      kind: 'invalid',
    });
    await expect(catalog.runServiceAction({}, 'enable')).rejects.toMatchObject({ kind: 'invalid' });
    await expect(
      catalog.runServiceAction({ project_id: 'p', domain: 'www.site.com' }, 'enable'),
    ).rejects.toMatchObject({ kind: 'invalid' });
    await expect(
      catalog.runServiceAction({ domain: 'www.nobody.com' }, 'enable'),
    ).rejects.toMatchObject({ kind: 'not_found' });
  });
});

describe('flavors', () => {
  it('refuses a provider this deployment does not run', async () => {
    await expect(
      catalog.createFlavor({
        id: 'x-flavor',
        providers: [{ provider: 'akamai', provider_url: 'http://a' }],
      }),
    ).rejects.toMatchObject({
      kind: 'invalid',
    });
  });
});

describe('allocateSharedSslDomain', () => {
  it('skips shards where the name is taken', async () => {
    const taken = new Set([`a.${SHARDS[0]}`]);
    expect(
      await allocateSharedSslDomain(
        'a',
        SHARDS,
        async (d) => taken.has(d),
        () => 0,
      ),
    ).toBe(`a.${SHARDS[1]}`);
  });
});

/** What provisioning will read of an outbox row: the kind's message. */
function jobBody(row: OutboxJob) {
  return decodeServiceJob(toQueueJob(row)).job;
}
