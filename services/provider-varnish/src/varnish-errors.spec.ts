import { ProviderError } from '@poppy/provider-kit';
import { VarnishCliError, VarnishUnreachableError } from './admin/varnish-cli';
import { EdgeBusyError, fromVendorError } from './varnish-errors';
import { VclRenderError } from './vcl/render-vcl';

const COMPILER_REPORT = `Message from VCC-compiler:
Backend host '"nonexistent.invalid"' could not be resolved to an IP address:
\tName or service not known
(Sorry if that error message is gibberish.)
Running VCC-compiler failed, exited with 2
VCL compilation failed`;

describe('fromVendorError', () => {
  it('makes a rejected configuration a non-retryable error whose message the tenant can read', () => {
    const e = fromVendorError(
      new VarnishCliError('vcl.inline poppy_1 "..."', 106, COMPILER_REPORT),
    );
    expect(e).toMatchObject({
      retryable: false,
      errorClass: 'varnish.VclRejected',
      detail: COMPILER_REPORT,
    });
    expect(e.message).toBe(
      'The Varnish edge rejected the configuration: Backend host \'"nonexistent.invalid"\' could not be resolved to an IP address: Name or service not known',
    );
    const invalid = fromVendorError(
      new VclRenderError(['origin a uses TLS', 'client_ip x is not an IP address']),
    );
    expect(invalid).toMatchObject({ retryable: false, errorClass: 'varnish.InvalidService' });
    expect(invalid.message).toContain('origin a uses TLS; client_ip x is not an IP address');
  });

  it('makes an unreachable edge and a full change queue retryable, with a retry hint', () => {
    expect(fromVendorError(new VarnishUnreachableError('connect ECONNREFUSED'))).toMatchObject({
      retryable: true,
      retryAfterMs: 1000,
      errorClass: 'varnish.Unreachable',
    });
    expect(fromVendorError(new EdgeBusyError(40, 2500))).toMatchObject({
      retryable: true,
      retryAfterMs: 2500,
      errorClass: 'varnish.Busy',
    });
    expect(fromVendorError(new VarnishCliError('vcl.use x', 300, 'cannot'))).toMatchObject({
      retryable: true,
      errorClass: 'varnish.Cli300',
    });
  });

  it('does not retry what cannot succeed: a refused secret, a malformed command', () => {
    expect(fromVendorError(new VarnishCliError('auth', 107, 'no'))).toMatchObject({
      retryable: false,
      errorClass: 'varnish.AuthenticationFailed',
    });
    expect(fromVendorError(new VarnishCliError('auth', 300, 'refused'))).toMatchObject({
      retryable: false,
      errorClass: 'varnish.AuthenticationFailed',
    });
    expect(fromVendorError(new VarnishCliError('ban x', 106, 'bad ban'))).toMatchObject({
      retryable: false,
      errorClass: 'varnish.Cli106',
    });
  });

  it('passes ProviderErrors through and rethrows anything else (a bug, reported as INTERNAL)', () => {
    const own = new ProviderError('x', { retryable: true });
    expect(fromVendorError(own)).toBe(own);
    const bug = new TypeError('undefined is not a function');
    expect(() => fromVendorError(bug)).toThrow(bug);
  });
});
