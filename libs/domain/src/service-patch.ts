/**
 * PATCH of a service (docs/behaviour.md §4.9): JSON Patch ops applied to a JSON view of the
 * stored service, then defaults, full validation and normalisation. Pure: the caller
 * checks preconditions, the flavor, shared-SSL shards and domain claims, and keeps the
 * provider details.
 */
import { applyPatch, type Operation } from 'fast-json-patch';
import { htmlEscape, invalid } from './errors';
import type { Service, ServiceSpec } from './model';
import { assertMatchesSchema } from './schema-errors';
import { servicePatchSchema } from './schemas';
import {
  defaultRule,
  normaliseServiceDocument,
  restrictionRuleDocument,
} from './service-normalisation';
import { validateServiceDocument } from './service-validation';

type Json = Record<string, unknown>;

/** The top-level members a tenant may patch (docs/behaviour.md D-6); everything below them is fair. */
export const PATCHABLE_ROOTS = [
  'name',
  'domains',
  'origins',
  'caching',
  'restrictions',
  'flavor_id',
  'log_delivery',
] as const;

/** A shared-SSL domain's customer-chosen label: the text before the first dot. */
export function sharedSslLabel(domain: string): string {
  const dot = domain.indexOf('.');
  return dot === -1 ? domain : domain.slice(0, dot);
}

/**
 * The document patches apply to (docs/behaviour.md §4.9 view). Shared-SSL domains appear as their label,
 * since that is what a client sent on create. Unset certificate and host header value
 * show as null, as in the original, so `replace`/`test` on them resolve.
 */
export function patchTargetDocument(service: Service): Json {
  return {
    name: service.name,
    domains: service.domains.map((d) => ({
      domain: d.certificate === 'shared' ? sharedSslLabel(d.domain) : d.domain,
      protocol: d.protocol,
      certificate: d.certificate ?? null,
    })),
    origins: service.origins.map((o) => ({
      origin: o.origin,
      port: o.port,
      ssl: o.ssl,
      rules: o.rules.map((r) => ({ name: r.name, request_url: r.request_url })),
      hostheadertype: o.hostheadertype,
      hostheadervalue: o.hostheadervalue ?? null,
    })),
    caching: service.caching.map((c) => ({
      name: c.name,
      ttl: c.ttl,
      rules: c.rules.map((r) => ({ name: r.name, request_url: r.request_url })),
    })),
    restrictions: service.restrictions.map((r) => ({
      name: r.name,
      access: r.access,
      rules: r.rules.map(restrictionRuleDocument),
    })),
    flavor_id: service.flavor_id,
    log_delivery: { enabled: service.log_delivery.enabled },
    project_id: service.project_id,
  };
}

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

/**
 * The checks a PATCH body gets before any service is read: an array of RFC 6902
 * operations (else a schema error object), each `path` — and `from` of move/copy —
 * under a patchable member (docs/behaviour.md D-6). Whether the operations apply is known only
 * against the service (applyServicePatch, which runs this again).
 */
export function validatePatchDocument(doc: unknown): PatchOperation[] {
  assertMatchesSchema(servicePatchSchema, doc);
  const operations = doc as PatchOperation[];
  for (const op of operations) {
    assertPatchable(op.path);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from === 'string')
      assertPatchable(op.from);
  }
  return operations;
}

export interface PatchOptions {
  /** Passed to normalisation; a PATCH never re-adds the default caching entry. */
  defaultCacheTtl: number;
}

/**
 * Applies RFC 6902 `ops` to `service` and returns the new desired configuration.
 * Shared-SSL domains come back as labels (certificate `shared`, no dot): the caller maps a
 * label it already holds back to its full name and allocates a shard for a new one.
 * Every rejection is invalid(...): a schema error object when `ops` is not an array of
 * operations, a string otherwise.
 */
export function applyServicePatch(service: Service, ops: unknown, opts: PatchOptions): ServiceSpec {
  assertMatchesSchema(servicePatchSchema, ops);
  // A copy, so that values the patch inserts are never shared with the caller's objects.
  const operations = JSON.parse(JSON.stringify(ops)) as Operation[];
  for (const op of operations) {
    assertPatchable(op.path);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from === 'string')
      assertPatchable(op.from);
  }

  let patched: unknown;
  try {
    patched = applyPatch(patchTargetDocument(service), operations, true, true).newDocument;
  } catch (e) {
    // Every failure to apply is the client's (bad op, missing path, failed test, banned
    // prototype path). JsonPatchError appends the op and the whole document to its
    // message; the first line is the reason.
    const message = e instanceof Error ? e.message : String(e);
    throw invalid(htmlEscape(message.split('\n')[0] as string));
  }

  addDefaultRules(patched);
  validateServiceDocument(patched);
  return normaliseServiceDocument(patched, {
    defaultCacheTtl: opts.defaultCacheTtl,
    defaultCaching: false,
  });
}

function assertPatchable(path: string): void {
  const root = path.startsWith('/') ? path.slice(1).split('/')[0] : undefined;
  if (!(PATCHABLE_ROOTS as readonly string[]).includes(root as string)) {
    throw invalid(
      htmlEscape(
        `Path ${path} is not allowed; only /name, /domains, /origins, /caching, /restrictions, ` +
          '/flavor_id and /log_delivery may be patched',
      ),
    );
  }
}

/**
 * docs/behaviour.md §4.9 step 2: origins and caching entries left without rules get the `/*` rule before
 * validation, so adding a second one without rules collides with the first on `/*`.
 * Shapes validation will reject anyway are left alone.
 */
function addDefaultRules(doc: unknown): void {
  if (!isObject(doc)) return;
  for (const key of ['origins', 'caching'] as const) {
    const list = doc[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (!isObject(entry)) continue;
      if (entry.rules === undefined || entry.rules === null) entry.rules = [];
      if (Array.isArray(entry.rules) && entry.rules.length === 0) entry.rules.push(defaultRule());
    }
  }
}

function isObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
