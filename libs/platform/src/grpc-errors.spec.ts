import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { PoppyError, type ErrorKind } from '@poppy/domain';
import {
  answerEach,
  fromGrpcError,
  fromItemError,
  GRPC_STATUS_BY_KIND,
  HTTP_STATUS_BY_KIND,
  toGrpcError,
  toItemError,
} from './grpc-errors';

const asServiceError = (partial: Partial<ServiceError>): ServiceError =>
  Object.assign(new Error(partial.details), {
    code: partial.code,
    details: partial.details,
    metadata: partial.metadata,
  }) as ServiceError;

describe('error mapping table', () => {
  it.each<[ErrorKind, GrpcStatus, number]>([
    ['invalid', GrpcStatus.INVALID_ARGUMENT, 400],
    ['not_found', GrpcStatus.NOT_FOUND, 404],
    ['limit_exceeded', GrpcStatus.RESOURCE_EXHAUSTED, 403],
    ['conflict', GrpcStatus.FAILED_PRECONDITION, 409],
    ['unavailable', GrpcStatus.UNAVAILABLE, 503],
    ['internal', GrpcStatus.INTERNAL, 500],
  ])('maps %s to gRPC %s and HTTP %s, and back to the same kind', (kind, grpc, http) => {
    expect(GRPC_STATUS_BY_KIND[kind]).toBe(grpc);
    expect(HTTP_STATUS_BY_KIND[kind]).toBe(http);
    const wire = toGrpcError(new PoppyError(kind, 'text'));
    expect(wire.code).toBe(grpc);
    const back = fromGrpcError(asServiceError(wire));
    expect(back.kind).toBe(kind);
  });

  it('keeps the message of a domain error, and carries structured messages as JSON text', () => {
    expect(toGrpcError(new PoppyError('invalid', 'Invalid service id')).details).toBe(
      'Invalid service id',
    );
    const structured = { errors: [{ message: "['name']-'ab' is too short" }] };
    expect(JSON.parse(toGrpcError(new PoppyError('invalid', structured)).details!)).toEqual(
      structured,
    );
  });

  it('hides the message of an unexpected error behind a generic internal one', () => {
    const wire = toGrpcError(new Error('secret stack detail'));
    expect(wire.code).toBe(GrpcStatus.INTERNAL);
    expect(wire.details).not.toContain('secret');
  });

  it('treats a transport failure without a kind as unavailable', () => {
    const e = fromGrpcError(
      asServiceError({
        code: GrpcStatus.UNAVAILABLE,
        details: 'No connection established',
        metadata: new Metadata(),
      }),
    );
    expect(e.kind).toBe('unavailable');
    const d = fromGrpcError(
      asServiceError({
        code: GrpcStatus.DEADLINE_EXCEEDED,
        details: 'Deadline exceeded',
        metadata: new Metadata(),
      }),
    );
    expect(d.kind).toBe('unavailable');
  });

  it('treats an unknown status without a kind as internal', () => {
    const e = fromGrpcError(
      asServiceError({ code: GrpcStatus.DATA_LOSS, details: 'x', metadata: new Metadata() }),
    );
    expect(e.kind).toBe('internal');
  });
});

describe('batch item errors', () => {
  it('carries a domain error of one item through the wire shape unchanged', () => {
    const back = fromItemError(
      toItemError(new PoppyError('not_found', 'service x could not be found')),
    );
    expect(back).toBeInstanceOf(PoppyError);
    expect(back).toMatchObject({ kind: 'not_found', detail: 'service x could not be found' });
  });

  it('keeps unknown errors generic and unknown kinds internal', () => {
    expect(toItemError(new Error('SQLITE_BUSY at /var/lib/x'))).toEqual({
      kind: 'internal',
      message: 'internal error',
    });
    expect(fromItemError({ kind: 'bogus', message: 'm' }).kind).toBe('internal');
  });

  it('answers each item, turning a failing item into its own result and logging only unexpected errors', async () => {
    const logged: object[] = [];
    const results = await answerEach(
      [1, 2, 3],
      async (n) => {
        if (n === 2) throw new PoppyError('invalid', 'two');
        if (n === 3) throw new Error('boom');
        return { value: n, error: undefined as unknown };
      },
      (error) => ({ value: 0, error }),
      { error: (obj) => logged.push(obj) },
    );
    expect(results).toEqual([
      { value: 1, error: undefined },
      { value: 0, error: { kind: 'invalid', message: 'two' } },
      { value: 0, error: { kind: 'internal', message: 'internal error' } },
    ]);
    expect(logged).toHaveLength(1);
  });
});
