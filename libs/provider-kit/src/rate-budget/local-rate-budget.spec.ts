import { isProviderError } from '../provider-error';
import { LocalRateBudget } from './rate-budget';

/** A budget on a fake clock: sleeping advances the clock and records the wait. */
function budgetOnFakeClock(options: { ratePerSecond: number; burst?: number; maxWaitMs?: number }) {
  let clock = 1_000_000;
  const waits: number[] = [];
  const budget = new LocalRateBudget({
    ...options,
    now: () => clock,
    sleep: async (ms) => {
      waits.push(ms);
      clock += ms;
    },
  });
  return { budget, waits, advance: (ms: number) => (clock += ms), now: () => clock };
}

describe('LocalRateBudget', () => {
  it('lets a burst through at once, then spaces requests at the sustained rate', async () => {
    const { budget, waits } = budgetOnFakeClock({ ratePerSecond: 10, burst: 3 });
    for (let i = 0; i < 3; i++) await budget.acquire();
    expect(waits).toEqual([]);
    await budget.acquire();
    expect(waits).toEqual([100]);
  });

  it('refills over time up to the burst and no further', async () => {
    const { budget, waits, advance } = budgetOnFakeClock({ ratePerSecond: 10, burst: 2 });
    await budget.acquire();
    await budget.acquire();
    advance(10_000); // far more than needed: still only 2 tokens
    await budget.acquire();
    await budget.acquire();
    expect(waits).toEqual([]);
    await budget.acquire();
    expect(waits).toEqual([100]);
  });

  it('queues concurrent callers in order, each one interval after the previous', async () => {
    const waits: number[] = [];
    const budget = new LocalRateBudget({
      ratePerSecond: 20,
      burst: 1,
      now: () => 0, // the callers arrive at one instant
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    await Promise.all([budget.acquire(), budget.acquire(), budget.acquire()]);
    expect(waits).toEqual([50, 100]);
  });

  it('waits until the reset the vendor announced when it says nothing is left', async () => {
    const { budget, waits, now } = budgetOnFakeClock({ ratePerSecond: 100 });
    budget.observe(0, now() + 2_000);
    await budget.acquire();
    expect(waits).toEqual([2_000]);
  });

  it('pauses every request after a 429 until the vendor said to come back', async () => {
    const { budget, waits, now } = budgetOnFakeClock({ ratePerSecond: 100 });
    budget.pauseUntil(now() + 1_500);
    budget.pauseUntil(now() + 500); // an earlier hint never shortens the pause
    await budget.acquire();
    expect(waits).toEqual([1_500]);
  });

  it('answers retry-later instead of waiting longer than maxWaitMs, without using a token', async () => {
    const { budget, now, waits } = budgetOnFakeClock({
      ratePerSecond: 1,
      burst: 1,
      maxWaitMs: 5_000,
    });
    budget.pauseUntil(now() + 60_000);
    const error = await budget.acquire().catch((e: unknown) => e);
    expect(isProviderError(error)).toBe(true);
    expect(error).toMatchObject({ retryable: true, errorClass: 'RateLimited' });
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(60_000);
    expect(waits).toEqual([]);
  });

  it('rejects a budget without a positive rate', () => {
    expect(() => new LocalRateBudget({ ratePerSecond: 0 })).toThrow(/ratePerSecond/);
  });
});
