/**
 * What every flow runs against: the catalog calls provisioning makes, the provider
 * registry, the DNS and certificate steps, and the service a job is about.
 */
import { catalogV1, serviceFromWire } from '@poppy/contracts';
import { isPoppyError, type Flavor, type Service } from '@poppy/domain';
import type { JobOutcome } from '@poppy/jobs';
import type { Logger } from '@poppy/platform';
import type { BackoffOptions } from '@poppy/resilience';
import type { CertificateStep } from '../certificates';
import type { DnsDriver } from '../dns';
import type { ProviderRegistry } from '../providers';

/** The catalog calls provisioning makes (a subset of the generated promise client). */
export interface CatalogApi {
  getService(req: catalogV1.GetServiceRequest): Promise<catalogV1.GetServiceResponse>;
  getFlavor(req: catalogV1.GetFlavorRequest): Promise<catalogV1.GetFlavorResponse>;
  updateProvisioning(
    req: catalogV1.UpdateProvisioningRequest,
  ): Promise<catalogV1.UpdateProvisioningResponse>;
  listServicesByStatus(
    req: catalogV1.ListServicesByStatusRequest,
  ): Promise<catalogV1.ListServicesByStatusResponse>;
}

export interface FlowContext {
  catalog: CatalogApi;
  /** The catalog's flavors, cached briefly (flavor-cache.ts). */
  flavors: { get(flavorId: string): Promise<Flavor> };
  providers: ProviderRegistry;
  dns: DnsDriver;
  /** Certificates for https domains before provider configuration; absent: none asked for. */
  certificates?: CertificateStep;
  logger: Logger;
  /** Retry delay when neither vendor nor breaker said when (backoffDelayMs of @poppy/resilience). */
  backoff: Pick<BackoffOptions, 'initialMs' | 'maxMs'>;
}

export const DONE: JobOutcome = { type: 'done' };

/** The service as stored now, or undefined when it is gone. */
export async function loadService(
  ctx: FlowContext,
  job: { project_id: string; service_id: string },
): Promise<Service | undefined> {
  try {
    const { service } = await ctx.catalog.getService({
      project_id: job.project_id,
      service_id: job.service_id,
    });
    return serviceFromWire(service);
  } catch (error) {
    if (isPoppyError(error) && error.kind === 'not_found') return undefined;
    throw error;
  }
}
