import { backoffDelayMs, retryDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  const opts = { initialMs: 100, maxMs: 1000 };

  it('grows by the factor from initialMs and stops at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, opts))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect([1, 2, 3].map((a) => backoffDelayMs(a, { ...opts, factor: 3 }))).toEqual([
      100, 300, 900,
    ]);
  });

  it('stays finite far past the float range of factor^attempt', () => {
    expect(backoffDelayMs(5_000, opts)).toBe(1000);
    expect(backoffDelayMs(5_000, { initialMs: 0, maxMs: 1000 })).toBe(0);
  });

  it('treats attempts below 1 as the first', () => {
    expect(backoffDelayMs(0, opts)).toBe(100);
    expect(backoffDelayMs(-3, opts)).toBe(100);
  });

  it('draws a jittered delay from [base·(1-jitter), base]', () => {
    expect(backoffDelayMs(3, { ...opts, jitter: 0.5, random: () => 0 })).toBe(400);
    expect(backoffDelayMs(3, { ...opts, jitter: 0.5, random: () => 1 })).toBe(200);
    expect(backoffDelayMs(3, { ...opts, jitter: 1, random: () => 0.25 })).toBe(300);
    for (let i = 0; i < 50; i += 1) {
      const delay = backoffDelayMs(2, { ...opts, jitter: 0.2 });
      expect(delay).toBeGreaterThanOrEqual(160);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });
});

describe('retryDelayMs', () => {
  const opts = { initialMs: 100, maxMs: 1000 };

  it('is the backoff when the error asks for nothing or for less', () => {
    expect(retryDelayMs(new Error('x'), 3, opts)).toBe(400);
    expect(retryDelayMs({ retryAfterMs: 50 }, 3, opts)).toBe(400);
    expect(retryDelayMs(undefined, 1, opts)).toBe(100);
    expect(retryDelayMs({ retryAfterMs: 'soon' }, 2, opts)).toBe(200);
  });

  it('waits as long as the vendor asked when that is longer, up to maxRetryAfterMs', () => {
    expect(retryDelayMs({ retryAfterMs: 2500 }, 1, opts)).toBe(2500);
    expect(retryDelayMs({ retryAfterMs: 120_000 }, 1, { ...opts, maxRetryAfterMs: 30_000 })).toBe(
      30_000,
    );
  });
});
