export {
  BREAKER_STATE_METRIC,
  BREAKER_STATE_VALUE,
  BreakerOpenError,
  BreakerTimeoutError,
  CircuitBreakers,
  type BreakerState,
  type CircuitBreakerOptions,
} from './circuit-breakers';
export { backoffDelayMs, retryDelayMs, type BackoffOptions } from './backoff';
