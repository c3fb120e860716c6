/**
 * Crashes in the middle of a run: `kill -9` of provisioning while 200 creates are in
 * flight (both queue drivers), and a NATS restart mid-run. Afterwards every service is
 * deployed, none was created twice at the provider, none is stuck.
 */
import {
  makeTempDir,
  startNatsServer,
  startSuite,
  type NatsServer,
  type Suite,
} from '@poppy/testing';
import {
  api,
  createService,
  inParallel,
  journalFile,
  readJournal,
  type ServiceBody,
} from './support';

jest.setTimeout(120_000);

const COUNT = 200;

/** Lists every service of the test project (pages of 100). */
async function listAll(suite: Suite): Promise<ServiceBody[]> {
  const out: ServiceBody[] = [];
  for (let marker = ''; ;) {
    const reply = await api(
      suite,
      'GET',
      `/v1.0/services?limit=100${marker ? `&marker=${marker}` : ''}`,
    );
    const page = (reply.body as { services: ServiceBody[] }).services;
    out.push(...page);
    if (page.length < 100) return out;
    marker = page[page.length - 1].id;
  }
}

async function waitAllDeployed(
  suite: Suite,
  ids: string[],
  timeoutMs: number,
): Promise<Record<string, number>> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const services = await listAll(suite);
    const byStatus: Record<string, number> = {};
    for (const s of services.filter((x) => ids.includes(x.id)))
      byStatus[s.status] = (byStatus[s.status] ?? 0) + 1;
    if (byStatus.deployed === ids.length || Date.now() > end) return byStatus;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Per service, the vendor objects created (a create answered from an existing object does not count). */
function createdObjects(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of readJournal(file)) {
    if (e.op === 'createService' && e.outcome === 'ok' && !e.existing)
      counts.set(e.service_id, (counts.get(e.service_id) ?? 0) + 1);
  }
  return counts;
}

function suiteOptions(dir: string, queue: 'sqlite' | 'nats', natsUrl?: string) {
  return {
    dataDir: dir,
    env: { POPPY_MAX_SERVICES_PER_PROJECT: '1000', POPPY_MAX_SERVICES_PER_PAGE: '100' },
    provisioning: {
      queue,
      natsUrl,
      providers: [
        {
          id: 'mock',
          env: { POPPY_MOCK_JOURNAL: journalFile(dir, 'mock'), POPPY_MOCK_LATENCY_MS: '20' },
        },
      ],
      env: {
        // A dead worker's jobs move on after this long; the reconciler catches anything else.
        POPPY_JOB_LEASE_MS: '1500',
        POPPY_RECONCILE_INTERVAL_MS: '500',
        POPPY_RECONCILE_STUCK_AFTER_MS: '4000',
        POPPY_JOB_BACKOFF_INITIAL_MS: '50',
        POPPY_JOB_BACKOFF_MAX_MS: '1000',
      },
    },
  };
}

describe.each(['sqlite', 'nats'] as const)('kill -9 of provisioning on the %s queue', (queue) => {
  let nats: NatsServer | undefined;
  let suite: Suite | undefined;

  afterAll(async () => {
    await suite?.stop();
    await nats?.stop();
  });

  it(`in the middle of ${COUNT} creates, then restart → every service deployed, none duplicated, none stuck`, async () => {
    const dir = makeTempDir(`crash-${queue}`);
    nats = queue === 'nats' ? await startNatsServer() : undefined;
    suite = await startSuite(suiteOptions(dir, queue, nats?.url));
    const s = suite;
    let killed = false;
    const ids = await inParallel(
      Array.from({ length: COUNT }, (_, i) => i),
      8,
      async (i) => {
        if (i === COUNT / 2 && !killed) {
          killed = true;
          await s.provisioning!.kill();
          await new Promise((r) => setTimeout(r, 300));
          await s.startProvisioning();
        }
        return createService(s, 'mock', `crash-${i}`);
      },
    );
    expect(killed).toBe(true);
    const byStatus = await waitAllDeployed(s, ids, 60_000);
    expect(byStatus).toEqual({ deployed: COUNT });
    const created = createdObjects(journalFile(dir, 'mock'));
    expect(ids.filter((id) => created.get(id) !== 1)).toEqual([]);
  });
});

describe('NATS restarted mid-run', () => {
  let nats: NatsServer;
  let suite: Suite | undefined;

  afterAll(async () => {
    await suite?.stop();
    await nats?.stop();
  });

  it('loses nothing: every service created before, during and after the restart is deployed', async () => {
    const dir = makeTempDir('nats-restart');
    nats = await startNatsServer();
    suite = await startSuite(suiteOptions(dir, 'nats', nats.url));
    const s = suite;
    let restarted = false;
    const ids = await inParallel(
      Array.from({ length: 120 }, (_, i) => i),
      6,
      async (i) => {
        if (i === 60 && !restarted) {
          restarted = true;
          await nats.restart();
        }
        return createService(s, 'mock', `nats-${i}`);
      },
    );
    const byStatus = await waitAllDeployed(s, ids, 60_000);
    expect(byStatus).toEqual({ deployed: 120 });
    const created = createdObjects(journalFile(dir, 'mock'));
    expect(ids.filter((id) => created.get(id) !== 1)).toEqual([]);
  });
});

describe('NATS restarted without its store', () => {
  let nats: NatsServer;
  let suite: Suite | undefined;

  afterAll(async () => {
    await suite?.stop();
    await nats?.stop();
  });

  /** The gateway's /v1.0/health view of the job queue (docs/behaviour.md §9.3). */
  async function queueOnline(s: Suite): Promise<string | undefined> {
    const reply = await api(s, 'GET', '/v1.0/health');
    const body = reply.body as { distributed_task?: Record<string, { online: string }> };
    return body.distributed_task?.nats?.online;
  }

  async function waitForQueue(s: Suite, online: 'true' | 'false'): Promise<void> {
    const end = Date.now() + 20_000;
    let last: string | undefined;
    while ((last = await queueOnline(s)) !== online) {
      if (Date.now() > end) throw new Error(`health says nats online=${last}, not ${online}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('keeps provisioning without a process restart, and health says down while the stream cannot be used', async () => {
    const dir = makeTempDir('nats-empty-store');
    nats = await startNatsServer();
    suite = await startSuite(suiteOptions(dir, 'nats', nats.url));
    const s = suite;
    await waitForQueue(s, 'true');
    const before = await inParallel(
      Array.from({ length: 20 }, (_, i) => i),
      4,
      (i) => createService(s, 'mock', `empty-before-${i}`),
    );
    expect(await waitAllDeployed(s, before, 30_000)).toEqual({ deployed: 20 });

    // No JetStream at all: nothing can be published or consumed, and health must say so.
    await nats.restart({ jetstream: false });
    await waitForQueue(s, 'false');

    // Back, but with an empty store: the stream and the consumers are re-created by the
    // processes already running; creates acknowledged meanwhile are deployed too.
    await nats.restart({ emptyStore: true });
    await waitForQueue(s, 'true');
    const after = await inParallel(
      Array.from({ length: 30 }, (_, i) => i),
      4,
      (i) => createService(s, 'mock', `empty-after-${i}`),
    );
    expect(await waitAllDeployed(s, after, 30_000)).toEqual({ deployed: 30 });
    const created = createdObjects(journalFile(dir, 'mock'));
    expect([...before, ...after].filter((id) => created.get(id) !== 1)).toEqual([]);
    for (const proc of [s.catalog, s.gateway, s.provisioning!])
      expect(() => process.kill(proc.pid, 0)).not.toThrow();
  });
});
