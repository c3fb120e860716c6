import pino from 'pino';
import { runDelivery, type Settlement } from './delivery';
import { resolveConsumeOptions, type Job, type JobHandler, type JobOutcome } from './job-queue';

const logger = pino({ level: 'silent' });
const job: Job = { id: 'j1', kind: 'provision', payload: { service: 's' } };

function setup(
  outcome: JobOutcome | (() => never),
  onTerminated: (job: Job, reason: string, attempts: number) => Promise<void> = async () =>
    undefined,
) {
  const calls: number[] = [];
  const handler: JobHandler = async (d) => {
    calls.push(d.attempt);
    return typeof outcome === 'function' ? outcome() : outcome;
  };
  const options = resolveConsumeOptions({
    kinds: ['provision'],
    maxAttempts: 3,
    backoff: { initialMs: 100, maxMs: 1_000, factor: 3 },
    onTerminated,
  });
  const run = (
    deliveryCount: number,
    extra: { lastError?: string; poison?: string } = {},
  ): Promise<Settlement> => runDelivery(handler, { job, deliveryCount, ...extra }, options, logger);
  return { calls, run };
}

describe('runDelivery', () => {
  it('acks when the handler is done', async () => {
    const { run, calls } = setup({ type: 'done' });
    expect(await run(1)).toEqual({ type: 'ack' });
    expect(calls).toEqual([1]);
  });

  it('retries after the given delay when a retry names one', async () => {
    const { run } = setup({ type: 'retry', delayMs: 1234, reason: 'busy' });
    expect(await run(1)).toEqual({ type: 'retry', delayMs: 1234, reason: 'busy' });
  });

  it('retries after the backoff for this attempt when a retry names no delay', async () => {
    const { run } = setup({ type: 'retry', reason: 'busy' });
    expect(await run(2)).toEqual({ type: 'retry', delayMs: 300, reason: 'busy' });
  });

  it('retries with backoff and the error message when the handler throws', async () => {
    const { run } = setup(() => {
      throw new Error('socket hang up');
    });
    expect(await run(1)).toEqual({
      type: 'retry',
      delayMs: 100,
      reason: 'handler threw: socket hang up',
    });
  });

  it('retries when the handler returns something that is not an outcome', async () => {
    const { run } = setup({ type: 'later' } as never);
    expect(await run(1)).toMatchObject({
      type: 'retry',
      reason: expect.stringMatching(/invalid outcome/),
    });
  });

  it('terminates after onTerminated when the last attempt asks for a retry', async () => {
    const terminated: unknown[] = [];
    const { run } = setup(
      { type: 'retry', reason: 'still busy' },
      async (...args) => void terminated.push(args),
    );
    expect(await run(3)).toEqual({ type: 'terminated', reason: 'still busy', attempts: 3 });
    expect(terminated).toEqual([[job, 'still busy', 3]]);
  });

  it('terminates at once when the handler fails', async () => {
    const terminated: unknown[] = [];
    const { run } = setup(
      { type: 'fail', reason: 'invalid origin' },
      async (...args) => void terminated.push(args),
    );
    expect(await run(1)).toEqual({ type: 'terminated', reason: 'invalid origin', attempts: 1 });
    expect(terminated).toEqual([[job, 'invalid origin', 1]]);
  });

  it('skips the handler and terminates with the last error when the job is past its attempts', async () => {
    const terminated: unknown[] = [];
    const { run, calls } = setup({ type: 'done' }, async (...args) => void terminated.push(args));
    expect(await run(4, { lastError: 'boom' })).toEqual({
      type: 'terminated',
      reason: 'gave up after 3 attempts; last error: boom',
      attempts: 3,
    });
    expect(calls).toEqual([]);
    expect(terminated).toHaveLength(1);
  });

  it('says the last attempt recorded no outcome when a job past its attempts has no last error', async () => {
    const { run } = setup({ type: 'done' });
    expect(await run(5)).toMatchObject({
      reason: 'gave up after 3 attempts; the last attempt recorded no outcome',
    });
  });

  it('keeps the job for a retry when onTerminated throws', async () => {
    const { run } = setup({ type: 'fail', reason: 'bad' }, async () => {
      throw new Error('catalog down');
    });
    expect(await run(2)).toEqual({
      type: 'retry',
      delayMs: 300,
      reason: 'onTerminated failed: catalog down (giving up because: bad)',
    });
  });

  it('terminates a job that cannot be decoded without running the handler', async () => {
    const { run, calls } = setup({ type: 'done' });
    expect(await run(1, { poison: 'not JSON' })).toEqual({
      type: 'terminated',
      reason: 'not JSON',
      attempts: 1,
    });
    expect(calls).toEqual([]);
  });
});
