import { LocalRateLimiter, RateLimitedError } from './rate-limit';

async function verdict(limiter: LocalRateLimiter, project: string, cls: 'reader' | 'member') {
  try {
    await limiter.admit(project, cls);
    return 'ok';
  } catch (e) {
    if (e instanceof RateLimitedError) return e.retryAfterSeconds;
    throw e;
  }
}

describe('LocalRateLimiter', () => {
  it('admits a burst, refuses with the wait, refills at the rate', async () => {
    let now = 0;
    const limiter = new LocalRateLimiter({ reader: { perSecond: 0.5, burst: 2 } }, 10, () => now);
    const first = [
      await verdict(limiter, 'a', 'reader'),
      await verdict(limiter, 'a', 'reader'),
      await verdict(limiter, 'a', 'reader'),
    ];
    expect(first).toEqual(['ok', 'ok', 2]);
    now = 1000;
    expect(await verdict(limiter, 'a', 'reader')).toBe(1);
    now = 2000;
    expect(await verdict(limiter, 'a', 'reader')).toBe('ok');
  });

  it('counts each project and each class apart; an unlimited class is never refused', async () => {
    const limiter = new LocalRateLimiter({ reader: { perSecond: 1, burst: 1 } }, 10, () => 0);
    expect([
      await verdict(limiter, 'a', 'reader'),
      await verdict(limiter, 'a', 'reader'),
      await verdict(limiter, 'b', 'reader'),
      await verdict(limiter, 'a', 'member'),
      await verdict(limiter, 'a', 'member'),
    ]).toEqual(['ok', 1, 'ok', 'ok', 'ok']);
  });
});
