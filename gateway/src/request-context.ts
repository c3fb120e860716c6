import type { FastifyRequest } from 'fastify';
import { invalid, validateProjectId } from '@poppy/domain';

export interface Links {
  /** `<scheme://host>/v1.0` (+ `/<project>` when configured): the base of links in bodies. */
  baseUrl: string;
  /** `<scheme://host>/v1.0`: the base of service Location headers, never with the project. */
  locationBase: string;
}

export function projectIdOf(request: FastifyRequest): string {
  const value = request.headers['x-project-id'];
  const project = Array.isArray(value) ? value[0] : value;
  if (project === undefined || project === '') throw invalid('The Project ID must be provided.');
  // The admin routes' rule (docs/behaviour.md §2.6): a tenant they could not manage is never created.
  return validateProjectId(project);
}

/** `projectInUrl`: the project to append to links (docs/behaviour.md §2.3), when configured. */
export function linksOf(request: FastifyRequest, projectInUrl: string | undefined): Links {
  const locationBase = `${request.protocol}://${request.host}/v1.0`;
  if (!projectInUrl) return { baseUrl: locationBase, locationBase };
  return { baseUrl: `${locationBase}/${projectInUrl}`, locationBase };
}

/** `/v1.0/123456/services` routes as `/v1.0/services` (docs/behaviour.md §2.1). */
export function stripTenantSegment(url: string): string {
  return url.replace(/^\/v1\.0\/[0-9]+(?=\/|\?|$)/, '/v1.0');
}
