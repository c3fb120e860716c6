/**
 * Runs a JSON Schema with ajv and reports failures the way Poppy does (reference §2.4):
 * `{errors: [{message: "<path>-<message>"}]}`, every error of the document at once, in
 * document order, each message HTML-escaped. Messages imitate Python jsonschema (Draft 3,
 * as the original used), so `<path>` of a missing property ends with that property:
 * `['origins'][0]['origin']-'origin' is a required property`.
 */
import Ajv, { type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import { htmlEscape, invalid } from './errors';
import { isValidClientIp } from './domain-names';
import { pythonRepr } from './python-repr';

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

/** All violations of `schema` by `doc`, unsorted, messages not yet escaped. */
export function schemaViolations(schema: object, doc: unknown): SchemaViolation[] {
  const validate = validatorFor(schema);
  if (validate(doc)) return [];
  const errors = validate.errors ?? [];

  // A failing oneOf/anyOf is reported once, as Python does for a failing union: the
  // errors of its branches are noise to the client (they are "why not shape A, B, C…").
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const insideFailedUnion = (e: ErrorObject): boolean =>
    unions.some(
      (u) =>
        u !== e &&
        e.schemaPath.startsWith(`${u.schemaPath}/`) &&
        (e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`)),
    );

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
    violations.push({ path, message: pythonMessage(e) });
  }
  for (const { violation, names } of extras.values()) {
    const verb = names.length === 1 ? 'was' : 'were';
    violation.message = `Additional properties are not allowed (${names.map(pythonRepr).join(', ')} ${verb} unexpected)`;
  }
  return violations;
}

function pythonMessage(e: ErrorObject): string {
  const instance = pythonRepr(e.data);
  const parent = (e.parentSchema ?? {}) as Record<string, unknown>;
  switch (e.keyword) {
    case 'type': {
      const types = Array.isArray(parent.type) ? parent.type : [parent.type];
      return `${instance} is not of type ${types.map(pythonRepr).join(', ')}`;
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
function documentOrderKey(doc: unknown, path: readonly PathComponent[]): number[] {
  const key: number[] = [];
  let node: unknown = doc;
  for (const p of path) {
    if (Array.isArray(node) && typeof p === 'number') {
      key.push(p);
      node = node[p];
    } else if (node !== null && typeof node === 'object') {
      const keys = Object.keys(node);
      const at = keys.indexOf(String(p));
      // A missing property (a "required" error) sorts after the present ones.
      key.push(at === -1 ? keys.length : at);
      node = at === -1 ? undefined : (node as Record<string, unknown>)[String(p)];
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
  const keyed = violations.map((v, i) => ({ v, i, key: documentOrderKey(doc, v.path) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || a.i - b.i);
  return {
    errors: keyed.map(({ v }) => ({
      message: htmlEscape(`${formatSchemaPath(v.path)}-${v.message}`),
    })),
  };
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
