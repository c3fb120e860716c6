/**
 * One opossum circuit breaker per key (a provider, or "provider:operation"), created on
 * first use, so one failing vendor fails fast while the others keep their latency.
 *
 * What counts as a failure: a thrown error unless it says `retryable: false` (a vendor 4xx
 * is the caller's problem, not the vendor's health), and a call slower than `timeoutMs`.
 * Open and half-open breakers reject at once with BreakerOpenError (retryable), which
 * says when to come back; the caller retries that part of its job later.
 *
 * Both errors are this lib's own and carry the fields callers read off any failure
 * (`retryable`, `retryAfterMs`, `errorClass`), so resilience depends on no kit (eslint.config.js).
 */
import {
  metrics,
  type Meter,
  type ObservableGauge,
  type ObservableResult,
} from '@opentelemetry/api';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** Gauge values of poppy_circuit_breaker_state. */
export const BREAKER_STATE_VALUE: Readonly<Record<BreakerState, number>> = {
  closed: 0,
  halfOpen: 1,
  open: 2,
};
export const BREAKER_STATE_METRIC = 'poppy_circuit_breaker_state';

export class BreakerOpenError extends Error {
  readonly retryable = true;
  constructor(
    readonly breaker: string,
    /** How long until the breaker lets a probe call through. */
    readonly retryAfterMs: number,
  ) {
    super(`circuit breaker '${breaker}' is open; retry in ${retryAfterMs} ms`);
    this.name = 'BreakerOpenError';
  }
}

/** A call slower than `timeoutMs`: retryable, and counted against the breaker. */
export class BreakerTimeoutError extends Error {
  readonly retryable = true;
  /** What provisioning records as the provider's error_class. */
  readonly errorClass = 'breaker.Timeout';
  constructor(
    readonly breaker: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`'${breaker}' did not answer within ${timeoutMs} ms`, options);
    this.name = 'BreakerTimeoutError';
  }
}

export interface CircuitBreakerOptions {
  /** A call slower than this fails (and counts against the breaker); 0 = no timeout. */
  timeoutMs: number;
  /** Failure percentage within the rolling window that opens the breaker. */
  errorThresholdPercentage: number;
  /** How long an open breaker waits before letting one probe call through (half-open). */
  resetTimeoutMs: number;
  /** Calls within the window before the breaker may open at all. */
  volumeThreshold: number;
  /** The rolling statistics window. @default 10000 */
  rollingCountTimeoutMs?: number;
}

interface Entry {
  breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  openedAt: number;
}

/** A retry-after for calls rejected while the half-open probe is still running. */
const HALF_OPEN_RETRY_MS = 100;

function countsAsFailure(error: unknown): boolean {
  return !(
    typeof error === 'object' &&
    error !== null &&
    (error as { retryable?: unknown }).retryable === false
  );
}

export class CircuitBreakers {
  private readonly entries = new Map<string, Entry>();
  private readonly gauge: ObservableGauge;
  private readonly observe = (result: ObservableResult) => {
    for (const [key, state] of Object.entries(this.states()))
      result.observe(BREAKER_STATE_VALUE[state], { breaker: key });
  };
  private closed = false;

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly logger: Logger,
    meter: Meter = metrics.getMeter('@poppy/resilience'),
  ) {
    this.gauge = meter.createObservableGauge(BREAKER_STATE_METRIC, {
      description: 'Circuit breaker state: 0 closed, 1 half-open, 2 open',
    });
    this.gauge.addCallback(this.observe);
  }

  async call<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('circuit breakers are shut down');
    const entry = this.entry(key);
    try {
      return (await entry.breaker.fire(fn)) as T;
    } catch (error) {
      throw this.translate(key, entry, error);
    }
  }

  states(): Record<string, BreakerState> {
    const states: Record<string, BreakerState> = {};
    for (const [key, { breaker }] of this.entries) {
      states[key] = breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed';
    }
    return states;
  }

  shutdown(): void {
    this.closed = true;
    this.gauge.removeCallback(this.observe);
    for (const { breaker } of this.entries.values()) breaker.shutdown();
    this.entries.clear();
  }

  private entry(key: string): Entry {
    const existing = this.entries.get(key);
    if (existing) return existing;
    const breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
      name: key,
      timeout: this.options.timeoutMs > 0 ? this.options.timeoutMs : false,
      errorThresholdPercentage: this.options.errorThresholdPercentage,
      resetTimeout: this.options.resetTimeoutMs,
      volumeThreshold: this.options.volumeThreshold,
      rollingCountTimeout: this.options.rollingCountTimeoutMs ?? 10_000,
      errorFilter: (error: unknown) => !countsAsFailure(error),
    });
    const entry: Entry = { breaker, openedAt: 0 };
    breaker.on('open', () => {
      entry.openedAt = Date.now();
      const { fires, failures, timeouts } = breaker.stats;
      this.logger.warn(
        {
          breaker: key,
          state: 'open',
          fires,
          failures,
          timeouts,
          resetTimeoutMs: this.options.resetTimeoutMs,
        },
        'circuit breaker opened',
      );
    });
    breaker.on('halfOpen', () =>
      this.logger.info({ breaker: key, state: 'halfOpen' }, 'circuit breaker half-open'),
    );
    breaker.on('close', () =>
      this.logger.info({ breaker: key, state: 'closed' }, 'circuit breaker closed'),
    );
    this.entries.set(key, entry);
    return entry;
  }

  private translate(key: string, entry: Entry, error: unknown): unknown {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'EOPENBREAKER') {
      const retryAfterMs = entry.breaker.halfOpen
        ? HALF_OPEN_RETRY_MS
        : Math.max(0, entry.openedAt + this.options.resetTimeoutMs - Date.now());
      return new BreakerOpenError(key, retryAfterMs);
    }
    if (
      code === 'ETIMEDOUT' &&
      error instanceof Error &&
      error.message.startsWith('Timed out after')
    ) {
      return new BreakerTimeoutError(key, this.options.timeoutMs, { cause: error });
    }
    return error;
  }
}
