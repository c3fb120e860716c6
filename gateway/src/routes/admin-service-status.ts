/**
 * Operator routes on service status and access URLs (docs/behaviour.md §10.1, §10.3, §10.4).
 * Role: admin (gateway/src/auth/access-table.ts).
 */
import {
  assertMatchesSchema,
  canonicalUuid,
  htmlEscape,
  invalid,
  isValidDomainName,
  parseJsonText,
  pythonRepr,
  SERVICE_STATUSES,
} from '@poppy/domain';
import { serviceRefsBody } from '../response-schemas';
import type { RouteContext, RouteDef, RouteReply } from '../route-table';
import { failingAs } from './admin-errors';

/** docs/behaviour.md §10.3 body. */
export const setStatusSchema = {
  type: 'object',
  properties: {
    project_id: { type: 'string', pattern: '^[a-zA-Z0-9_\\-.]{1,256}$' },
    service_id: {
      type: 'string',
      pattern: '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$',
    },
    status: { enum: ['deployed', 'failed'] },
  },
  required: ['project_id', 'service_id', 'status'],
  additionalProperties: false,
};

const hostname = { type: 'string', minLength: 3, maxLength: 253 };

/** docs/behaviour.md §10.4 body. */
export const providerDetailsSchema = {
  type: 'object',
  properties: {
    project_id: { type: 'string' },
    domain_name: hostname,
    operator_url: hostname,
    provider_url: hostname,
  },
  required: ['project_id', 'domain_name', 'operator_url', 'provider_url'],
  additionalProperties: false,
};

/** `GET /v1.0/admin/services?status=` (docs/behaviour.md §10.1): from the catalog's status index. */
async function listByStatus(ctx: RouteContext): Promise<RouteReply> {
  const status = ctx.query.status ?? '';
  if (!(SERVICE_STATUSES as readonly string[]).includes(status)) {
    throw invalid(
      htmlEscape(
        `Unknown status type ${status} present, Valid status types are: ${pythonRepr([...SERVICE_STATUSES])}`,
      ),
    );
  }
  const { services } = await ctx.deps.catalog.listServicesByStatus({ status });
  return {
    status: 200,
    body: services.map((s) => ({ project_id: s.project_id, service_id: s.service_id })),
  };
}

/** `POST /v1.0/admin/services/status` (docs/behaviour.md §10.3): 201 status set, 202 stuck create re-run. */
async function setStatus(ctx: RouteContext): Promise<RouteReply> {
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(setStatusSchema, body);
  const { project_id, service_id, status } = body as Record<string, string>;
  const { rerun } = await failingAs(
    'not_found',
    (reason) =>
      `Setting state of service ${service_id} on tenant: ${project_id} to ${status} has failed, Reason: ${reason}`,
    () => ctx.deps.catalog.setServiceStatus({ project_id, service_id, status }),
  );
  return { status: rerun ? 202 : 201 };
}

/** `PATCH /v1.0/admin/services/provider_details/{service_id}` (docs/behaviour.md §10.4). */
async function patchProviderDetails(ctx: RouteContext): Promise<RouteReply> {
  const body = parseJsonText(ctx.body);
  assertMatchesSchema(providerDetailsSchema, body);
  const b = body as Record<string, string>;
  if (!isValidDomainName(b.domain_name))
    throw invalid(htmlEscape(`Domain ${b.domain_name} is not valid`));
  const serviceId = ctx.params.service_id;
  const { changed } = await ctx.deps.catalog.updateOperatorUrl({
    project_id: b.project_id,
    service_id: canonicalUuid(serviceId) ?? serviceId,
    domain_name: b.domain_name,
    operator_url: b.operator_url,
    provider_url: b.provider_url,
  });
  return { status: changed ? 201 : 202 };
}

export const adminServiceStatusRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0/admin/services',
    project: true,
    summary: 'List (project_id, service_id) of the services with a status',
    handler: listByStatus,
    openapi: { success: 200, successBody: serviceRefsBody, tags: ['admin'] },
  },
  {
    method: 'POST',
    url: '/v1.0/admin/services/status',
    project: true,
    summary: "Force a service's provider status, or re-run a create that never ran",
    handler: setStatus,
    openapi: {
      requestSchema: setStatusSchema,
      success: 201,
      responses: { 202: { description: 'A create that never ran is run again' } },
      errors: [404],
      tags: ['admin'],
    },
  },
  {
    method: 'PATCH',
    url: '/v1.0/admin/services/provider_details/:service_id',
    project: true,
    summary: "Re-point one domain's operator CNAME",
    handler: patchProviderDetails,
    openapi: {
      requestSchema: providerDetailsSchema,
      success: 201,
      responses: { 202: { description: 'The operator URL is already the one asked for' } },
      errors: [404],
      tags: ['admin'],
    },
  },
];
