import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { startNatsServer, type NatsServer } from '@poppy/testing';
import { describeJobQueueContract } from '../job-queue.contract';
import type { JobDelivery } from '../job-queue';
import { NatsJobQueue, type NatsJobQueueOptions } from './nats-job-queue';

let server: NatsServer;
let streamSeq = 0;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server?.stop();
});

/** A stream and subject space of its own, so one test's jobs cannot reach another's consumers. */
function isolated(): Omit<NatsJobQueueOptions, 'servers'> {
  streamSeq += 1;
  const id = `${streamSeq}_${process.pid}_${Date.now().toString(36)}`;
  return { stream: `JOBS_${id}`, subjectPrefix: `t${id}`, durable: 'workers' };
}

describeJobQueueContract('nats', async () => {
  const options = isolated();
  return {
    open: () => NatsJobQueue.connect({ servers: server.url, ...options }),
    dispose: async () => undefined,
  };
});

describe('NatsJobQueue', () => {
  it('handles all 200 jobs when the server restarts while they are published and consumed', async () => {
    const restarting = await startNatsServer();
    const options = { servers: restarting.url, ...isolated(), reconnectWaitMs: 100 };
    const publisher = await NatsJobQueue.connect(options);
    const worker = await NatsJobQueue.connect(options);
    try {
      const handled = new Map<string, number>();
      const consumer = await worker.consume(
        async (d: JobDelivery) => {
          await new Promise((r) => setTimeout(r, 5));
          handled.set(d.job.id, (handled.get(d.job.id) ?? 0) + 1);
          return { type: 'done' };
        },
        {
          kinds: ['provision'],
          concurrency: 16,
          leaseMs: 2_000,
          onTerminated: async () => undefined,
        },
      );
      let restart: Promise<void> | undefined;
      for (let i = 0; i < 200; i++) {
        if (i === 80) restart = restarting.restart();
        await publisher.publish({ id: `job-${i}`, kind: 'provision', payload: { i } });
      }
      await restart;
      const deadline = Date.now() + 20_000;
      while (handled.size < 200 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(handled.size).toBe(200);
      expect([...handled.keys()].sort()).toEqual(
        Array.from({ length: 200 }, (_, i) => `job-${i}`).sort(),
      );
      await consumer.stop();
    } finally {
      await publisher.close();
      await worker.close();
      await restarting.stop();
    }
  }, 40_000);

  it('creates one durable per kind and updates its lease when a worker consumes with a new leaseMs', async () => {
    const options = isolated();
    const queue = await NatsJobQueue.connect({ servers: server.url, ...options });
    const admin = await connect({ servers: server.url });
    try {
      const handler = async () => ({ type: 'done' }) as const;
      const onTerminated = async () => undefined;
      await (
        await queue.consume(handler, {
          kinds: ['provision', 'purge'],
          leaseMs: 5_000,
          onTerminated,
        })
      ).stop();
      await (
        await queue.consume(handler, { kinds: ['provision'], leaseMs: 9_000, onTerminated })
      ).stop();
      const jsm = await jetstreamManager(admin);
      const stream = await jsm.streams.info(options.stream!);
      expect(stream.config).toMatchObject({
        retention: 'workqueue',
        storage: 'file',
        subjects: [`${options.subjectPrefix}.jobs.>`],
      });
      const provision = await jsm.consumers.info(options.stream!, 'workers_provision');
      const purge = await jsm.consumers.info(options.stream!, 'workers_purge');
      expect(provision.config).toMatchObject({
        filter_subject: `${options.subjectPrefix}.jobs.provision`,
        ack_policy: 'explicit',
        ack_wait: 9_000_000_000,
        max_deliver: -1,
        max_ack_pending: -1,
      });
      expect(purge.config).toMatchObject({
        filter_subject: `${options.subjectPrefix}.jobs.purge`,
        ack_wait: 5_000_000_000,
      });
    } finally {
      await queue.close();
      await admin.close();
    }
  });

  describe('when the server comes back without its store', () => {
    let restarting: NatsServer;
    let publisher: NatsJobQueue;
    let worker: NatsJobQueue;
    const handled = new Map<string, number>();
    const onTerminated = async () => undefined;

    beforeEach(async () => {
      restarting = await startNatsServer();
      // The periodic check is pushed out of the test's reach: the repair must come from the
      // reconnect and from the failed publishes and pulls themselves.
      const options = {
        servers: restarting.url,
        ...isolated(),
        reconnectWaitMs: 100,
        publishTimeoutMs: 5_000,
        topologyCheckMs: 600_000,
      };
      publisher = await NatsJobQueue.connect(options);
      worker = await NatsJobQueue.connect(options);
      handled.clear();
      await worker.consume(
        async (d: JobDelivery) => {
          handled.set(d.job.id, (handled.get(d.job.id) ?? 0) + 1);
          return { type: 'done' };
        },
        { kinds: ['provision', 'purge'], leaseMs: 2_000, onTerminated },
      );
    });

    afterEach(async () => {
      await publisher.close();
      await worker.close();
      await restarting.stop();
    });

    const publishAll = async (prefix: string, count: number) => {
      for (let i = 0; i < count; i++)
        await publisher.publish({ id: `${prefix}-${i}`, kind: 'provision', payload: { i } });
    };
    const handledWith = (prefix: string) =>
      [...handled.keys()].filter((id) => id.startsWith(`${prefix}-`)).length;
    const waitFor = async (what: () => boolean | Promise<boolean>, ms: number) => {
      const deadline = Date.now() + ms;
      while (!(await what()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      return what();
    };

    it('re-creates the stream and consumers, so jobs published afterwards are consumed without a new connection', async () => {
      await publishAll('before', 20);
      expect(await waitFor(() => handledWith('before') === 20, 10_000)).toBe(true);

      await restarting.restart({ emptyStore: true });
      await publishAll('after', 50);

      expect(await waitFor(() => handledWith('after') === 50, 20_000)).toBe(true);
      expect(handled.size).toBe(70);
      expect(await publisher.ping()).toBe(true);
      expect(await worker.ping()).toBe(true);
      const admin = await connect({ servers: restarting.url });
      try {
        const jsm = await jetstreamManager(admin);
        const names: string[] = [];
        for await (const c of jsm.consumers.list((await jsm.streams.names().next())[0]!))
          names.push(c.name);
        expect(names.sort()).toEqual(['workers_provision', 'workers_purge']);
      } finally {
        await admin.close();
      }
    }, 60_000);

    it('reports the queue down while no stream can be used, and up again once it is re-created', async () => {
      expect(await publisher.ping()).toBe(true);
      expect(await worker.ping()).toBe(true);

      await restarting.restart({ jetstream: false });
      expect(await waitFor(async () => !(await publisher.ping()), 5_000)).toBe(true);
      expect(await worker.ping()).toBe(false);
      await expect(
        publisher.publish({ id: 'while-down', kind: 'provision', payload: {} }),
      ).rejects.toThrow(/failed after/);

      await restarting.restart({ emptyStore: true });
      expect(await waitFor(() => worker.ping(), 10_000)).toBe(true);
      expect(await publisher.ping()).toBe(true);
      await publishAll('back', 10);
      expect(await waitFor(() => handledWith('back') === 10, 20_000)).toBe(true);
    }, 60_000);
  });

  it('refuses a stream that exists with other subjects', async () => {
    const options = isolated();
    const first = await NatsJobQueue.connect({ servers: server.url, ...options });
    await first.close();
    await expect(
      NatsJobQueue.connect({
        servers: server.url,
        ...options,
        subjectPrefix: `${options.subjectPrefix}x`,
      }),
    ).rejects.toThrow(/exists with subjects/);
  });
});

describe('startNatsServer', () => {
  it('fails with the install command when the nats-server binary is missing', async () => {
    const saved = process.env.POPPY_NATS_SERVER_BIN;
    process.env.POPPY_NATS_SERVER_BIN = '/nonexistent/nats-server';
    try {
      await expect(startNatsServer()).rejects.toThrow(/tools\/infra\/nats\.sh install/);
    } finally {
      if (saved === undefined) delete process.env.POPPY_NATS_SERVER_BIN;
      else process.env.POPPY_NATS_SERVER_BIN = saved;
    }
  });
});
