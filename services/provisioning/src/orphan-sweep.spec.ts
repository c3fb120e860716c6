import { PoppyError } from '@poppy/domain';
import type { providerV1 } from '@poppy/contracts';
import { context, FakeCatalog, FakeProvider, logger, newService } from './flows/fakes.test-helper';
import { OrphanSweep, orphanCandidates, type ManagedEntry } from './orphan-sweep';

const HOUR = 3_600_000;

const entry = (serviceId: string, createdAtMs: number, projectId = 'p1'): ManagedEntry => ({
  serviceId,
  providerServiceId: `v-${serviceId}`,
  createdAtMs,
  projectId,
});

const managed = (e: ManagedEntry): providerV1.ManagedService => ({
  service_id: e.serviceId,
  provider_service_id: e.providerServiceId,
  created_at_ms: e.createdAtMs,
  project_id: e.projectId,
});

describe('orphanCandidates', () => {
  it('keeps objects whose service exists, and splits the others by the grace period', () => {
    const now = 10 * HOUR;
    const { old, young } = orphanCandidates(
      [entry('live', 0), entry('gone-old', now - 2 * HOUR), entry('gone-new', now - 1000)],
      (id) => id === 'live',
      new Map(),
      now,
      HOUR,
    );
    expect(old.map((e) => e.serviceId)).toEqual(['gone-old']);
    expect(young.map((e) => e.serviceId)).toEqual(['gone-new']);
  });

  it('counts the age of an object without a creation time from its first sighting', () => {
    const seen = new Map<string, number>();
    const nothingExists = () => false;
    expect(orphanCandidates([entry('x', 0)], nothingExists, seen, 1000, HOUR).old).toEqual([]);
    expect(
      orphanCandidates([entry('x', 0)], nothingExists, seen, 1000 + HOUR - 1, HOUR).old,
    ).toEqual([]);
    expect(
      orphanCandidates([entry('x', 0)], nothingExists, seen, 1000 + HOUR, HOUR).old,
    ).toHaveLength(1);
  });
});

describe('OrphanSweep', () => {
  let catalog: FakeCatalog;
  let mock: FakeProvider;
  let now: number;
  beforeEach(() => {
    catalog = new FakeCatalog();
    mock = new FakeProvider('Mock');
    now = 100 * HOUR;
  });
  const sweep = (dryRun = false) =>
    new OrphanSweep(context(catalog, { mock }).providers, catalog, logger, {
      graceMs: HOUR,
      dryRun,
      now: () => now,
    });

  it('removes an old object whose service does not exist, keeps a live one and a young one, and reports it', async () => {
    const live = catalog.put(newService());
    mock.managed = [
      managed(entry(live.service_id, now - 5 * HOUR)),
      managed(entry('never-stored', now - 2 * HOUR)),
      managed(entry('just-made', now - 60_000)),
    ];
    const [report] = await sweep().sweep();
    expect(report).toMatchObject({ provider: 'mock', listed: 3, removed: 1, withinGrace: 1 });
    expect(report.orphans.map((o) => o.serviceId)).toEqual(['never-stored']);
    expect(mock.calls.filter((c) => c.op === 'deleteService').map((c) => c.req)).toEqual([
      { project_id: 'p1', service_id: 'never-stored', provider_service_id: 'v-never-stored' },
    ]);
    expect(mock.managed.map((m) => m.service_id)).toEqual([live.service_id, 'just-made']);
  });

  it('in dry-run reports the orphans and removes nothing', async () => {
    mock.managed = [managed(entry('never-stored', now - 2 * HOUR))];
    const [report] = await sweep(true).sweep();
    expect(report).toMatchObject({ removed: 0 });
    expect(report.orphans.map((o) => o.serviceId)).toEqual(['never-stored']);
    expect(mock.count('deleteService')).toBe(0);
  });

  it('removes nothing when the catalog cannot be read', async () => {
    mock.managed = [managed(entry('unknown', now - 2 * HOUR))];
    catalog.listServicesByStatus = async () => {
      throw new PoppyError('unavailable', 'store down');
    };
    const [report] = await sweep().sweep();
    expect(report.skipped).toMatch(/catalog unreadable/);
    expect(mock.count('deleteService')).toBe(0);
  });

  it('does not remove a service that a second look finds (it changed status between listings)', async () => {
    const moving = catalog.put(newService());
    mock.managed = [managed(entry(moving.service_id, now - 2 * HOUR, ''))];
    // The first full listing misses it; the second finds it.
    const list = catalog.listServicesByStatus.bind(catalog);
    let listings = 0;
    catalog.listServicesByStatus = async (req) => {
      if (listings++ < 5) return { services: [] };
      return list(req);
    };
    const [report] = await sweep().sweep();
    expect(report.orphans).toEqual([]);
    expect(mock.count('deleteService')).toBe(0);
  });
});
