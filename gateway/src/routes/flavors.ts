import { flavorFromWire, flavorToWire } from '@poppy/contracts';
import {
  encodeUriRfc3986,
  parseJsonText,
  prepareFlavor,
  renderFlavor,
  schemas,
} from '@poppy/domain';
import { flavorBody, flavorListBody } from '../response-schemas';
import type { RouteContext, RouteDef, RouteReply } from '../route-table';

async function createFlavor(ctx: RouteContext): Promise<RouteReply> {
  const flavor = prepareFlavor(parseJsonText(ctx.body), ctx.deps.config.providers);
  const created = flavorFromWire(
    (await ctx.deps.catalog.createFlavor({ flavor: flavorToWire(flavor) })).flavor,
  );
  return {
    status: 201,
    headers: { location: `${ctx.links.baseUrl}/flavors/${encodeUriRfc3986(created.id)}` },
    body: renderFlavor(created, ctx.links.baseUrl),
  };
}

async function listFlavors(ctx: RouteContext): Promise<RouteReply> {
  const { flavors } = await ctx.deps.catalog.listFlavors({});
  return {
    status: 200,
    body: { flavors: flavors.map((f) => renderFlavor(flavorFromWire(f), ctx.links.baseUrl)) },
  };
}

async function getFlavor(ctx: RouteContext): Promise<RouteReply> {
  const { flavor } = await ctx.deps.catalog.getFlavor({ flavor_id: ctx.params.flavor_id });
  return { status: 200, body: renderFlavor(flavorFromWire(flavor), ctx.links.baseUrl) };
}

async function deleteFlavor(ctx: RouteContext): Promise<RouteReply> {
  await ctx.deps.catalog.deleteFlavor({ flavor_id: ctx.params.flavor_id });
  return { status: 204 };
}

export const flavorRoutes: RouteDef[] = [
  {
    method: 'GET',
    url: '/v1.0/flavors',
    project: true,
    summary: 'List flavors',
    handler: listFlavors,
    openapi: { success: 200, successBody: flavorListBody },
  },
  {
    method: 'POST',
    url: '/v1.0/flavors',
    project: true,
    summary: 'Create a flavor (operators)',
    handler: createFlavor,
    openapi: {
      requestSchema: schemas.flavorCreate,
      success: 201,
      successBody: flavorBody,
      tags: ['flavors'],
      errors: [409],
    },
  },
  {
    method: 'GET',
    url: '/v1.0/flavors/:flavor_id',
    project: true,
    summary: 'Get a flavor',
    handler: getFlavor,
    openapi: { success: 200, successBody: flavorBody, errors: [404] },
  },
  {
    method: 'DELETE',
    url: '/v1.0/flavors/:flavor_id',
    project: true,
    summary: 'Delete a flavor no service uses (409 otherwise)',
    handler: deleteFlavor,
    openapi: { success: 204, errors: [404, 409] },
  },
];
