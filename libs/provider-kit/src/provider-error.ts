/**
 * The one error type of a provider call, on both sides of the wire: a driver throws it,
 * the adapter turns it into a gRPC status + metadata (provider-errors.ts), and the client
 * rebuilds it. Whether to retry is a property of the error, never of its message.
 */
export interface ProviderErrorOptions {
  /** Try again later (vendor 5xx/429, timeout, vendor unreachable). @default false */
  retryable?: boolean;
  /** When the vendor said when to come back (Retry-After). */
  retryAfterMs?: number;
  /** Longer text for operators: the vendor's answer, a stack. Goes to `error_info`. */
  detail?: string;
  /** What failed, e.g. "fastly.RateLimited" — Poppy's `error_class`. */
  errorClass?: string;
  cause?: unknown;
}

export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly detail?: string;
  readonly errorClass?: string;

  constructor(message: string, opts: ProviderErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderError';
    this.retryable = opts.retryable ?? false;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
    if (opts.detail !== undefined) this.detail = opts.detail;
    if (opts.errorClass !== undefined) this.errorClass = opts.errorClass;
  }
}

export function isProviderError(value: unknown): value is ProviderError {
  return value instanceof ProviderError;
}
