/** Test helper: what a rejected call told the client (kind and detail of its PoppyError). */
import { isPoppyError, type ErrorKind, type ErrorMessage } from './errors';

export function rejection(call: () => unknown): { kind: ErrorKind; detail: ErrorMessage } {
  try {
    call();
  } catch (e) {
    if (isPoppyError(e)) return { kind: e.kind, detail: e.detail };
    throw e;
  }
  throw new Error('expected a PoppyError, but the call succeeded');
}

/** The detail of an `invalid` rejection (fails the test for any other kind). */
export function invalidDetail(call: () => unknown): ErrorMessage {
  const { kind, detail } = rejection(call);
  if (kind !== 'invalid') throw new Error(`expected kind invalid, got ${kind}`);
  return detail;
}

/** The messages of a schema error object rejection. */
export function schemaMessages(call: () => unknown): string[] {
  const detail = invalidDetail(call);
  if (typeof detail === 'string')
    throw new Error(`expected a schema error object, got "${detail}"`);
  return detail.errors.map((e) => e.message);
}
