/**
 * Test helper: fast-check arbitraries of JSON values from the JSON Schemas the OpenAPI
 * document serves (the subset our schemas use: type, enum, const, properties, required,
 * items, oneOf/anyOf, lengths, bounds), and the hostile mutations the fuzz test mixes in.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const MAX_DEPTH = 6;

/** Values that match `schema` most of the time; near misses come from the mutations. */
export function fromSchema(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (schema === null || typeof schema !== 'object' || depth > MAX_DEPTH) return fc.jsonValue();
  const s = schema as Schema;
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  if ('const' in s) return fc.constant(s.const);
  const union = (s.oneOf ?? s.anyOf) as unknown[] | undefined;
  if (union)
    return fc.oneof(
      ...union.map((b) =>
        fromSchema({ ...s, oneOf: undefined, anyOf: undefined, ...(b as Schema) }, depth + 1),
      ),
    );
  const type = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : [];
  if (type.length > 1) return fc.oneof(...type.map((t) => fromSchema({ ...s, type: t }, depth)));
  switch (type[0]) {
    case 'string':
      return fc.string({
        minLength: (s.minLength as number) ?? 0,
        maxLength: Math.min((s.maxLength as number) ?? 40, 80),
        unit: 'grapheme',
      });
    case 'integer':
      return fc.integer({
        min: (s.minimum as number) ?? -1000,
        max: Math.min((s.maximum as number) ?? 100_000, Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(fromSchema(s.items, depth + 1), {
        minLength: (s.minItems as number) ?? 0,
        maxLength: Math.min((s.maxItems as number) ?? 3, 3),
      });
    default: {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set((s.required ?? []) as string[]);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, sub] of Object.entries(properties))
        record[name] = fromSchema(sub, depth + 1);
      if (Object.keys(record).length === 0) return fc.jsonValue({ maxDepth: 2 });
      return fc.record(record, {
        requiredKeys: Object.keys(record).filter((k) => required.has(k)),
      });
    }
  }
}

const deep = (depth: number, open: string, close: string, leaf: string): string =>
  open.repeat(depth) + leaf + close.repeat(depth);

/** Hostile request bodies, as text: the mutations of the fuzz test. */
export const hostileBody: fc.Arbitrary<string> = fc.oneof(
  fc.integer({ min: 33, max: 100_000 }).map((d) => deep(d, '[', ']', '1')),
  fc.integer({ min: 33, max: 50_000 }).map((d) => deep(d, '{"a":', '}', '{}')),
  fc
    .integer({ min: 1_000, max: 30_000 })
    .map(
      (n) =>
        `{"name":"x","domains":[${Array(n).fill('{"domain":"bad","x":1}').join(',')}],"origins":[]}`,
    ),
  fc.integer({ min: 101, max: 5_000 }).map((n) => JSON.stringify(Array(n).fill({ op: 'add' }))),
  fc
    .integer({ min: 1_001, max: 50_000 })
    .map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  fc.constantFrom(
    '{"limit": 4294967296}',
    '{"limit": 1e308}',
    '{"limit": -0}',
    '{"limit": 1.5}',
    '{"ttl": 99999999999999999999}',
    '',
    'null',
    '{',
    '"\\ud800"',
    '\u0000\u0001',
  ),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue().map((v) => JSON.stringify(v)),
);

/** Values for path segments and query parameters: valid-looking, unicode, huge, odd. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    '..',
    '../../etc',
    '%00',
    '-1',
    '0',
    '18446744073709551616',
    '1e400',
    'NaN',
    'true',
    'TRUE',
    'www.example.com',
    '00000000-0000-4000-8000-000000000001',
  ),
  fc.integer({ min: 300, max: 2_000 }).map((n) => 'a'.repeat(n)),
);

export const contentTypes = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'application/json; charset=latin1',
);
