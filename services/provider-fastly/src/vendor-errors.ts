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
 */
import { ProviderError } from '@poppy/provider-kit';

export const THROTTLE_HINT_MS = 1000;
export const SERVER_ERROR_HINT_MS = 2000;

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
    const errorClass = `fastly.Http${error.status}`;
    if (error.status === 429)
      return new ProviderError(`Fastly is rate limiting ${operation}: ${error.message}`, {
        retryable: true,
        retryAfterMs: error.retryAfterMs ?? THROTTLE_HINT_MS,
        errorClass: 'fastly.RateLimited',
        detail,
        cause: error,
      });
    if (error.status >= 500)
      return new ProviderError(`Fastly ${operation} failed on Fastly's side: ${error.message}`, {
        retryable: true,
        retryAfterMs: SERVER_ERROR_HINT_MS,
        errorClass,
        detail,
        cause: error,
      });
    if (error.status === 409)
      return new ProviderError(`Fastly ${operation}: ${error.message}`, {
        retryable: true,
        retryAfterMs: THROTTLE_HINT_MS,
        errorClass: 'fastly.Conflict',
        detail,
        cause: error,
      });
    return new ProviderError(`Fastly refused ${operation}: ${error.message}`, {
      retryable: false,
      errorClass,
      detail,
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
  return new ProviderError(
    network
      ? `Fastly unreachable during ${operation}: ${message}`
      : `Fastly ${operation} failed: ${message}`,
    {
      retryable: network,
      errorClass: `fastly.${code ?? e.name ?? 'Error'}`,
      detail: JSON.stringify({ operation, message }),
      cause: error,
    },
  );
}

/** Runs one Fastly call; what it throws becomes a ProviderError naming `operation`. */
export async function withVendorErrors<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw fromVendorError(error, operation);
  }
}
