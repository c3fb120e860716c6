import { invalid, unavailable } from '@poppy/domain';
import { NotConfiguredError, toHttpError, UNAVAILABLE_MESSAGE } from './http-errors';

describe('toHttpError', () => {
  it('answers a missing configuration 503 with its own message, no request id, not logged', () => {
    expect(toHttpError(new NotConfiguredError('set POPPY_X'), 'req-1')).toEqual({
      status: 503,
      body: { message: 'set POPPY_X' },
      log: false,
    });
  });

  it('answers a dependency that is down 503 with the generic message and the request id', () => {
    expect(toHttpError(unavailable('catalog down'), 'req-2')).toEqual({
      status: 503,
      body: { message: UNAVAILABLE_MESSAGE, request_id: 'req-2' },
      log: true,
    });
  });

  it('answers an invalid request 400 with its message', () => {
    expect(toHttpError(invalid('bad'), 'req-3')).toEqual({
      status: 400,
      body: { message: 'bad' },
      log: false,
    });
  });
});
