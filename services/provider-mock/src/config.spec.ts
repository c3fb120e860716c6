import path from 'node:path';
import { ConfigError } from '@poppy/platform';
import { loadProviderMockConfig } from './config';

describe('loadProviderMockConfig', () => {
  it('defaults to the embedded mock on 127.0.0.1:50061 without faults', () => {
    const config = loadProviderMockConfig({});
    expect(config).toMatchObject({
      providerName: 'Mock',
      host: '127.0.0.1',
      port: 50061,
      faults: { latencyMs: 0, errorRate: 0, failTimes: 0, failAlways: false, hang: [] },
      journalFile: undefined,
      faultsFile: undefined,
    });
  });

  it('reads the faults, the name and the files', () => {
    const config = loadProviderMockConfig({
      POPPY_MOCK_PROVIDER_NAME: 'Mock2',
      POPPY_PROVIDER_PORT: '0',
      POPPY_MOCK_LATENCY_MS: '25',
      POPPY_MOCK_ERROR_RATE: '0.5',
      POPPY_MOCK_FAIL_TIMES: '2',
      POPPY_MOCK_FAIL_ALWAYS: 'true',
      POPPY_MOCK_HANG: 'createService, purgeService',
      POPPY_MOCK_JOURNAL: 'j.jsonl',
      POPPY_MOCK_FAULTS_FILE: '/tmp/faults.json',
    });
    expect(config).toMatchObject({
      providerName: 'Mock2',
      port: 0,
      faults: {
        latencyMs: 25,
        errorRate: 0.5,
        failTimes: 2,
        failAlways: true,
        hang: ['createService', 'purgeService'],
      },
      journalFile: path.resolve('j.jsonl'),
      faultsFile: '/tmp/faults.json',
    });
  });

  it('reports every bad value together', () => {
    let error: unknown;
    try {
      loadProviderMockConfig({
        POPPY_MOCK_ERROR_RATE: '1.5',
        POPPY_MOCK_HANG: 'createService,explode',
        POPPY_MOCK_FAIL_TIMES: '-1',
        POPPY_MOCK_FAIL_ALWAYS: 'maybe',
        POPPY_MOCK_PROVIDER_NAME: 'no spaces',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toHaveLength(5);
  });
});
