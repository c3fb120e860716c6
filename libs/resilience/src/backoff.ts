export interface BackoffOptions {
  /** Delay before the second attempt. */
  initialMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Growth per attempt. @default 2 */
  factor?: number;
  /**
   * Share of the delay that is random, 0..1: the delay is drawn from
   * [base·(1-jitter), base], so workers retrying together spread out. @default 0
   */
  jitter?: number;
  /** @default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff: attempt 1 waits `initialMs`, each further attempt `factor` times
 * longer, never more than `maxMs`. The one backoff of the repository: the job queue's
 * redelivery, provisioning's retries, the outbox relay and the DNS service all use it.
 */
export function backoffDelayMs(attempt: number, opts: BackoffOptions): number {
  const factor = opts.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0));
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const grown = opts.initialMs * Math.pow(factor, exponent);
  // NaN only as 0·∞ (a zero initial delay after ~1000 attempts): zero stays zero.
  const base = Number.isNaN(grown) ? 0 : Math.min(opts.maxMs, grown);
  const random = opts.random ?? Math.random;
  return Math.max(0, Math.round(base * (1 - jitter * random())));
}

/**
 * The delay before retrying after `error`: the backoff for this attempt, but never less than
 * what the vendor asked for (`retryAfterMs` of a ProviderError or BreakerOpenError, i.e. a
 * 429's Retry-After or the time until a breaker's half-open probe), capped at `maxRetryAfterMs`.
 */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  opts: BackoffOptions & { maxRetryAfterMs?: number },
): number {
  const backoff = backoffDelayMs(attempt, opts);
  const asked = (error as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  if (typeof asked !== 'number' || !Number.isFinite(asked) || asked <= backoff) return backoff;
  return Math.round(Math.min(asked, opts.maxRetryAfterMs ?? Number.POSITIVE_INFINITY));
}
