import {
  invalid,
  isPoppyError,
  isValidDomainName,
  notFound,
  parseJsonText,
  truncateEcho,
  validateProjectId,
} from '@poppy/domain';
import type { RouteContext, RouteDef, RouteReply } from '../route-table';

const ACTIONS = ['enable', 'disable', 'delete'];

/** docs/behaviour.md §10.2: the request body schema (exactly one target, a known action, nothing else). */
const actionSchema = {
  type: 'object',
  oneOf: [
    {
      properties: { project_id: { type: 'string' }, action: { enum: ACTIONS } },
      required: ['project_id', 'action'],
      additionalProperties: false,
    },
    {
      properties: { domain: { type: 'string' }, action: { enum: ACTIONS } },
      required: ['domain', 'action'],
      additionalProperties: false,
    },
  ],
};

function parseAction(body: unknown): { project_id?: string; domain?: string; action: string } {
  const b = (body ?? {}) as Record<string, unknown>;
  const keys =
    body !== null && typeof body === 'object' && !Array.isArray(body) ? Object.keys(b).sort() : [];
  const shapeOk =
    (keys.join() === 'action,project_id' && typeof b.project_id === 'string') ||
    (keys.join() === 'action,domain' && typeof b.domain === 'string');
  if (!shapeOk || !ACTIONS.includes(b.action as string)) {
    throw invalid(
      'The body must be {"project_id" or "domain": <string>, "action": "enable" | "disable" | "delete"}',
    );
  }
  if (b.domain !== undefined && !isValidDomainName(b.domain))
    throw invalid(`Domain ${truncateEcho(String(b.domain))} is not valid`);
  if (b.project_id !== undefined) validateProjectId(b.project_id as string);
  return {
    project_id: b.project_id as string | undefined,
    domain: b.domain as string | undefined,
    action: b.action as string,
  };
}

/** `POST /v1.0/admin/services/action`: enable, disable or delete a project's services or a domain's service. */
async function serviceAction(ctx: RouteContext): Promise<RouteReply> {
  const target = parseAction(parseJsonText(ctx.body));
  try {
    await ctx.deps.catalog.runServiceAction(target);
  } catch (e) {
    // docs/behaviour.md §10.2: any failure of the action itself is a 404 with this message.
    if (isPoppyError(e) && e.kind !== 'unavailable' && e.kind !== 'internal') {
      throw notFound(
        `Services action ${target.action} on tenant: ${target.project_id ?? 'None'} failed, Reason: ${e.message}`,
      );
    }
    throw e;
  }
  return { status: 202 };
}

export const adminServiceRoutes: RouteDef[] = [
  {
    method: 'POST',
    url: '/v1.0/admin/services/action',
    project: true,
    summary: 'Enable, disable or delete every service of a project, or the service owning a domain',
    handler: serviceAction,
    openapi: { requestSchema: actionSchema, success: 202, tags: ['admin'], errors: [404] },
  },
];
