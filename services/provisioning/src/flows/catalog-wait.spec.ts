import { aggregateServiceStatus, PoppyError } from '@poppy/domain';
import { createJobHandler, createTerminationHandler } from '../job-handler';
import { CatalogUnavailableError, patientCatalog, waitForCatalog } from './catalog-wait';
import { runCreate } from './create-flow';
import {
  context,
  FakeCatalog,
  FakeProvider,
  jobFor,
  logger,
  newService,
} from './fakes.test-helper';

const unavailable = () => new PoppyError('unavailable', 'catalog store unavailable');

/** A clock that only moves when the wait sleeps, so a test runs in no time. */
function virtualClock() {
  const clock = { now: 0, sleeps: [] as number[] };
  return {
    clock,
    now: () => clock.now,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
}

describe('waitForCatalog', () => {
  it('tries again with a growing backoff and no attempt limit until the catalog answers', async () => {
    const { clock, now, sleep } = virtualClock();
    let calls = 0;
    const result = await waitForCatalog(
      'GetService',
      async () => {
        calls += 1;
        if (calls <= 40) throw unavailable();
        return 'answer';
      },
      { backoff: { initialMs: 10, maxMs: 100 }, maxWaitMs: 60_000, logger, now, sleep },
    );
    expect(result).toBe('answer');
    expect(calls).toBe(41);
    // Far more than any job's attempt budget (8), each delay within the backoff's bounds.
    expect(clock.sleeps[0]).toBeLessThanOrEqual(10);
    expect(Math.max(...clock.sleeps)).toBeLessThanOrEqual(100);
    expect(clock.sleeps[clock.sleeps.length - 1]).toBeGreaterThanOrEqual(80);
  });

  it('gives the call back as CatalogUnavailableError once it waited maxWaitMs', async () => {
    const { clock, now, sleep } = virtualClock();
    const waiting = waitForCatalog(
      'UpdateProvisioning',
      async () => {
        throw unavailable();
      },
      { backoff: { initialMs: 100, maxMs: 1000 }, maxWaitMs: 5000, logger, now, sleep },
    );
    await expect(waiting).rejects.toBeInstanceOf(CatalogUnavailableError);
    expect(clock.now).toBe(5000);
  });

  it('does not wait on an answer of the catalog that is not unavailability', async () => {
    const { clock, now, sleep } = virtualClock();
    const refused = new PoppyError('not_found', 'service could not be found');
    await expect(
      waitForCatalog(
        'GetService',
        async () => {
          throw refused;
        },
        { backoff: { initialMs: 100, maxMs: 1000 }, maxWaitMs: 5000, logger, now, sleep },
      ),
    ).rejects.toBe(refused);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('a catalog outage during a job', () => {
  let catalog: FakeCatalog;
  let mock: FakeProvider;
  beforeEach(() => {
    catalog = new FakeCatalog();
    catalog.flavors.set('solo', {
      id: 'solo',
      providers: [{ provider: 'mock', provider_url: 'm' }],
    });
    mock = new FakeProvider('Mock');
  });

  /** The write-backs fail as unavailable `failures` times, then the catalog answers again. */
  function writeBacksUnavailable(failures: number): void {
    const write = catalog.updateProvisioning.bind(catalog);
    let left = failures;
    catalog.updateProvisioning = async (req) => {
      if (left-- > 0) throw unavailable();
      return write(req);
    };
  }

  function patientContext(maxWaitMs: number) {
    const base = context(catalog, { mock });
    const { now, sleep } = virtualClock();
    return {
      ...base,
      catalog: patientCatalog(catalog, {
        backoff: { initialMs: 10, maxMs: 100 },
        maxWaitMs,
        logger,
        now,
        sleep,
      }),
    };
  }

  it('keeps a vendor success: the write-back waits for the catalog beyond the attempt budget and the service is deployed', async () => {
    const s = catalog.put(newService({ flavor_id: 'solo' }));
    writeBacksUnavailable(50);
    const job = jobFor(s, 'create', { attempt: 8, maxAttempts: 8 });
    expect(await runCreate(patientContext(60_000), job)).toEqual({ type: 'done' });
    expect(aggregateServiceStatus(catalog.get(s.service_id)!.provider_details)).toBe('deployed');
    expect(mock.calls.filter((c) => c.op === 'createService')).toHaveLength(1);
  });

  it('releases the job with a retry, not a failure, when the catalog stays down longer than one wait', async () => {
    const s = catalog.put(newService({ flavor_id: 'solo' }));
    writeBacksUnavailable(Number.POSITIVE_INFINITY);
    const handler = createJobHandler(patientContext(1000));
    const outcome = await handler({
      job: {
        id: `${s.service_id}:1:create`,
        kind: 'create',
        payload: { project_id: s.project_id, service_id: s.service_id, generation: 1 },
      },
      attempt: 8,
      maxAttempts: 8,
    });
    expect(outcome).toMatchObject({ type: 'retry', reason: expect.stringMatching(/catalog/) });
    expect(catalog.get(s.service_id)!.provider_details).toEqual({});
  });
});

describe('job termination', () => {
  it('leaves the providers in progress for the reconciler instead of marking them failed', async () => {
    const catalog = new FakeCatalog();
    const s = catalog.put(
      newService({
        provider_details: {
          Mock: { access_urls: [], status: 'deploy_in_progress', domains_certificate_status: {} },
        },
      }),
    );
    const before = structuredClone(catalog.get(s.service_id));
    await createTerminationHandler({ logger })(
      {
        id: 'j',
        kind: 'create',
        payload: { project_id: 'p1', service_id: s.service_id, generation: 1 },
      },
      'the catalog stayed unavailable for 60000 ms',
      8,
    );
    expect(catalog.get(s.service_id)).toEqual(before);
    expect(catalog.writes).toEqual([]);
  });
});
