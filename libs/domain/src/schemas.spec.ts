import Ajv from 'ajv';
import { flavorCreateSchema, schemas, serviceCreateSchema, servicePatchSchema } from './schemas';

describe('request-body schemas', () => {
  it.each(Object.entries(schemas))(
    '%s is plain JSON (survives a JSON round trip unchanged)',
    (_name, schema) => {
      expect(JSON.parse(JSON.stringify(schema))).toEqual(schema);
    },
  );

  it.each(Object.entries(schemas))(
    '%s declares draft-07 and compiles with a stock ajv that reads formats as annotations',
    (_name, schema) => {
      expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(() =>
        new Ajv({ strict: false, validateFormats: false }).compile(schema),
      ).not.toThrow();
    },
  );
  it('names each schema by the body it describes', () => {
    expect(schemas).toEqual({
      serviceCreate: serviceCreateSchema,
      servicePatch: servicePatchSchema,
      flavorCreate: flavorCreateSchema,
    });
  });

  it('tolerates unknown top-level properties of a service (docs/behaviour.md §4.1)', () => {
    expect('additionalProperties' in serviceCreateSchema).toBe(false);
  });
});
