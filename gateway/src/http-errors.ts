/**
 * What the tenant sees of an error (docs/behaviour.md §2.4): a 4xx carries Poppy's message; a 5xx
 * carries only a generic message and the request id, while the cause goes to the log.
 */
import { HTTP_STATUS_BY_KIND } from '@poppy/platform';
import { isPoppyError, type ErrorMessage } from '@poppy/domain';
import { RATE_LIMITED_MESSAGE, RateLimitedError } from './rate-limit';

export const INTERNAL_ERROR_MESSAGE =
  'The server encountered an unexpected condition which prevented it from fulfilling the request.';
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable. Please retry later.';
export const NOT_FOUND_MESSAGE = 'The resource could not be found.';
export const METHOD_NOT_ALLOWED_MESSAGE = 'The method is not allowed for the requested URL.';

/** Seconds a client is asked to wait (`Retry-After`) before retrying a 503 or a 429. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * A feature whose service is not configured in this deployment: 503 with a message that
 * names the missing setting (retrying does not help until an operator sets it), not the
 * generic "temporarily unavailable" of a dependency that is down.
 */
export class NotConfiguredError extends Error {
  constructor(readonly publicMessage: string) {
    super(publicMessage);
    this.name = 'NotConfiguredError';
  }
}

/**
 * The caller is not authenticated (401, with the WWW-Authenticate challenge of the auth
 * mode) or its roles do not allow the route (403). docs/auth.md.
 */
export class AccessDeniedError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly publicMessage: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(publicMessage);
    this.name = 'AccessDeniedError';
  }
}

export const UNAUTHENTICATED_MESSAGE = 'The request you have made requires authentication.';
export const FORBIDDEN_MESSAGE = 'You are not authorized to perform the requested action.';

export interface HttpError {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
  /** True when the cause must be logged (the tenant only sees a request id). */
  log: boolean;
}

/** Poppy embeds a message that is itself JSON (object, array, number) parsed, not as a string. */
export function messageValue(detail: ErrorMessage): unknown {
  if (typeof detail !== 'string') return detail;
  const trimmed = detail.trim();
  if (/^[[{\-0-9]/.test(trimmed)) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (typeof parsed === 'object' || typeof parsed === 'number') return parsed;
    } catch {
      // not JSON: a plain message
    }
  }
  return detail;
}

export function toHttpError(error: unknown, requestId: string): HttpError {
  if (error instanceof RateLimitedError)
    return {
      status: 429,
      body: { message: RATE_LIMITED_MESSAGE },
      headers: { 'retry-after': String(error.retryAfterSeconds) },
      log: false,
    };
  if (error instanceof AccessDeniedError)
    return {
      status: error.status,
      body: { message: error.publicMessage },
      headers: error.headers,
      log: false,
    };
  if (error instanceof NotConfiguredError)
    return { status: 503, body: { message: error.publicMessage }, log: false };
  if (isPoppyError(error)) {
    const status = HTTP_STATUS_BY_KIND[error.kind];
    if (status < 500) return { status, body: { message: messageValue(error.detail) }, log: false };
    if (status === 503)
      return { status, body: { message: UNAVAILABLE_MESSAGE, request_id: requestId }, log: true };
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    // Errors fastify raised itself before our handler ran: body too large, bad encoding…
    return { status: statusCode, body: { message: (error as Error).message }, log: false };
  }
  return {
    status: 500,
    body: { message: INTERNAL_ERROR_MESSAGE, request_id: requestId },
    log: true,
  };
}
