/**
 * The declarative route table: method, path, whether the project header is needed, and
 * the handler — in one place. Handlers get a parsed context and return a plain reply;
 * they never touch fastify, so each reads as: validate → call → render.
 */
import type { FastifyRequest } from 'fastify';
import type { catalogV1, certificatesV1 } from '@poppy/contracts';
import type { PromiseClient } from '@poppy/platform';
import type { AccessControl } from './auth/access-control';
import type { GatewayConfig } from './config';
import type { RateLimiter } from './rate-limit';
import type { Links } from './request-context';

export type CatalogClient = PromiseClient<typeof catalogV1.CatalogServiceService>;
export type CertificatesClient = PromiseClient<typeof certificatesV1.CertificatesServiceService>;

export interface GatewayDeps {
  catalog: CatalogClient;
  /**
   * Runs before every handler: authenticates the caller, checks the route's role in
   * auth/access-table.ts and returns the project the call acts on ('' on public routes).
   * Throwing refuses the call (the error goes through the usual mapping). docs/auth.md.
   */
  access: AccessControl;
  /** Per-project rate limits (rate-limit.ts); absent: none. */
  rateLimit?: RateLimiter;
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
  /**
   * The project the call acts on ('' on routes that do not need one): the X-Project-ID
   * header in `none` auth mode, the token's project otherwise (docs/auth.md).
   */
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
  /** X-Project-ID required: every route but ping (docs/behaviour.md §2.2). */
  project: boolean;
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
