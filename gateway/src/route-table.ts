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

export interface GatewayDeps {
  catalog: CatalogClient;
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
  summary: string;
  handler: (ctx: RouteContext) => Promise<RouteReply>;
  /** For the OpenAPI document: request body schema and success status. */
  openapi?: { requestSchema?: object; success: number; tags: string[] };
}
