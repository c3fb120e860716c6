import { ProviderError } from '@poppy/provider-kit';
import { FastlyHttpError, fromVendorError, vendorMessageOf } from './vendor-errors';

const http = (status: number, message = 'Bad request: Name is invalid', retryAfterMs?: number) =>
  new FastlyHttpError(status, message, 'POST', '/service', retryAfterMs);

describe('fromVendorError', () => {
  it.each([
    [http(429, 'Too many requests', 4200), true, 'fastly.RateLimited', 4200],
    [http(503), true, 'fastly.Http503', 2000],
    [http(409), true, 'fastly.Conflict', 1000],
    [http(400), false, 'fastly.Http400', undefined],
    [http(401), false, 'fastly.Http401', undefined],
  ])('%s → retryable %s', (error, retryable, errorClass, retryAfterMs) => {
    const mapped = fromVendorError(error, 'create');
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped).toMatchObject({ retryable, errorClass, retryAfterMs });
  });

  it("shows Fastly's validation message to the tenant", () => {
    expect(fromVendorError(http(400), 'activate').message).toBe(
      'Fastly refused activate: Bad request: Name is invalid',
    );
  });

  it('a network failure is retryable, a bug is not', () => {
    const network = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' },
    });
    expect(fromVendorError(network, 'get')).toMatchObject({
      retryable: true,
      errorClass: 'fastly.ECONNREFUSED',
    });
    expect(fromVendorError(new RangeError('oops'), 'get').retryable).toBe(false);
  });
});

describe('vendorMessageOf', () => {
  it.each([
    [
      { msg: 'Record not found', detail: "Couldn't find Backend 'x'" },
      "Record not found: Couldn't find Backend 'x'",
    ],
    [
      { errors: [{ title: 'Bad request', detail: 'cert_blob is required' }] },
      'Bad request: cert_blob is required',
    ],
    [{ title: 'Invalid', detail: 'Invalid', status: 400 }, 'Invalid'],
    ['plain', 'HTTP 500'],
  ])('%j → %s', (body, message) => expect(vendorMessageOf(body, 'HTTP 500')).toBe(message));
});
