import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  const opts = { initialMs: 100, maxMs: 1000 };

  it('grows by the factor from initialMs and stops at maxMs', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(a, opts))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3].map((a) => backoffDelayMs(a, { ...opts, factor: 3 }))).toEqual([100, 300, 900]);
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
