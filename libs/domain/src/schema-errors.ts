/**
 * Runs a JSON Schema with ajv and reports failures the way Poppy does (docs/behaviour.md §2.4):
 * `{errors: [{message: "<path>-<message>"}]}`, every error of the document at once, in
 * document order, each message HTML-escaped. Messages imitate Python jsonschema (Draft 3,
 * as the original used), so `<path>` of a missing property ends with that property:
 * `['origins'][0]['origin']-'origin' is a required property`.
 */
import Ajv, { type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { htmlEscape, invalid } from './errors';
import { isValidClientIp } from './domain-names';
import { ELLIPSIS, pythonRepr } from './python-repr';

export type PathComponent = string | number;

/** One failure before formatting: where in the instance, and the unescaped text. */
export interface SchemaViolation {
  path: PathComponent[];
  message: string;
}

export interface SchemaErrorObject {
  errors: Array<{ message: string }>;
}

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
ajv.addFormat('poppy-client-ip', { type: 'string', validate: (s: string) => isValidClientIp(s) });

const compiled = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema as AnySchema);
    compiled.set(schema, validate);
  }
  return validate;
}

/**
 * How far past its `maxItems` an array may be before validation stops at it: such an array
 * is reported as too long and nothing else of the document is checked, so a body of
 * thousands of items costs no more than a short one (docs/api-hardening.md).
 */
const FAR_BEYOND_FACTOR = 2;

/** Most errors one answer lists; the rest are counted in a last message. */
export const MAX_REPORTED_ERRORS = 20;

/** Most unexpected property names one message lists. */
const MAX_NAMED_EXTRAS = 10;

/** All violations of `schema` by `doc`, unsorted, messages not yet escaped. */
export function schemaViolations(schema: object, doc: unknown): SchemaViolation[] {
  const overlong = arraysFarBeyondLimit(schema, doc);
  if (overlong.length > 0) return overlong;
  const validate = validatorFor(schema);
  if (validate(doc)) return [];
  const errors = validate.errors ?? [];

  // A failing oneOf/anyOf is reported once, as Python does for a failing union: the
  // errors of its branches are noise to the client (they are "why not shape A, B, C…").
  // Unions are indexed by instance path so each error looks only at its own ancestors:
  // comparing every error with every union was quadratic in the number of errors.
  const unionsAt = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    if (e.keyword !== 'oneOf' && e.keyword !== 'anyOf') continue;
    unionsAt.set(e.instancePath, [...(unionsAt.get(e.instancePath) ?? []), e]);
  }
  const insideFailedUnion = (e: ErrorObject): boolean => {
    for (let at = e.instancePath; ; at = at.slice(0, at.lastIndexOf('/'))) {
      const unions = unionsAt.get(at);
      if (unions?.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`))) return true;
      if (at === '') return false;
    }
  };

  const violations: SchemaViolation[] = [];
  // Python lists every unexpected property of one object in a single message.
  const extras = new Map<string, { violation: SchemaViolation; names: string[] }>();
  for (const e of errors) {
    // `if` only says "the then-branch failed"; the then-branch's own errors say what.
    if (e.keyword === 'if' || insideFailedUnion(e)) continue;
    const path = pointerToPath(doc, e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const key = `${e.instancePath}#${e.schemaPath}`;
      let group = extras.get(key);
      if (!group) {
        group = { violation: { path, message: '' }, names: [] };
        extras.set(key, group);
        violations.push(group.violation);
      }
      group.names.push(String(e.params.additionalProperty));
      continue;
    }
    if (e.keyword === 'required') {
      const missing = String(e.params.missingProperty);
      violations.push({
        path: [...path, missing],
        message: `${pythonRepr(missing)} is a required property`,
      });
      continue;
    }
    // Formatted only if reported: most of thousands of violations are counted, not shown.
    violations.push({
      path,
      get message() {
        return pythonMessage(e);
      },
    });
  }
  for (const { violation, names } of extras.values()) {
    const verb = names.length === 1 ? 'was' : 'were';
    const named = names.slice(0, MAX_NAMED_EXTRAS).map((n) => pythonRepr(n));
    if (names.length > MAX_NAMED_EXTRAS) named.push(ELLIPSIS);
    violation.message = `Additional properties are not allowed (${named.join(', ')} ${verb} unexpected)`;
  }
  return violations;
}

/**
 * Most list items one document may hold in all its lists together. Validation costs in
 * proportion to them (about 35 µs per failing item), and a list within its own limit may
 * sit inside another (100 restrictions × 100 rules): this bounds the product.
 */
export const MAX_TOTAL_LIST_ITEMS = 1000;

/**
 * The lists that stop validation before it starts: any longer than FAR_BEYOND_FACTOR ×
 * its schema's `maxItems`, or all of them once they hold more than MAX_TOTAL_LIST_ITEMS
 * items. Walks the schema's `properties` and `items` only, so it is linear in the body.
 */
