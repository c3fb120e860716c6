/**
 * Every failure of the Varnish edge mapped once to a ProviderError (docs/behaviour.md §12: retry
 * later, or report to the tenant). Varnish has no API quota, so its "throttling" is the
 * adapter's own: too many configuration changes queued (`EdgeBusyError`), answered with a
 * retry hint.
 */
import { ProviderError } from '@poppy/provider-kit';
import { CLI_STATUS } from './admin/cli-protocol';
import { VarnishCliError, VarnishUnreachableError } from './admin/varnish-cli';
import { VclRenderError } from './vcl/render-vcl';

/** More configuration changes are queued than the edge takes at once. */
export class EdgeBusyError extends Error {
  constructor(
    readonly queued: number,
    readonly retryAfterMs: number,
  ) {
    super(`the Varnish edge has ${queued} configuration changes queued; try again later`);
    this.name = 'EdgeBusyError';
  }
}

/** The edge's HTTP port (soft purge refresh) failed. */
export class EdgeHttpError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EdgeHttpError';
  }
}

/** A certificate/key pair the edge's TLS front cannot serve for its domain (the tenant's to fix). */
export class InvalidCertificateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCertificateError';
  }
}

/** The TLS front (hitch) could not be told to reload, or did not serve the change in time. */
export class TlsFrontError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TlsFrontError';
  }
}

/** What the tenant should read from a VCC compiler report: its first lines, not the C details. */
export function compilerSummary(body: string): string {
  const lines = body
    .split('\n')
    .map((l) => l.trim())
    .filter(
      (l) =>
        l !== '' &&
        !/^(Message from VCC-compiler:|\(Sorry if that error message is gibberish\.\)|Running VCC-compiler failed.*|VCL compilation failed)$/.test(
          l,
        ),
    );
  return lines.slice(0, 2).join(' ').slice(0, 500);
}

const RETRY_AFTER_UNREACHABLE_MS = 1000;

export function fromVendorError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof VclRenderError) {
    return new ProviderError(`The Varnish edge cannot serve this service: ${error.message}`, {
      retryable: false,
      errorClass: 'varnish.InvalidService',
      detail: error.problems.join('\n'),
      cause: error,
    });
  }
  if (error instanceof EdgeBusyError) {
    return new ProviderError(error.message, {
      retryable: true,
      retryAfterMs: error.retryAfterMs,
      errorClass: 'varnish.Busy',
      cause: error,
    });
  }
  if (error instanceof InvalidCertificateError) {
    return new ProviderError(`The Varnish edge cannot serve this certificate: ${error.message}`, {
      retryable: false,
      errorClass: 'varnish.InvalidCertificate',
      cause: error,
    });
  }
  if (error instanceof TlsFrontError) {
    return new ProviderError(
      `The Varnish edge's TLS front did not take the change: ${error.message}`,
      {
        retryable: true,
        retryAfterMs: RETRY_AFTER_UNREACHABLE_MS,
        errorClass: 'varnish.TlsFrontUnavailable',
        cause: error,
      },
    );
  }
  if (error instanceof VarnishUnreachableError || error instanceof EdgeHttpError) {
    return new ProviderError(`The Varnish edge is unreachable: ${error.message}`, {
      retryable: true,
      retryAfterMs: RETRY_AFTER_UNREACHABLE_MS,
      errorClass: 'varnish.Unreachable',
      cause: error,
    });
  }
  if (error instanceof VarnishCliError) {
    const verb = error.command.split(' ', 1)[0];
    if (error.status === CLI_STATUS.AUTH || verb === 'auth') {
      return new ProviderError('The Varnish edge refused the adapter (management secret)', {
        retryable: false,
        errorClass: 'varnish.AuthenticationFailed',
        detail: error.body,
        cause: error,
      });
    }
    if (verb === 'vcl.inline' && error.status === CLI_STATUS.PARAM) {
      return new ProviderError(
        `The Varnish edge rejected the configuration: ${compilerSummary(error.body)}`,
        {
          retryable: false,
          errorClass: 'varnish.VclRejected',
          detail: error.body,
          cause: error,
        },
      );
    }
    // Syntax/parameter refusals are a bug of ours or a bad request: retrying changes nothing.
    const permanent = error.status >= 100 && error.status < 200;
    return new ProviderError(
      `The Varnish edge refused '${verb}': ${error.body.trim().split('\n')[0] ?? ''}`,
      {
        retryable: !permanent,
        ...(permanent ? {} : { retryAfterMs: RETRY_AFTER_UNREACHABLE_MS }),
        errorClass: `varnish.Cli${error.status}`,
        detail: error.body,
        cause: error,
      },
    );
  }
  // Anything else is a bug: rethrown as is, the adapter reports INTERNAL.
  throw error;
}
