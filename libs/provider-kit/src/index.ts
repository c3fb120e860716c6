export { ProviderError, isProviderError, type ProviderErrorOptions } from './provider-error';
export {
  PROVIDER_OPERATIONS,
  type ManagedObject,
  type ProviderDriver,
  type ProviderOperation,
} from './provider-driver';
export {
  CLASS_METADATA_KEY,
  DETAIL_METADATA_KEY,
  INTERNAL_ERROR_CLASS,
  INTERNAL_ERROR_MESSAGE,
  RETRY_AFTER_METADATA_KEY,
  RETRYABLE_GRPC_STATUSES,
  providerErrorFromGrpc,
  providerErrorToGrpc,
} from './provider-errors';
export {
  createProviderMetrics,
  PROVIDER_CALL_DURATION_METRIC,
  PROVIDER_CALLS_METRIC,
  type CallOutcome,
  type ProviderCallObserver,
} from './provider-metrics';
export {
  PROVIDER_SERVICE_NAME,
  providerGrpcService,
  startProviderAdapter,
  type ProviderAdapterOptions,
  type RunningProviderAdapter,
} from './provider-adapter';
export { serveProviderProcess, type ProviderProcessOptions } from './provider-process';
export {
  createProviderClient,
  type ProviderCallOptions,
  type ProviderClient,
} from './provider-client';
// The contract suite lives at '@poppy/provider-kit/testing' (src/testing/), for tests only.
export {
  SERVER_ERROR_HINT_MS,
  THROTTLE_HINT_MS,
  vendorErrorClassOf,
  vendorProviderError,
  type VendorErrorClass,
  type VendorFailure,
} from './vendor-error-class';
export {
  BucketRateBudget,
  LocalRateBudget,
  MemoryBucketStore,
  type BucketState,
  type BucketStore,
  type RateBudget,
  type RateBudgetOptions,
} from './rate-budget/rate-budget';
export { SqliteBucketStore } from './rate-budget/sqlite-bucket-store';
export { NatsBucketStore, type NatsBucketStoreOptions } from './rate-budget/nats-bucket-store';
export {
  createRateBudget,
  rateBudgetKey,
  readRateBudgetConfig,
  type RateBudgetConfig,
} from './rate-budget/rate-budget-config';
