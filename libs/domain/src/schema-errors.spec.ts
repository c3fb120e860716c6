import {
  formatSchemaPath,
  schemaViolations,
  toSchemaErrorObject,
  assertMatchesSchema,
  MAX_REPORTED_ERRORS,
  MAX_TOTAL_LIST_ITEMS,
} from './schema-errors';
import { schemaMessages } from './rejection.test-helper';
import { serviceCreateSchema } from './schemas';

const messagesFor = (schema: object, doc: unknown): string[] =>
  schemaMessages(() => assertMatchesSchema(schema, doc));

describe('formatSchemaPath', () => {
  it('brackets keys as Python reprs and indexes as numbers', () => {
    expect(formatSchemaPath(['domains', 0, 'domain'])).toBe("['domains'][0]['domain']");
  });

  it('renders the root as an empty string', () => {
    expect(formatSchemaPath([])).toBe('');
  });
});

describe('schema error messages (Python jsonschema wording, docs/behaviour.md §2.4)', () => {
  const object = (properties: object, extra: object = {}) => ({
    type: 'object',
    properties,
    ...extra,
  });

  it('names a missing property in the path and the text', () => {
    expect(messagesFor(object({ name: { type: 'string' } }, { required: ['name'] }), {})).toEqual([
      "['name']-'name' is a required property",
    ]);
  });

  it('says a string is too short or too long', () => {
    const schema = object({
      a: { type: 'string', minLength: 3 },
      b: { type: 'string', maxLength: 1 },
    });
    expect(messagesFor(schema, { a: 'ab', b: 'xy' })).toEqual([
      "['a']-'ab' is too short",
      "['b']-'xy' is too long",
    ]);
  });

  it('says an array is too short or too long', () => {
    const schema = object({ a: { type: 'array', minItems: 1 }, b: { type: 'array', maxItems: 1 } });
    expect(messagesFor(schema, { a: [], b: [1, 2] })).toEqual([
      "['a']-[] is too short",
      "['b']-[1, 2] is too long",
    ]);
  });

  it('lists the allowed values of an enum', () => {
    expect(messagesFor(object({ port: { enum: [80, 443] } }), { port: 3 })).toEqual([
      "['port']-3 is not one of [80, 443]",
    ]);
  });

  it('names the expected type, or every expected type', () => {
    const schema = object({ a: { type: 'integer' }, b: { type: ['string', 'null'] } });
    expect(messagesFor(schema, { a: 'foo', b: 5 })).toEqual([
      "['a']-'foo' is not of type 'integer'",
      "['b']-5 is not of type 'string', 'null'",
    ]);
  });

  it('reports the bounds of a number', () => {
    const schema = object({
      a: { type: 'integer', minimum: 0 },
      b: { type: 'integer', maximum: 9 },
    });
    expect(messagesFor(schema, { a: -1, b: 10 })).toEqual([
      "['a']--1 is less than the minimum of 0",
      "['b']-10 is greater than the maximum of 9",
    ]);
  });

  it('reports one unexpected property as "was unexpected"', () => {
    expect(messagesFor(object({}, { additionalProperties: false }), { x: 1 })).toEqual([
      "-Additional properties are not allowed ('x' was unexpected)",
    ]);
  });

  it('reports several unexpected properties of one object in one message', () => {
    expect(messagesFor(object({}, { additionalProperties: false }), { x: 1, y: 2 })).toEqual([
      "-Additional properties are not allowed ('x', 'y' were unexpected)",
    ]);
  });

  it('reports a failing oneOf once, without the errors of its branches', () => {
    const schema = object({
      d: {
        oneOf: [
          object({ a: { type: 'string' } }, { required: ['a'] }),
          { type: 'string', minLength: 5 },
        ],
      },
    });
    expect(messagesFor(schema, { d: { b: 1 } })).toEqual([
      "['d']-{'b': 1} is not valid under any of the given schemas",
    ]);
  });

  it('reports a failing oneOf per array item, each once', () => {
    const schema = object({
      list: { type: 'array', items: { oneOf: [{ type: 'string' }, { type: 'integer' }] } },
    });
    expect(messagesFor(schema, { list: ['ok', true, null] })).toEqual([
      "['list'][1]-True is not valid under any of the given schemas",
      "['list'][2]-None is not valid under any of the given schemas",
    ]);
  });

  it('reports duplicate array items', () => {
    expect(messagesFor(object({ a: { type: 'array', uniqueItems: true } }), { a: [1, 1] })).toEqual(
      ["['a']-[1, 1] has non-unique elements"],
    );
  });

  it('reports the inner error of a failed then-branch, not the if', () => {
    const schema = object(
      { t: { type: 'string' } },
      {
        if: { properties: { t: { enum: ['custom'] } }, required: ['t'] },
        then: { required: ['v'] },
      },
    );
    expect(messagesFor(schema, { t: 'custom' })).toEqual(["['v']-'v' is a required property"]);
  });

  it('reports a root type error with an empty path', () => {
    expect(messagesFor({ type: 'object' }, [])).toEqual(["-[] is not of type 'object'"]);
  });

  it('reports every error of the document in document order', () => {
    const schema = object(
      {
        a: { type: 'string' },
        b: { type: 'string' },
        c: { type: 'array', items: { type: 'string' } },
      },
      { required: ['a', 'b', 'c', 'z'] },
    );
    expect(messagesFor(schema, { c: [1, 'ok', 2], b: 1, a: 2 })).toEqual([
      "['c'][0]-1 is not of type 'string'",
      "['c'][2]-2 is not of type 'string'",
      "['b']-1 is not of type 'string'",
      "['a']-2 is not of type 'string'",
      "['z']-'z' is a required property",
    ]);
  });

  it('HTML-escapes the messages', () => {
    expect(messagesFor(object({ a: { type: 'string', maxLength: 2 } }), { a: '<b>&' })).toEqual([
      "['a']-'&lt;b&gt;&amp;' is too long",
    ]);
  });

  it('reports nothing for a matching document', () => {
    expect(schemaViolations({ type: 'object' }, {})).toEqual([]);
    expect(() => assertMatchesSchema({ type: 'object' }, {})).not.toThrow();
  });

  it('merges extra violations into document order', () => {
    const doc = { a: [0, 1], b: 'x' };
    const detail = toSchemaErrorObject(doc, [
      { path: ['b'], message: 'second' },
      { path: ['a', 1], message: 'first' },
    ]);
    expect(detail).toEqual({
      errors: [{ message: "['a'][1]-first" }, { message: "['b']-second" }],
    });
  });
});

