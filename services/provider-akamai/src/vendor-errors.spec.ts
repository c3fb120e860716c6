import { ProviderError } from '@poppy/provider-kit';
import { AkamaiHttpError, fromVendorError, retryAfterMsOf } from './vendor-errors';

const problem = (status: number, type: string, detail: string, headers = {}) =>
  new AkamaiHttpError(
    status,
    { type: `https://problems.luna.akamaiapis.net${type}`, title: 'T', status, detail },
    headers,
    'GET /x',
  );

describe('fromVendorError', () => {
  it.each([
    [429, '/papi/v1/rate-limit-exceeded', true],
    [409, '/papi/v1/resource-busy', true],
    [412, '/papi/v1/precondition-failed', true],
    [503, '/papi/proxy/unavailable', true],
    [400, '/papi/v0/property-version-hostname/bad-cnameto', false],
    [401, '/-/pep-authn/deny', false],
    [403, '/papi/v1/http/forbidden', false],
  ])('HTTP %i %s → retryable %s', (status, type, retryable) => {
    const error = fromVendorError(problem(status, type, 'the detail'), 'create');
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.retryable).toBe(retryable);
    expect(error.errorClass).toBe(`akamai.${type.split('/').pop()}`);
    expect(error.message).toContain('the detail');
  });

  it('takes the throttling hint from X-RateLimit-Next minus Date', () => {
    const headers = {
      rateLimitNext: '2024-07-01T14:32:28.645Z',
      date: 'Mon, 01 Jul 2024 14:32:25 GMT',
    };
    expect(retryAfterMsOf(headers)).toBe(3645);
    expect(
      fromVendorError(problem(429, '/papi/v1/rate-limit-exceeded', 'slow', headers), 'get')
        .retryAfterMs,
    ).toBe(3645);
    expect(retryAfterMsOf({ retryAfter: '7' })).toBe(7000);
  });

  it('shows the vendor validation message to the tenant, nested errors included', () => {
    const error = fromVendorError(
      new AkamaiHttpError(
        400,
        {
          detail: 'The version has validation errors',
          errors: [{ detail: 'origin needs a hostname' }],
        },
        {},
        'POST /a',
      ),
      'activate',
    );
    expect(error.message).toBe(
      'Akamai refused activate: The version has validation errors: origin needs a hostname',
    );
    expect(error.retryable).toBe(false);
  });

  it('treats a failed fetch as Akamai unreachable (retryable)', () => {
    expect(fromVendorError(new TypeError('fetch failed'), 'get').retryable).toBe(true);
  });
});
