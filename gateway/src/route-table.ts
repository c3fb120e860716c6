/**
 * The declarative route table: method, path, whether the project header is needed, and
 * the handler — in one place. Handlers get a parsed context and return a plain reply;
 * they never touch fastify, so each reads as: validate → call → render.
 */
import type { FastifyRequest } from 'fastify';
import type { catalogV1, certificatesV1 } from '@poppy/contracts';
import type { PromiseClient } from '@poppy/platform';
import type { GatewayConfig } from './config';
import type { Links } from './request-context';

export type CatalogClient = PromiseClient<typeof catalogV1.CatalogServiceService>;
export type CertificatesClient = PromiseClient<typeof certificatesV1.CertificatesServiceService>;

/**
 * Who may call a route beyond the tenant header: `admin` marks the operator routes
 * (reference §10). GatewayDeps.authorize is the one check that decides, for every route.
 */
export type RouteRole = 'admin';

export interface GatewayDeps {
  catalog: CatalogClient;
  /**
   * Runs before every handler with the route's role; throwing refuses the call (the error
   * goes through the usual mapping). Unset: everyone may call every route, as the original
   * did behind its proxy (reference §2.2).
   */
  authorize?: (
    route: Pick<RouteDef, 'method' | 'url' | 'role'>,
    request: FastifyRequest,
  ) => Promise<void>;
  /** Absent when POPPY_CERTIFICATES_ADDRESS is not set: the certificate routes answer 503. */
  certificates?: CertificatesClient;
  config: Readonly<GatewayConfig>;
}

export interface RouteContext {
  request: FastifyRequest;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** The raw body text: Poppy parses every body as JSON whatever its content type. */
  body: string;
  /** The X-Project-ID header ('' on routes that do not require it). */
  projectId: string;
  links: Links;
  deps: GatewayDeps;
}

export interface RouteReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteDef {
  method: HttpMethod;
  /** fastify path syntax; params are taken verbatim (a `.com` is part of the value). */
  url: string;
  /** X-Project-ID required: every route but ping (reference §2.2). */
  project: boolean;
  /** Set on operator routes: only callers with this role may call them (GatewayDeps.authorize). */
  role?: RouteRole;
  summary: string;
  handler: (ctx: RouteContext) => Promise<RouteReply>;
  /** What the OpenAPI document says of the route (openapi.ts); checked against the answers. */
  openapi: RouteDoc;
}

/** One documented answer other than Poppy's error body. */
export interface ResponseDoc {
  description: string;
  /** JSON Schema of the body; absent when the answer has no body. */
  schema?: object;
}

export interface RouteDoc {
  success: number;
  /** JSON Schema of the success body; absent when it has none. */
  successBody?: object;
  requestSchema?: object;
  tags?: string[];
  /**
   * Error statuses of this route beyond those any route can answer (openapi.ts
   * COMMON_ERRORS): 403, 404, 409… Each carries Poppy's error body unless `responses`
   * says otherwise.
   */
  errors?: number[];
  /** Answers whose body is not Poppy's error body (health's 503, a null 404…). */
  responses?: Record<number, ResponseDoc>;
}
