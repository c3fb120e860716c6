import { invalid, MAX_UINT32, parseJsonText, validateProjectId } from '@poppy/domain';
import { limitBody } from '../response-schemas';
import type { RouteContext, RouteDef, RouteReply } from '../route-table';

async function getLimit(ctx: RouteContext): Promise<RouteReply> {
  const projectId = validateProjectId(ctx.params.project_id);
  const { limit } = await ctx.deps.catalog.getProjectLimit({ project_id: projectId });
  return { status: 200, body: { limit } };
}

async function putLimit(ctx: RouteContext): Promise<RouteReply> {
  const projectId = validateProjectId(ctx.params.project_id);
  const body = parseJsonText(ctx.body);
  const limit = (body as { limit?: unknown } | null)?.limit;
  const keys =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(body) : [];
  // The limit travels as a uint32: a larger one is refused here, not failed on the wire.
  if (
    typeof limit !== 'number' ||
    !Number.isInteger(limit) ||
    limit < 0 ||
    limit > MAX_UINT32 ||
    keys.length !== 1
  ) {
    throw invalid(`The body must be {"limit": <integer from 0 to ${MAX_UINT32}>} and nothing else`);
  }
  await ctx.deps.catalog.setProjectLimit({ project_id: projectId, limit });
  return { status: 201 };
}

export const adminLimitRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0/admin/limits/:project_id',
    project: true,
    summary: "Get a project's service limit",
    handler: getLimit,
    openapi: { success: 200, successBody: limitBody, tags: ['admin'] },
  },
  {
    method: 'PUT',
    url: '/v1.0/admin/limits/:project_id',
    project: true,
    summary: "Set a project's service limit",
    handler: putLimit,
    openapi: {
      success: 201,
      requestSchema: {
        type: 'object',
        properties: { limit: { type: 'integer', minimum: 0, maximum: MAX_UINT32 } },
        required: ['limit'],
        additionalProperties: false,
      },
      tags: ['admin'],
    },
  },
];
