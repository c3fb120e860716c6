import path from 'node:path';
import { EnvReader } from '@poppy/platform/boot';
import { rateBudgetKey, readRateBudgetConfig } from './rate-budget-config';

const read = (env: NodeJS.ProcessEnv) => {
  const e = new EnvReader(env);
  return e.done(readRateBudgetConfig(e));
};

describe('readRateBudgetConfig', () => {
  it('keeps the budget in this process by default', () => {
    expect(read({})).toEqual({ driver: 'local' });
  });

  it('shares the job queue file of the data directory on one machine', () => {
    expect(read({ POPPY_RATE_BUDGET: 'sqlite', POPPY_DATA_DIR: '/var/poppy' })).toEqual({
      driver: 'sqlite',
      file: path.resolve('/var/poppy/jobs.sqlite'),
    });
    expect(read({ POPPY_RATE_BUDGET: 'sqlite', POPPY_RATE_BUDGET_FILE: '/tmp/b.sqlite' })).toEqual({
      driver: 'sqlite',
      file: path.resolve('/tmp/b.sqlite'),
    });
  });

  it('shares a JetStream KV bucket on the queue servers', () => {
    expect(
      read({ POPPY_RATE_BUDGET: 'nats', POPPY_NATS_URL: 'nats://a:4222,nats://b:4222' }),
    ).toEqual({
      driver: 'nats',
      servers: ['nats://a:4222', 'nats://b:4222'],
      kvBucket: 'poppy_rate_budgets',
    });
  });

  it('reports a bad driver, server URL and bucket name together', () => {
    expect(() => read({ POPPY_RATE_BUDGET: 'redis' })).toThrow(/POPPY_RATE_BUDGET/);
    expect(() =>
      read({
        POPPY_RATE_BUDGET: 'nats',
        POPPY_NATS_URL: 'http://x',
        POPPY_RATE_BUDGET_KV_BUCKET: 'a.b',
      }),
    ).toThrow(/POPPY_NATS_URL[\s\S]*POPPY_RATE_BUDGET_KV_BUCKET/);
  });
});

describe('rateBudgetKey', () => {
  it('names one bucket per vendor and credential without containing the credential', () => {
    const key = rateBudgetKey('fastly', 'secret-token');
    expect(key).toMatch(/^fastly\.[0-9a-f]{16}$/);
    expect(key).not.toContain('secret');
    expect(rateBudgetKey('fastly', 'secret-token')).toBe(key);
    expect(rateBudgetKey('fastly', 'other-token')).not.toBe(key);
    expect(rateBudgetKey('cloudflare', 'secret-token')).not.toBe(key);
  });
});
