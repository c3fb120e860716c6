/**
 * Serves a ProviderDriver as poppy.provider.v1.ProviderService (+ grpc.health.v1) on the
 * platform's gRPC server. The handlers are bound here rather than with the platform's
 * bindUnaryService because provider errors need their own mapping (provider-errors.ts):
 * retryability and retry-after must survive the wire, which PoppyError's table cannot carry.
 */
import type { ServerUnaryCall, sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Meter } from '@opentelemetry/api';
import { providerV1 } from '@poppy/contracts';
import { startGrpcServer, type GrpcServiceBinding, type Logger } from '@poppy/platform';
import { PROVIDER_OPERATIONS, type ManagedObject, type ProviderDriver } from './provider-driver';
import { ProviderError } from './provider-error';
import { providerErrorToGrpc } from './provider-errors';
import { createProviderMetrics, type ProviderCallObserver } from './provider-metrics';

type Handler = (request: unknown) => Promise<unknown>;

export const PROVIDER_SERVICE_NAME = 'poppy.provider.v1.ProviderService';

export function providerGrpcService(
  driver: ProviderDriver,
  logger: Logger,
  observer: ProviderCallObserver = createProviderMetrics(driver.providerName),
): GrpcServiceBinding {
  const handlers: Record<string, Handler> = {
    describeProvider: async () => ({
      provider_name: driver.providerName,
      alive: await driver.isAlive(),
      regions: [...driver.regions],
    }),
    listManagedServices: async (): Promise<providerV1.ListManagedServicesResponse> => ({
      services: (await driver.listManaged()).map(managedToWire),
    }),
  };
  for (const operation of PROVIDER_OPERATIONS) {
    handlers[operation] = (request) => (driver[operation] as Handler).call(driver, request);
  }

  const implementation: UntypedServiceImplementation = {};
  for (const method of Object.keys(providerV1.ProviderServiceService)) {
    const handler = handlers[method];
    implementation[method] = (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => {
      const started = performance.now();
      let settled: Promise<unknown>;
      try {
        settled = handler(call.request);
      } catch (error) {
        settled = Promise.reject(error);
      }
      settled.then(
        (response) => {
          observer.record(method, 'ok', performance.now() - started);
          callback(null, response);
        },
        (error: unknown) => {
          const { grpcError, unexpected } = providerErrorToGrpc(error);
          const durationMs = performance.now() - started;
          if (unexpected) {
            observer.record(method, 'internal', durationMs);
            logger.error({ method, err: error }, 'provider driver threw an unexpected error');
          } else {
            const providerError = error as ProviderError;
            observer.record(method, providerError.retryable ? 'retryable' : 'error', durationMs);
            logger.warn(
              {
                method,
                retryable: providerError.retryable,
                errorClass: providerError.errorClass,
                retryAfterMs: providerError.retryAfterMs,
                msg: providerError.message,
              },
              'provider call failed',
            );
          }
          callback(grpcError, null);
        },
      );
    };
  }
  return { definition: providerV1.ProviderServiceService, implementation };
}

function managedToWire(object: ManagedObject): providerV1.ManagedService {
  return {
    service_id: object.serviceId,
    provider_service_id: object.providerServiceId,
    created_at_ms: Math.max(0, Math.floor(object.createdAtMs)),
    project_id: object.projectId ?? '',
  };
}

export interface ProviderAdapterOptions {
  host: string;
  /** 0 picks a free port (read it from the result). */
  port: number;
  logger: Logger;
  /** @default the global OpenTelemetry meter */
  meter?: Meter;
  /** Vendor services served on the same port (e.g. Akamai's admin service). */
  extraServices?: GrpcServiceBinding[];
}

export interface RunningProviderAdapter {
  readonly port: number;
  close(): Promise<void>;
}

export async function startProviderAdapter(
  driver: ProviderDriver,
  options: ProviderAdapterOptions,
): Promise<RunningProviderAdapter> {
  const logger = options.logger.child({ provider: driver.providerName });
  const server = await startGrpcServer({
    host: options.host,
    port: options.port,
    services: [
      providerGrpcService(
        driver,
        logger,
        createProviderMetrics(driver.providerName, options.meter),
      ),
      ...(options.extraServices ?? []),
    ],
    logger,
  });
  // Per-service health too, so probes can ask for the provider service by name.
  server.health.setStatus(PROVIDER_SERVICE_NAME, 'SERVING');
  return {
    port: server.port,
    close: async () => {
      server.health.setStatus(PROVIDER_SERVICE_NAME, 'NOT_SERVING');
      await server.stop();
    },
  };
}
