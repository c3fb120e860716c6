import { allOnline, checkHealth, type HealthReport, type Subsystem } from '../health';
import { errorBody, healthBody, nullBody, subsystemHealthBody } from '../response-schemas';
import type { RouteContext, RouteDef, RouteReply } from '../route-table';

const GROUP_OF: Record<Subsystem, keyof HealthReport> = {
  dns: 'dns',
  storage: 'storage',
  distributed_task: 'distributed_task',
  provider: 'providers',
};

async function ping(ctx: RouteContext): Promise<RouteReply> {
  const report = await checkHealth(ctx.deps);
  const up = [report.storage, report.distributed_task].every((g) =>
    Object.values(g).every(Boolean),
  );
  return { status: up ? 204 : 503 };
}

async function health(ctx: RouteContext): Promise<RouteReply> {
  const report = await checkHealth(ctx.deps);
  const body: Record<string, unknown> = {};
  for (const [subsystem, group] of Object.entries(GROUP_OF) as Array<
    [Subsystem, keyof HealthReport]
  >) {
    body[group] = Object.fromEntries(
      Object.entries(report[group]).map(([name, online]) => [
        name,
        {
          online: String(online),
          links: { href: `${ctx.links.baseUrl}/health/${subsystem}/${name}`, rel: 'self' },
        },
      ]),
    );
  }
  return { status: allOnline(report) ? 200 : 503, body };
}

async function subsystemHealth(ctx: RouteContext): Promise<RouteReply> {
  const group = GROUP_OF[ctx.params.subsystem as Subsystem];
  const online = group ? (await checkHealth(ctx.deps))[group][ctx.params.name] : undefined;
  if (online === undefined) return { status: 404, body: null };
  return { status: 200, body: { online: String(online) } };
}

export const healthRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0/ping',
    project: false,
    summary: 'Liveness: storage and task back-end',
    handler: ping,
    openapi: {
      success: 204,
      responses: { 503: { description: 'Storage or the task back-end is down; see Retry-After' } },
    },
  },
  {
    method: 'GET',
    url: '/v1.0/health',
    project: true,
    summary: 'Health of every dependency',
    handler: health,
    openapi: {
      success: 200,
      successBody: healthBody,
      responses: {
        503: {
          description: 'A dependency is down (same body); see Retry-After',
          schema: healthBody,
        },
      },
    },
  },
  {
    method: 'GET',
    url: '/v1.0/health/:subsystem/:name',
    project: true,
    summary: 'Health of one dependency (dns, storage, provider, distributed_task)',
    handler: subsystemHealth,
    openapi: {
      success: 200,
      successBody: subsystemHealthBody,
      responses: {
        404: {
          description:
            'Unknown dependency: body null (docs/behaviour.md §9.3); a path no route matches: the not-found error body',
          schema: { anyOf: [nullBody, errorBody] },
        },
      },
    },
  },
];
