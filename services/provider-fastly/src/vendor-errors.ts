/**
 * Fastly's errors → ProviderError, in one place (`fromVendorError`). Whether a call is
 * retried is decided here, by HTTP status, never by the message text:
 *
 * | Fastly says | ProviderError |
 * |---|---|
 * | 429 (over `Fastly-RateLimit-*`) | retryable, `retryAfterMs` until `Fastly-RateLimit-Reset` (else THROTTLE_HINT_MS) |
 * | 5xx, a network failure or a timeout (no HTTP answer) | retryable |
 * | 409 `Duplicate record` (a concurrent writer made the object) | retryable, soon: the next run reads it |
 * | 401/403 (bad `Fastly-Key`) | not retryable |
 * | any other 4xx (validation: `Bad request` + detail, a failed activation) | not retryable; Fastly's `detail` (else `msg`) is the tenant's `error_message` |
 *
 * The classes and the ProviderError of each are shared by every adapter
 * (libs/provider-kit/src/vendor-error-class.ts); what is read from the vendor's error is here.
 */
import {
  ProviderError,
  THROTTLE_HINT_MS,
  vendorErrorClassOf,
  vendorProviderError,
  type VendorErrorClass,
} from '@poppy/provider-kit';

export { SERVER_ERROR_HINT_MS, THROTTLE_HINT_MS } from '@poppy/provider-kit';

/** An answer of Fastly that is not a success, read from its legacy, JSON:API or problem body. */
export class FastlyHttpError extends Error {
  override readonly name = 'FastlyHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly method: string,
    readonly path: string,
    /** From `Fastly-RateLimit-Reset` on a 429: ms until Fastly takes writes again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** The readable part of a Fastly error body (any of its three shapes), else the status text. */
export function vendorMessageOf(body: unknown, fallback: string): string {
  if (typeof body !== 'object' || body === null) return fallback;
  const b = body as {
    msg?: unknown;
    detail?: unknown;
    title?: unknown;
    errors?: Array<{ detail?: unknown; title?: unknown; reason?: unknown }>;
  };
  const first = Array.isArray(b.errors) ? b.errors[0] : undefined;
  const pick = (...values: unknown[]) =>
    values.find((v): v is string => typeof v === 'string' && v !== '');
  const detail = pick(b.detail, first?.detail, first?.reason);
  const title = pick(b.msg, b.title, first?.title);
  if (detail && title && detail !== title) return `${title}: ${detail}`;
  return detail ?? title ?? fallback;
}

interface NetworkErrorShape {
  name?: string;
  message?: string;
  code?: string;
  cause?: { code?: string; message?: string };
}

export function fromVendorError(error: unknown, operation: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof FastlyHttpError) {
    const detail = JSON.stringify({
      operation,
      status: error.status,
      request: `${error.method} ${error.path}`,
      message: error.message,
    });
    // 409 `Duplicate record`: a concurrent writer made the object; the next run reads it.
    const kind: VendorErrorClass =
      error.status === 409 ? 'busy' : vendorErrorClassOf(error.status, { network: false });
    const errorClass =
      kind === 'throttled'
        ? 'fastly.RateLimited'
        : kind === 'busy'
          ? 'fastly.Conflict'
          : `fastly.Http${error.status}`;
    return vendorProviderError(kind, {
      vendor: 'Fastly',
      operation,
      message: error.message,
      errorClass,
      detail,
      // Only a 429 carries Fastly's wait (Fastly-RateLimit-Reset).
      retryAfterMs: kind === 'throttled' ? error.retryAfterMs : undefined,
      defaultRetryAfterMs: kind === 'busy' ? THROTTLE_HINT_MS : undefined,
      cause: error,
    });
  }
  const e = (
    typeof error === 'object' && error !== null ? error : { message: String(error) }
  ) as NetworkErrorShape;
  const message = e.cause?.message ?? e.message ?? String(error);
  const code = e.cause?.code ?? e.code;
  // fetch rejects with a TypeError whose cause carries the socket error; an abort is a timeout.
  const network =
    code !== undefined ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError' ||
    (e.name === 'TypeError' && /fetch failed/i.test(e.message ?? ''));
  return vendorProviderError(vendorErrorClassOf(undefined, { network }), {
    vendor: 'Fastly',
    operation,
    message,
    errorClass: `fastly.${code ?? e.name ?? 'Error'}`,
    detail: JSON.stringify({ operation, message }),
    cause: error,
  });
}

/** Runs one Fastly call; what it throws becomes a ProviderError naming `operation`. */
export async function withVendorErrors<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw fromVendorError(error, operation);
  }
}
