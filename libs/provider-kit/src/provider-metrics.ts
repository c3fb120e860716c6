/**
 * Count and latency of every adapter call, per operation and outcome, through the
 * OpenTelemetry API: without an SDK (telemetry off) the instruments are no-ops.
 */
import { metrics, type Meter } from '@opentelemetry/api';

export type CallOutcome = 'ok' | 'retryable' | 'error' | 'internal';

export interface ProviderCallObserver {
  record(operation: string, outcome: CallOutcome, durationMs: number): void;
}

export const PROVIDER_CALLS_METRIC = 'poppy_provider_calls_total';
export const PROVIDER_CALL_DURATION_METRIC = 'poppy_provider_call_duration_ms';

export function createProviderMetrics(
  providerName: string,
  meter: Meter = metrics.getMeter('@poppy/provider-kit'),
): ProviderCallObserver {
  const calls = meter.createCounter(PROVIDER_CALLS_METRIC, {
    description: 'Provider adapter calls by operation and outcome',
  });
  const duration = meter.createHistogram(PROVIDER_CALL_DURATION_METRIC, {
    description: 'Provider adapter call latency',
    unit: 'ms',
  });
  return {
    record(operation, outcome, durationMs) {
      const attributes = { provider: providerName, operation, outcome };
      calls.add(1, attributes);
      duration.record(durationMs, attributes);
    },
  };
}
