import { serviceFromWire, specToWire } from '@poppy/contracts';
import {
  isPoppyError,
  notFound,
  parseJsonText,
  parseListQuery,
  parsePurgeQuery,
  parseServiceId,
  prepareServiceSpec,
  renderService,
  schemas,
  validatePatchDocument,
} from '@poppy/domain';
import { serviceBody, serviceListBody } from '../response-schemas';
import type { RouteContext, RouteDef, RouteReply } from '../route-table';

const accepted = (location?: string): RouteReply => ({
  status: 202,
  headers: location ? { location } : undefined,
});

/** Poppy echoes the id as the tenant gave it in not-found messages (docs/behaviour.md §4.7). */
async function orNotFound<T>(call: Promise<T>, message: string): Promise<T> {
  try {
    return await call;
  } catch (e) {
    if (isPoppyError(e) && e.kind === 'not_found') throw notFound(message);
    throw e;
  }
}

async function createService(ctx: RouteContext): Promise<RouteReply> {
  const spec = prepareServiceSpec(parseJsonText(ctx.body), {
    defaultCacheTtl: ctx.deps.config.defaultCacheTtl,
  });
  const { service } = await ctx.deps.catalog.createService({
    project_id: ctx.projectId,
    spec: specToWire(spec),
  });
  return accepted(`${ctx.links.locationBase}/services/${service!.service_id}`);
}

async function listServices(ctx: RouteContext): Promise<RouteReply> {
  const { limit, marker } = parseListQuery(ctx.query, ctx.deps.config.maxServicesPerPage);
  const { services } = await ctx.deps.catalog.listServices({
    project_id: ctx.projectId,
    marker,
    limit,
  });
  const links =
    services.length >= limit
      ? [
          {
            href: `${ctx.links.baseUrl}/services?marker=${services[services.length - 1].service_id}&limit=${limit}`,
            rel: 'next',
          },
        ]
      : [];
  return {
    status: 200,
    body: {
      links,
      services: services.map((s) => renderService(serviceFromWire(s), ctx.links.baseUrl)),
    },
  };
}

async function getService(ctx: RouteContext): Promise<RouteReply> {
  const serviceId = parseServiceId(ctx.params.service_id);
  const { service } = await orNotFound(
    ctx.deps.catalog.getService({ project_id: ctx.projectId, service_id: serviceId }),
    `service ${ctx.params.service_id} could not be found`,
  );
  return { status: 200, body: renderService(serviceFromWire(service), ctx.links.baseUrl) };
}

async function patchService(ctx: RouteContext): Promise<RouteReply> {
  const serviceId = parseServiceId(ctx.params.service_id);
  const operations = validatePatchDocument(parseJsonText(ctx.body));
  await ctx.deps.catalog.patchService({
    project_id: ctx.projectId,
    service_id: serviceId,
    operations: operations.map((op) => ({
      op: op.op,
      path: op.path,
      from: op.from,
      // `null` is a value to patch in; only a missing value stays unset on the wire.
      value: 'value' in op ? op.value : undefined,
    })),
  });
  return accepted(`${ctx.links.locationBase}/services/${serviceId}`);
}

async function deleteService(ctx: RouteContext): Promise<RouteReply> {
  const serviceId = parseServiceId(ctx.params.service_id);
  await ctx.deps.catalog.deleteService({ project_id: ctx.projectId, service_id: serviceId });
  return accepted();
}

async function purgeService(ctx: RouteContext): Promise<RouteReply> {
  const serviceId = parseServiceId(ctx.params.service_id);
  const { url, hard } = parsePurgeQuery(ctx.query);
  await ctx.deps.catalog.purgeService({
    project_id: ctx.projectId,
    service_id: serviceId,
    url,
    hard,
  });
  return accepted(`${ctx.links.locationBase}/services/${serviceId}`);
}

export const serviceRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0/services',
    project: true,
    summary: 'List services (paginated by marker)',
    handler: listServices,
    openapi: { success: 200, successBody: serviceListBody },
  },
  {
    method: 'POST',
    url: '/v1.0/services',
    project: true,
    summary: 'Create a service',
    handler: createService,
    openapi: {
      requestSchema: schemas.serviceCreate,
      success: 202,
      tags: ['services'],
      errors: [403],
    },
  },
  {
    method: 'GET',
    url: '/v1.0/services/:service_id',
    project: true,
    summary: 'Get a service',
    handler: getService,
    openapi: { success: 200, successBody: serviceBody, errors: [404] },
  },
  {
    method: 'PATCH',
    url: '/v1.0/services/:service_id',
    project: true,
    summary: 'Change a service with a JSON Patch (RFC 6902)',
    handler: patchService,
    openapi: {
      requestSchema: schemas.servicePatch,
      success: 202,
      tags: ['services'],
      errors: [404],
    },
  },
  {
    method: 'DELETE',
    url: '/v1.0/services/:service_id',
    project: true,
    summary: 'Delete a service',
    handler: deleteService,
    openapi: { success: 202, errors: [404] },
  },
  {
    method: 'DELETE',
    url: '/v1.0/services/:service_id/assets',
    project: true,
    summary: 'Purge cached content (query: url, all, hard)',
    handler: purgeService,
    openapi: { success: 202, errors: [404] },
  },
];
