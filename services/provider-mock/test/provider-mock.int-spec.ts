/**
 * The built provider-mock process (dist/provider-mock/main.js) over gRPC: the provider
 * contract suite every adapter passes, then the fault injection tests rely on
 * (fail-N-times, fail-always, hang, latency, faults reloaded on SIGUSR2), seen both by
 * the caller and in the journal.
 */
import fs from 'node:fs';
import path from 'node:path';
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
import { makeTempDir, startProcess } from '@poppy/testing';
import { readJournal } from '../src/journal';

const DEADLINE_MS = 3000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface MockUnderTest extends AdapterProcess {
  journal: string;
}

async function startMock(env: Record<string, string> = {}): Promise<MockUnderTest> {
  const journal = path.join(makeTempDir('provider-mock'), 'journal.jsonl');
  const adapter = await startAdapterProcess({
    name: 'provider-mock',
    env: { POPPY_MOCK_JOURNAL: journal, ...env },
    deadlineMs: DEADLINE_MS,
  });
  return { ...adapter, journal };
}

const spec = (): commonV1.ServiceSpec => defaultContractSpec(randomUUID().slice(0, 8));
const createReq = (serviceId: string) => ({
  project_id: 'p1',
  service_id: serviceId,
  spec: spec(),
});

interface MockTarget extends ProviderContractTarget {
  faulty: ProviderClient;
}

describeProviderContract<MockTarget>(
  'provider-mock',
  async () => {
    const healthy = await startMock();
    const faulty = await startMock({
      POPPY_MOCK_FAIL_ALWAYS: 'true',
      POPPY_MOCK_HANG: 'purgeService',
    });
    return {
      client: healthy.client,
      faulty: faulty.client,
      teardown: async () => {
        await healthy.stop();
        await faulty.stop();
      },
    };
  },
  {
    providerName: 'Mock',
    // docs/behaviour.md §12.5: one fixed link whatever the domains; docs/behaviour.md D-18: the same after update.
    links: (_spec, links) =>
      expect(links).toEqual([
        { href: 'www.mysite.com', domain: 'www.mydomain.com', rel: 'access_url' },
      ]),
    errorCases: [
      {
        name: 'a vendor refusal (fail-always create)',
        retryable: false,
        call: (target) => target.faulty.createService(createReq(randomUUID())),
      },
      {
        name: 'a vendor that does not answer within the deadline',
        retryable: true,
        call: (target) =>
          target.faulty.purgeService(
            {
              project_id: 'p1',
              service_id: randomUUID(),
              provider_service_id: 'x',
              spec: spec(),
              hard: false,
              purge_url: '/*',
            },
            { deadlineMs: 300 },
          ),
      },
    ],
  },
);

