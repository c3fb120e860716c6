import { Metadata, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { ProviderError } from './provider-error';
import {
  CLASS_METADATA_KEY,
  DETAIL_METADATA_KEY,
  INTERNAL_ERROR_CLASS,
  RETRY_AFTER_METADATA_KEY,
  decodeMetadataText,
  encodeMetadataText,
  providerErrorFromGrpc,
  providerErrorToGrpc,
} from './provider-errors';

function serviceError(
  code: GrpcStatus,
  details: string,
  entries: Record<string, string> = {},
): ServiceError {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(entries)) metadata.set(k, v);
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata });
}

describe('provider error mapping', () => {
  it.each([
    [true, GrpcStatus.UNAVAILABLE],
    [false, GrpcStatus.FAILED_PRECONDITION],
  ])('maps a ProviderError with retryable=%s to %s', (retryable, code) => {
    const { grpcError, unexpected } = providerErrorToGrpc(new ProviderError('boom', { retryable }));
    expect(unexpected).toBe(false);
    expect(grpcError.code).toBe(code);
    expect(grpcError.details).toBe('boom');
    expect(grpcError.metadata?.get(CLASS_METADATA_KEY)).toEqual(['ProviderError']);
  });

  it('maps anything else to INTERNAL with a generic message', () => {
    const { grpcError, unexpected } = providerErrorToGrpc(new Error('db password is hunter2'));
    expect(unexpected).toBe(true);
    expect(grpcError.code).toBe(GrpcStatus.INTERNAL);
    expect(grpcError.details).not.toContain('hunter2');
    expect(grpcError.metadata?.get(CLASS_METADATA_KEY)).toEqual([INTERNAL_ERROR_CLASS]);
  });

  it('puts retry-after, detail and class in metadata, encoded as printable ASCII', () => {
    const { grpcError } = providerErrorToGrpc(
      new ProviderError('slow down', {
        retryable: true,
        retryAfterMs: 1234.4,
        detail: 'line 1\nlínea 2 100%',
        errorClass: 'x.Y',
      }),
    );
    const md = grpcError.metadata!;
    expect(md.get(RETRY_AFTER_METADATA_KEY)).toEqual(['1234']);
    const detail = md.get(DETAIL_METADATA_KEY)[0] as string;
    expect(detail).toMatch(/^[\x20-\x7e]*$/);
    expect(decodeMetadataText(detail)).toBe('line 1\nlínea 2 100%');
  });

  it.each([
    [GrpcStatus.UNAVAILABLE, true],
    [GrpcStatus.RESOURCE_EXHAUSTED, true],
    [GrpcStatus.DEADLINE_EXCEEDED, true],
    [GrpcStatus.ABORTED, true],
    [GrpcStatus.CANCELLED, true],
    [GrpcStatus.INVALID_ARGUMENT, false],
    [GrpcStatus.FAILED_PRECONDITION, false],
    [GrpcStatus.NOT_FOUND, false],
    [GrpcStatus.INTERNAL, false],
    [GrpcStatus.UNKNOWN, false],
    [GrpcStatus.UNIMPLEMENTED, false],
  ])('rebuilds status %s as retryable=%s', (code, retryable) => {
    const error = providerErrorFromGrpc(serviceError(code, 'msg'));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toBe('msg');
    expect(error.errorClass).toBe(`grpc.${GrpcStatus[code]}`);
  });

  it('rebuilds retry-after, detail and class from metadata and ignores a malformed retry-after', () => {
    const error = providerErrorFromGrpc(
      serviceError(GrpcStatus.UNAVAILABLE, 'throttled', {
        [RETRY_AFTER_METADATA_KEY]: '250',
        [DETAIL_METADATA_KEY]: encodeMetadataText('a\nb'),
        [CLASS_METADATA_KEY]: 'fastly.RateLimited',
      }),
    );
    expect(error).toMatchObject({
      retryable: true,
      retryAfterMs: 250,
      detail: 'a\nb',
      errorClass: 'fastly.RateLimited',
    });
    expect(
      providerErrorFromGrpc(
        serviceError(GrpcStatus.UNAVAILABLE, 'x', { [RETRY_AFTER_METADATA_KEY]: 'soon' }),
      ).retryAfterMs,
    ).toBeUndefined();
  });

  it('round-trips text with percent signs and non-ASCII through the metadata encoding', () => {
    for (const text of ['100%', '%41', 'tab\there', 'é€𝄞', ''])
      expect(decodeMetadataText(encodeMetadataText(text))).toBe(text);
  });
});
