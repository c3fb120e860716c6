import { ProviderError } from '@poppy/provider-kit';
import {
  fromVendorError,
  retryAfterMsOf,
  SERVER_ERROR_HINT_MS,
  THROTTLE_HINT_MS,
} from './vendor-errors';

function awsError(name: string, status: number | undefined, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: status !== undefined && status >= 500 ? 'server' : 'client',
    $metadata: status === undefined ? undefined : { httpStatusCode: status, requestId: 'req-1' },
    ...extra,
  });
}

describe('fromVendorError', () => {
  it('makes throttling retryable with the vendor hint, or the default hint', () => {
    const hinted = fromVendorError(
      awsError('Throttling', 400, { $response: { headers: { 'retry-after': '7' } } }),
      'create',
    );
    expect(hinted).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
      errorClass: 'cloudfront.Throttling',
    });
    expect(fromVendorError(awsError('SomethingElse', 429), 'create')).toMatchObject({
      retryable: true,
      retryAfterMs: THROTTLE_HINT_MS,
    });
    expect(
      fromVendorError(awsError('X', 400, { $retryable: { throttling: true } }), 'purge').retryable,
    ).toBe(true);
    expect(
      fromVendorError(awsError('TooManyInvalidationsInProgress', 400), 'purge').retryable,
    ).toBe(true);
  });

  it('makes validation errors final, with the vendor message for the tenant', () => {
    const error = fromVendorError(awsError('InvalidArgument', 400), 'create');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ retryable: false, errorClass: 'cloudfront.InvalidArgument' });
    expect(error.message).toBe('CloudFront refused create: InvalidArgument happened');
    expect(JSON.parse(error.detail!)).toMatchObject({
      status: 400,
      requestId: 'req-1',
      operation: 'create',
    });
    expect(fromVendorError(awsError('CNAMEAlreadyExists', 409), 'create').retryable).toBe(false);
  });

  it('retries server errors, network failures, a moved ETag and a distribution still being disabled', () => {
    expect(fromVendorError(awsError('ServiceUnavailable', 503), 'update')).toMatchObject({
      retryable: true,
      retryAfterMs: SERVER_ERROR_HINT_MS,
    });
    expect(
      fromVendorError(
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        'get',
      ).retryable,
    ).toBe(true);
    expect(fromVendorError(awsError('TimeoutError', undefined), 'get').retryable).toBe(true);
    expect(fromVendorError(awsError('PreconditionFailed', 412), 'update').retryable).toBe(true);
    expect(fromVendorError(awsError('DistributionNotDisabled', 409), 'delete').retryable).toBe(
      true,
    );
  });

  it('does not retry something that is not a vendor answer', () => {
    expect(fromVendorError(new TypeError('x is undefined'), 'get').retryable).toBe(false);
  });

  it('passes a ProviderError through', () => {
    const original = new ProviderError('not yet', { retryable: true });
    expect(fromVendorError(original, 'delete')).toBe(original);
  });
});

describe('retryAfterMsOf', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMsOf({ 'retry-after': '3' })).toBe(3000);
    expect(retryAfterMsOf({ 'retry-after': new Date(10_000).toUTCString() }, 4000)).toBe(6000);
    expect(retryAfterMsOf({ 'retry-after': 'soon' })).toBeUndefined();
    expect(retryAfterMsOf(undefined)).toBeUndefined();
  });
});
