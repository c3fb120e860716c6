/**
 * The retry classification every vendor adapter applies to a failed vendor call, and the
 * ProviderError each class becomes. Each adapter's vendor-errors.ts keeps what is its
 * vendor's own (reading the SDK's or the HTTP body's error, the vendor's throttling names,
 * which conflicts are worth retrying) and hands the rest to `vendorErrorClassOf` and
 * `vendorProviderError`:
 *
 * | the call got | class | ProviderError |
 * |---|---|---|
 * | 429 | throttled | retryable, `retryAfterMs` = the vendor's hint, else THROTTLE_HINT_MS |
 * | 5xx | server | retryable, `retryAfterMs` = the vendor's hint, else SERVER_ERROR_HINT_MS |
 * | no HTTP answer: a network failure or a timeout | unreachable | retryable |
 * | no HTTP answer, and not the network (a bug on our side) | failed | not retryable |
 * | any other 4xx | refused | not retryable; the vendor's message is the tenant's `error_message` |
 * | (the adapter's call) a conflict that clears by itself | busy | retryable, soon |
 */
import { ProviderError } from './provider-error';

export const THROTTLE_HINT_MS = 1000;
export const SERVER_ERROR_HINT_MS = 2000;

export type VendorErrorClass =
  'throttled' | 'server' | 'unreachable' | 'failed' | 'refused' | 'busy';

/** The class of a failed call by its HTTP status (`undefined`: no HTTP answer). */
export function vendorErrorClassOf(
  status: number | undefined,
  options: { network: boolean },
): VendorErrorClass {
  if (status === undefined) return options.network ? 'unreachable' : 'failed';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  return 'refused';
}

export interface VendorFailure {
  /** The vendor's display name, e.g. 'Fastly'. */
  vendor: string;
  /** Whose side a 5xx is on. @default the vendor */
  side?: string;
  /** How a throttled message says it. @default 'rate limiting' */
  throttling?: string;
  /** The driver's operation, e.g. 'create'. */
  operation: string;
  /** The vendor's own words: the tenant reads them on a refusal. */
  message: string;
  errorClass?: string;
  detail?: string;
  /** How long the vendor said to wait, if it did. */
  retryAfterMs?: number;
  /** The wait of a busy or throttled call when the vendor gave none. @default THROTTLE_HINT_MS for throttled; none for busy */
  defaultRetryAfterMs?: number;
  cause: unknown;
}

/** The ProviderError of a vendor call that failed with `kind`. */
export function vendorProviderError(kind: VendorErrorClass, f: VendorFailure): ProviderError {
  const opts = { errorClass: f.errorClass, detail: f.detail, cause: f.cause };
  const { vendor, operation, message } = f;
  switch (kind) {
    case 'throttled':
      return new ProviderError(
        `${vendor} is ${f.throttling ?? 'rate limiting'} ${operation}: ${message}`,
        {
          ...opts,
          retryable: true,
          retryAfterMs: f.retryAfterMs ?? f.defaultRetryAfterMs ?? THROTTLE_HINT_MS,
        },
      );
    case 'busy':
      return new ProviderError(`${vendor} ${operation}: ${message}`, {
        ...opts,
        retryable: true,
        retryAfterMs: f.retryAfterMs ?? f.defaultRetryAfterMs,
      });
    case 'server':
      return new ProviderError(
        `${vendor} ${operation} failed on ${f.side ?? vendor}'s side: ${message}`,
        { ...opts, retryable: true, retryAfterMs: f.retryAfterMs ?? SERVER_ERROR_HINT_MS },
      );
    case 'unreachable':
      return new ProviderError(`${vendor} unreachable during ${operation}: ${message}`, {
        ...opts,
        retryable: true,
        retryAfterMs: f.retryAfterMs,
      });
    case 'failed':
      return new ProviderError(`${vendor} ${operation} failed: ${message}`, {
        ...opts,
        retryable: false,
      });
    case 'refused':
      return new ProviderError(`${vendor} refused ${operation}: ${message}`, {
        ...opts,
        retryable: false,
      });
  }
}
