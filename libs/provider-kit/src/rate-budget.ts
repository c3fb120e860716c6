/**
 * One request budget per vendor account (docs/adding-a-provider.md, "Vendor rate limits").
 * Every adapter asks its budget before each vendor request and tells it what the vendor
 * said about its limits, so a vendor's 429 storm turns into queueing inside the adapter
 * rather than into failed services.
 *
 * `LocalRateBudget` is a token bucket in this process's memory. A budget shared by every
 * replica of an adapter (and every worker) implements the same interface over shared state.
 */
import { ProviderError } from './provider-error';

export interface RateBudget {
  /**
   * Resolves once one request may go out now. Throws a retryable ProviderError (with the
   * wait as its retry hint) when the wait would be longer than the budget's `maxWaitMs`:
   * the job is then retried later instead of holding a worker.
   */
  acquire(): Promise<void>;
  /** The vendor's own count: `remaining` requests until `resetAtMs` (epoch ms). */
  observe(remaining: number, resetAtMs: number): void;
  /** The vendor refused for being over its limit: no request goes out before `untilMs`. */
  pauseUntil(untilMs: number): void;
}

export interface RateBudgetOptions {
  /** Sustained requests per second the vendor publishes for the account. */
  ratePerSecond: number;
  /** Requests that may go out at once after a quiet period. @default ratePerSecond */
  burst?: number;
  /** Longest wait `acquire` accepts before it answers "retry later". @default 30000 */
  maxWaitMs?: number;
  /** For tests: the clock and the timer. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LocalRateBudget implements RateBudget {
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private tokens: number;
  private refilledAt: number;
  private pausedUntil = 0;

  constructor(options: RateBudgetOptions) {
    if (!(options.ratePerSecond > 0)) throw new Error('ratePerSecond must be > 0');
    this.rate = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? options.ratePerSecond);
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.tokens = this.burst;
    this.refilledAt = this.now();
  }

  async acquire(): Promise<void> {
    // Reserve a token now (possibly going negative) so concurrent callers queue in order.
    const now = this.now();
    this.refill(now);
    this.tokens -= 1;
    const waitForToken = this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
    const wait = Math.max(waitForToken, this.pausedUntil - now);
    if (wait > this.maxWaitMs) {
      this.tokens += 1; // not taken
      throw new ProviderError('vendor rate limit: request budget exhausted', {
        retryable: true,
        errorClass: 'RateLimited',
        retryAfterMs: Math.ceil(wait),
      });
    }
    if (wait > 0) await this.sleep(Math.ceil(wait));
  }

  observe(remaining: number, resetAtMs: number): void {
    const now = this.now();
    this.refill(now);
    if (!Number.isFinite(remaining) || remaining < 0) return;
    // The vendor knows better than our estimate only when it has less left than we think.
    if (remaining < this.tokens) this.tokens = remaining;
    if (remaining === 0 && resetAtMs > now) this.pauseUntil(resetAtMs);
  }

  pauseUntil(untilMs: number): void {
    if (untilMs > this.pausedUntil) this.pausedUntil = untilMs;
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.refilledAt);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.rate);
    this.refilledAt = now;
  }
}
