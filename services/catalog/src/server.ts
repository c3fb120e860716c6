/** Thin gRPC handlers: decode, call the catalog, encode. */
import {
  catalogV1,
  flavorFromWire,
  flavorToWire,
  providerDetailsFromWire,
  serviceToWire,
  specFromWire,
} from '@poppy/contracts';
import { SERVICE_STATUSES, invalid, type ProviderDetail, type ServiceStatus } from '@poppy/domain';
import {
  answerEach,
  bindUnaryService,
  type GrpcServiceBinding,
  type Logger,
} from '@poppy/platform';
import { catalogAdminHandlers, type CatalogAdmin } from './admin-server';
import { AdminOperations } from './admin-operations';
import { AkamaiAdmin } from './akamai/akamai-admin';
import type { Catalog } from './catalog';
import { PassThroughOperatorDns } from './operator-dns';
import type { CatalogStore } from './store/catalog-store';

export function catalogGrpcService(
  catalog: Catalog,
  store: CatalogStore,
  logger: Logger,
  /** The outbox relay's view of the job queue; without it the outbox (in storage) stands for the queue. */
  queueHealth?: () => Promise<{ name: string; online: boolean }>,
  admin?: CatalogAdmin,
): GrpcServiceBinding {
  const adminHandlers = catalogAdminHandlers(
    admin ?? {
      operations: new AdminOperations(store, new PassThroughOperatorDns()),
      akamai: new AkamaiAdmin(store.akamai),
    },
  );
  return bindUnaryService(
    catalogV1.CatalogServiceService,
    {
      ...adminHandlers,
      createService: async (req) => ({
        service: serviceToWire(await catalog.createService(req.project_id, specFromWire(req.spec))),
      }),
      getService: async (req) => ({
        service: serviceToWire(await catalog.getService(req.project_id, req.service_id)),
      }),
      listServices: async (req) => ({
        services: (await catalog.listServices(req.project_id, req.marker, req.limit)).map(
          serviceToWire,
        ),
      }),
      batchGetServices: async (req) => ({
        results: await answerEach<catalogV1.GetServiceRequest, catalogV1.GetServiceResult>(
          req.requests,
          async (r) => ({
            service: serviceToWire(await catalog.getService(r.project_id, r.service_id)),
            error: undefined,
          }),
          (error) => ({ service: undefined, error }),
          logger,
        ),
      }),
      batchListServices: async (req) => ({
        results: await answerEach<catalogV1.ListServicesRequest, catalogV1.ListServicesResult>(
          req.requests,
          async (r) => ({
            services: (await catalog.listServices(r.project_id, r.marker, r.limit)).map(
              serviceToWire,
            ),
            error: undefined,
          }),
          (error) => ({ services: [], error }),
          logger,
        ),
      }),
      patchService: async (req) => ({
        service: serviceToWire(
          await catalog.patchService(
            req.project_id,
            req.service_id,
            req.operations.map(patchOperation),
          ),
        ),
      }),
      deleteService: async (req) => ({
        service: serviceToWire(await catalog.deleteService(req.project_id, req.service_id)),
      }),
      purgeService: async (req) => ({
        service: serviceToWire(
          await catalog.purgeService(req.project_id, req.service_id, req.url, req.hard),
        ),
      }),
      createFlavor: async (req) => ({
        flavor: flavorToWire(await catalog.createFlavor(flavorFromWire(req.flavor))),
      }),
      getFlavor: async (req) => ({ flavor: flavorToWire(await catalog.getFlavor(req.flavor_id)) }),
      listFlavors: async () => ({ flavors: (await catalog.listFlavors()).map(flavorToWire) }),
      deleteFlavor: async (req) => {
        await catalog.deleteFlavor(req.flavor_id);
        return {};
      },
      getProjectLimit: async (req) => ({ limit: await catalog.getProjectLimit(req.project_id) }),
      setProjectLimit: async (req) => {
        await catalog.setProjectLimit(req.project_id, req.limit);
        return {};
      },
      getServiceByDomain: async (req) => ({
        service: serviceToWire(await catalog.getServiceByDomain(req.domain)),
      }),
      listDomainsByProviderUrl: async (req) => ({
        domains: await catalog.listDomainsByProviderUrl(req.provider_url),
      }),
      listServicesByStatus: async (req) => {
        if (!(SERVICE_STATUSES as readonly string[]).includes(req.status))
          throw invalid(`Unknown status type ${req.status}`);
        return { services: await catalog.listServicesByStatus(req.status as ServiceStatus) };
      },
      runServiceAction: async (req) => ({
        services: await catalog.runServiceAction(
          { project_id: req.project_id, domain: req.domain },
          req.action,
          (ref, err) =>
            logger.warn(
              { ...ref, action: req.action, err },
              'service action failed for one service',
            ),
        ),
      }),
      updateProvisioning: async (req) => ({
        applied: await catalog.updateProvisioning(
          req.project_id,
          req.service_id,
          req.generation,
          providerDetailsFromWire(req.provider_details),
          req.deleted,
          expectedDetailsFromWire(req),
        ),
      }),
      updateProvisioningBatch: async (req) => ({
        applied: await catalog.updateProvisioningBatch(
          req.updates.map((u) => ({
            projectId: u.project_id,
            serviceId: u.service_id,
            generation: u.generation,
            details: providerDetailsFromWire(u.provider_details),
            deleted: u.deleted,
            expectedDetails: expectedDetailsFromWire(u),
          })),
        ),
      }),
      getDependencyHealth: async () => {
        const online = await store.ping();
        const queue = (await queueHealth?.()) ?? { name: store.driverName, online };
        return {
          storage: { name: store.driverName, online },
          distributed_task: { name: queue.name, online: online && queue.online },
        };
      },
    },
    logger,
  );
}

/** A wire patch operation as the plain RFC 6902 object the domain applies. */
/** The provider details a write-back was computed from, when it asks to be checked against them. */
function expectedDetailsFromWire(
  req: Pick<
    catalogV1.UpdateProvisioningRequest,
    'expects_provider_details' | 'expected_provider_details'
  >,
): Record<string, ProviderDetail> | undefined {
  return req.expects_provider_details
    ? providerDetailsFromWire(req.expected_provider_details)
    : undefined;
}

function patchOperation(op: catalogV1.JsonPatchOperation): Record<string, unknown> {
  const out: Record<string, unknown> = { op: op.op, path: op.path };
  if (op.from !== undefined) out.from = op.from;
  if (op.value !== undefined) out.value = op.value;
  return out;
}
