/**
 * End to end over the REST API with real processes: gateway → catalog → outbox relay →
 * job queue → provisioning → provider-mock adapters (gRPC) → write-back. Every test runs
 * on both queue drivers (the SQLite file and a real nats-server with JetStream).
 */
import { catalogV1, providerDetailsFromWire } from '@poppy/contracts';
import { createPromiseClient } from '@poppy/platform';
import {
  makeTempDir,
  startNatsServer,
  startSuite,
  type NatsServer,
  type Suite,
} from '@poppy/testing';
import {
  api,
  createFlavor,
  createService,
  getService,
  journalFile,
  PROJECT,
  readJournal,
  waitForStatus,
} from './support';

const HANG_TIMEOUT_MS = 3000;

jest.setTimeout(90_000);

describe.each(['sqlite', 'nats'] as const)('provisioning flows on the %s queue', (queue) => {
  let nats: NatsServer | undefined;
  let suite: Suite;
  let dir: string;

  beforeAll(async () => {
    dir = makeTempDir(`flows-${queue}`);
    nats = queue === 'nats' ? await startNatsServer() : undefined;
    suite = await startSuite({
      dataDir: dir,
      env: {
        POPPY_MAX_SERVICES_PER_PROJECT: '1000',
        POPPY_LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'info',
      },
      provisioning: {
        queue,
        natsUrl: nats?.url,
        providers: [
          // A little latency so the in-progress statuses can be seen before the job lands.
          {
            id: 'mock',
            env: { POPPY_MOCK_JOURNAL: journalFile(dir, 'mock'), POPPY_MOCK_LATENCY_MS: '150' },
          },
          { id: 'fast', env: { POPPY_MOCK_JOURNAL: journalFile(dir, 'fast') } },
          { id: 'flaky', env: { POPPY_MOCK_FAIL_TIMES: '2' } },
          { id: 'broken', env: { POPPY_MOCK_FAIL_ALWAYS: 'true' } },
          { id: 'hang', env: { POPPY_MOCK_HANG: 'createService' } },
        ],
        env: {
          POPPY_JOB_BACKOFF_INITIAL_MS: '50',
          POPPY_JOB_BACKOFF_MAX_MS: '500',
          POPPY_JOB_MAX_ATTEMPTS: '5',
          // Long enough that a job stuck behind a hanging call is told apart from machine noise.
          POPPY_PROVIDER_TIMEOUT_MS: String(HANG_TIMEOUT_MS),
          POPPY_BREAKER_VOLUME: '3',
          POPPY_BREAKER_RESET_MS: '5000',
        },
      },
    });
    await createFlavor(suite, 'fast', ['fast']);
    await createFlavor(suite, 'flaky', ['flaky']);
    await createFlavor(suite, 'pair', ['fast', 'broken']);
    await createFlavor(suite, 'hung', ['fast', 'hang']);
  });

  afterAll(async () => {
    await suite?.stop();
    await nats?.stop();
  });

  it('create → deployed with access URLs', async () => {
    const id = await createService(suite, 'mock');
    expect((await getService(suite, id)).body.status).toBe('create_in_progress');
    const body = await waitForStatus(suite, id, 'deployed');
    // docs/behaviour.md §12.5: the mock answers one fixed link, which the default DNS passes through.
    expect(body.links.filter((l) => l.rel === 'access_url')).toEqual([
      { href: 'www.mysite.com', rel: 'access_url' },
    ]);
    expect(body.errors).toEqual([]);
  });

  it('PATCH → update_in_progress → deployed, keeping the access URLs (docs/behaviour.md D-18)', async () => {
    const id = await createService(suite, 'mock');
    await waitForStatus(suite, id, 'deployed');
    const patch = await api(suite, 'PATCH', `/v1.0/services/${id}`, [
      { op: 'replace', path: '/name', value: 'renamed' },
    ]);
    expect(patch.status).toBe(202);
    expect((await getService(suite, id)).body.status).toBe('update_in_progress');
    const body = await waitForStatus(suite, id, 'deployed');
    expect(body).toMatchObject({ name: 'renamed' });
    expect(body.links.some((l) => l.rel === 'access_url')).toBe(true);
    const ops = readJournal(journalFile(dir, 'mock'))
      .filter((e) => e.service_id === id)
      .map((e) => e.op);
    expect(ops).toEqual(expect.arrayContaining(['createService', 'updateService']));
  });

  it('DELETE → 404 afterwards, and the provider deleted its object', async () => {
    const id = await createService(suite, 'mock');
    await waitForStatus(suite, id, 'deployed');
    expect((await api(suite, 'DELETE', `/v1.0/services/${id}`)).status).toBe(202);
    expect((await getService(suite, id)).body.status).toBe('delete_in_progress');
    await waitForStatus(suite, id, 'gone');
    const deletes = readJournal(journalFile(dir, 'mock')).filter(
      (e) => e.service_id === id && e.op === 'deleteService',
    );
    expect(deletes.some((e) => e.outcome === 'ok')).toBe(true);
  });

  it('purge → 202, and the provider saw the purge with the right URL and hard flag', async () => {
    const id = await createService(suite, 'fast');
    await waitForStatus(suite, id, 'deployed');
    const hard = await api(
      suite,
      'DELETE',
      `/v1.0/services/${id}/assets?url=/img/logo.png&hard=true`,
    );
    expect(hard.status).toBe(202);
    expect(hard.headers.get('location')).toMatch(new RegExp(`/v1.0/services/${id}$`));
    const soft = await api(suite, 'DELETE', `/v1.0/services/${id}/assets?url=/css/*&hard=false`);
    expect(soft.status).toBe(202);
    await waitForStatus(suite, id, 'deployed');
    const seen = async () =>
      readJournal(journalFile(dir, 'fast'))
        .filter((e) => e.service_id === id && e.op === 'purgeService' && e.outcome === 'ok')
        .map((e) => [e.purge_url, e.hard]);
    for (let i = 0; i < 100 && (await seen()).length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await seen()).sort()).toEqual([
      ['/css/*', false],
      ['/img/logo.png', true],
    ]);
  });

  it('operator disable / enable by domain and by project → 202, status disabled then deployed; unknown domain → 404', async () => {
    const id = await createService(suite, 'fast');
    await waitForStatus(suite, id, 'deployed');
    const domain = (
      (await getService(suite, id)).body as unknown as { domains: Array<{ domain: string }> }
    ).domains[0].domain;
    expect(
      (await api(suite, 'POST', '/v1.0/admin/services/action', { domain, action: 'disable' }))
        .status,
    ).toBe(202);
    expect((await getService(suite, id)).body.status).toBe('disabled');
    // PATCH is refused while disabled (docs/behaviour.md §4.9).
    expect((await api(suite, 'PATCH', `/v1.0/services/${id}`, [])).status).toBe(400);
    expect(
      (
        await api(suite, 'POST', '/v1.0/admin/services/action', {
          project_id: PROJECT,
          action: 'enable',
        })
      ).status,
    ).toBe(202);
    expect((await getService(suite, id)).body.status).toBe('deployed');
    const unknown = await api(suite, 'POST', '/v1.0/admin/services/action', {
      domain: 'www.nobody-here.com',
      action: 'enable',
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      message:
        'Services action enable on tenant: None failed, Reason: Domain www.nobody-here.com cannot be found',
    });
    expect(
      (
        await api(suite, 'POST', '/v1.0/admin/services/action', {
          domain,
          project_id: PROJECT,
          action: 'enable',
        })
      ).status,
    ).toBe(400);
  });

  it('a provider failing twice then succeeding → deployed', async () => {
    const id = await createService(suite, 'flaky');
    const body = await waitForStatus(suite, id, 'deployed', 15_000);
    expect(body.errors).toEqual([]);
  });

  it('a provider failing always → failed with its error, while the other provider of the flavor is deployed', async () => {
    const id = await createService(suite, 'pair');
    const body = await waitForStatus(suite, id, 'failed');
    expect(body.errors).toEqual([{ message: 'Mock provider failure' }]);
    const catalog = createPromiseClient(
      catalogV1.CatalogServiceService,
      `127.0.0.1:${suite.catalog.port}`,
      { deadlineMs: 5000 },
    );
    try {
      const { service } = await catalog.getService({ project_id: PROJECT, service_id: id });
      const details = providerDetailsFromWire(service!.provider_details);
      expect(details.Fast).toMatchObject({ status: 'deployed' });
      expect(details.Fast.error_message).toBeUndefined();
      expect(details.Broken).toMatchObject({
        status: 'failed',
        error_message: 'Mock provider failure',
      });
      expect(details.Broken.error_info).toEqual(expect.any(String));
    } finally {
      catalog.close();
    }
  });

  it('a provider hanging → its breaker opens, and the other provider’s jobs keep their latency', async () => {
    const timeToDeployed = async (flavor: string, n: number): Promise<number[]> =>
      Promise.all(
        Array.from({ length: n }, async () => {
          const started = Date.now();
          const id = await createService(suite, flavor);
          await waitForStatus(suite, id, 'deployed');
          return Date.now() - started;
        }),
      );
    const baseline = await timeToDeployed('fast', 5);
    // Services on the hanging pair: their `hang` part times out, then fails fast on the open breaker.
    const hungIds = await Promise.all(
      Array.from({ length: 8 }, () => createService(suite, 'hung')),
    );
    await new Promise((r) => setTimeout(r, 300));
    const during = await timeToDeployed('fast', 5);
    const worst = Math.max(...during);
    // A job that waited on a hanging call would take the whole timeout longer than the baseline.
    expect(worst).toBeLessThan(Math.max(...baseline) + HANG_TIMEOUT_MS - 1000);
    // The breaker opened and said so.
    const opened = /"breaker":"hang","state":"open".*"circuit breaker opened"/;
    // Up to two rounds of timed-out attempts (the breaker's window also counts the adapter's
    // successful DescribeProvider calls, so the first round alone may sit at the threshold).
    for (
      let i = 0;
      i < (2 * HANG_TIMEOUT_MS + 5000) / 50 && !opened.test(suite.provisioning!.output());
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(suite.provisioning!.output()).toMatch(opened);
    // The healthy half of each hung service is recorded; the service itself is not deployed.
    const catalog = createPromiseClient(
      catalogV1.CatalogServiceService,
      `127.0.0.1:${suite.catalog.port}`,
      { deadlineMs: 5000 },
    );
    try {
      const { service } = await catalog.getService({ project_id: PROJECT, service_id: hungIds[0] });
      const details = providerDetailsFromWire(service!.provider_details);
      expect(details.Fast.status).toBe('deployed');
      expect(['deploy_in_progress', 'failed']).toContain(details.Hang.status);
    } finally {
      catalog.close();
    }
  });
});