describe('the cost and size of a schema error answer (docs/api-hardening.md)', () => {
  const elapsedMs = (run: () => void): number => {
    const started = process.hrtime.bigint();
    run();
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const service = (extra: Record<string, unknown>) => ({
    name: 'my site',
    domains: [{ domain: 'www.a.com' }],
    origins: [{ origin: 'o.a.com' }],
    flavor_id: 'mock',
    ...extra,
  });

  it('answers a ~1 MiB array of thousands of invalid items at once, with one small error', () => {
    const domains = Array.from({ length: 20_000 }, () => ({ domain: 'x'.repeat(40), bad: 1 }));
    let messages: string[] = [];
    const ms = elapsedMs(() => {
      messages = messagesFor(serviceCreateSchema, service({ domains }));
    });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(
      /^\['domains'\]-\[\{'domain': 'x+', 'bad': 1\}, .*\.\.\. is too long$/,
    );
    expect(messages[0]!.length).toBeLessThan(600);
    expect(ms).toBeLessThan(500);
  });

  it('validates lists up to the total limit in linear time and caps the errors listed', () => {
    // 10 × 100 restriction rules, each failing every branch of its union: before, each
    // error was compared with every failed union (quadratic).
    const rules = Array.from({ length: 100 }, () => ({ name: 'r', bad: true }));
    const restrictions = Array.from({ length: 9 }, (_, i) => ({ name: `r${i}`, rules }));
    const doc = service({ restrictions });
    messagesFor(serviceCreateSchema, doc); // compiles the schema outside the measure
    let messages: string[] = [];
    const ms = elapsedMs(() => {
      messages = messagesFor(serviceCreateSchema, doc);
    });
    expect(messages).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(messages[0]).toBe(
      "['restrictions'][0]['rules'][0]-{'name': 'r', 'bad': True} is not valid under any of the given schemas",
    );
    expect(messages[MAX_REPORTED_ERRORS]).toBe(`-... and ${900 - MAX_REPORTED_ERRORS} more errors`);
    expect(ms).toBeLessThan(1000);
  });

  it('stops before validating when all lists together hold more than the total limit', () => {
    const rules = Array.from({ length: 100 }, () => ({ name: 'r', bad: true }));
    const restrictions = Array.from({ length: 100 }, (_, i) => ({ name: `r${i}`, rules }));
    let messages: string[] = [];
    const ms = elapsedMs(() => {
      messages = messagesFor(serviceCreateSchema, service({ restrictions }));
    });
    expect(messages).toEqual([
      `-The document holds more than ${MAX_TOTAL_LIST_ITEMS} list items in all`,
    ]);
    expect(ms).toBeLessThan(250);
  });

  it('echoes a huge rejected value cut to a bounded length with an ellipsis', () => {
    const messages = messagesFor(serviceCreateSchema, service({ name: 'n'.repeat(1_000_000) }));
    expect(messages).toEqual([`['name']-'${'n'.repeat(511)}... is too long`]);
  });

  it('names at most 10 unexpected properties of one object', () => {
    const domain: Record<string, unknown> = { domain: 'www.a.com', protocol: 'http' };
    for (let i = 0; i < 5000; i++) domain[`extra${i}`] = i;
    const schema = {
      type: 'object',
      properties: { domain: { type: 'string' }, protocol: { type: 'string' } },
      additionalProperties: false,
    };
    const [message] = messagesFor(schema, domain);
    expect(message).toBe(
      `-Additional properties are not allowed (${Array.from({ length: 10 }, (_, i) => `'extra${i}'`).join(', ')}, ... were unexpected)`,
    );
  });
});
