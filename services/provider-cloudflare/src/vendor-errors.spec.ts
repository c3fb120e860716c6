import { APIConnectionError, APIError } from 'cloudflare';
import { ProviderError } from '@poppy/provider-kit';
import { fromVendorError, retryAfterMsOf, THROTTLE_HINT_MS } from './vendor-errors';

/** An error as the SDK raises it for a Cloudflare answer (its own factory, no mock). */
function cloudflareError(
  status: number,
  errors: Array<{ code: number; message: string }>,
  headers: Record<string, string> = {},
): APIError {
  return APIError.generate(
    status,
    { success: false, errors, messages: [], result: null },
    undefined,
    new Headers(headers),
  );
}

describe('fromVendorError', () => {
  it.each([
    [
      '429 with Retry-After',
      cloudflareError(429, [{ code: 10429, message: 'Rate limited' }], { 'retry-after': '7' }),
      true,
      7000,
      'cloudflare.RateLimited',
    ],
    [
      '429 with retry-after-ms',
      cloudflareError(429, [{ code: 10429, message: 'Rate limited' }], { 'retry-after-ms': '250' }),
      true,
      250,
      'cloudflare.RateLimited',
    ],
    [
      '429 without a hint',
      cloudflareError(429, [{ code: 1134, message: 'Purge rate limit' }]),
      true,
      THROTTLE_HINT_MS,
      'cloudflare.RateLimited',
    ],
    [
      '500',
      cloudflareError(500, [{ code: 1500, message: 'internal' }]),
      true,
      2000,
      'cloudflare.1500',
    ],
    [
      '409 lock',
      cloudflareError(409, [{ code: 10009, message: 'locked' }]),
      true,
      2000,
      'cloudflare.10009',
    ],
    [
      '409 duplicate hostname',
      cloudflareError(409, [{ code: 1406, message: 'Duplicate custom hostname found.' }]),
      false,
      undefined,
      'cloudflare.1406',
    ],
    [
      '400 validation',
      cloudflareError(400, [{ code: 1407, message: 'The custom hostname is not valid.' }]),
      false,
      undefined,
      'cloudflare.1407',
    ],
    [
      '401 unknown token',
      cloudflareError(401, [{ code: 9109, message: 'Invalid access token' }]),
      false,
      undefined,
      'cloudflare.9109',
    ],
    [
      '403 zone not granted',
      cloudflareError(403, [{ code: 10000, message: 'Authentication error' }]),
      false,
      undefined,
      'cloudflare.10000',
    ],
  ])('%s', (_name, error, retryable, retryAfterMs, errorClass) => {
    const mapped = fromVendorError(error, 'create');
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped).toMatchObject({ retryable, errorClass });
    expect(mapped.retryAfterMs).toBe(retryAfterMs);
  });

  it("shows Cloudflare's messages to the tenant on a refusal", () => {
    const mapped = fromVendorError(
      cloudflareError(400, [
        { code: 20021, message: "'redirect' is not a valid action" },
        { code: 20021, message: 'second problem' },
      ]),
      'http_request_origin rules',
    );
    expect(mapped.message).toBe(
      "Cloudflare refused http_request_origin rules: 'redirect' is not a valid action; second problem",
    );
  });

  it('retries when Cloudflare could not be reached, not when the error is ours', () => {
    expect(
      fromVendorError(new APIConnectionError({ message: 'Connection error.' }), 'get'),
    ).toMatchObject({
      retryable: true,
    });
    expect(fromVendorError(new TypeError('x is undefined'), 'get')).toMatchObject({
      retryable: false,
    });
  });

  it('reads Retry-After as seconds or a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(
      retryAfterMsOf(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), now),
    ).toBe(3000);
    expect(retryAfterMsOf(new Headers({}), now)).toBeUndefined();
  });
});
