/**
 * The closed set of domain errors. Each kind is translated exactly once at each edge:
 * kind → gRPC status (libs/platform grpc-errors) → HTTP status + Poppy's error body (gateway).
 * `message` is what the tenant sees: a string, or a structured value (schema errors,
 * docs/behaviour.md §2.4) that travels as JSON text and is embedded parsed in the error body.
 */
export type ErrorKind =
  | 'invalid' // 400
  | 'not_found' // 404
  | 'limit_exceeded' // 403 (service limit, docs/behaviour.md §4.5 step 6)
  | 'conflict' // 409 (flavor in use, docs/behaviour.md D-16)
  | 'unavailable' // 503 (a dependency is down; retry later)
  | 'internal'; // 500, message never shown to the tenant

export type ErrorMessage = string | { errors: Array<{ message: string }> };

export class PoppyError extends Error {
  readonly kind: ErrorKind;
  readonly detail: ErrorMessage;

  constructor(kind: ErrorKind, detail: ErrorMessage, options?: { cause?: unknown }) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail), options);
    this.name = 'PoppyError';
    this.kind = kind;
    this.detail = detail;
  }
}

export const invalid = (detail: ErrorMessage): PoppyError => new PoppyError('invalid', detail);
export const notFound = (detail: string): PoppyError => new PoppyError('not_found', detail);
export const limitExceeded = (detail: string): PoppyError =>
  new PoppyError('limit_exceeded', detail);
export const conflict = (detail: string): PoppyError => new PoppyError('conflict', detail);
export const unavailable = (detail: string, cause?: unknown): PoppyError =>
  new PoppyError('unavailable', detail, { cause });

export function isPoppyError(e: unknown): e is PoppyError {
  return e instanceof PoppyError;
}

/** HTML-escapes &, < and > (not quotes), as Poppy's HTTP-layer validators do (docs/behaviour.md §2.4). */
export function htmlEscape(text: string): string {
  if (!/[&<>]/.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
