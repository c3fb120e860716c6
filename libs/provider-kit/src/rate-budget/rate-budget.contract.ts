/**
 * The contract every RateBudget store passes (rate-budget.ts): rate, burst, the vendor's
 * count, 429 pauses (also one that arrives while callers wait), maxWaitMs, and that budgets
 * on the same shared state never exceed the rate together. Run by rate-budget.spec.ts
 * (memory, SQLite) and rate-budget.int-spec.ts (NATS JetStream KV on a real nats-server).
 */
import { isProviderError } from '../provider-error';
import type { BucketRateBudget, RateBudgetOptions } from './rate-budget';

export interface RateBudgetStores {
  /** A budget on the shared state called `name`: budgets opened with one name share it. */
  open(name: string, options: RateBudgetOptions): BucketRateBudget;
  close(): Promise<void>;
}

type Limits = Pick<RateBudgetOptions, 'ratePerSecond' | 'burst' | 'maxWaitMs'>;

export function describeRateBudgetContract(
  driver: string,
  setup: () => Promise<RateBudgetStores>,
): void {
  describe(`RateBudget contract: ${driver}`, () => {
    let stores: RateBudgetStores;
    let opened: BucketRateBudget[] = [];
    let counter = 0;

    beforeAll(async () => {
      stores = await setup();
    });
    afterEach(async () => {
      await Promise.all(opened.map((budget) => budget.close()));
      opened = [];
    });
    afterAll(async () => {
      await stores?.close();
    });

    const uniqueName = () => `contract-${process.pid}-${Date.now()}-${++counter}`;

    /** Budgets on one fake clock (sleeping advances it) sharing one state. */
    function onFakeClock(limits: Limits, replicas = 1) {
      const name = uniqueName();
      let clock = 1_000_000;
      const waits: number[] = [];
      let duringSleep: (() => Promise<void>) | undefined;
      const budgets = Array.from({ length: replicas }, () => {
        const budget = stores.open(name, {
          ...limits,
          now: () => clock,
          sleep: async (ms) => {
            waits.push(ms);
            const hook = duringSleep;
            duringSleep = undefined;
            await hook?.();
            clock += ms;
          },
        });
        opened.push(budget);
        return budget;
      });
      return {
        budgets,
        waits,
        now: () => clock,
        advance: (ms: number) => (clock += ms),
        onNextSleep: (hook: () => Promise<void>) => (duringSleep = hook),
      };
    }

    it('lets a burst through at once, then spaces requests at the sustained rate', async () => {
      const { budgets, waits } = onFakeClock({ ratePerSecond: 10, burst: 3 });
      for (let i = 0; i < 3; i++) await budgets[0].acquire();
      expect(waits).toEqual([]);
      await budgets[0].acquire();
      expect(waits).toEqual([100]);
    });

    it('refills over time up to the burst and no further', async () => {
      const { budgets, waits, advance } = onFakeClock({ ratePerSecond: 10, burst: 2 });
      await budgets[0].acquire();
      await budgets[0].acquire();
      advance(10_000);
      await budgets[0].acquire();
      await budgets[0].acquire();
      expect(waits).toEqual([]);
      await budgets[0].acquire();
      expect(waits).toEqual([100]);
    });

    it('counts the tokens one replica took against the other', async () => {
      const { budgets, waits } = onFakeClock({ ratePerSecond: 10, burst: 2 }, 2);
      await budgets[0].acquire();
      await budgets[0].acquire();
      await budgets[1].acquire();
      expect(waits).toEqual([100]);
    });

    it('pauses every replica after a 429 until the vendor said to come back', async () => {
      const { budgets, waits, now } = onFakeClock({ ratePerSecond: 100 }, 2);
      budgets[0].pauseUntil(now() + 1_500);
      budgets[0].pauseUntil(now() + 500); // an earlier hint never shortens the pause
      await budgets[0].settled();
      await budgets[1].acquire();
      expect(waits).toEqual([1_500]);
    });

    it('waits until the reset the vendor announced when it says nothing is left', async () => {
      const { budgets, waits, now } = onFakeClock({ ratePerSecond: 100 }, 2);
      budgets[0].observe(0, now() + 2_000);
      await budgets[0].settled();
      await budgets[1].acquire();
      expect(waits).toEqual([2_000]);
    });

    it('lowers its estimate to the vendor count, never raises it', async () => {
      const { budgets, waits, now } = onFakeClock({ ratePerSecond: 100 }, 2);
      budgets[0].observe(1, now() + 60_000);
      budgets[0].observe(500, now() + 60_000);
      await budgets[0].settled();
      await budgets[1].acquire();
      expect(waits).toEqual([]);
      await budgets[1].acquire();
      expect(waits).toEqual([10]);
    });

    it('keeps a waiting caller back when a 429 pause arrives while it sleeps', async () => {
      const { budgets, waits, now, onNextSleep } = onFakeClock({ ratePerSecond: 10, burst: 1 }, 2);
      await budgets[0].acquire();
      onNextSleep(async () => {
        // the other replica's request came back 429 while this caller waited for its token
        budgets[1].pauseUntil(now() + 2_000);
        await budgets[1].settled();
      });
      await budgets[0].acquire();
      expect(waits).toEqual([100, 1_900]);
    });

    it('keeps a waiting caller back when its own replica sees a 429 meanwhile', async () => {
      const { budgets, waits, now, onNextSleep } = onFakeClock({ ratePerSecond: 10, burst: 1 });
      await budgets[0].acquire();
      onNextSleep(async () => budgets[0].pauseUntil(now() + 700));
      await budgets[0].acquire();
      expect(waits).toEqual([100, 600]);
    });

    it('answers retry-later instead of waiting longer than maxWaitMs, without using a token', async () => {
      const { budgets, waits, advance } = onFakeClock({
        ratePerSecond: 1,
        burst: 1,
        maxWaitMs: 500,
      });
      await budgets[0].acquire();
      const error = await budgets[0].acquire().catch((e: unknown) => e);
      expect(isProviderError(error)).toBe(true);
      expect(error).toMatchObject({ retryable: true, errorClass: 'RateLimited' });
      expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(waits).toEqual([]);
      advance(1_000);
      await budgets[0].acquire(); // the refused call took nothing: one token is back
      expect(waits).toEqual([]);
    });

    it('gives up retryably when a pause arriving during the wait exceeds maxWaitMs', async () => {
      const { budgets, waits, now, onNextSleep } = onFakeClock({
        ratePerSecond: 10,
        burst: 1,
        maxWaitMs: 1_000,
      });
      await budgets[0].acquire();
      onNextSleep(async () => budgets[0].pauseUntil(now() + 60_000));
      const error = await budgets[0].acquire().catch((e: unknown) => e);
      expect(error).toMatchObject({ retryable: true, errorClass: 'RateLimited' });
      expect(waits).toEqual([100]);
    });

    it('never lets two replicas on the same state exceed the rate together', async () => {
      const rate = 20;
      const burst = 2;
      const name = uniqueName();
      const replicas = [0, 1].map(() => {
        const budget = stores.open(name, { ratePerSecond: rate, burst, maxWaitMs: 10_000 });
        opened.push(budget);
        return budget;
      });
      const sentAt: number[] = [];
      const startedAt = Date.now();
      // Each replica runs three workers of five requests: 30 requests in all.
      await Promise.all(
        replicas.flatMap((budget) =>
          [0, 1, 2].map(async () => {
            for (let i = 0; i < 5; i++) {
              await budget.acquire();
              sentAt.push(Date.now());
            }
          }),
        ),
      );
      expect(sentAt).toHaveLength(30);
      // The first `burst` go at once, the other 28 one 50 ms apart (timer slack: 30 ms).
      expect(Math.max(...sentAt) - startedAt).toBeGreaterThanOrEqual(
        ((30 - burst) / rate) * 1000 - 30,
      );
      sentAt.sort((a, b) => a - b);
      for (const start of sentAt) {
        const inWindow = sentAt.filter((t) => t >= start && t < start + 1_000).length;
        expect(inWindow).toBeLessThanOrEqual(rate + burst);
      }
    });
  });
}
