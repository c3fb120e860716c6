import { backoffDelayMs } from '@poppy/resilience';
import { DEFAULT_BACKOFF, InvalidJobError, resolveConsumeOptions, validateJob } from './job-queue';

const onTerminated = async () => undefined;

describe('the default redelivery backoff', () => {
  it.each([
    [1, 200],
    [2, 400],
    [3, 800],
    [8, 25_600],
    [9, 30_000],
    [50, 30_000],
  ])('waits %i → %i ms with the default backoff', (attempt, expected) => {
    expect(backoffDelayMs(attempt, DEFAULT_BACKOFF)).toBe(expected);
  });
});

describe('resolveConsumeOptions', () => {
  it('fills the documented defaults when only kinds and onTerminated are given', () => {
    expect(
      resolveConsumeOptions({ kinds: ['provision', 'provision', 'purge'], onTerminated }),
    ).toEqual({
      kinds: ['provision', 'purge'],
      concurrency: 16,
      maxAttempts: 8,
      backoff: { initialMs: 200, maxMs: 30_000, factor: 2 },
      leaseMs: 30_000,
      onTerminated,
    });
  });

  it('lists every problem at once when several options are wrong', () => {
    expect(() =>
      resolveConsumeOptions({
        kinds: ['ok', 'not ok'],
        concurrency: 0,
        maxAttempts: 1.5,
        backoff: { initialMs: 10, maxMs: 5, factor: 0.5 },
        leaseMs: 50,
        onTerminated: undefined as never,
      }),
    ).toThrow(
      /kind "not ok".*concurrency must be.*maxAttempts must be.*backoff needs.*leaseMs must be.*onTerminated is required/,
    );
  });

  it('refuses an empty kind list', () => {
    expect(() => resolveConsumeOptions({ kinds: [], onTerminated })).toThrow(/at least one kind/);
  });
});

describe('validateJob', () => {
  it('accepts a job with trace headers', () => {
    expect(() =>
      validateJob({
        id: 'svc-1:3',
        kind: 'provision',
        payload: { a: 1 },
        headers: { traceparent: '00-abc-def-01' },
      }),
    ).not.toThrow();
  });

  it.each([
    ['an empty id', { id: '', kind: 'k', payload: {} }, /id must be/],
    ['an id with a line break', { id: 'a\nb', kind: 'k', payload: {} }, /line breaks/],
    ['a kind with a dot', { id: 'a', kind: 'a.b', payload: {} }, /kind "a.b"/],
    ['a wildcard kind', { id: 'a', kind: '>', payload: {} }, /kind ">"/],
    ['an array payload', { id: 'a', kind: 'k', payload: [] }, /payload must be an object/],
    [
      'a reserved header',
      { id: 'a', kind: 'k', payload: {}, headers: { 'Nats-Msg-Id': 'x' } },
      /reserved/,
    ],
    [
      'a multi-line header value',
      { id: 'a', kind: 'k', payload: {}, headers: { h: 'a\r\nb' } },
      /single-line/,
    ],
  ])('rejects %s', (_what, job, message) => {
    expect(() => validateJob(job as never)).toThrow(InvalidJobError);
    expect(() => validateJob(job as never)).toThrow(message);
  });
});
