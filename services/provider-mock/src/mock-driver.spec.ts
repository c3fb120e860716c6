import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { commonV1 } from '@poppy/contracts';
import { ProviderError } from '@poppy/provider-kit';
import { NO_FAULTS, type Faults } from './faults';
import { openJournal, readJournal } from './journal';
import { MOCK_FAILURE_MESSAGE, MOCK_LINK, MockDriver, mockProviderServiceId } from './mock-driver';

const spec = (name: string): commonV1.ServiceSpec => ({
  name,
  domains: [{ domain: 'www.example.com', protocol: 'http' }],
  origins: [],
  caching: [],
  restrictions: [],
  flavor_id: 'mock',
  log_delivery: undefined,
});
const create = (driver: MockDriver, serviceId = 's1', name = 'site') =>
  driver.createService({ project_id: 'p', service_id: serviceId, spec: spec(name) });
const faults = (overrides: Partial<Faults>): Faults => ({ ...NO_FAULTS, ...overrides });

async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('MockDriver', () => {
  it('lists the objects it holds with their service, project and creation time; deleted ones no more', async () => {
    let now = 1_000;
    const driver = new MockDriver({ now: () => now });
    await create(driver, 's1');
    now = 2_000;
    await create(driver, 's2');
    await create(driver, 's1');
    await driver.deleteService({ project_id: 'p', service_id: 's2', provider_service_id: '' });
    expect(await driver.listManaged()).toEqual([
      {
        serviceId: 's1',
        providerServiceId: mockProviderServiceId('Mock', 's1'),
        createdAtMs: 1_000,
        projectId: 'p',
      },
    ]);
  });

  it('creates with the fixed link of docs/behaviour.md §12.5 and a stable id', async () => {
    const driver = new MockDriver();
    const { service } = await create(driver);
    expect(service).toEqual({
      provider_service_id: mockProviderServiceId('Mock', 's1'),
      links: [{ href: 'www.mysite.com', domain: 'www.mydomain.com', rel: 'access_url' }],
      domains_certificate_status: {},
    });
    expect(service!.provider_service_id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('derives different ids for different services and providers, the same after a restart', () => {
    expect(mockProviderServiceId('Mock', 'a')).not.toBe(mockProviderServiceId('Mock', 'b'));
    expect(mockProviderServiceId('Mock', 'a')).not.toBe(mockProviderServiceId('Mock2', 'a'));
    expect(mockProviderServiceId('Mock', 'a')).toBe(mockProviderServiceId('Mock', 'a'));
  });

  it('is idempotent on create: a second create returns the existing object, spec unchanged', async () => {
    const driver = new MockDriver();
    const first = await create(driver, 's1', 'first');
    const second = await create(driver, 's1', 'second');
    expect(second).toEqual(first);
    expect(driver.objectCount).toBe(1);
    const got = await driver.getService({
      project_id: 'p',
      service_id: 's1',
      provider_service_id: '',
    });
    expect(got.spec?.name).toBe('first');
  });

  it('keeps the id and the links on update (docs/behaviour.md D-18) and stores the new spec', async () => {
    const driver = new MockDriver();
    const { service } = await create(driver);
    const updated = await driver.updateService({
      project_id: 'p',
      service_id: 's1',
      provider_service_id: service!.provider_service_id,
      spec: spec('renamed'),
    });
    expect(updated.service).toEqual(service);
    const got = await driver.getService({
      project_id: 'p',
      service_id: 's1',
      provider_service_id: service!.provider_service_id,
    });
    expect(got).toEqual({ found: true, spec: spec('renamed'), links: [{ ...MOCK_LINK }] });
  });

  it('creates on an update of an object it does not have', async () => {
    const driver = new MockDriver();
    const updated = await driver.updateService({
      project_id: 'p',
      service_id: 'new',
      provider_service_id: '',
      spec: spec('x'),
    });
    expect(updated.service?.provider_service_id).toBe(mockProviderServiceId('Mock', 'new'));
    expect(driver.objectCount).toBe(1);
  });

  it('deletes idempotently, and get then reports not found', async () => {
    const driver = new MockDriver();
    const id = (await create(driver)).service!.provider_service_id;
    const request = { project_id: 'p', service_id: 's1', provider_service_id: id };
    await expect(driver.deleteService(request)).resolves.toEqual({ provider_service_id: id });
    await expect(driver.deleteService(request)).resolves.toEqual({ provider_service_id: id });
    await expect(driver.getService(request)).resolves.toEqual({
      found: false,
      spec: undefined,
      links: [],
    });
    expect(driver.objectCount).toBe(0);
  });

  it('echoes the purge URL; metrics have no series; certificates no details', async () => {
    const driver = new MockDriver();
    const purge = {
      project_id: 'p',
      service_id: 's1',
      provider_service_id: 'pid',
      spec: spec('x'),
      hard: true,
      purge_url: '/a.png',
    };
    await expect(driver.purgeService(purge)).resolves.toEqual({
      provider_service_id: 'pid',
      purge_url: '/a.png',
    });
    const metrics = {
      project_id: 'p',
      domain: 'd',
      regions: [],
      metric_type: 'requestCount',
      start_time: '',
      end_time: '',
    };
    await expect(driver.getMetrics(metrics)).resolves.toEqual({ series: [] });
    await expect(
      driver.createCertificate({
        certificate: undefined,
        enqueue: true,
        https_upgrade: false,
        service_id: '',
        provider_service_id: '',
      }),
    ).resolves.toEqual({
      extra_info_json: '{}',
    });
    expect(await driver.isAlive()).toBe(true);
    expect(driver.regions).toEqual([]);
  });

  it('rejects a create without a service id as a non-retryable error', async () => {
    const error = await providerErrorOf(create(new MockDriver(), ''));
    expect(error.retryable).toBe(false);
  });

  describe('fault injection', () => {
    it('fails the first N calls of each operation per service id, retryable, then succeeds', async () => {
      const driver = new MockDriver({ faults: faults({ failTimes: 2 }) });
      for (const n of [1, 2]) {
        const error = await providerErrorOf(create(driver, 'a'));
        expect(error).toMatchObject({
          retryable: true,
          message: `Mock provider transient failure (${n} of 2)`,
        });
      }
      await expect(create(driver, 'a')).resolves.toBeDefined();
      // another service id and another operation have their own counts
      await providerErrorOf(create(driver, 'b'));
      await providerErrorOf(
        driver.deleteService({ project_id: 'p', service_id: 'a', provider_service_id: '' }),
      );
      await expect(create(driver, 'a')).resolves.toBeDefined();
    });

    it('fails every create and update, not retryable, with "Mock provider failure", while delete works', async () => {
      const driver = new MockDriver({ faults: faults({ failAlways: true }) });
      for (let i = 0; i < 3; i += 1) {
        expect(await providerErrorOf(create(driver))).toMatchObject({
          retryable: false,
          message: MOCK_FAILURE_MESSAGE,
        });
      }
      const update = driver.updateService({
        project_id: 'p',
        service_id: 's1',
        provider_service_id: '',
        spec: spec('x'),
      });
      expect(await providerErrorOf(update)).toMatchObject({
        retryable: false,
        message: MOCK_FAILURE_MESSAGE,
      });
      await expect(
        driver.deleteService({ project_id: 'p', service_id: 's1', provider_service_id: '' }),
      ).resolves.toBeDefined();
      expect(driver.objectCount).toBe(0);
    });

    it('fails a share of calls given by the error rate, retryable', async () => {
      const dice = [0.05, 0.5, 0.09, 0.95];
      const driver = new MockDriver({
        faults: faults({ errorRate: 0.1 }),
        random: () => dice.shift()!,
      });
      const outcomes: string[] = [];
      for (let i = 0; i < 4; i += 1) {
        outcomes.push(
          await create(driver, `s${i}`).then(
            () => 'ok',
            (e: ProviderError) => (e.retryable ? 'retryable' : 'error'),
          ),
        );
      }
      expect(outcomes).toEqual(['retryable', 'ok', 'retryable', 'ok']);
    });

    it('never answers a hung operation, and answers the others', async () => {
      const driver = new MockDriver({ faults: faults({ hang: ['createService'] }) });
      const hung = await Promise.race([
        create(driver).then(() => 'answered'),
        new Promise((r) => setTimeout(() => r('hung'), 50)),
      ]);
      expect(hung).toBe('hung');
      await expect(
        driver.deleteService({ project_id: 'p', service_id: 's1', provider_service_id: 'x' }),
      ).resolves.toBeDefined();
    });

    it('adds the configured latency to every call', async () => {
      const slept: number[] = [];
      const driver = new MockDriver({
        faults: faults({ latencyMs: 120 }),
        sleep: async (ms) => void slept.push(ms),
      });
      await create(driver);
      await driver.getService({ project_id: 'p', service_id: 's1', provider_service_id: '' });
      expect(slept).toEqual([120, 120]);
    });

    it('takes new faults at runtime', async () => {
      const driver = new MockDriver();
      await expect(create(driver, 'a')).resolves.toBeDefined();
      driver.setFaults(faults({ failAlways: true }));
      await providerErrorOf(create(driver, 'b'));
      driver.setFaults(NO_FAULTS);
      await expect(create(driver, 'b')).resolves.toBeDefined();
    });
  });

  describe('journal', () => {
    let file: string;
    beforeEach(() => {
      file = path.join(
        fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-mock-journal-')),
        'journal.jsonl',
      );
    });

    it('records every call with its outcome, purge URL and hard flag, and idempotent replays', async () => {
      const journal = openJournal(file);
      const driver = new MockDriver({
        providerName: 'Mock2',
        journal,
        faults: faults({ failTimes: 1 }),
      });
      await providerErrorOf(create(driver));
      const id = (await create(driver)).service!.provider_service_id;
      await create(driver).catch(() => undefined);
      await providerErrorOf(
        driver.purgeService({
          project_id: 'p',
          service_id: 's1',
          provider_service_id: id,
          spec: spec('x'),
          hard: true,
          purge_url: '/x',
        }),
      );
      await driver.purgeService({
        project_id: 'p',
        service_id: 's1',
        provider_service_id: id,
        spec: spec('x'),
        hard: true,
        purge_url: '/x',
      });
      journal.close();
      const entries = readJournal(file).map(({ ts, ...rest }) => {
        expect(Number.isNaN(Date.parse(ts))).toBe(false);
        return rest;
      });
      expect(entries).toEqual([
        {
          provider: 'Mock2',
          op: 'createService',
          service_id: 's1',
          provider_service_id: id,
          outcome: 'error',
          error: 'Mock provider transient failure (1 of 1)',
        },
        {
          provider: 'Mock2',
          op: 'createService',
          service_id: 's1',
          provider_service_id: id,
          outcome: 'ok',
        },
        {
          provider: 'Mock2',
          op: 'createService',
          service_id: 's1',
          provider_service_id: id,
          outcome: 'ok',
          existing: true,
        },
        {
          provider: 'Mock2',
          op: 'purgeService',
          service_id: 's1',
          provider_service_id: id,
          hard: true,
          purge_url: '/x',
          outcome: 'error',
          error: 'Mock provider transient failure (1 of 1)',
        },
        {
          provider: 'Mock2',
          op: 'purgeService',
          service_id: 's1',
          provider_service_id: id,
          hard: true,
          purge_url: '/x',
          outcome: 'ok',
        },
      ]);
    });
  });
});