function arraysFarBeyondLimit(schema: object, doc: unknown): SchemaViolation[] {
  const found: SchemaViolation[] = [];
  let items = 0;
  const walk = (sub: unknown, node: unknown, path: PathComponent[]): void => {
    if (sub === null || typeof sub !== 'object' || items > MAX_TOTAL_LIST_ITEMS) return;
    const s = sub as { maxItems?: number; items?: unknown; properties?: Record<string, unknown> };
    if (Array.isArray(node)) {
      if (s.maxItems !== undefined && node.length > FAR_BEYOND_FACTOR * s.maxItems) {
        found.push({ path, message: `${pythonRepr(node)} is too long` });
        return;
      }
      items += node.length;
      if (s.items === undefined || Array.isArray(s.items)) return;
      for (let i = 0; i < node.length && items <= MAX_TOTAL_LIST_ITEMS; i++)
        walk(s.items, node[i], [...path, i]);
      return;
    }
    if (node === null || typeof node !== 'object' || !s.properties) return;
    for (const [key, property] of Object.entries(s.properties))
      if (Object.prototype.hasOwnProperty.call(node, key))
        walk(property, (node as Record<string, unknown>)[key], [...path, key]);
  };
  walk(schema, doc, []);
  if (items > MAX_TOTAL_LIST_ITEMS)
    found.push({
      path: [],
      message: `The document holds more than ${MAX_TOTAL_LIST_ITEMS} list items in all`,
    });
  return found;
}

function pythonMessage(e: ErrorObject): string {
  const instance = pythonRepr(e.data);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'type': {
      const types = Array.isArray(parent.type) ? parent.type : [parent.type];
      return `${instance} is not of type ${types.map((t) => pythonRepr(t)).join(', ')}`;
    }
    case 'enum':
      return `${instance} is not one of ${pythonRepr(parent.enum)}`;
    case 'const':
      return `${pythonRepr(parent.const)} was expected`;
    case 'minLength':
    case 'minItems':
      return `${instance} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${instance} is too long`;
    case 'minimum':
      return `${instance} is less than the minimum of ${pythonRepr(parent.minimum)}`;
    case 'maximum':
      return `${instance} is greater than the maximum of ${pythonRepr(parent.maximum)}`;
    case 'uniqueItems':
      return `${instance} has non-unique elements`;
    case 'pattern':
      return `${instance} does not match ${pythonRepr(parent.pattern)}`;
    case 'format':
      return `${instance} is not a ${pythonRepr(parent.format)}`;
    case 'oneOf':
    case 'anyOf':
      return e.params.passingSchemas
        ? `${instance} is valid under each of the given schemas`
        : `${instance} is not valid under any of the given schemas`;
    default:
      return `${instance} ${e.message ?? 'is not valid'}`;
  }
}

/** JSON Pointer → components, numbers where the instance has an array there. */
function pointerToPath(doc: unknown, pointer: string): PathComponent[] {
  if (pointer === '') return [];
  const path: PathComponent[] = [];
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      const index = Number(token);
      path.push(index);
      node = node[index];
    } else {
      path.push(token);
      node =
        node !== null && typeof node === 'object'
          ? (node as Record<string, unknown>)[token]
          : undefined;
    }
  }
  return path;
}

/**
 * Python renders a path as `['domains'][0]`. The root (an empty path) renders as the empty
 * string, so a root error reads `-<message>` (Python itself would print `[]`).
 */
export function formatSchemaPath(path: readonly PathComponent[]): string {
  return path.map((p) => `[${pythonRepr(p)}]`).join('');
}

/** Sort key of a path in document order: array index, or the key's position in its object. */
function documentOrderKey(
  doc: unknown,
  path: readonly PathComponent[],
  positions: WeakMap<object, Map<string, number>>,
): number[] {
  const key: number[] = [];
  let node: unknown = doc;
  for (const p of path) {
    if (Array.isArray(node) && typeof p === 'number') {
      key.push(p);
      node = node[p];
    } else if (node !== null && typeof node === 'object') {
      // Positions are computed once per object: an object with many keys and many
      // violations below it would otherwise cost keys × violations.
      let index = positions.get(node);
      if (!index) {
        index = new Map(Object.keys(node).map((k, i) => [k, i]));
        positions.set(node, index);
      }
      const at = index.get(String(p));
      // A missing property (a "required" error) sorts after the present ones.
      key.push(at ?? index.size);
      node = at === undefined ? undefined : (node as Record<string, unknown>)[String(p)];
    } else {
      key.push(0);
      node = undefined;
    }
  }
  return key;
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  }
  return a.length - b.length;
}

/** Formats violations into Poppy's schema error object (sorted, escaped). */
export function toSchemaErrorObject(
  doc: unknown,
  violations: readonly SchemaViolation[],
): SchemaErrorObject {
  const positions = new WeakMap<object, Map<string, number>>();
  const keyed = violations.map((v, i) => ({ v, i, key: documentOrderKey(doc, v.path, positions) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  const errors = keyed.slice(0, MAX_REPORTED_ERRORS).map(({ v }) => ({
    message: htmlEscape(`${formatSchemaPath(v.path)}-${v.message}`),
  }));
  // The cap keeps the answer small (docs/api-hardening.md); the count says what was left out.
  const untold = keyed.length - errors.length;
  if (untold > 0) errors.push({ message: `-${ELLIPSIS} and ${untold} more errors` });
  return { errors };
}

/** Throws invalid(schema error object) when `doc` violates `schema` or `extra` is non-empty. */
export function assertMatchesSchema(
  schema: object,
  doc: unknown,
  extra: (doc: unknown) => SchemaViolation[] = () => [],
): void {
  const violations = [...schemaViolations(schema, doc), ...extra(doc)];
  if (violations.length > 0) throw invalid(toSchemaErrorObject(doc, violations));
}
