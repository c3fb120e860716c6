/**
 * The behaviour every JobQueue driver must show, written once and run against each
 * driver (sqlite-job-queue.spec.ts, nats-job-queue.int-spec.ts).
 *
 * The factory gives each test a fresh queue (its own file, or its own stream and
 * subjects) so that one failure cannot leak jobs into the next test. `open()` returns a
 * new instance on that same queue — its own connection or file handle — as a second
 * worker process would have one.
 */
import {
  InvalidJobError,
  type ConsumeOptions,
  type Job,
  type JobConsumer,
  type JobDelivery,
  type JobOutcome,
  type JobQueue,
} from './job-queue';

export interface JobQueueHarness {
  open(): Promise<JobQueue>;
  /** Called after every instance open() returned has been closed. */
  dispose(): Promise<void>;
}

const TEST_TIMEOUT_MS = 15_000;
const FAST_BACKOFF = { initialMs: 50, maxMs: 400, factor: 2 };
/** Timers fire a little early or late; a delay is honoured if the gap is at least this close. */
const TIMER_SLACK_MS = 10;

interface Recorded extends JobDelivery {
  startedAt: number;
  endedAt?: number;
}

interface Termination {
  job: Job;
  reason: string;
  attempts: number;
}

let seq = 0;
function makeJob(kind = 'alpha', overrides: Partial<Job> = {}): Job {
  seq += 1;
  return { id: `job-${Date.now().toString(36)}-${seq}`, kind, payload: { n: seq }, ...overrides };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A handler that records every delivery and answers with `decide`. */
function recorder(
  decide: (d: JobDelivery) => JobOutcome | Promise<JobOutcome> = () => ({ type: 'done' }),
) {
  const deliveries: Recorded[] = [];
  const handler = async (d: JobDelivery): Promise<JobOutcome> => {
    const entry: Recorded = { ...d, startedAt: Date.now() };
    deliveries.push(entry);
    try {
      return await decide(d);
    } finally {
      entry.endedAt = Date.now();
    }
  };
  return { deliveries, handler, ids: () => deliveries.map((d) => d.job.id) };
}

function terminationLog(behaviour: (t: Termination, call: number) => void = () => undefined) {
  const calls: Termination[] = [];
  const onTerminated = async (job: Job, reason: string, attempts: number) => {
    const t = { job, reason, attempts };
    calls.push(t);
    behaviour(t, calls.length);
  };
  return { calls, onTerminated };
}

export function describeJobQueueContract(
  name: string,
  factory: () => Promise<JobQueueHarness>,
): void {
  describe(`JobQueue contract (${name})`, () => {
    let harness: JobQueueHarness;
    let queues: JobQueue[] = [];
    let consumers: JobConsumer[] = [];
    let blocked: Array<() => void> = [];

    beforeEach(async () => {
      harness = await factory();
    });

    afterEach(async () => {
      blocked.forEach((release) => release());
      await Promise.all(consumers.map((c) => c.stop().catch(() => undefined)));
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
      await harness.dispose();
      queues = [];
      consumers = [];
      blocked = [];
    });

    async function open(): Promise<JobQueue> {
      const queue = await harness.open();
      queues.push(queue);
      return queue;
    }

    async function consume(
      queue: JobQueue,
      handler: (d: JobDelivery) => Promise<JobOutcome>,
      options: Partial<ConsumeOptions> & Pick<ConsumeOptions, 'onTerminated'>,
    ): Promise<JobConsumer> {
      const consumer = await queue.consume(handler, {
        kinds: ['alpha'],
        backoff: FAST_BACKOFF,
        ...options,
      });
      consumers.push(consumer);
      return consumer;
    }

    /** A promise that only settles when the test ends (a handler stuck, or running on a crashed worker). */
    function untilTestEnds(): Promise<void> {
      return new Promise((resolve) => blocked.push(resolve));
    }

    /** Two workers; the first has started a job and hangs in it until the test ends (or it is closed: a crash). */
    async function jobRunningOnDoomedWorker(
      options: Pick<ConsumeOptions, 'leaseMs'> & Partial<Pick<ConsumeOptions, 'maxAttempts'>>,
    ): Promise<{ doomed: JobQueue; survivor: JobQueue; job: Job }> {
      const [doomed, survivor] = [await open(), await open()];
      const started: JobDelivery[] = [];
      await consume(
        doomed,
        async (d) => {
          started.push(d);
          await untilTestEnds();
          return { type: 'done' };
        },
        { onTerminated: terminationLog().onTerminated, ...options },
      );
      const job = makeJob();
      await doomed.publish(job);
      await waitFor('the first worker to start the job', () => started.length === 1);
      return { doomed, survivor, job };
    }

    it(
      'delivers a published job once with its payload and headers intact when a consumer takes its kind',
      async () => {
        const queue = await open();
        const rec = recorder();
        const terms = terminationLog();
        const job = makeJob('alpha', {
          payload: {
            service: 'svc-1',
            generation: 3,
            domains: ['a.example.com'],
            nested: { ok: true, none: null },
          },
          headers: {
            traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
            tracestate: 'poppy=1',
          },
        });
        const plain = makeJob('alpha');
        expect(await queue.publish(job)).toEqual({ duplicate: false });
        expect(await queue.publish(plain)).toEqual({ duplicate: false });
        await consume(queue, rec.handler, { onTerminated: terms.onTerminated, maxAttempts: 5 });

        await waitFor('both deliveries', () => rec.deliveries.length === 2);
        await sleep(300);
        const byId = new Map(rec.deliveries.map((d) => [d.job.id, d]));
        expect(rec.deliveries).toHaveLength(2);
        expect(byId.get(job.id)).toMatchObject({ job, attempt: 1, maxAttempts: 5 });
        expect(byId.get(job.id)!.job.headers).toEqual(job.headers);
        expect(byId.get(plain.id)!.job).toEqual(plain);
        expect(byId.get(plain.id)!.job.headers ?? {}).toEqual({});
        expect(terms.calls).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'stores a job once and reports duplicate when the same id is published twice',
      async () => {
        const queue = await open();
        const rec = recorder();
        const job = makeJob();
        expect(await queue.publish(job)).toEqual({ duplicate: false });
        expect(await queue.publish({ ...job, payload: { changed: true } })).toEqual({
          duplicate: true,
        });
        await consume(queue, rec.handler, { onTerminated: terminationLog().onTerminated });

        await waitFor('the delivery', () => rec.deliveries.length === 1);
        await sleep(300);
        expect(rec.deliveries).toHaveLength(1);
        expect(rec.deliveries[0]!.job.payload).toEqual(job.payload);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'reports duplicate when a job is re-published while it is running or after it is done',
      async () => {
        const queue = await open();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const rec = recorder(async () => {
          await gate;
          return { type: 'done' };
        });
        const job = makeJob();
        await queue.publish(job);
        await consume(queue, rec.handler, { onTerminated: terminationLog().onTerminated });
        await waitFor('the job to start', () => rec.deliveries.length === 1);
        expect(await queue.publish(job)).toEqual({ duplicate: true });
        release();
        await waitFor('the job to finish', () => rec.deliveries[0]!.endedAt !== undefined);
        await sleep(100);
        expect(await queue.publish(job)).toEqual({ duplicate: true });
        await sleep(300);
        expect(rec.deliveries).toHaveLength(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'redelivers with attempt 2 no sooner than the delay when the handler asks to retry with a delay',
      async () => {
        const queue = await open();
        const rec = recorder((d) =>
          d.attempt === 1
            ? { type: 'retry', delayMs: 500, reason: 'vendor busy' }
            : { type: 'done' },
        );
        await queue.publish(makeJob());
        await consume(queue, rec.handler, { onTerminated: terminationLog().onTerminated });

        await waitFor('the second attempt', () => rec.deliveries.length === 2);
        const [first, second] = rec.deliveries;
        expect([first!.attempt, second!.attempt]).toEqual([1, 2]);
        expect(second!.startedAt - first!.endedAt!).toBeGreaterThanOrEqual(500 - TIMER_SLACK_MS);
        expect(second!.job).toEqual(first!.job);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'retries with exponential backoff when the handler throws',
      async () => {
        const queue = await open();
        const rec = recorder((d) => {
          if (d.attempt < 3) throw new Error(`boom ${d.attempt}`);
          return { type: 'done' };
        });
        await queue.publish(makeJob());
        const terms = terminationLog();
        await consume(queue, rec.handler, {
          onTerminated: terms.onTerminated,
          backoff: { initialMs: 150, maxMs: 1_000, factor: 2 },
        });

        await waitFor(
          'the third attempt',
          () => rec.deliveries.length === 3 && rec.deliveries[2]!.endedAt !== undefined,
        );
        const [a, b, c] = rec.deliveries;
        expect(rec.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
        expect(b!.startedAt - a!.endedAt!).toBeGreaterThanOrEqual(150 - TIMER_SLACK_MS);
        expect(c!.startedAt - b!.endedAt!).toBeGreaterThanOrEqual(300 - TIMER_SLACK_MS);
        await sleep(300);
        expect(rec.deliveries).toHaveLength(3);
        expect(terms.calls).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'completes at attempt N+1 when the handler fails N times and then succeeds',
      async () => {
        const queue = await open();
        const failures = 3;
        const rec = recorder((d) =>
          d.attempt <= failures
            ? { type: 'retry', delayMs: 20, reason: `not yet ${d.attempt}` }
            : { type: 'done' },
        );
        const terms = terminationLog();
        await queue.publish(makeJob());
        await consume(queue, rec.handler, { onTerminated: terms.onTerminated, maxAttempts: 5 });

        await waitFor('attempt N+1', () => rec.deliveries.length === failures + 1);
        await sleep(300);
        expect(rec.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3, 4]);
        expect(terms.calls).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'calls onTerminated once with attempts = maxAttempts and never redelivers when every attempt fails',
      async () => {
        const queue = await open();
        const rec = recorder((d) => ({
          type: 'retry',
          delayMs: 20,
          reason: `still failing at ${d.attempt}`,
        }));
        const terms = terminationLog();
        const job = makeJob();
        await queue.publish(job);
        await consume(queue, rec.handler, { onTerminated: terms.onTerminated, maxAttempts: 3 });

        await waitFor('onTerminated', () => terms.calls.length === 1);
        await sleep(400);
        expect(rec.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
        expect(terms.calls).toEqual([{ job, reason: 'still failing at 3', attempts: 3 }]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'calls onTerminated at once and never redelivers when the handler returns fail',
      async () => {
        const queue = await open();
        const rec = recorder(() => ({ type: 'fail', reason: 'origin rejected by vendor' }));
        const terms = terminationLog();
        const job = makeJob();
        await queue.publish(job);
        await consume(queue, rec.handler, { onTerminated: terms.onTerminated, maxAttempts: 8 });

        await waitFor('onTerminated', () => terms.calls.length === 1);
        await sleep(400);
        expect(rec.deliveries).toHaveLength(1);
        expect(terms.calls).toEqual([{ job, reason: 'origin rejected by vendor', attempts: 1 }]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps the job and calls onTerminated again when onTerminated throws',
      async () => {
        const queue = await open();
        const rec = recorder(() => ({ type: 'fail', reason: 'bad input' }));
        const terms = terminationLog((_t, call) => {
          if (call === 1) throw new Error('catalog unavailable');
        });
        const job = makeJob();
        await queue.publish(job);
        await consume(queue, rec.handler, { onTerminated: terms.onTerminated });

        await waitFor('the second onTerminated', () => terms.calls.length === 2);
        await sleep(400);
        expect(terms.calls.map((t) => [t.job.id, t.reason, t.attempts])).toEqual([
          [job.id, 'bad input', 1],
          [job.id, 'bad input', 2],
        ]);
        expect(rec.deliveries.map((d) => d.attempt)).toEqual([1, 2]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'never runs more handlers at once than the concurrency when more jobs are queued',
      async () => {
        const queue = await open();
        let running = 0;
        let peak = 0;
        const rec = recorder(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(40);
          running -= 1;
          return { type: 'done' };
        });
        for (let i = 0; i < 20; i++) await queue.publish(makeJob());
        await consume(queue, rec.handler, {
          onTerminated: terminationLog().onTerminated,
          concurrency: 3,
        });

        await waitFor('all 20 jobs', () => rec.deliveries.length === 20 && running === 0);
        expect(peak).toBeLessThanOrEqual(3);
        expect(peak).toBeGreaterThan(1);
        expect(new Set(rec.ids()).size).toBe(20);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'takes only the kinds it consumes when jobs of other kinds are queued',
      async () => {
        const queue = await open();
        const rec = recorder();
        const others = recorder();
        const [a, b, c] = [makeJob('alpha'), makeJob('beta'), makeJob('gamma')];
        for (const job of [a, b, c]) await queue.publish(job!);
        await consume(queue, rec.handler, {
          kinds: ['alpha', 'beta'],
          onTerminated: terminationLog().onTerminated,
        });

        await waitFor('alpha and beta', () => rec.deliveries.length === 2);
        await sleep(300);
        expect(rec.ids().sort()).toEqual([a!.id, b!.id].sort());
        await consume(queue, others.handler, {
          kinds: ['gamma'],
          onTerminated: terminationLog().onTerminated,
        });
        await waitFor('gamma', () => others.deliveries.length === 1);
        expect(others.ids()).toEqual([c!.id]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'hands each job to exactly one worker when two queue instances consume the same kind',
      async () => {
        const [first, second] = [await open(), await open()];
        const seen: Array<[string, string]> = [];
        const worker =
          (who: string) =>
          async (d: JobDelivery): Promise<JobOutcome> => {
            seen.push([who, d.job.id]);
            await sleep(15);
            return { type: 'done' };
          };
        const terms = terminationLog();
        await consume(first, worker('first'), { onTerminated: terms.onTerminated, concurrency: 4 });
        await consume(second, worker('second'), {
          onTerminated: terms.onTerminated,
          concurrency: 4,
        });
        const jobs = Array.from({ length: 40 }, () => makeJob());
        for (const job of jobs) await (job.id.endsWith('0') ? second : first).publish(job);

        await waitFor('all 40 jobs', () => seen.length >= 40);
        await sleep(400);
        expect(seen).toHaveLength(40);
        expect(new Set(seen.map(([, id]) => id))).toEqual(new Set(jobs.map((j) => j.id)));
        expect(seen.some(([who]) => who === 'first')).toBe(true);
        expect(seen.some(([who]) => who === 'second')).toBe(true);
        expect(terms.calls).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'redelivers a job to another worker only after the worker running it dies mid-job',
      async () => {
        const leaseMs = 1_000;
        const { doomed, survivor, job } = await jobRunningOnDoomedWorker({ leaseMs });
        const rec = recorder();
        await consume(survivor, rec.handler, {
          onTerminated: terminationLog().onTerminated,
          leaseMs,
        });

        // Longer than the lease: a live worker keeps its job by renewing the lease.
        await sleep(leaseMs * 2);
        expect(rec.deliveries).toHaveLength(0);

        await doomed.close();
        await waitFor('the redelivery', () => rec.deliveries.length === 1, leaseMs * 6);
        expect(rec.deliveries[0]!.job).toEqual(job);
        expect(rec.deliveries[0]!.attempt).toBe(2);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'calls onTerminated without running the handler again when the worker of the last attempt dies',
      async () => {
        const leaseMs = 500;
        const { doomed, survivor, job } = await jobRunningOnDoomedWorker({
          leaseMs,
          maxAttempts: 1,
        });
        await doomed.close();

        const rec = recorder();
        const terms = terminationLog();
        await consume(survivor, rec.handler, {
          onTerminated: terms.onTerminated,
          leaseMs,
          maxAttempts: 1,
        });
        await waitFor('onTerminated', () => terms.calls.length === 1, leaseMs * 6);
        await sleep(300);
        expect(rec.deliveries).toHaveLength(0);
        expect(terms.calls).toHaveLength(1);
        expect(terms.calls[0]).toMatchObject({ job, attempts: 1 });
        expect(terms.calls[0]!.reason).toMatch(/gave up after 1 attempts/);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'waits for the handler in flight and takes no new job when stop is called mid-job',
      async () => {
        const queue = await open();
        let finished = false;
        const rec = recorder(async () => {
          await sleep(300);
          finished = true;
          return { type: 'done' };
        });
        const first = makeJob();
        await queue.publish(first);
        const consumer = await consume(queue, rec.handler, {
          onTerminated: terminationLog().onTerminated,
        });
        await waitFor('the job to start', () => rec.deliveries.length === 1);

        await consumer.stop();
        expect(finished).toBe(true);
        const second = makeJob();
        await queue.publish(second);
        await sleep(300);
        expect(rec.ids()).toEqual([first.id]);

        // The first job's outcome was recorded before stop() returned: a new consumer gets only the second.
        const next = recorder();
        await consume(await open(), next.handler, { onTerminated: terminationLog().onTerminated });
        await waitFor('the second job', () => next.deliveries.length === 1);
        await sleep(300);
        expect(next.ids()).toEqual([second.id]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'rejects a job with an invalid kind or header and consume options without kinds',
      async () => {
        const queue = await open();
        await expect(queue.publish({ id: 'x', kind: 'has.dot', payload: {} })).rejects.toThrow(
          InvalidJobError,
        );
        await expect(
          queue.publish({ id: 'x', kind: 'alpha', payload: {}, headers: { 'bad\nname': 'v' } }),
        ).rejects.toThrow(InvalidJobError);
        await expect(queue.publish({ id: '', kind: 'alpha', payload: {} })).rejects.toThrow(
          InvalidJobError,
        );
        await expect(
          queue.consume(async () => ({ type: 'done' }), {
            kinds: [],
            onTerminated: async () => undefined,
          }),
        ).rejects.toThrow(RangeError);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'answers ping while open and not after close',
      async () => {
        const queue = await open();
        expect(await queue.ping()).toBe(true);
        await queue.close();
        expect(await queue.ping()).toBe(false);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
