import path from 'node:path';
import { EnvReader, readCommonConfig, type CommonConfig } from '@poppy/platform/boot';
import { hangProblems, isProviderOperation, type Faults } from './faults';

export interface ProviderMockConfig extends CommonConfig {
  /** Display name and provider_details key; a second process "Mock2" makes a two-provider flavor. @default 'Mock' (POPPY_MOCK_PROVIDER_NAME) */
  providerName: string;
  /** @default '127.0.0.1' (POPPY_PROVIDER_HOST) */
  host: string;
  /** @default 50061 (POPPY_PROVIDER_PORT); 0 picks a free port. */
  port: number;
  /** Faults injected from the start (POPPY_MOCK_LATENCY_MS, _ERROR_RATE, _FAIL_TIMES, _FAIL_ALWAYS, _HANG). */
  faults: Faults;
  /** Append one JSON line per call here. @default none (POPPY_MOCK_JOURNAL) */
  journalFile?: string;
  /** JSON faults re-read on SIGUSR2. @default none (POPPY_MOCK_FAULTS_FILE) */
  faultsFile?: string;
}

export function loadProviderMockConfig(
  env: NodeJS.ProcessEnv = process.env,
): Readonly<ProviderMockConfig> {
  const e = new EnvReader(env);
  const rawRate = e.optionalString('POPPY_MOCK_ERROR_RATE');
  let errorRate = 0;
  if (rawRate !== undefined) {
    errorRate = Number(rawRate);
    if (!/^\d*\.?\d+$/.test(rawRate) || !(errorRate >= 0 && errorRate <= 1)) {
      e.problem(`POPPY_MOCK_ERROR_RATE: expected a number in [0, 1], got '${rawRate}'`);
      errorRate = 0;
    }
  }
  const hang = e.list('POPPY_MOCK_HANG', []);
  for (const problem of hangProblems('POPPY_MOCK_HANG', hang)) e.problem(problem);
  const providerName = e.string('POPPY_MOCK_PROVIDER_NAME', 'Mock');
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(providerName)) {
    e.problem(
      `POPPY_MOCK_PROVIDER_NAME: expected a name of letters, digits, '-' or '_', got '${providerName}'`,
    );
  }
  const journal = e.optionalString('POPPY_MOCK_JOURNAL');
  const faultsFile = e.optionalString('POPPY_MOCK_FAULTS_FILE');
  const config: ProviderMockConfig = {
    ...readCommonConfig(e),
    providerName,
    host: e.string('POPPY_PROVIDER_HOST', '127.0.0.1'),
    port: e.int('POPPY_PROVIDER_PORT', 50061, { min: 0, max: 65535 }),
    faults: {
      latencyMs: e.int('POPPY_MOCK_LATENCY_MS', 0, { min: 0, max: 3_600_000 }),
      errorRate,
      failTimes: e.int('POPPY_MOCK_FAIL_TIMES', 0, { min: 0 }),
      failAlways: e.bool('POPPY_MOCK_FAIL_ALWAYS', false),
      hang: hang.filter(isProviderOperation),
    },
    journalFile: journal === undefined ? undefined : path.resolve(journal),
    faultsFile: faultsFile === undefined ? undefined : path.resolve(faultsFile),
  };
  return e.done(config);
}
