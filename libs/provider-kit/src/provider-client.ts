/**
 * Promise client of one adapter process. Every call has a deadline; every failure —
 * from the driver, the transport or the deadline — arrives as ProviderError with its
 * retryable flag rebuilt from the gRPC status (provider-errors.ts).
 */
import type { ServiceError } from '@grpc/grpc-js';
import { providerV1 } from '@poppy/contracts';
import { createPromiseClient, type CallOptions } from '@poppy/platform';
import { ProviderError } from './provider-error';
import { providerErrorFromGrpc } from './provider-errors';

export type ProviderCallOptions = Pick<CallOptions, 'deadlineMs' | 'metadata'>;

export interface ProviderClient {
  describe(options?: ProviderCallOptions): Promise<providerV1.DescribeProviderResponse>;
  createService(
    req: providerV1.CreateServiceRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.CreateServiceResponse>;
  updateService(
    req: providerV1.UpdateServiceRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.UpdateServiceResponse>;
  deleteService(
    req: providerV1.DeleteServiceRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.DeleteServiceResponse>;
  purgeService(
    req: providerV1.PurgeServiceRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.PurgeServiceResponse>;
  getService(
    req: providerV1.GetServiceRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.GetServiceResponse>;
  getMetrics(
    req: providerV1.GetMetricsRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.GetMetricsResponse>;
  createCertificate(
    req: providerV1.CreateCertificateRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.CreateCertificateResponse>;
  deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
    options?: ProviderCallOptions,
  ): Promise<providerV1.DeleteCertificateResponse>;
  /** Every vendor object the adapter manages (the orphan sweep). */
  listManagedServices(
    options?: ProviderCallOptions,
  ): Promise<providerV1.ListManagedServicesResponse>;
  close(): void;
}

function isServiceError(value: unknown): value is ServiceError {
  return (
    value instanceof Error &&
    typeof (value as Partial<ServiceError>).code === 'number' &&
    'metadata' in value
  );
}

/** The platform client reports PoppyError with the gRPC error as its cause; unwrap it. */
function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const cause = error instanceof Error ? error.cause : undefined;
  if (isServiceError(cause)) return providerErrorFromGrpc(cause);
  if (isServiceError(error)) return providerErrorFromGrpc(error);
  return new ProviderError(error instanceof Error ? error.message : String(error), {
    retryable: false,
    errorClass: 'ClientError',
    cause: error,
  });
}

export function createProviderClient(
  address: string,
  options: { deadlineMs: number },
): ProviderClient {
  const grpc = createPromiseClient(providerV1.ProviderServiceService, address, options);
  const wrap =
    <Req, Res>(call: (req: Req, options?: CallOptions) => Promise<Res>) =>
    (req: Req, callOptions?: ProviderCallOptions): Promise<Res> =>
      call(req, callOptions).catch((error: unknown) => {
        throw toProviderError(error);
      });
  return {
    describe: (callOptions) => wrap(grpc.describeProvider)({}, callOptions),
    createService: wrap(grpc.createService),
    updateService: wrap(grpc.updateService),
    deleteService: wrap(grpc.deleteService),
    purgeService: wrap(grpc.purgeService),
    getService: wrap(grpc.getService),
    getMetrics: wrap(grpc.getMetrics),
    createCertificate: wrap(grpc.createCertificate),
    deleteCertificate: wrap(grpc.deleteCertificate),
    listManagedServices: (callOptions) => wrap(grpc.listManagedServices)({}, callOptions),
    close: () => grpc.close(),
  };
}
