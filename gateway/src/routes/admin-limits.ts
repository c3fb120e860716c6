import { invalid, parseJsonText, validateProjectId } from '@poppy/domain';
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
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || keys.length !== 1) {
    throw invalid('The body must be {"limit": <integer >= 0>} and nothing else');
  }
  await ctx.deps.catalog.setProjectLimit({ project_id: projectId, limit });
  return { status: 201 };
}

export const adminLimitRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0/admin/limits/:project_id',
    project: true,
    role: 'admin',
    summary: "Get a project's service limit",
    handler: getLimit,
  },
  {
    method: 'PUT',
    url: '/v1.0/admin/limits/:project_id',
    project: true,
    role: 'admin',
    summary: "Set a project's service limit",
    handler: putLimit,
  },
];
