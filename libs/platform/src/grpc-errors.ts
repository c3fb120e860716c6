/**
 * The one translation table between domain errors and gRPC statuses, and from gRPC
 * statuses to HTTP. The error kind travels in metadata so the gateway maps it exactly;
 * the message travels as the status details (JSON text for structured messages).
 */
import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { PoppyError, type ErrorKind } from '@poppy/domain';

export const KIND_METADATA_KEY = 'poppy-error-kind';

export const GRPC_STATUS_BY_KIND: Readonly<Record<ErrorKind, GrpcStatus>> = {
  invalid: GrpcStatus.INVALID_ARGUMENT,
  not_found: GrpcStatus.NOT_FOUND,
  limit_exceeded: GrpcStatus.RESOURCE_EXHAUSTED,
  conflict: GrpcStatus.FAILED_PRECONDITION,
  unavailable: GrpcStatus.UNAVAILABLE,
  internal: GrpcStatus.INTERNAL,
};

/** The kind assumed for a gRPC status that carries no poppy-error-kind (e.g. from the transport). */
export const KIND_BY_GRPC_STATUS: Readonly<Partial<Record<GrpcStatus, ErrorKind>>> = {
  [GrpcStatus.INVALID_ARGUMENT]: 'invalid',
  [GrpcStatus.NOT_FOUND]: 'not_found',
  [GrpcStatus.RESOURCE_EXHAUSTED]: 'limit_exceeded',
  [GrpcStatus.FAILED_PRECONDITION]: 'conflict',
  [GrpcStatus.UNAVAILABLE]: 'unavailable',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'unavailable',
  [GrpcStatus.CANCELLED]: 'unavailable',
};

export const HTTP_STATUS_BY_KIND: Readonly<Record<ErrorKind, number>> = {
  invalid: 400,
  not_found: 404,
  limit_exceeded: 403,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

const ERROR_KINDS = Object.keys(GRPC_STATUS_BY_KIND) as ErrorKind[];

/** Any thrown value → a gRPC error. Unknown errors become INTERNAL with a generic message. */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  if (error instanceof PoppyError) {
    metadata.set(KIND_METADATA_KEY, error.kind);
    const details = typeof error.detail === 'string' ? error.detail : JSON.stringify(error.detail);
    return { code: GRPC_STATUS_BY_KIND[error.kind], details, metadata };
  }
  metadata.set(KIND_METADATA_KEY, 'internal');
  return { code: GrpcStatus.INTERNAL, details: 'internal error', metadata };
}

/** A gRPC client error → PoppyError, so callers see one error type whatever the transport. */
export function fromGrpcError(error: ServiceError): PoppyError {
  const kindValue = error.metadata?.get(KIND_METADATA_KEY)[0];
  const kind: ErrorKind =
    typeof kindValue === 'string' && (ERROR_KINDS as string[]).includes(kindValue)
      ? (kindValue as ErrorKind)
      : (KIND_BY_GRPC_STATUS[error.code] ?? 'internal');
  // Structured messages stay JSON text here; the gateway embeds them parsed (docs/behaviour.md §2.4).
  return new PoppyError(kind, error.details, { cause: error });
}

/** The error of one item of a batch call, as it travels inside the response. */
export interface ItemErrorWire {
  kind: string;
  message: string;
}

/** A thrown value → the error of one batch item; unknown errors stay generic (log them first). */
export function toItemError(error: unknown): ItemErrorWire {
  if (error instanceof PoppyError) {
    return {
      kind: error.kind,
      message: typeof error.detail === 'string' ? error.detail : JSON.stringify(error.detail),
    };
  }
  return { kind: 'internal', message: 'internal error' };
}

/** The error of one batch item → the PoppyError its unary call would have thrown. */
export function fromItemError(error: ItemErrorWire): PoppyError {
  const kind = (ERROR_KINDS as string[]).includes(error.kind)
    ? (error.kind as ErrorKind)
    : 'internal';
  return new PoppyError(kind, error.message);
}

/**
 * Answers every item of a batch call as its unary call would: each item's error is caught
 * and turned into that item's result by `failed`, so one bad item never fails the batch.
 */
export function answerEach<Req, Res>(
  requests: readonly Req[],
  answer: (request: Req) => Promise<Res>,
  failed: (error: ItemErrorWire) => Res,
  logger: { error(obj: object, msg: string): void },
): Promise<Res[]> {
  return Promise.all(
    requests.map(async (request) => {
      try {
        return await answer(request);
      } catch (e) {
        if (!(e instanceof PoppyError)) logger.error({ err: e }, 'batch item failed');
        return failed(toItemError(e));
      }
    }),
  );
}
