/**
 * One request budget per vendor account (docs/adding-a-provider.md, "Vendor rate limits").
 * Every adapter asks its budget before each vendor request and tells it what the vendor
 * said about its limits, so a vendor's 429 storm turns into queueing inside the adapter
 * rather than into failed services.
 *
 * The budget is a token bucket whose state (tokens, when they were last refilled, the pause
 * a 429 asked for) lives in a `BucketStore`: this process's memory (`LocalRateBudget`), or
 * state shared by every replica of the adapter — a row of the SQLite queue file
 * (`SqliteBucketStore`) or a NATS JetStream KV entry (`NatsBucketStore`). The arithmetic is
 * the same for all of them (`reserveToken` and friends below); a store only makes each
 * change atomic. rate-budget.contract.ts is the suite every store passes.
 */
import { ProviderError } from '../provider-error';

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

/** A token bucket's state; `tokens` goes negative while callers wait for reserved tokens. */
export interface BucketState {
  tokens: number;
  /** Epoch ms of the last refill. */
  refilledAt: number;
  /** Epoch ms before which no request may go out (a 429's hint, or the vendor's reset). */
  pausedUntil: number;
}

export interface BucketLimits {
  ratePerSecond: number;
  burst: number;
}

/**
 * Where a bucket's state lives. `update` applies `change` to the current state (or to
 * `initial` when there is none yet) atomically — no other update of the same bucket, in
 * this process or another, interleaves — and returns what `change` returned.
 */
export interface BucketStore {
  update<T>(initial: BucketState, change: (state: BucketState) => T): Promise<T>;
  /** Releases what the store holds open (a connection); the budget is unusable after. */
  close?(): Promise<void>;
}

export function fullBucket(limits: BucketLimits, now: number): BucketState {
  return { tokens: limits.burst, refilledAt: now, pausedUntil: 0 };
}

function refill(state: BucketState, limits: BucketLimits, now: number): void {
  const elapsed = Math.max(0, now - state.refilledAt);
  state.tokens = Math.min(limits.burst, state.tokens + (elapsed / 1000) * limits.ratePerSecond);
  state.refilledAt = Math.max(state.refilledAt, now);
}

/**
 * Takes a token now, possibly going negative so that concurrent callers queue in order, and
 * answers how long the caller must wait for it (and for any pause). A wait beyond `maxWaitMs`
 * takes nothing and answers `refused`.
 */
export function reserveToken(
  state: BucketState,
  limits: BucketLimits,
  now: number,
  maxWaitMs: number,
): { waitMs: number; refused: boolean } {
  refill(state, limits, now);
  const after = state.tokens - 1;
  const waitForToken = after >= 0 ? 0 : (-after / limits.ratePerSecond) * 1000;
  const waitMs = Math.max(waitForToken, state.pausedUntil - now);
  if (waitMs > maxWaitMs) return { waitMs, refused: true };
  state.tokens = after;
  return { waitMs, refused: false };
}

/** Gives back a token reserved by a caller that then gave up waiting. */
export function releaseToken(state: BucketState, limits: BucketLimits, now: number): void {
  refill(state, limits, now);
  state.tokens = Math.min(limits.burst, state.tokens + 1);
}

export function observeVendorCount(
  state: BucketState,
  limits: BucketLimits,
  now: number,
  remaining: number,
  resetAtMs: number,
): void {
  refill(state, limits, now);
  if (!Number.isFinite(remaining) || remaining < 0) return;
  // The vendor knows better than our estimate only when it has less left than we think.
  if (remaining < state.tokens) state.tokens = remaining;
  if (remaining === 0 && resetAtMs > now) pause(state, resetAtMs);
}

export function pause(state: BucketState, untilMs: number): void {
  // An earlier hint never shortens a pause.
  if (untilMs > state.pausedUntil) state.pausedUntil = untilMs;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function exhausted(waitMs: number): ProviderError {
  return new ProviderError('vendor rate limit: request budget exhausted', {
    retryable: true,
    errorClass: 'RateLimited',
    retryAfterMs: Math.ceil(waitMs),
  });
}

/** A token bucket over a `BucketStore`; see the file comment. */
export class BucketRateBudget implements RateBudget {
  private readonly limits: BucketLimits;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /**
   * The pause this process knows of, kept even if recording it in a shared store fails, so
   * this replica never goes out during a 429 it received itself.
   */
  private localPausedUntil = 0;
  /** observe()/pauseUntil() are synchronous; acquire() waits for what they are still writing. */
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: BucketStore,
    options: RateBudgetOptions,
  ) {
    if (!(options.ratePerSecond > 0)) throw new Error('ratePerSecond must be > 0');
    this.limits = {
      ratePerSecond: options.ratePerSecond,
      burst: Math.max(1, options.burst ?? options.ratePerSecond),
    };
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async acquire(): Promise<void> {
    await this.pending;
    const startedAt = this.now();
    const reservation = await this.update((state, now) => {
      pause(state, this.localPausedUntil);
      return reserveToken(state, this.limits, now, this.maxWaitMs);
    });
    if (reservation.refused) throw exhausted(reservation.waitMs);
    let waitMs = reservation.waitMs;
    while (waitMs > 0) {
      await this.sleep(Math.ceil(waitMs));
      // A 429 may have arrived (here or at another replica) while this caller slept: the
      // token stays reserved, but it goes out only once that pause is over.
      await this.pending;
      const now = this.now();
      const pausedUntil = await this.update((state) => {
        pause(state, this.localPausedUntil);
        return state.pausedUntil;
      });
      waitMs = pausedUntil - now;
      if (waitMs > 0 && now + waitMs - startedAt > this.maxWaitMs) {
        await this.update((state, at) => releaseToken(state, this.limits, at));
        throw exhausted(waitMs);
      }
    }
  }

  observe(remaining: number, resetAtMs: number): void {
    if (Number.isFinite(remaining) && remaining === 0 && resetAtMs > this.now())
      this.localPausedUntil = Math.max(this.localPausedUntil, resetAtMs);
    this.record((state, now) => observeVendorCount(state, this.limits, now, remaining, resetAtMs));
  }

  pauseUntil(untilMs: number): void {
    this.localPausedUntil = Math.max(this.localPausedUntil, untilMs);
    this.record((state) => pause(state, untilMs));
  }

  /** Resolves once the vendor hints given so far (observe, pauseUntil) are in the store. */
  settled(): Promise<void> {
    return this.pending;
  }

  async close(): Promise<void> {
    await this.pending;
    await this.store.close?.();
  }

  private update<T>(change: (state: BucketState, now: number) => T): Promise<T> {
    const now = this.now();
    return this.store.update(fullBucket(this.limits, now), (state) => change(state, now));
  }

  private record(change: (state: BucketState, now: number) => void): void {
    // A failed write of a vendor hint is not fatal: the local pause still holds here, and
    // the next acquire() reaches the store again (and reports if it cannot).
    this.pending = this.pending.then(() => this.update(change)).catch(() => undefined);
  }
}

/** A bucket in this process's memory. */
export class MemoryBucketStore implements BucketStore {
  private state: BucketState | undefined;

  async update<T>(initial: BucketState, change: (state: BucketState) => T): Promise<T> {
    this.state ??= { ...initial };
    return change(this.state);
  }
}

/** A token bucket in this process's memory: one replica's budget. */
export class LocalRateBudget extends BucketRateBudget {
  constructor(options: RateBudgetOptions) {
    super(new MemoryBucketStore(), options);
  }
}