describe('provider-mock fault injection', () => {
  const started: MockUnderTest[] = [];
  async function mock(env: Record<string, string> = {}): Promise<MockUnderTest> {
    const m = await startMock(env);
    started.push(m);
    return m;
  }
  afterEach(async () => {
    await Promise.all(started.splice(0).map((m) => m.stop()));
  });

  it('fails the first N calls per service with a retryable error, then succeeds; the journal shows each try', async () => {
    const { client, journal } = await mock({ POPPY_MOCK_FAIL_TIMES: '2' });
    const serviceId = randomUUID();
    for (const n of [1, 2]) {
      const error = await providerErrorOf(client.createService(createReq(serviceId)));
      expect(error).toMatchObject({
        retryable: true,
        message: `Mock provider transient failure (${n} of 2)`,
        errorClass: 'mock.TransientFailure',
      });
    }
    const { service } = await client.createService(createReq(serviceId));
    expect(service?.links).toHaveLength(1);
    expect(readJournal(journal).map((e) => [e.op, e.service_id, e.outcome])).toEqual([
      ['createService', serviceId, 'error'],
      ['createService', serviceId, 'error'],
      ['createService', serviceId, 'ok'],
    ]);
  });

  it('fails every create and update with a non-retryable "Mock provider failure", while delete still works', async () => {
    const { client } = await mock({ POPPY_MOCK_FAIL_ALWAYS: 'true' });
    const serviceId = randomUUID();
    for (let i = 0; i < 2; i += 1) {
      const error = await providerErrorOf(client.createService(createReq(serviceId)));
      expect(error).toMatchObject({
        retryable: false,
        message: 'Mock provider failure',
        errorClass: 'mock.Failure',
      });
      expect(error.detail).toContain('POPPY_MOCK_FAIL_ALWAYS');
    }
    const update = client.updateService({
      project_id: 'p1',
      service_id: serviceId,
      provider_service_id: '',
      spec: spec(),
    });
    expect(await providerErrorOf(update)).toMatchObject({
      retryable: false,
      message: 'Mock provider failure',
    });
    await expect(
      client.deleteService({ project_id: 'p1', service_id: serviceId, provider_service_id: 'x' }),
    ).resolves.toEqual({
      provider_service_id: 'x',
    });
  });

  it('hangs the configured operation: the caller gets a retryable error at its deadline, other operations answer', async () => {
    const { client } = await mock({ POPPY_MOCK_HANG: 'createService' });
    const started = Date.now();
    const error = await providerErrorOf(
      client.createService(createReq(randomUUID()), { deadlineMs: 400 }),
    );
    const waited = Date.now() - started;
    expect(error).toMatchObject({ retryable: true, errorClass: 'grpc.DEADLINE_EXCEEDED' });
    expect(waited).toBeGreaterThanOrEqual(380);
    expect(waited).toBeLessThan(2000);
    await expect(
      client.getService({ project_id: 'p1', service_id: randomUUID(), provider_service_id: '' }),
    ).resolves.toMatchObject({
      found: false,
    });
  });

  it('adds the configured latency to each call', async () => {
    const { client } = await mock({ POPPY_MOCK_LATENCY_MS: '300' });
    await client.describe(); // connection set up outside the measurement
    const started = Date.now();
    await client.createService(createReq(randomUUID()));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(295);
    expect(took).toBeLessThan(2500);
  });

  it('names itself after POPPY_MOCK_PROVIDER_NAME, so two processes make a two-provider flavor', async () => {
    const [first, second] = await Promise.all([
      mock(),
      mock({ POPPY_MOCK_PROVIDER_NAME: 'Mock2' }),
    ]);
    expect((await first.client.describe()).provider_name).toBe('Mock');
    expect((await second.client.describe()).provider_name).toBe('Mock2');
    const serviceId = randomUUID();
    const a = await first.client.createService(createReq(serviceId));
    const b = await second.client.createService(createReq(serviceId));
    expect(a.service?.provider_service_id).not.toBe(b.service?.provider_service_id);
  });

  it('journals a purge with its URL and hard flag, and a replayed create as existing', async () => {
    const { client, journal } = await mock();
    const serviceId = randomUUID();
    const { service } = await client.createService(createReq(serviceId));
    await client.createService(createReq(serviceId));
    const id = service!.provider_service_id;
    await client.purgeService({
      project_id: 'p1',
      service_id: serviceId,
      provider_service_id: id,
      spec: spec(),
      hard: true,
      purge_url: '/img/a.png',
    });
    const entries = readJournal(journal);
    expect(
      entries.map((e) => [
        e.op,
        e.provider_service_id,
        e.existing ?? false,
        e.hard,
        e.purge_url,
        e.outcome,
      ]),
    ).toEqual([
      ['createService', id, false, undefined, undefined, 'ok'],
      ['createService', id, true, undefined, undefined, 'ok'],
      ['purgeService', id, false, true, '/img/a.png', 'ok'],
    ]);
    expect(entries.filter((e) => e.op === 'createService' && !e.existing)).toHaveLength(1);
  });

  it('reloads faults from POPPY_MOCK_FAULTS_FILE on SIGUSR2, and keeps them when the file is bad', async () => {
    const faultsFile = path.join(makeTempDir('provider-mock-faults'), 'faults.json');
    const { client, process: child } = await mock({ POPPY_MOCK_FAULTS_FILE: faultsFile });
    await expect(client.createService(createReq(randomUUID()))).resolves.toBeDefined();

    const reloads = () =>
      child
        .output()
        .split('\n')
        .filter((l) => l.includes('"faults reloaded"') || l.includes('faults unchanged')).length;
    const signal = async (text: string) => {
      const before = reloads();
      fs.writeFileSync(faultsFile, text);
      globalThis.process.kill(child.pid, 'SIGUSR2');
      for (let i = 0; i < 100 && reloads() === before; i += 1) await sleep(20);
      expect(reloads()).toBe(before + 1);
    };

    await signal('{"failAlways": true}');
    expect(await providerErrorOf(client.createService(createReq(randomUUID())))).toMatchObject({
      retryable: false,
    });
    await signal('{"failAlways": "sometimes"}');
    expect(child.output()).toContain('invalid faults file');
    expect(await providerErrorOf(client.createService(createReq(randomUUID())))).toMatchObject({
      retryable: false,
    });
    await signal('{}');
    await expect(client.createService(createReq(randomUUID()))).resolves.toBeDefined();
  });

  it('refuses to start on bad configuration, naming every problem', async () => {
    await expect(
      startProcess(
        'provider-mock',
        { POPPY_PROVIDER_PORT: '0', POPPY_MOCK_ERROR_RATE: 'lots', POPPY_MOCK_HANG: 'everything' },
        { timeoutMs: 5000 },
      ),
    ).rejects.toThrow(/POPPY_MOCK_ERROR_RATE[\s\S]*POPPY_MOCK_HANG/);
  });
});
