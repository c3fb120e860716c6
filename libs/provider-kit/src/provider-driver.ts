import type { providerV1 } from '@poppy/contracts';

/** The rpc names of poppy.provider.v1.ProviderService a driver implements (all but DescribeProvider). */
export const PROVIDER_OPERATIONS = [
  'createService',
  'updateService',
  'deleteService',
  'purgeService',
  'getService',
  'getMetrics',
  'createCertificate',
  'deleteCertificate',
] as const;
export type ProviderOperation = (typeof PROVIDER_OPERATIONS)[number];

/**
 * One vendor object an adapter manages, tagged with the Poppy service it was made for
 * (ListManagedServices, the reconciler's orphan sweep: docs/reliability.md).
 */
export interface ManagedObject {
  serviceId: string;
  providerServiceId: string;
  /** When the vendor made it, ms since the epoch; 0 when the vendor cannot tell. */
  createdAtMs: number;
  /** The Poppy project, when the adapter knows it. */
  projectId?: string;
}

/**
 * One per CDN vendor: plain TypeScript, no gRPC (startProviderAdapter serves it). Contract
 * (docs/behaviour.md §12, proto/poppy/provider/v1/provider.proto):
 * - every call is idempotent: create for a service_id the vendor already has returns that
 *   object; delete of something gone succeeds;
 * - a vendor failure is thrown as ProviderError (retryable for 5xx/429/timeouts, not for
 *   4xx); anything else thrown is a bug, reported as INTERNAL and never retried.
 */
export interface ProviderDriver {
  /** Display name and key in provider_details: "Mock", "Fastly", … */
  readonly providerName: string;
  /** Region names for analytics (docs/behaviour.md §12.1). */
  readonly regions: string[];
  isAlive(): Promise<boolean>;
  createService(req: providerV1.CreateServiceRequest): Promise<providerV1.CreateServiceResponse>;
  updateService(req: providerV1.UpdateServiceRequest): Promise<providerV1.UpdateServiceResponse>;
  deleteService(req: providerV1.DeleteServiceRequest): Promise<providerV1.DeleteServiceResponse>;
  purgeService(req: providerV1.PurgeServiceRequest): Promise<providerV1.PurgeServiceResponse>;
  getService(req: providerV1.GetServiceRequest): Promise<providerV1.GetServiceResponse>;
  getMetrics(req: providerV1.GetMetricsRequest): Promise<providerV1.GetMetricsResponse>;
  createCertificate(
    req: providerV1.CreateCertificateRequest,
  ): Promise<providerV1.CreateCertificateResponse>;
  deleteCertificate(
    req: providerV1.DeleteCertificateRequest,
  ): Promise<providerV1.DeleteCertificateResponse>;
  /**
   * Every vendor object this adapter manages — found by the tag it gives each object (the
   * service id), never from memory — so objects that outlived their service can be swept.
   */
  listManaged(): Promise<ManagedObject[]>;
}
