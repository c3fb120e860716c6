/**
 * Akamai's errors → ProviderError, in one place (`fromVendorError`). Whether a call is
 * retried is decided by the HTTP status (and the problem `type` where PAPI says more),
 * never by message text:
 *
 * | Akamai says | ProviderError |
 * |---|---|
 * | 429 (PAPI rate limit, CCU bucket, resource quota) | retryable; `retryAfterMs` = `X-RateLimit-Next` − `Date`, else `Retry-After`, else THROTTLE_HINT_MS |
 * | 409 `resource-busy` (an activation or edit in progress), 412 (the etag moved) | retryable, soon |
 * | 5xx, no answer (network, timeout) | retryable |
 * | 401/403 (EdgeGrid refused, no access) | not retryable: an operator must fix the credentials |
 * | any other 4xx (validation: `bad-cnameto`, activation errors, CPS input) | not retryable; the vendor's `detail` is the tenant's message |
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
export const CONFLICT_HINT_MS = 1000;

/** An HTTP answer ≥ 400 from Akamai: status, the (problem) body, the headers that matter. */
export class AkamaiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: { retryAfter?: string; rateLimitNext?: string; date?: string },
    readonly request: string,
  ) {
    super(AkamaiHttpError.describe(status, body));
    this.name = 'AkamaiHttpError';
  }

  static describe(status: number, body: Record<string, unknown>): string {
    const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const nested = Array.isArray(body.errors)
      ? (body.errors as Array<Record<string, unknown>>)
          .map((e) => text(e.detail) ?? text(e.title))
          .filter(Boolean)
      : [];
    const main = text(body.detail) ?? text(body.title) ?? `HTTP ${status}`;
    return nested.length > 0 ? `${main}: ${nested.join('; ')}` : main;
  }

  /** The last segment of the problem `type` (e.g. `resource-busy`), Poppy's error class. */
  get problemKind(): string {
    const type = typeof this.body.type === 'string' ? this.body.type : '';
    return type.split('/').filter(Boolean).pop() ?? `http-${this.status}`;
  }
}

/** When the vendor said to come back: X-RateLimit-Next − Date (both needed), else Retry-After. */
export function retryAfterMsOf(
  headers: AkamaiHttpError['headers'],
  now = Date.now(),
): number | undefined {
  if (headers.rateLimitNext) {
    const next = Date.parse(headers.rateLimitNext);
    const date = headers.date ? Date.parse(headers.date) : now;
    if (!Number.isNaN(next) && !Number.isNaN(date)) return Math.max(0, next - date);
  }
  const raw = headers.retryAfter?.trim();
  if (!raw) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function fromVendorError(error: unknown, operation: string): ProviderError {
  if (error instanceof ProviderError) return error;
  if (!(error instanceof AkamaiHttpError)) {
    const message = error instanceof Error ? error.message : String(error);
    const name = error instanceof Error ? error.name : 'Error';
    // fetch failed, a timeout: Akamai unreachable.
    const network = name === 'TypeError' || name === 'TimeoutError' || name === 'AbortError';
    return vendorProviderError(vendorErrorClassOf(undefined, { network }), {
      vendor: 'Akamai',
      operation,
      message,
      errorClass: `akamai.${name}`,
      cause: error,
    });
  }
  const detail = JSON.stringify({
    operation,
    request: error.request,
    status: error.status,
    body: error.body,
  });
  const { status } = error;
  // 409 resource-busy (an activation or edit in progress), 412 (the etag moved): soon.
  const kind: VendorErrorClass =
    status === 409 || status === 412 ? 'busy' : vendorErrorClassOf(status, { network: false });
  return vendorProviderError(kind, {
    vendor: 'Akamai',
    operation,
    message: error.message,
    errorClass: `akamai.${error.problemKind}`,
    detail,
    retryAfterMs: retryAfterMsOf(error.headers),
    defaultRetryAfterMs: kind === 'busy' ? CONFLICT_HINT_MS : undefined,
    cause: error,
  });
}

/** Runs one Akamai call; what it throws becomes a ProviderError naming `operation`. */
export async function withVendorErrors<T>(operation: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw fromVendorError(error, operation);
  }
}
