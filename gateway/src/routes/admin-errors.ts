/**
 * Several admin routes answer every failure of their operation with one status and a
 * message of their own (docs/behaviour.md §10.3, §10.4, §10.10–10.14). Outages and internal
 * errors keep their 503 / 500: they say nothing about the request.
 */
import { isPoppyError, PoppyError, type ErrorKind } from '@poppy/domain';

export async function failingAs<T>(
  kind: ErrorKind,
  message: (reason: string) => string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (isPoppyError(e) && e.kind !== 'unavailable' && e.kind !== 'internal')
      throw new PoppyError(kind, message(e.message));
    throw e;
  }
}
