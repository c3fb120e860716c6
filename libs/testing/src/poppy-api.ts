/**
 * A tenant's view of a running suite for end-to-end tests: REST calls with a project id,
 * a service's representation, waiting until a service reaches a status, creating flavors
 * and services, and the provider details the catalog keeps.
 */
import { catalogV1, providerDetailsFromWire } from '@poppy/contracts';
import type { ProviderDetail } from '@poppy/domain';
import { createPromiseClient } from '@poppy/platform';

export interface ApiReply<B = unknown> {
  status: number;
  headers: Headers;
  body: B;
}

/** The parts of `GET /v1.0/services/{id}` the end-to-end tests read. */
export interface ServiceBody {
  id: string;
  status: string;
  errors: Array<{ message: string }>;
  links: Array<{ href: string; rel: string }>;
  [field: string]: unknown;
}

/** One call of the REST API as tenant `project`; the body is parsed JSON (undefined when empty). */
export async function callApi<B = unknown>(
  target: { baseUrl: string },
  project: string,
  method: string,
  urlPath: string,
  body?: unknown,
): Promise<ApiReply<B>> {
  const res = await fetch(`${target.baseUrl}${urlPath}`, {
    method,
    headers: { 'X-Project-ID': project, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as B,
  };
}

/** Polls until the service has `status` (or is gone, for 'gone'); fails with the last status seen. */
export async function waitForServiceStatus(
  target: { baseUrl: string },
  project: string,
  id: string,
  status: string,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<ServiceBody> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const reply = await callApi<ServiceBody>(target, project, 'GET', `/v1.0/services/${id}`);
    const last = reply.status === 404 ? 'gone' : reply.body.status;
    if (last === status) return reply.body;
    if (Date.now() > end) {
      throw new Error(
        `service ${id} is ${last}, not ${status}, after ${timeoutMs} ms: ${JSON.stringify(reply.body)}`,
      );
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 20));
  }
}

/** A flavor as `POST /v1.0/flavors` takes it. */
export interface FlavorBody {
  id: string;
  providers: Array<{ provider: string; links: Array<{ href: string; rel: string }> }>;
}

/** `POST /v1.0/flavors`; throws unless the gateway answers 201. */
export async function createFlavor(
  target: { baseUrl: string },
  project: string,
  flavor: FlavorBody,
): Promise<void> {
  const reply = await callApi(target, project, 'POST', '/v1.0/flavors', flavor);
  if (reply.status !== 201) {
    throw new Error(
      `flavor ${flavor.id}: expected 201, got ${reply.status} ${JSON.stringify(reply.body)}`,
    );
  }
}

/** What the end-to-end tests read of an API answer: a service's fields, or an error's. */
export type ApiBody = {
  status?: string;
  links?: Array<{ href: string; rel: string }>;
  errors?: Array<{ message: string }>;
} & Record<string, unknown>;

/** A running suite as the tenant's helpers need it: the gateway, and the catalog behind it. */
export interface SuiteTarget {
  baseUrl: string;
  catalog: { port: number };
}

export interface TenantApi {
  /** One REST call; the body is `{}` when the answer has none. */
  api(method: string, urlPath: string, body?: unknown): Promise<ApiReply<ApiBody>>;
  /** {@link waitForServiceStatus}, polling every 50 ms. */
  waitFor(id: string, status: string, timeoutMs?: number): Promise<ServiceBody>;
  /** The service's provider_details as the catalog stores them, by provider name. */
  providerDetails(id: string): Promise<Record<string, ProviderDetail>>;
  /**
   * `POST /v1.0/services` of one domain on origin.example.com with a 300 s default cache
   * rule; resolves with the new service's id, throws unless the gateway answers 202.
   */
  createService(service: { name: string; domain: string; flavor: string }): Promise<string>;
}

/**
 * Tenant `project`'s calls against the suite `target()` returns (read at each call, so it
 * can be made before `beforeAll` starts the suite).
 */
export function tenantApi(
  target: () => SuiteTarget,
  project: string,
  options: { waitTimeoutMs?: number } = {},
): TenantApi {
  const api = async (method: string, urlPath: string, body?: unknown) => {
    const reply = await callApi<ApiBody | undefined>(target(), project, method, urlPath, body);
    return { ...reply, body: reply.body ?? {} };
  };
  return {
    api,
    waitFor: (id, status, timeoutMs = options.waitTimeoutMs ?? 10_000) =>
      waitForServiceStatus(target(), project, id, status, { timeoutMs, pollMs: 50 }),
    providerDetails: async (id) => {
      const catalog = createPromiseClient(
        catalogV1.CatalogServiceService,
        `127.0.0.1:${target().catalog.port}`,
        { deadlineMs: 5000 },
      );
      try {
        const { service } = await catalog.getService({ project_id: project, service_id: id });
        return providerDetailsFromWire(service!.provider_details);
      } finally {
        catalog.close();
      }
    },
    createService: async ({ name, domain, flavor }) => {
      const reply = await api('POST', '/v1.0/services', {
        name,
        domains: [{ domain }],
        origins: [{ origin: 'origin.example.com' }],
        caching: [{ name: 'default', ttl: 300, rules: [{ name: 'default', request_url: '/*' }] }],
        flavor_id: flavor,
      });
      if (reply.status !== 202) {
        throw new Error(
          `create ${name}: expected 202, got ${reply.status} ${JSON.stringify(reply.body)}`,
        );
      }
      return reply.headers.get('location')!.split('/').pop()!;
    },
  };
}
