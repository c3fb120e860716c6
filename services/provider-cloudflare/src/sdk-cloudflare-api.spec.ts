import type { RateBudget } from '@poppy/provider-kit';
import { budgetedFetch } from './sdk-cloudflare-api';

class RecordingBudget implements RateBudget {
  readonly events: string[] = [];
  async acquire(): Promise<void> {
    this.events.push('acquire');
  }
  observe(remaining: number, resetAtMs: number): void {
    this.events.push(`observe ${remaining} ${resetAtMs}`);
  }
  pauseUntil(untilMs: number): void {
    this.events.push(`pause ${untilMs}`);
  }
}

const NOW = 1_000_000;
const answer = (status: number, headers: Record<string, string>) => async () =>
  new Response('{}', { status, headers });

describe('budgetedFetch', () => {
  it('acquires before each request and passes on the Ratelimit header', async () => {
    const budget = new RecordingBudget();
    const send = budgetedFetch(
      budget,
      answer(200, { ratelimit: '"default";r=50;t=30' }),
      () => NOW,
    );
    await send('http://x/client/v4/zones');
    expect(budget.events).toEqual(['acquire', `observe 50 ${NOW + 30_000}`]);
  });

  it('reads the older x-ratelimit-* headers', async () => {
    const budget = new RecordingBudget();
    const reset = new Date(NOW + 60_000).toUTCString();
    await budgetedFetch(
      budget,
      answer(200, { 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': reset }),
      () => NOW,
    )('http://x');
    expect(budget.events).toEqual(['acquire', `observe 3 ${Date.parse(reset)}`]);
  });

  it('pauses the budget until Retry-After on a 429', async () => {
    const budget = new RecordingBudget();
    const response = await budgetedFetch(
      budget,
      answer(429, { 'retry-after': '4', ratelimit: '"default";r=0;t=4' }),
      () => NOW,
    )('http://x');
    expect(response.status).toBe(429);
    expect(budget.events).toEqual(['acquire', `observe 0 ${NOW + 4000}`, `pause ${NOW + 4000}`]);
  });
});
