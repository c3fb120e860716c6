/**
 * Real opossum breakers with short windows, driven by fake calls: the state machine
 * (closed → open → half-open → closed), what counts as a failure, timeouts, keys, and
 * the state as log lines and as the poppy_circuit_breaker_state gauge.
 */
import {
  BREAKER_STATE_METRIC,
  BreakerOpenError,
  BreakerTimeoutError,
  CircuitBreakers,
  type CircuitBreakerOptions,
} from './circuit-breakers';
import { capturingLogger, collectingMeter } from './test-support';

/** What a vendor client throws: an error that says whether to retry (like provider-kit's ProviderError). */
class VendorError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const ok = () => Promise.resolve('ok');
const vendorDown = () => Promise.reject(new VendorError('vendor 503', true));
const vendorRefused = () => Promise.reject(new VendorError('vendor 400', false));

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

describe('CircuitBreakers', () => {
  const options: CircuitBreakerOptions = {
    timeoutMs: 200,
    errorThresholdPercentage: 50,
    resetTimeoutMs: 150,
    volumeThreshold: 4,
    rollingCountTimeoutMs: 5000,
  };
  let breakers: CircuitBreakers;
  let log: ReturnType<typeof capturingLogger>;
  let metrics: ReturnType<typeof collectingMeter>;

  beforeEach(() => {
    log = capturingLogger();
    metrics = collectingMeter();
    breakers = new CircuitBreakers(options, log.logger, metrics.meter);
  });
  afterEach(async () => {
    breakers.shutdown();
    await metrics.shutdown();
  });

  /** Timers may fire late on a busy machine: wait for the state rather than for a fixed time. */
  async function waitForState(key: string, state: string): Promise<void> {
    for (let waited = 0; breakers.states()[key] !== state; waited += 10) {
      if (waited > 3000)
        throw new Error(`breaker ${key} is ${breakers.states()[key]}, not ${state}, after 3 s`);
      await sleep(10);
    }
  }

  async function openBreaker(key: string): Promise<void> {
    for (let i = 0; i < options.volumeThreshold; i += 1)
      await failureOf(breakers.call(key, vendorDown));
    expect(breakers.states()[key]).toBe('open');
  }

  it('passes results and errors through while closed', async () => {
    await expect(breakers.call('Mock', ok)).resolves.toBe('ok');
    const error = await failureOf(breakers.call('Mock', vendorDown));
    expect(error).toBeInstanceOf(VendorError);
    expect((error as VendorError).message).toBe('vendor 503');
    expect(breakers.states()).toEqual({ Mock: 'closed' });
  });

  it('stays closed below the volume threshold even when every call fails', async () => {
    for (let i = 0; i < options.volumeThreshold - 1; i += 1)
      await failureOf(breakers.call('Mock', vendorDown));
    expect(breakers.states().Mock).toBe('closed');
  });

  it('goes closed → open → half-open → closed, rejecting fast while open', async () => {
    await openBreaker('Mock');
    let called = false;
    const rejected = await failureOf(
      breakers.call('Mock', async () => {
        called = true;
        return 'ok';
      }),
    );
    expect(called).toBe(false);
    expect(rejected).toBeInstanceOf(BreakerOpenError);
    expect((rejected as BreakerOpenError).retryable).toBe(true);
    expect((rejected as BreakerOpenError).retryAfterMs).toBeGreaterThan(0);
    expect((rejected as BreakerOpenError).retryAfterMs).toBeLessThanOrEqual(options.resetTimeoutMs);

    await waitForState('Mock', 'halfOpen');
    await expect(breakers.call('Mock', ok)).resolves.toBe('ok');
    expect(breakers.states().Mock).toBe('closed');

    const transitions = log.lines
      .filter((l) => l.breaker === 'Mock')
      .map((l) => [l.level, l.state]);
    expect(transitions).toEqual([
      [40, 'open'],
      [30, 'halfOpen'],
      [30, 'closed'],
    ]);
  });

  it('reopens when the half-open probe fails, and lets only one probe through', async () => {
    await openBreaker('Mock');
    await waitForState('Mock', 'halfOpen');
    let release!: () => void;
    const probe = breakers.call(
      'Mock',
      () =>
        new Promise<never>(
          (_, reject) => (release = () => reject(new VendorError('still down', true))),
        ),
    );
    const second = await failureOf(breakers.call('Mock', ok));
    expect(second).toBeInstanceOf(BreakerOpenError);
    release();
    await failureOf(probe);
    expect(breakers.states().Mock).toBe('open');
  });

  it('does not count non-retryable errors (vendor 4xx) as failures', async () => {
    for (let i = 0; i < options.volumeThreshold * 3; i += 1) {
      const error = await failureOf(breakers.call('Mock', vendorRefused));
      expect(error).toBeInstanceOf(VendorError);
      expect((error as VendorError).retryable).toBe(false);
    }
    expect(breakers.states().Mock).toBe('closed');
  });

  it('keeps keys independent: an open breaker does not affect another key', async () => {
    await openBreaker('Mock');
    await expect(breakers.call('Mock2', ok)).resolves.toBe('ok');
    await expect(breakers.call('Mock:createService', ok)).resolves.toBe('ok');
    expect(breakers.states()).toEqual({
      Mock: 'open',
      Mock2: 'closed',
      'Mock:createService': 'closed',
    });
  });

  it('fails a call slower than timeoutMs with a retryable BreakerTimeoutError, and counts it', async () => {
    const started = Date.now();
    const error = await failureOf(breakers.call('Slow', () => new Promise(() => undefined)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(options.timeoutMs - 5);
    expect(Date.now() - started).toBeLessThan(options.timeoutMs + 1500);
    expect(error).toBeInstanceOf(BreakerTimeoutError);
    expect(error).toMatchObject({
      retryable: true,
      errorClass: 'breaker.Timeout',
      message: `'Slow' did not answer within ${options.timeoutMs} ms`,
    });

    await Promise.all(
      Array.from({ length: options.volumeThreshold }, () =>
        failureOf(breakers.call('Slow', () => new Promise(() => undefined))),
      ),
    );
    expect(breakers.states().Slow).toBe('open');
  });

  it('exports each breaker state as a gauge: 0 closed, 1 half-open, 2 open', async () => {
    await breakers.call('Healthy', ok);
    await openBreaker('Broken');
    expect(await metrics.read(BREAKER_STATE_METRIC, 'breaker')).toEqual({ Healthy: 0, Broken: 2 });
    await waitForState('Broken', 'halfOpen');
    expect(await metrics.read(BREAKER_STATE_METRIC, 'breaker')).toEqual({ Healthy: 0, Broken: 1 });
  });

  it('refuses calls after shutdown', async () => {
    breakers.shutdown();
    await expect(breakers.call('Mock', ok)).rejects.toThrow(/shut down/);
  });
});
