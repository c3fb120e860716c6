import { ProviderError } from './provider-error';
import {
  SERVER_ERROR_HINT_MS,
  THROTTLE_HINT_MS,
  vendorErrorClassOf,
  vendorProviderError,
  type VendorFailure,
} from './vendor-error-class';

describe('vendorErrorClassOf', () => {
  it.each([
    [429, false, 'throttled'],
    [500, false, 'server'],
    [503, false, 'server'],
    [400, false, 'refused'],
    [404, false, 'refused'],
    [409, false, 'refused'],
    [undefined, true, 'unreachable'],
    [undefined, false, 'failed'],
  ] as const)('status %s (network %s) → %s', (status, network, kind) => {
    expect(vendorErrorClassOf(status, { network })).toBe(kind);
  });
});

describe('vendorProviderError', () => {
  const failure: VendorFailure = {
    vendor: 'Acme',
    operation: 'create',
    message: 'bad origin',
    errorClass: 'acme.Bad',
    detail: '{"x":1}',
    cause: new Error('underlying'),
  };

  it('a refusal is not retried and carries the vendor message', () => {
    const error = vendorProviderError('refused', { ...failure, retryAfterMs: 5 });
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      message: 'Acme refused create: bad origin',
      retryable: false,
      errorClass: 'acme.Bad',
      detail: '{"x":1}',
    });
    expect(error.retryAfterMs).toBeUndefined();
  });

  it('throttling waits as the vendor said, else THROTTLE_HINT_MS', () => {
    expect(vendorProviderError('throttled', { ...failure, retryAfterMs: 7000 })).toMatchObject({
      message: 'Acme is rate limiting create: bad origin',
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(
      vendorProviderError('throttled', { ...failure, throttling: 'throttling' }),
    ).toMatchObject({
      message: 'Acme is throttling create: bad origin',
      retryAfterMs: THROTTLE_HINT_MS,
    });
  });

  it("a 5xx is retried, on the vendor's (or the named) side, after SERVER_ERROR_HINT_MS", () => {
    expect(vendorProviderError('server', failure)).toMatchObject({
      message: "Acme create failed on Acme's side: bad origin",
      retryable: true,
      retryAfterMs: SERVER_ERROR_HINT_MS,
    });
    expect(vendorProviderError('server', { ...failure, side: 'Cloud' }).message).toBe(
      "Acme create failed on Cloud's side: bad origin",
    );
  });

  it('busy is retried soon; unreachable is retried; failed (no answer, not the network) is not', () => {
    expect(vendorProviderError('busy', { ...failure, defaultRetryAfterMs: 300 })).toMatchObject({
      message: 'Acme create: bad origin',
      retryable: true,
      retryAfterMs: 300,
    });
    expect(vendorProviderError('unreachable', failure)).toMatchObject({
      message: 'Acme unreachable during create: bad origin',
      retryable: true,
    });
    expect(vendorProviderError('failed', failure)).toMatchObject({
      message: 'Acme create failed: bad origin',
      retryable: false,
    });
  });
});
