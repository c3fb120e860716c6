import { decodeServiceJob, type Job } from '@poppy/jobs';
import { deployedDetail, FakeCatalog, logger, newService } from './flows/fakes.test-helper';
import { Reconciler } from './reconciler';

describe('Reconciler', () => {
  let catalog: FakeCatalog;
  let published: Job[];
  let now: number;
  let reconciler: Reconciler;
  const seenIds = new Set<string>();

  beforeEach(() => {
    catalog = new FakeCatalog();
    published = [];
    seenIds.clear();
    now = 1_000_000;
    reconciler = new Reconciler(
      catalog,
      async (job) => {
        const duplicate = seenIds.has(job.id);
        seenIds.add(job.id);
        if (!duplicate) published.push(job);
        return { duplicate };
      },
      logger,
      { stuckAfterMs: 60_000, now: () => now },
    );
  });

  it('publishes the job again for a service in progress at the same generation for longer than the stuck age', async () => {
    const s = catalog.put(newService({ generation: 4 }));
    await reconciler.sweep();
    now += 59_000;
    expect(await reconciler.sweep()).toEqual([]);
    now += 2_000;
    const [job] = await reconciler.sweep();
    expect(job.kind).toBe('create');
    expect(decodeServiceJob(job)).toMatchObject({
      project_id: s.project_id,
      service_id: s.service_id,
      generation: 4,
      reconciled: true,
    });
    expect(job.id).toMatch(new RegExp(`^${s.service_id}:4:create:reconcile-\\d+$`));
    // Not again on the next sweep: the clock restarts after a re-publish.
    now += 1_000;
    expect(await reconciler.sweep()).toEqual([]);
  });

  it('maps each in-progress status to its job kind and leaves settled services alone', async () => {
    const upd = catalog.put(
      newService({
        generation: 2,
        provider_details: {
          Mock: { ...deployedDetail('Mock', 'x'), status: 'update_in_progress' },
        },
      }),
    );
    const del = catalog.put(
      newService({
        generation: 3,
        provider_details: {
          Mock: { ...deployedDetail('Mock', 'x'), status: 'delete_in_progress' },
        },
      }),
    );
    catalog.put(newService({ provider_details: { Mock: deployedDetail('Mock', 'x') } }));
    catalog.put(
      newService({
        provider_details: { Mock: { ...deployedDetail('Mock', 'x'), status: 'failed' } },
      }),
    );
    await reconciler.sweep();
    now += 61_000;
    const jobs = await reconciler.sweep();
    expect(jobs.map((j) => [decodeServiceJob(j).service_id, j.kind]).sort()).toEqual(
      [
        [upd.service_id, 'update'],
        [del.service_id, 'delete'],
      ].sort(),
    );
  });

  it('restarts the clock when the generation moves on', async () => {
    const s = catalog.put(newService({ generation: 1 }));
    await reconciler.sweep();
    now += 50_000;
    catalog.put({ ...s, generation: 2 });
    await reconciler.sweep();
    now += 20_000;
    expect(await reconciler.sweep()).toEqual([]);
    now += 41_000;
    expect(await reconciler.sweep()).toHaveLength(1);
  });
});
