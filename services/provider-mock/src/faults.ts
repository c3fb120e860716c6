/**
 * Fault injection of the mock provider, for tests: what goes wrong, and how it is read
 * from the environment (config.ts) or from the faults file reloaded on SIGUSR2.
 */
import { PROVIDER_OPERATIONS, type ProviderOperation } from '@poppy/provider-kit';

export interface Faults {
  /** Added to every call. @default 0 (POPPY_MOCK_LATENCY_MS) */
  latencyMs: number;
  /** Share of calls, 0..1, that fail with a retryable error. @default 0 (POPPY_MOCK_ERROR_RATE) */
  errorRate: number;
  /** The first N calls of each operation per service_id fail, retryable. @default 0 (POPPY_MOCK_FAIL_TIMES) */
  failTimes: number;
  /** Every create/update fails, not retryable: "Mock provider failure". @default false (POPPY_MOCK_FAIL_ALWAYS) */
  failAlways: boolean;
  /** Operations that never answer. @default [] (POPPY_MOCK_HANG) */
  hang: ProviderOperation[];
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  failTimes: 0,
  failAlways: false,
  hang: [],
});

export function isProviderOperation(value: string): value is ProviderOperation {
  return (PROVIDER_OPERATIONS as readonly string[]).includes(value);
}

/** Checks one hang list, returning the problems (named after `source`). */
export function hangProblems(source: string, operations: string[]): string[] {
  const unknown = operations.filter((op) => !isProviderOperation(op));
  return unknown.length === 0
    ? []
    : [
        `${source}: unknown operation(s) ${unknown.join(', ')}; expected some of ${PROVIDER_OPERATIONS.join(', ')}`,
      ];
}

/**
 * The JSON of POPPY_MOCK_FAULTS_FILE: the fields of Faults, each optional (missing = no
 * such fault). Returns every problem at once rather than the first.
 */
export function parseFaultsJson(text: string): { faults?: Faults; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { problems: [`not JSON: ${(error as Error).message}`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { problems: ['expected a JSON object'] };
  const input = raw as Record<string, unknown>;
  const problems: string[] = [];
  const known = new Set(Object.keys(NO_FAULTS));
  for (const key of Object.keys(input))
    if (!known.has(key)) problems.push(`unknown field '${key}'`);
  const number = (key: keyof Faults, fallback: number, max: number, integer: boolean): number => {
    const value = input[key];
    if (value === undefined) return fallback;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < 0 ||
      value > max ||
      (integer && !Number.isInteger(value))
    ) {
      problems.push(
        `${key}: expected ${integer ? 'an integer' : 'a number'} in [0, ${max}], got ${JSON.stringify(value)}`,
      );
      return fallback;
    }
    return value;
  };
  const faults: Faults = {
    latencyMs: number('latencyMs', 0, 3_600_000, true),
    errorRate: number('errorRate', 0, 1, false),
    failTimes: number('failTimes', 0, 1_000_000, true),
    failAlways: false,
    hang: [],
  };
  if (input.failAlways !== undefined) {
    if (typeof input.failAlways === 'boolean') faults.failAlways = input.failAlways;
    else
      problems.push(`failAlways: expected true or false, got ${JSON.stringify(input.failAlways)}`);
  }
  if (input.hang !== undefined) {
    if (Array.isArray(input.hang) && input.hang.every((op) => typeof op === 'string')) {
      const ops = input.hang as string[];
      problems.push(...hangProblems('hang', ops));
      faults.hang = ops.filter(isProviderOperation);
    } else {
      problems.push(`hang: expected a list of operation names, got ${JSON.stringify(input.hang)}`);
    }
  }
  return problems.length > 0 ? { problems } : { faults, problems };
}
