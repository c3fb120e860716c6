/**
 * The one translation table between ProviderError and gRPC (proto/poppy/provider/v1):
 * the status code says whether to retry, trailing metadata carries the rest. Both
 * directions live here so they cannot drift apart; provider-errors.spec.ts has a row per code.
 */
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ProviderError } from './provider-error';

export const RETRY_AFTER_METADATA_KEY = 'poppy-retry-after-ms';
export const DETAIL_METADATA_KEY = 'poppy-error-detail';
export const CLASS_METADATA_KEY = 'poppy-error-class';

/** Status codes a caller retries later; every other code is reported as it is. */
export const RETRYABLE_GRPC_STATUSES: ReadonlySet<GrpcStatus> = new Set([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.ABORTED,
  GrpcStatus.CANCELLED,
]);

/** What an adapter answers for an error that is not a ProviderError (a bug): never retried. */
export const INTERNAL_ERROR_CLASS = 'InternalError';
export const INTERNAL_ERROR_MESSAGE = 'internal error in the provider adapter';
const DEFAULT_ERROR_CLASS = 'ProviderError';
/** Metadata stays well under gRPC's default 8 KiB header budget. */
const MAX_DETAIL_CHARS = 4000;

/**
 * Metadata text values must be printable ASCII: everything else (newlines of a stack,
 * UTF-8) and '%' itself are percent-encoded, so decodeURIComponent restores the text.
 */
export function encodeMetadataText(text: string): string {
  return text.replace(/[^\x20-\x24\x26-\x7e]+/g, (run) => encodeURIComponent(run));
}

export function decodeMetadataText(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A thrown value → the gRPC error an adapter answers with. `unexpected` says the driver had a bug. */
export function providerErrorToGrpc(error: unknown): {
  grpcError: Partial<ServiceError>;
  unexpected: boolean;
} {
  const metadata = new Metadata();
  if (error instanceof ProviderError) {
    metadata.set(CLASS_METADATA_KEY, encodeMetadataText(error.errorClass ?? DEFAULT_ERROR_CLASS));
    if (error.retryAfterMs !== undefined && Number.isFinite(error.retryAfterMs)) {
      metadata.set(RETRY_AFTER_METADATA_KEY, String(Math.max(0, Math.round(error.retryAfterMs))));
    }
    if (error.detail)
      metadata.set(
        DETAIL_METADATA_KEY,
        encodeMetadataText(error.detail.slice(0, MAX_DETAIL_CHARS)),
      );
    return {
      grpcError: {
        code: error.retryable ? GrpcStatus.UNAVAILABLE : GrpcStatus.FAILED_PRECONDITION,
        details: error.message,
        metadata,
      },
      unexpected: false,
    };
  }
  // The cause goes to the adapter's log, never over the wire (it may hold credentials or URLs).
  metadata.set(CLASS_METADATA_KEY, INTERNAL_ERROR_CLASS);
  return {
    grpcError: { code: GrpcStatus.INTERNAL, details: INTERNAL_ERROR_MESSAGE, metadata },
    unexpected: true,
  };
}

function firstText(metadata: Metadata | undefined, key: string): string | undefined {
  const value = metadata?.get(key)[0];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A gRPC client error → ProviderError. Errors that did not come from an adapter (deadline
 * exceeded, adapter unreachable) carry no poppy-error-class; they get `grpc.<STATUS>`.
 */
export function providerErrorFromGrpc(error: ServiceError): ProviderError {
  const metadata = error.metadata as Metadata | undefined;
  const errorClass = firstText(metadata, CLASS_METADATA_KEY);
  const retryAfter = firstText(metadata, RETRY_AFTER_METADATA_KEY);
  const detail = firstText(metadata, DETAIL_METADATA_KEY);
  const retryAfterMs =
    retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  return new ProviderError(error.details || error.message, {
    retryable: RETRYABLE_GRPC_STATUSES.has(error.code),
    retryAfterMs,
    detail: detail === undefined ? undefined : decodeMetadataText(detail),
    errorClass:
      errorClass === undefined
        ? `grpc.${GrpcStatus[error.code] ?? error.code}`
        : decodeMetadataText(errorClass),
    cause: error,
  });
}
