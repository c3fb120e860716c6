/**
 * The fastify application: routes from the table, Poppy's HTTP conventions (docs/behaviour.md §2)
 * applied once for all of them. Built without listening, so tests can inject requests.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from '@poppy/platform';
import { singleValuedQuery } from '@poppy/domain';
import { accessOf } from './auth/access-table';
import { clientErrorHandler } from './client-errors';
import { buildOpenApi } from './openapi';
import {
  METHOD_NOT_ALLOWED_MESSAGE,
  NOT_FOUND_MESSAGE,
  RETRY_AFTER_SECONDS,
  toHttpError,
} from './http-errors';
import { linksOf, stripTenantSegment } from './request-context';
import type { GatewayDeps, HttpMethod, RouteDef, RouteReply } from './route-table';
import { ROUTES } from './routes';

const ALL_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const VERSION = '1.0';

function send(reply: FastifyReply, result: RouteReply): FastifyReply {
  reply.code(result.status);
  // Every 503 and 429 tells the client when to come back (docs/api-hardening.md).
  if (result.status === 503 || result.status === 429)
    reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  for (const [name, value] of Object.entries(result.headers ?? {})) reply.header(name, value);
  if (result.body === undefined) return reply.send();
  return reply.type('application/json').send(JSON.stringify(result.body));
}

export async function buildApp(deps: GatewayDeps, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // No per-request access log at info (it would double the cost of a read); errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.bodyLimit,
    // Slow or stalled clients are cut off (docs/api-hardening.md): headers, then the whole
    // request, must arrive in time; idle sockets and keep-alives are closed. Node checks
    // the first two every connectionsCheckingInterval, hence a fraction of the shorter one.
    http: {
      headersTimeout: deps.config.headersTimeoutMs,
      requestTimeout: deps.config.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1000, Math.floor(deps.config.headersTimeoutMs / 4)),
      ),
    },
    requestTimeout: deps.config.requestTimeoutMs,
    connectionTimeout: deps.config.idleTimeoutMs,
    keepAliveTimeout: deps.config.keepAliveTimeoutMs,
    clientErrorHandler,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    rewriteUrl: (req) => stripTenantSegment(req.url ?? '/'),
    // Longer than any request line Node accepts (16 KiB of headers): a long parameter reaches
    // its validator and gets Poppy's 400, never fastify's own 414 body.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 16 * 1024 },
  });

  app.server.maxConnections = deps.config.maxConnections;

  // Poppy parses every body as JSON whatever its content type: keep the text, parse in the handler.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.setErrorHandler((error, request, reply) => {
    const http = toHttpError(error, request.id);
    if (http.log)
      request.log.error({ err: error, reqId: request.id, url: request.url }, 'request failed');
    void send(reply, { status: http.status, body: http.body, headers: http.headers });
  });
  app.setNotFoundHandler((_request, reply) => {
    void send(reply, { status: 404, body: { message: NOT_FOUND_MESSAGE } });
  });

  const document = buildOpenApi(ROUTES, VERSION, deps.config.auth.mode);
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/v1.0/openapi.json', async () => document);

  const methodsByPath = new Map<string, HttpMethod[]>();
  for (const route of ROUTES) {
    methodsByPath.set(route.url, [...(methodsByPath.get(route.url) ?? []), route.method]);
    registerRoute(app, route, deps);
  }
  for (const [url, methods] of methodsByPath) {
    const others = ALL_METHODS.filter((m) => !methods.includes(m));
    if (others.length === 0) continue;
    const allow = methods.join(', ');
    app.route({
      method: others,
      url,
      handler: async (_request, reply) =>
        send(reply, {
          status: 405,
          headers: { allow },
          body: { message: METHOD_NOT_ALLOWED_MESSAGE },
        }),
    });
  }
  return app;
}

function registerRoute(app: FastifyInstance, route: RouteDef, deps: GatewayDeps): void {
  const access = accessOf(route.method, route.url);
  // Public routes have no project to count against.
  const routeClass = access === 'public' ? undefined : access;
  app.route({
    method: route.method,
    url: route.url,
    handler: async (request, reply) => {
      // The one access decision for every route (auth/access-table.ts, docs/auth.md).
      const projectId = await deps.access(route, request);
      // Counted per project and route class once the project is known (rate-limit.ts).
      if (routeClass && deps.rateLimit) await deps.rateLimit.admit(projectId, routeClass);
      const result = await route.handler({
        request,
        params: request.params as Record<string, string>,
        query: singleValuedQuery(request.query as Record<string, unknown>),
        body: typeof request.body === 'string' ? request.body : '',
        projectId,
        links: linksOf(
          request,
          deps.config.projectIdInUrl && route.project ? projectId : undefined,
        ),
        deps,
      });
      return send(reply, result);
    },
  });
}
