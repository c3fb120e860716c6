/**
 * Validation of a service document (docs/behaviour.md §4.2): the JSON Schema first (every error
 * at once), then the semantic checks in the original's order, where the first failure is
 * the answer. Used on the raw POST body, on the normalised document, and on a patched one.
 */
import { htmlEscape, invalid } from './errors';
import {
  isRootDomain,
  isValidDomainName,
  isValidIpv4Origin,
  isValidSharedSslLabel,
} from './domain-names';
import { pythonRepr } from './python-repr';
import { assertMatchesSchema, type SchemaViolation } from './schema-errors';
import { serviceCreateSchema } from './schemas';

type Json = Record<string, unknown>;

/**
 * Deepest nesting of arrays and objects a request body may have. The deepest document the
 * API defines is 7 levels (a PATCH value holding a restriction rule); the limit keeps every
 * later recursive step (schema validation, repr, gRPC encoding) far from the stack's end
 * (docs/api-hardening.md).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Most members one JSON object of a request body may have. Parsing an object with tens of
 * thousands of keys costs V8 far more than an array of as many items (a 1 MiB object takes
 * a quarter of a second), and no document of the API has more than a dozen keys.
 */
export const MAX_OBJECT_MEMBERS = 1000;

/**
 * Parses a request body; anything but JSON text is `Invalid JSON string` (docs/behaviour.md §4.2 step 1).
 * JSON nested deeper than MAX_JSON_DEPTH, or with an object of more than
 * MAX_OBJECT_MEMBERS members, is refused before it is parsed.
 */
export function parseJsonText(text: string): unknown {
  const shape = jsonShape(text);
  if (shape.depth > MAX_JSON_DEPTH)
    throw invalid(`JSON nested deeper than ${MAX_JSON_DEPTH} levels is not accepted`);
  if (shape.widestObject > MAX_OBJECT_MEMBERS)
    throw invalid(`A JSON object with more than ${MAX_OBJECT_MEMBERS} members is not accepted`);
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('Invalid JSON string');
  }
}

export interface JsonShape {
  /** Deepest bracket nesting; the scan stops once it passes MAX_JSON_DEPTH. */
  depth: number;
  /** Most members of one object (counted by its top-level commas, so an estimate ≥ 1). */
  widestObject: number;
}

/** The shape of JSON text in one pass over its characters (brackets inside strings ignored). */
export function jsonShape(text: string): JsonShape {
  // Per open bracket: -1 for an array, else the commas seen so far in that object.
  const open: number[] = [];
  let deepest = 0;
  let widest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) i = endOfString(text, i);
    else if (c === 0x5b || c === 0x7b) {
      open.push(c === 0x5b ? -1 : 0);
      if (open.length > deepest) deepest = open.length;
      if (deepest > MAX_JSON_DEPTH) break;
    } else if (c === 0x5d || c === 0x7d) open.pop();
    else if (c === 0x2c && open.length > 0 && open[open.length - 1]! >= 0) {
      const members = ++open[open.length - 1]! + 1;
      if (members > widest) widest = members;
    }
  }
  return { depth: deepest, widestObject: widest };
}

/**
 * Index of the quote closing the string opened at `open` (or the end of the text), found with
 * indexOf at native speed: a body that is one long string costs next to nothing to scan.
 */
