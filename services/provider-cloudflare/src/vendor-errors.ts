/**
 * Cloudflare's errors → ProviderError, in one place (`fromVendorError`). Whether a call is
 * retried is decided here, from the HTTP status and Cloudflare's error codes, never from
 * the message text (the SDK raises `APIError` subclasses with `status`, `headers` and the
 * envelope's `errors[{code, message}]`; vendor doc §0, §2):
 *
 * | Cloudflare / SDK says | ProviderError |
 * |---|---|
 * | 429 (API limit or purge bucket) | retryable, `retryAfterMs` from `retry-after-ms` / `Retry-After`, else THROTTLE_HINT_MS |
 * | 5xx, no answer (connection error, timeout) | retryable |
 * | 409 other than a duplicate (a lock the SDK calls retryable) | retryable |
 * | 401/403 (token unknown or not granted the zone) | not retryable: an operator must fix the token |
 * | any other 4xx (validation: 14xx hostname errors, 20xxx rules errors, quotas) | not retryable; Cloudflare's messages are the tenant's `error_message` |
 *
 * The classes and the ProviderError of each are shared by every adapter
 * (libs/provider-kit/src/vendor-error-class.ts); what is read from the vendor's error is here.
 */
import { APIConnectionError } from 'cloudflare';
import {
  ProviderError,
  vendorErrorClassOf,
  vendorProviderError,
  type VendorErrorClass,
} from '@poppy/provider-kit';

export { SERVER_ERROR_HINT_MS, THROTTLE_HINT_MS } from '@poppy/provider-kit';

interface SdkErrorShape {
  name?: string;
  message?: string;
  status?: number;
  headers?: Headers | Record<string, string | undefined>;
  errors?: Array<{ code?: number; message?: string }>;
}

function header(headers: SdkErrorShape['headers'], name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function')
    return (headers as Headers).get(name) ?? undefined;
  return (headers as Record<string, string | undefined>)[name];
}

/** How long Cloudflare asked to wait: `retry-after-ms`, else `Retry-After` (seconds or a date). */
export function retryAfterMsOf(
  headers: SdkErrorShape['headers'],
  now = Date.now(),
): number | undefined {
  const ms = header(headers, 'retry-after-ms');
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const raw = header(headers, 'retry-after');
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
  const status = typeof e.status === 'number' ? e.status : undefined;
  const errors = Array.isArray(e.errors) ? e.errors : [];
  const vendorMessage =
    errors
      .map((x) => x.message)
      .filter(Boolean)
      .join('; ') ||
    e.message ||
    e.name ||
    'unknown error';
  const codes = errors.map((x) => x.code).filter((c): c is number => typeof c === 'number');
  const detail = JSON.stringify({ operation, name: e.name, status, codes, message: vendorMessage });
  const errorClass = `cloudflare.${codes[0] ?? status ?? e.name ?? 'Error'}`;
  const hinted = retryAfterMsOf(e.headers);

  // No HTTP answer: the SDK's APIConnectionError / APIConnectionTimeoutError, or a bug.
  let kind: VendorErrorClass = vendorErrorClassOf(status, {
    network: error instanceof APIConnectionError,
  });
  // A 409 other than a duplicate (1406) is a lock that clears: retried like a 5xx.
  if (status === 409 && !codes.includes(1406)) kind = 'server';
  return vendorProviderError(kind, {
    vendor: 'Cloudflare',
    operation,
    message: vendorMessage,
    errorClass:
      kind === 'throttled'
        ? 'cloudflare.RateLimited'
        : status === undefined
          ? `cloudflare.${e.name ?? 'Error'}`
          : errorClass,
    detail,
    retryAfterMs: status === undefined ? undefined : hinted,
    cause: error,
  });
}

/** Runs one Cloudflare call; what it throws becomes a ProviderError naming `operation`. */
export async function withVendorErrors<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw fromVendorError(error, operation);
  }
}
