import { ConfigError, EnvReader, readCommonConfig } from './config';

describe('EnvReader', () => {
  it('returns the defaults when nothing is set', () => {
    const e = new EnvReader({});
    const config = e.done(readCommonConfig(e));
    expect(config).toEqual({
      logLevel: 'info',
      telemetryExporter: 'none',
      otlpEndpoint: 'http://127.0.0.1:4318',
      metricsPort: 0,
      metricsHost: '127.0.0.1',
      grpcDeadlineMs: 5000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('lists every problem at once when several values are wrong', () => {
    const e = new EnvReader({
      POPPY_LOG_LEVEL: 'loud',
      POPPY_METRICS_PORT: '70000',
      POPPY_GRPC_DEADLINE_MS: 'soon',
      POPPY_FLAG: 'maybe',
      POPPY_ADDR: 'nowhere',
    });
    readCommonConfig(e);
    e.bool('POPPY_FLAG', false);
    e.address('POPPY_ADDR', '127.0.0.1:1');
    let error: unknown;
    try {
      e.done({});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(5);
    expect(problems.join('\n')).toMatch(
      /POPPY_LOG_LEVEL.*POPPY_METRICS_PORT.*POPPY_GRPC_DEADLINE_MS.*POPPY_FLAG.*POPPY_ADDR/s,
    );
  });

  it('reads lists, booleans and integers', () => {
    const e = new EnvReader({ L: ' a, b ,,c ', B: 'TRUE', I: '42' });
    expect(e.list('L', [])).toEqual(['a', 'b', 'c']);
    expect(e.bool('B', false)).toBe(true);
    expect(e.int('I', 0)).toBe(42);
  });
});
