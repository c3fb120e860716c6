/**
 * The cassandra-driver client as the catalog uses it: token-aware routing inside the local
 * DC, a request timeout below the gRPC deadline, fast reconnection, and one translation of
 * driver errors into PoppyError `unavailable` (→ gRPC UNAVAILABLE → HTTP 503 with Poppy's body).
 */
import cassandra from 'cassandra-driver';
import { PoppyError, unavailable } from '@poppy/domain';
import type { CassandraConfig, ConsistencyName, SerialConsistencyName } from './cassandra-config';

const { consistencies } = cassandra.types;

export const CONSISTENCY: Readonly<Record<ConsistencyName | SerialConsistencyName, number>> = {
  ONE: consistencies.one,
  TWO: consistencies.two,
  THREE: consistencies.three,
  QUORUM: consistencies.quorum,
  ALL: consistencies.all,
  LOCAL_QUORUM: consistencies.localQuorum,
  EACH_QUORUM: consistencies.eachQuorum,
  LOCAL_ONE: consistencies.localOne,
  SERIAL: consistencies.serial,
  LOCAL_SERIAL: consistencies.localSerial,
};

/** A client bound to `keyspace` if given (it must exist: ensureKeyspace creates it). */
export function createCassandraClient(
  config: CassandraConfig,
  keyspace?: string,
): cassandra.Client {
  const { policies, auth } = cassandra;
  return new cassandra.Client({
    ...(keyspace !== undefined ? { keyspace } : {}),
    contactPoints: config.contactPoints,
    localDataCenter: config.localDataCenter,
    policies: {
      loadBalancing: new policies.loadBalancing.TokenAwarePolicy(
        new policies.loadBalancing.DCAwareRoundRobinPolicy(config.localDataCenter),
      ),
      // Retries only what is safe: the default policy never retries a write that is not
      // marked idempotent (our LWTs are not).
      retry: new policies.retry.RetryPolicy(),
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(200, 5000, false),
    },
    socketOptions: {
      readTimeout: config.requestTimeoutMs,
      connectTimeout: Math.min(config.requestTimeoutMs, 5000),
    },
    queryOptions: {
      consistency: CONSISTENCY[config.readConsistency],
      serialConsistency: CONSISTENCY[config.serialConsistency],
      prepare: true,
    },
    protocolOptions: { maxSchemaAgreementWaitSeconds: 20 },
    ...(config.username !== undefined && config.password !== undefined
      ? { authProvider: new auth.PlainTextAuthProvider(config.username, config.password) }
      : {}),
  });
}

/** Coordinator answers meaning "the cluster cannot do it now", not "the request is wrong". */
const TRANSIENT_RESPONSE_CODES = new Set<number>([
  cassandra.types.responseErrorCodes.unavailableException,
  cassandra.types.responseErrorCodes.overloaded,
  cassandra.types.responseErrorCodes.isBootstrapping,
  cassandra.types.responseErrorCodes.writeTimeout,
  cassandra.types.responseErrorCodes.readTimeout,
  cassandra.types.responseErrorCodes.readFailure,
  cassandra.types.responseErrorCodes.writeFailure,
  cassandra.types.responseErrorCodes.truncateError,
]);

/** Names, not instanceof: a bundled copy of the driver and a test's copy are different classes. */
const TRANSIENT_DRIVER_ERRORS = new Set([
  'NoHostAvailableError',
  'OperationTimedOutError',
  'BusyConnectionError',
]);

export function isCassandraUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_DRIVER_ERRORS.has(error.name)) return true;
  if (error.name === 'ResponseError')
    return TRANSIENT_RESPONSE_CODES.has((error as { code?: number }).code ?? -1);
  // Plain DriverErrors are socket-level: "Connection closed", "Socket was closed", client shut down.
  return error.name === 'DriverError';
}

/**
 * "Keyspace … does not exist" / "unconfigured table": the keyspace went away under a running
 * catalog (dropped, or a node that lost its data). Requests answer 503 like any outage (never
 * 500); a restart then stops with what happened (./keyspace-history.ts).
 */
export function isKeyspaceMissing(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ResponseError' &&
    (error as { code?: number }).code === cassandra.types.responseErrorCodes.invalid &&
    /keyspace \S+ does not exist|unconfigured table/i.test(error.message)
  );
}

/** Driver outage or lost keyspace → PoppyError unavailable (cause kept for the log); anything else unchanged. */
export function translateCassandraError(error: unknown): unknown {
  if (error instanceof PoppyError) return error;
  if (isKeyspaceMissing(error)) {
    return unavailable(
      `catalog storage (cassandra) lost its keyspace: ${(error as Error).message}`,
      error,
    );
  }
  if (isCassandraUnavailable(error)) {
    return unavailable(
      `catalog storage (cassandra) is unavailable: ${(error as Error).message}`,
      error,
    );
  }
  return error;
}
