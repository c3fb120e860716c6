/**
 * CloudFront's errors → ProviderError, in one place (`fromVendorError`). Whether a call is
 * retried is decided here, by the error's name and HTTP status, never by its text:
 *
 * | CloudFront / SDK says | ProviderError |
 * |---|---|
 * | throttling (`Throttling`, 429, `TooManyInvalidationsInProgress`, the SDK's throttling flag) | retryable, `retryAfterMs` from `Retry-After` or the SDK's hint, else THROTTLE_HINT_MS |
 * | 5xx, a network failure or a timeout (no HTTP answer) | retryable |
 * | `PreconditionFailed` (the ETag moved: someone changed the distribution meanwhile) | retryable, soon |
 * | `DistributionNotDisabled` (disabling has not deployed yet) | retryable |
 * | any other 4xx (validation: `InvalidArgument`, `CNAMEAlreadyExists`, …) | not retryable; the vendor's message is the tenant's `error_message` |
 *
 * The classes and the ProviderError of each are shared by every adapter
 * (libs/provider-kit/src/vendor-error-class.ts); what is read from the vendor's error is here.
 */
import {
  ProviderError,
  vendorErrorClassOf,
  vendorProviderError,
  type VendorErrorClass,
} from '@poppy/provider-kit';

export { SERVER_ERROR_HINT_MS, THROTTLE_HINT_MS } from '@poppy/provider-kit';

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'SlowDown',
  'TooManyInvalidationsInProgress',
]);
const RETRYABLE_CLIENT = new Set([
  'PreconditionFailed',
  'DistributionNotDisabled',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: {
    httpStatusCode?: number;
    requestId?: string;
    totalRetryDelay?: number;
    attempts?: number;
  };
  $response?: { headers?: Record<string, string | undefined> };
}

/** `Retry-After` (seconds or an HTTP date) in ms, if the vendor sent one. */
export function retryAfterMsOf(
  headers: Record<string, string | undefined> | undefined,
  now = Date.now(),
): number | undefined {
  const raw = headers?.['retry-after'] ?? headers?.['Retry-After'];
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw.trim()) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function fromVendorError(error: unknown, operation: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const vendorMessage = e.message || name;
  const detail = JSON.stringify({
    operation,
    name,
    status,
    requestId: e.$metadata?.requestId,
    message: vendorMessage,
  });
  const errorClass = `cloudfront.${name}`;
  const hinted = retryAfterMsOf(e.$response?.headers);

  // No HTTP answer: the vendor is unreachable or the call timed out, else a bug on our side.
  const network =
    NETWORK_CODES.has(e.code ?? '') ||
    ['TimeoutError', 'AbortError'].includes(name) ||
    /socket|network|connect/i.test(vendorMessage);
  let kind: VendorErrorClass = vendorErrorClassOf(status, { network });
  if (THROTTLING.has(name) || e.$retryable?.throttling) kind = 'throttled';
  else if (RETRYABLE_CLIENT.has(name)) kind = 'busy';
  else if (kind === 'refused' && e.$fault === 'server') kind = 'server';
  return vendorProviderError(kind, {
    vendor: 'CloudFront',
    side: 'AWS',
    throttling: 'throttling',
    operation,
    message: vendorMessage,
    errorClass: kind === 'unreachable' ? `cloudfront.${e.code ?? name}` : errorClass,
    detail,
    retryAfterMs: hinted,
    cause: error,
  });
}

/** Runs one CloudFront call; what it throws becomes a ProviderError naming `operation`. */
export async function withVendorErrors<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw fromVendorError(error, operation);
  }
}