function endOfString(text: string, open: number): number {
  let quote = text.indexOf('"', open + 1);
  while (quote !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/** Throws invalid(...) unless `doc` is an acceptable service document. */
export function validateServiceDocument(doc: unknown): void {
  assertMatchesSchema(serviceCreateSchema, doc, laterCachingEntriesNeedRules);
  const failure = firstSemanticFailure(doc as ServiceDocument);
  if (failure !== undefined) throw invalid(htmlEscape(failure));
}

/**
 * The schema rule no portable schema states (see schemas.ts): `rules` may be missing or
 * empty on the first caching entry only. Reported as Python would for the original's
 * tuple schema, among the other schema errors.
 */
function laterCachingEntriesNeedRules(doc: unknown): SchemaViolation[] {
  const caching = isObject(doc) ? doc.caching : undefined;
  if (!Array.isArray(caching)) return [];
  const violations: SchemaViolation[] = [];
  caching.forEach((entry, i) => {
    if (i === 0 || !isObject(entry)) return;
    if (!('rules' in entry)) {
      violations.push({ path: ['caching', i, 'rules'], message: "'rules' is a required property" });
    } else if (Array.isArray(entry.rules) && entry.rules.length === 0) {
      violations.push({ path: ['caching', i, 'rules'], message: '[] is too short' });
    }
  });
  return violations;
}

// Shapes as the schema guarantees them; everything optional stays optional.
interface RuleDoc {
  name?: string;
  request_url?: string;
}
interface RestrictionRuleDoc extends RuleDoc {
  referrer?: string;
  geography?: string;
  client_ip?: string;
}
interface ServiceDocument {
  domains: Array<{ domain: string; protocol?: string; certificate?: string | null }>;
  origins: Array<{
    origin: string;
    ssl?: boolean;
    rules?: RuleDoc[];
    hostheadervalue?: string | null;
  }>;
  caching?: Array<{ rules?: RuleDoc[] }>;
  restrictions?: Array<{ access?: string; rules: RestrictionRuleDoc[] }>;
}

/** Comparisons treat `img` and `/img` as the same path; the stored value keeps its form. */
const slashed = (url: string): string => (url.startsWith('/') ? url : `/${url}`);

const isSharedSsl = (d: { protocol?: string; certificate?: string | null }): boolean =>
  d.protocol === 'https' && d.certificate === 'shared';

/** The docs/behaviour.md §4.2 table, in order; returns the unescaped message of the first failure. */
function firstSemanticFailure(service: ServiceDocument): string | undefined {
  return (
    originsAndOriginPathsUnique(service) ??
    cachingPathsUnique(service) ??
    domainsUnique(service) ??
    domainsValid(service) ??
    domainsAreNotOrigins(service) ??
    originsValid(service) ??
    noRootDomains(service) ??
    hostHeadersValid(service) ??
    restrictionsConsistent(service)
  );
}

// 1a and 1b run origin by origin: an origin's own identity, then its rule paths.
function originsAndOriginPathsUnique(service: ServiceDocument): string | undefined {
  const origins = new Set<string>();
  const paths = new Set<string>();
  for (const origin of service.origins) {
    const id = `${origin.ssl ? 'https' : 'http'}://${origin.origin}`;
    if (origins.has(id))
      return `The origin ${id} already exists for another origin on this service`;
    origins.add(id);
    for (const rule of origin.rules ?? []) {
      const url = slashed(rule.request_url as string);
      if (paths.has(url))
        return `The path ${url} already exists for another origin on this service`;
      paths.add(url);
    }
  }
  return undefined;
}

function cachingPathsUnique(service: ServiceDocument): string | undefined {
  const paths = new Set<string>();
  for (const entry of service.caching ?? []) {
    for (const rule of entry.rules ?? []) {
      const url = slashed(rule.request_url as string);
      if (paths.has(url))
        return `The path ${url} already exists for another caching rule on this service`;
      paths.add(url);
    }
  }
  return undefined;
}

function domainsUnique(service: ServiceDocument): string | undefined {
  const seen = new Set<string>();
  for (const { domain } of service.domains) {
    // "on another service" is the original's wording for a duplicate within the request.
    if (seen.has(domain)) return `The domain ${domain} already exists on another service`;
    seen.add(domain);
  }
  return undefined;
}

function domainsValid(service: ServiceDocument): string | undefined {
  for (const d of service.domains) {
    const valid = isSharedSsl(d) ? isValidSharedSslLabel(d.domain) : isValidDomainName(d.domain);
    if (!valid) return `Domain ${d.domain} is not a valid domain`;
  }
  return undefined;
}

function domainsAreNotOrigins(service: ServiceDocument): string | undefined {
  const domains = new Set(service.domains.map((d) => d.domain.trim().toLowerCase()));
  // The original names whichever origin its loop ended on; we name the offending one.
  const clash = service.origins.find((o) => domains.has(o.origin.trim().toLowerCase()));
  return clash ? `Domains and origins cannot be same: ${pythonRepr(clash)}` : undefined;
}

function originsValid(service: ServiceDocument): string | undefined {
  for (const { origin } of service.origins) {
    if (!isValidDomainName(origin) && !isValidIpv4Origin(origin))
      return `Origin ${origin} is not valid`;
  }
  return undefined;
}

function noRootDomains(service: ServiceDocument): string | undefined {
  for (const d of service.domains) {
    if (isSharedSsl(d) || !isRootDomain(d.domain)) continue;
    return (
      `${d.domain} is a root domain. Most DNS providers do not allow setting a CNAME on a ` +
      `root domain. Please add a subdomain (e.g. www.${d.domain})`
    );
  }
  return undefined;
}

function hostHeadersValid(service: ServiceDocument): string | undefined {
  for (const { hostheadervalue } of service.origins) {
    if (
      hostheadervalue !== undefined &&
      hostheadervalue !== null &&
      !isValidDomainName(hostheadervalue)
    ) {
      return `The host header ${hostheadervalue} is not valid`;
    }
  }
  return undefined;
}

const ENTITY_KEYS = ['referrer', 'geography', 'client_ip'] as const;

/**
 * Checks 9 and 10, restriction by restriction (docs/behaviour.md §4.2): a URL may not carry the same entity
 * *type* (referrer, geography or client_ip) both whitelisted and blacklisted — values do
 * not matter. A restriction without `access` is a whitelist here as when stored
 * (docs/behaviour.md D-3; the original treated it as a blacklist for this check only).
 */
function restrictionsConsistent(service: ServiceDocument): string | undefined {
  const blacklist = new Map<string, string[]>();
  const whitelist = new Map<string, string[]>();
  const record = (map: Map<string, string[]>, url: string, entity: string): void => {
    const list = map.get(url) ?? [];
    list.push(entity);
    map.set(url, list);
  };

  for (const restriction of service.restrictions ?? []) {
    const isBlacklist = (restriction.access ?? 'whitelist') === 'blacklist';
    for (const rule of restriction.rules) {
      const entity = ENTITY_KEYS.find((k) => k in rule) as string;
      const url = rule.request_url === undefined ? '/*' : slashed(rule.request_url);
      if (isBlacklist) {
        record(blacklist, url, entity);
        continue;
      }
      if (blacklist.get(url)?.includes(entity)) {
        return `Cannot blacklist and whitelist ${entity} on ${url} at the same time`;
      }
      record(whitelist, url, entity);
    }

    for (const [url, allowed] of whitelist) {
      const denied = blacklist.get(url) ?? [];
      const both = [...new Set(denied.filter((e) => allowed.includes(e)))];
      if (both.length > 0) {
        return `Cannot blacklist and whitelist ${pythonRepr(both)} on ${url} at the same time`;
      }
    }

    for (const rule of restriction.rules) {
      if (rule.referrer && !isValidDomainName(rule.referrer)) {
        return `Referrer ${rule.referrer} is not a valid domain`;
      }
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
