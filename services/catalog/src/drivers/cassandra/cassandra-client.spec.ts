import cassandra from 'cassandra-driver';
import { PoppyError, invalid } from '@poppy/domain';
import { isCassandraUnavailable, translateCassandraError } from './cassandra-client';

const codes = cassandra.types.responseErrorCodes;
const responseError = (code: number) =>
  new cassandra.errors.ResponseError(code, 'from the coordinator');

describe('translateCassandraError', () => {
  it.each([
    ['no host available', new cassandra.errors.NoHostAvailableError({})],
    ['a client-side timeout', new cassandra.errors.OperationTimedOutError('timed out')],
    ['a busy connection', new cassandra.errors.BusyConnectionError('127.0.0.1:9042', 2048, 1)],
    // DriverError is declared abstract, but the driver throws plain ones for socket failures.
    [
      'a closed socket',
      new (cassandra.errors.DriverError as unknown as new (m: string) => Error)(
        'Socket was closed',
      ),
    ],
    ['Unavailable', responseError(codes.unavailableException)],
    ['WriteTimeout', responseError(codes.writeTimeout)],
    ['ReadTimeout', responseError(codes.readTimeout)],
    ['Overloaded', responseError(codes.overloaded)],
    [
      'a keyspace that does not exist',
      new cassandra.errors.ResponseError(codes.invalid, 'keyspace poppy_a1 does not exist'),
    ],
    [
      'a table of a dropped keyspace',
      new cassandra.errors.ResponseError(codes.invalid, 'unconfigured table services'),
    ],
  ])('turns %s into unavailable, keeping the cause', (_name, error) => {
    const translated = translateCassandraError(error);
    expect(translated).toBeInstanceOf(PoppyError);
    expect(translated).toMatchObject({ kind: 'unavailable', cause: error });
  });

  it.each([
    ['a syntax error', responseError(codes.syntaxError)],
    ['an invalid query', responseError(codes.invalid)],
    ['a bad argument', new cassandra.errors.ArgumentError('bad')],
    ['a plain error', new Error('bug')],
  ])('leaves %s alone (a bug, reported as internal)', (_name, error) => {
    expect(isCassandraUnavailable(error)).toBe(false);
    expect(translateCassandraError(error)).toBe(error);
  });

  it('passes domain errors through', () => {
    const error = invalid('Domain x has already been taken');
    expect(translateCassandraError(error)).toBe(error);
  });
});
