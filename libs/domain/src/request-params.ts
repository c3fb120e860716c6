/**
 * Path and query parameter rules (docs/behaviour.md §2.6, §4.6, §4.11). Messages are HTML-escaped
 * because they echo the client's input, as the original's HTTP-layer validators did.
 */
import { htmlEscape, invalid } from './errors';
import { isValidDomainName, isValidSharedSslLabel } from './domain-names';
import { truncateEcho } from './python-repr';

/** docs/behaviour.md §2.6: every path validator rejects a missing and an empty value first. */
function requirePresent(value: string | null | undefined): asserts value is string {
  if (value === null || value === undefined) throw invalid('None value not permitted');
  if (value === '') throw invalid('Empty value not permitted');
}

/**
 * Python's uuid.UUID(text) as a parser: `urn:` and `uuid:` are removed wherever they
 * occur, braces stripped from both ends, hyphens removed anywhere; 32 hex digits must
 * remain. (Python's int() leniencies on those 32 characters — whitespace, a sign,
 * underscores — are not reproduced.) Returns the canonical lower-case hyphenated form,
 * or undefined.
 */
export function canonicalUuid(text: string): string | undefined {
  const hex = text
    .replace(/urn:/g, '')
    .replace(/uuid:/g, '')
    .replace(/^[{}]+|[{}]+$/g, '')
    .replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return undefined;
  const h = hex.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A service id from a path, canonicalised for storage lookups. */
export function parseServiceId(s: string | null | undefined): string {
  requirePresent(s);
  const id = canonicalUuid(s);
  if (id === undefined) throw invalid('Invalid service id');
  return id;
}

/** Python int(): surrounding whitespace, one sign, digits (single underscores between). */
function parsePythonInt(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

export interface ListQuery {
  limit: number;
  /** Canonical UUID; services strictly after it are listed. */
  marker?: string;
}

/** Default page size of `GET /v1.0/services` (docs/behaviour.md §4.6), capped by the configured maximum. */
export const DEFAULT_LIST_LIMIT = 10;

/** `limit` and `marker` of `GET /v1.0/services` (docs/behaviour.md §4.6). */
export function parseListQuery(
  query: { limit?: string; marker?: string },
  maxPerPage: number,
): ListQuery {
  let limit = Math.min(DEFAULT_LIST_LIMIT, maxPerPage);
  if (query.limit !== undefined) {
    const n = parsePythonInt(query.limit);
    if (n === undefined) {
      throw invalid(`Limit should be an integer greater than 0 and less or equal to ${maxPerPage}`);
    }
    if (n <= 0) throw invalid('Limit should be greater than 0');
    if (n > maxPerPage) throw invalid(`Limit should be less than or equal to ${maxPerPage}`);
    limit = n;
  }
  if (query.marker === undefined) return { limit };
  const marker = canonicalUuid(query.marker);
  if (marker === undefined) throw invalid('Marker must be a valid UUID');
  return { limit, marker };
}

export interface PurgeQuery {
  /** What to purge; `/*` for everything. */
  url: string;
  /** True: remove from cache; false: mark stale (invalidate). */
  hard: boolean;
}

/**
 * `url`, `all` and `hard` of `DELETE /v1.0/services/{id}/assets` (docs/behaviour.md §4.11). `hard` accepts
 * only true/false in any letter case (docs/behaviour.md D-8; the original evaluated a Python literal).
 */
export function parsePurgeQuery(query: { url?: string; all?: string; hard?: string }): PurgeQuery {
  const url = query.url ?? '/*';
  if (/[\u0080-\uffff]/.test(url)) throw invalid('non ascii character present in url');

  let hard = true;
  if (query.hard !== undefined) {
    const h = query.hard.toLowerCase();
    if (h !== 'true' && h !== 'false') throw invalid('hard can only be set to True or False');
    hard = h === 'true';
  }

  const all = query.all?.toLowerCase() === 'true';
  if (all && url !== '/*') throw invalid('Cannot provide all=true and a url at the same time');
  return { url, hard };
}

/** A domain named in a path (docs/behaviour.md §2.6): a multi-label domain or a shared-SSL label, 3–253 long. */
export function validateDomainParam(d: string | null | undefined): string {
  requirePresent(d);
  // Lengths count characters as Python does, not UTF-16 units.
  const length = [...d].length;
  if (length > 253) throw invalid(htmlEscape(`Domain ${truncateEcho(d)} is too long`));
  if (length < 3) throw invalid(htmlEscape(`Domain ${d} is too short`));
  if (!isValidDomainName(d) && !isValidSharedSslLabel(d))
    throw invalid(htmlEscape(`Domain ${truncateEcho(d)} is not valid`));
  return d;
}

const PROJECT_ID = /^[a-zA-Z0-9_\-.]{1,256}$/;

/**
 * A project id (docs/behaviour.md §2.6), wherever it comes from: the X-Project-ID header of every tenant
 * route, a path, or a body. One rule, so every tenant that can be created can be managed
 * by the admin routes (docs/api-hardening.md).
 */
export function validateProjectId(p: string | null | undefined): string {
  requirePresent(p);
  if (!PROJECT_ID.test(p)) throw invalid(htmlEscape(`Invalid project_id : ${truncateEcho(p)}`));
  return p;
}

/** Largest value of a `uint32` field on the wire: a larger number is refused at the edge. */
export const MAX_UINT32 = 4294967295;

/**
 * The query of a request with every parameter given at most once. A repeated parameter
 * (`limit=5&limit=7`) has no single meaning, so it is refused on every route.
 */
export function singleValuedQuery(query: Record<string, unknown>): Record<string, string> {
  const single: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (Array.isArray(value))
      throw invalid(htmlEscape(`The query parameter ${truncateEcho(name)} may be given only once`));
    single[name] = String(value);
  }
  return single;
}

/**
 * The domain of a managed or custom certificate: a valid domain name with at least one dot
 * (the certificates service's rule, checked at the edge too so a bad request gets its 400
 * whether or not that service runs).
 */
export function validateCertificateDomain(domainName: string): string {
  const d = domainName.trim().toLowerCase();
  if (!isValidDomainName(d) || !d.includes('.'))
    throw invalid(`${truncateEcho(domainName)} must be a valid non-root domain`);
  return d;
}
