/**
 * Operator look-ups of domains (docs/behaviour.md §10.5, §10.6), across projects.
 * Role: admin (gateway/src/auth/access-table.ts).
 */
import { serviceFromWire } from '@poppy/contracts';
import { htmlEscape, invalid, renderService, validateDomainParam } from '@poppy/domain';
import { certificateDomainsBody, serviceBody } from '../response-schemas';
import type { RouteContext, RouteDef, RouteReply } from '../route-table';

/** Exactly 5 or 6 labels (docs/behaviour.md §10.6). */
const PROVIDER_URL = /^[A-Za-z0-9-]{1,255}(\.[A-Za-z0-9-]{1,255}){4,5}$/;

/** `GET /v1.0/admin/domains/{domain_name}` (docs/behaviour.md §10.5): the domain is checked before any look-up. */
async function getDomain(ctx: RouteContext): Promise<RouteReply> {
  const domain = validateDomainParam(ctx.params.domain_name);
  const { service } = await ctx.deps.catalog.getServiceByDomain({ domain });
  return { status: 200, body: renderService(serviceFromWire(service), ctx.links.baseUrl) };
}

/** `GET /v1.0/admin/domains?provider_url=` (docs/behaviour.md §10.6): from the provider-URL index. */
async function listByProviderUrl(ctx: RouteContext): Promise<RouteReply> {
  const url = ctx.query.provider_url;
  if (url === undefined) throw invalid('provider_url needs to be provided as a query parameter');
  if (!PROVIDER_URL.test(url)) throw invalid(htmlEscape(`Provider url ${url} is not valid`));
  const { domains } = await ctx.deps.catalog.listDomainsByProviderUrl({ provider_url: url });
  return { status: 200, body: domains.map((domain_name) => ({ domain_name })) };
}

export const adminDomainRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0/admin/domains/:domain_name',
    project: true,
    summary: 'The service that owns a domain, in any project',
    handler: getDomain,
    openapi: { success: 200, successBody: serviceBody, errors: [404], tags: ['admin'] },
  },
  {
    method: 'GET',
    url: '/v1.0/admin/domains',
    project: true,
    summary: 'Domains whose CNAME points at a provider URL',
    handler: listByProviderUrl,
    openapi: { success: 200, successBody: certificateDomainsBody, tags: ['admin'] },
  },
];
