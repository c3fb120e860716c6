/**
 * The REST API end to end: catalog and gateway as real processes on loopback, driven
 * over HTTP. Provisioning does not exist yet, so tests that need a deployed service play
 * its part through the catalog's write-back RPC, as the provisioning service will.
 */
import { catalogV1, providerDetailsToWire } from '@poppy/contracts';
import { createPromiseClient } from '@poppy/platform';
import {
  dropTestKeyspace,
  startSuite,
  testCassandraContactPoint,
  testKeyspace,
  type Suite,
} from '@poppy/testing';

jest.setTimeout(60_000);

type Json = Record<string, unknown>;

let suite: Suite;
let catalog: ReturnType<typeof createPromiseClient<typeof catalogV1.CatalogServiceService>>;

async function call(
  method: string,
  path: string,
  options: {
    project?: string | null;
    body?: unknown;
    raw?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.project !== null) headers['x-project-id'] = options.project ?? 'project-a';
  let payload: string | undefined = options.raw;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${suite.baseUrl}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body, text };
}

const serviceBody = (domain: string, extra: Json = {}): Json => ({
  name: 'my site',
  domains: [{ domain }],
  origins: [{ origin: 'origin.mysite.com' }],
  flavor_id: 'mock',
  ...extra,
});

async function createService(domain: string, project = 'project-a'): Promise<string> {
  const res = await call('POST', '/v1.0/services', { project, body: serviceBody(domain) });
  expect(res.status).toBe(202);
  const location = res.headers.get('location')!;
  return location.slice(location.lastIndexOf('/') + 1);
}

/** Plays the provisioning service: records a deployed outcome for the current generation. */
async function markDeployed(serviceId: string, project = 'project-a'): Promise<void> {
  const { service } = await catalog.getService({ project_id: project, service_id: serviceId });
  const { applied } = await catalog.updateProvisioning({
    project_id: project,
    service_id: serviceId,
    generation: service!.generation,
    expected_provider_details: {},
    expects_provider_details: false,
    provider_details: providerDetailsToWire({
      Mock: {
        id: 'mock-1',
        access_urls: [
          {
            domain: 'www.mysite.com',
            provider_url: 'www.mysite.com',
            operator_url: 'www.mysite.com',
          },
        ],
        status: 'deployed',
        domains_certificate_status: {},
      },
    }),
    deleted: false,
  });
  expect(applied).toBe(true);
}

/** The same tests, once per catalog storage driver (selected by configuration only). */
const STORES: Array<{ store: string; env: () => Record<string, string> }> = [
  { store: 'sqlite', env: () => ({}) },
  {
    store: 'cassandra',
    env: () => ({
      POPPY_STORE: 'cassandra',
      POPPY_CASSANDRA_CONTACT_POINTS: testCassandraContactPoint(),
      POPPY_CASSANDRA_KEYSPACE: testKeyspace('poppy_rest'),
    }),
  },
];

describe.each(STORES)('REST API with the catalog on $store', ({ store, env }) => {
  let suiteEnv: Record<string, string> = {};
  beforeAll(async () => {
    suiteEnv = env();
    suite = await startSuite({ env: suiteEnv });
    catalog = createPromiseClient(
      catalogV1.CatalogServiceService,
      `127.0.0.1:${suite.catalog.port}`,
      { deadlineMs: 5000 },
    );
  });

  afterAll(async () => {
    catalog?.close();
    await suite?.stop();
    if (suiteEnv.POPPY_CASSANDRA_KEYSPACE) {
      await dropTestKeyspace(
        suiteEnv.POPPY_CASSANDRA_CONTACT_POINTS,
        suiteEnv.POPPY_CASSANDRA_KEYSPACE,
      );
    }
  });

  describe('walk-through', () => {
    it('creates a flavor, then creates, reads, lists, patches and deletes a service', async () => {
      const flavor = await call('POST', '/v1.0/flavors', {
        body: {
          id: 'cdn',
          providers: [
            { provider: 'mock', links: [{ href: 'http://mock.example', rel: 'provider_url' }] },
          ],
        },
      });
      expect(flavor.status).toBe(201);
      expect(flavor.headers.get('location')).toBe(`${suite.baseUrl}/v1.0/flavors/cdn`);
      expect(flavor.body).toEqual({
        id: 'cdn',
        providers: [
          { provider: 'mock', links: [{ href: 'http://mock.example', rel: 'provider_url' }] },
        ],
        links: [{ href: `${suite.baseUrl}/v1.0/flavors/cdn`, rel: 'self' }],
      });

      const created = await call('POST', '/v1.0/services', {
        body: serviceBody('www.walkthrough.com', { flavor_id: 'cdn' }),
      });
      expect(created.status).toBe(202);
      expect(created.text).toBe('');
      const location = created.headers.get('location')!;
      expect(location).toMatch(new RegExp(`^${suite.baseUrl}/v1.0/services/[0-9a-f-]{36}$`));
      const id = location.slice(location.lastIndexOf('/') + 1);

      const got = await call('GET', `/v1.0/services/${id}`);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        name: 'my site',
        id,
        project_id: 'project-a',
        domains: [{ domain: 'www.walkthrough.com', protocol: 'http' }],
        origins: [
          {
            origin: 'origin.mysite.com',
            port: 80,
            ssl: false,
            rules: [{ name: 'default', request_url: '/*' }],
            hostheadertype: 'domain',
          },
        ],
        restrictions: [],
        caching: [{ name: 'default', ttl: 86400, rules: [{ name: 'default', request_url: '/*' }] }],
        flavor_id: 'cdn',
        log_delivery: { enabled: false },
        status: 'create_in_progress',
        errors: [],
        links: [
          { href: `${suite.baseUrl}/v1.0/services/${id}`, rel: 'self' },
          { href: `${suite.baseUrl}/v1.0/flavors/cdn`, rel: 'flavor' },
        ],
      });
      expect(Object.keys(got.body as Json)).toEqual([
        'name',
        'id',
        'project_id',
        'domains',
        'origins',
        'restrictions',
        'caching',
        'flavor_id',
        'log_delivery',
        'status',
        'errors',
        'links',
      ]);

      const listed = await call('GET', '/v1.0/services');
      expect(listed.status).toBe(200);
      expect((listed.body as { services: Json[] }).services.map((s) => s.id)).toContain(id);

      // A PATCH needs a deployed (or failed) service.
      const early = await call('PATCH', `/v1.0/services/${id}`, {
        body: [{ op: 'replace', path: '/name', value: 'x' }],
      });
      expect(early.status).toBe(400);
      expect(early.body).toEqual({ message: `Service ${id} neither deployed nor failed` });

      await markDeployed(id);
      const deployed = await call('GET', `/v1.0/services/${id}`);
      expect((deployed.body as Json).status).toBe('deployed');
      expect((deployed.body as { links: Json[] }).links).toContainEqual({
        href: 'www.mysite.com',
        rel: 'access_url',
      });

      const patched = await call('PATCH', `/v1.0/services/${id}`, {
        body: [{ op: 'replace', path: '/name', value: 'renamed' }],
      });
      expect(patched.status).toBe(202);
      expect(patched.headers.get('location')).toBe(`${suite.baseUrl}/v1.0/services/${id}`);
      const afterPatch = (await call('GET', `/v1.0/services/${id}`)).body as Json;
      expect(afterPatch.name).toBe('renamed');
      expect(afterPatch.status).toBe('update_in_progress');

      const deleted = await call('DELETE', `/v1.0/services/${id}`);
      expect(deleted.status).toBe(202);
      expect(deleted.headers.get('location')).toBeNull();
      expect(((await call('GET', `/v1.0/services/${id}`)).body as Json).status).toBe(
        'delete_in_progress',
      );

      // The flavor is in use: refused (docs/behaviour.md D-16).
      const inUse = await call('DELETE', '/v1.0/flavors/cdn');
      expect(inUse.status).toBe(409);
      expect((inUse.body as Json).message).toEqual(expect.stringContaining('cdn'));
    });

    it('serves the default flavor created at first start', async () => {
      const res = await call('GET', '/v1.0/flavors/mock');
      expect(res.status).toBe(200);
      expect((res.body as Json).id).toBe('mock');
    });
  });

  describe('services API rules', () => {
    it('refuses the 21st service of a project with 403', async () => {
      const project = 'limit-project';
      for (let i = 0; i < 20; i++) await createService(`www.limit${i}.com`, project);
      const res = await call('POST', '/v1.0/services', {
        project,
        body: serviceBody('www.limit20.com'),
      });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ message: 'Maximum Services Limit of 20 reached!' });
    });

    it('refuses a domain another project holds with 400', async () => {
      await createService('www.taken.com', 'owner-project');
      const res = await call('POST', '/v1.0/services', {
        project: 'thief-project',
        body: serviceBody('www.taken.com'),
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ message: 'Domain www.taken.com has already been taken' });
    });

    it('lets exactly one of concurrent creates of one domain from two projects win', async () => {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          call('POST', '/v1.0/services', {
            project: `racer-${i % 2}`,
            body: serviceBody('www.contested.com'),
          }),
        ),
      );
      expect(results.filter((r) => r.status === 202)).toHaveLength(1);
      expect(results.filter((r) => r.status === 400)).toHaveLength(5);
    });

    it('pages a list with next links while pages are full', async () => {
      const project = 'paging-project';
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await createService(`www.page${i}.com`, project));
      ids.sort();
      const first = await call('GET', '/v1.0/services?limit=2', { project });
      const page1 = first.body as { links: Json[]; services: Json[] };
      expect(page1.services.map((s) => s.id)).toEqual(ids.slice(0, 2));
      expect(page1.links).toEqual([
        { href: `${suite.baseUrl}/v1.0/services?marker=${ids[1]}&limit=2`, rel: 'next' },
      ]);
      const next = new URL(page1.links[0].href as string);
      const page2 = (await call('GET', `${next.pathname}${next.search}`, { project }))
        .body as typeof page1;
      expect(page2.services.map((s) => s.id)).toEqual(ids.slice(2, 4));
      const page3 = (await call('GET', `/v1.0/services?limit=2&marker=${ids[3]}`, { project }))
        .body as typeof page1;
      expect(page3.services.map((s) => s.id)).toEqual(ids.slice(4));
      expect(page3.links).toEqual([]);
    });

    it('rejects bad list parameters with Poppy messages', async () => {
      expect((await call('GET', '/v1.0/services?limit=0')).body).toEqual({
        message: 'Limit should be greater than 0',
      });
      expect((await call('GET', '/v1.0/services?limit=21')).body).toEqual({
        message: 'Limit should be less than or equal to 20',
      });
      expect((await call('GET', '/v1.0/services?marker=nope')).body).toEqual({
        message: 'Marker must be a valid UUID',
      });
    });

    it('refuses a PATCH of a path outside the allowed ones with 400', async () => {
      const id = await createService('www.forbidden-patch.com');
      await markDeployed(id);
      for (const path of ['/operator_status', '/project_id', '/status', '/service_id']) {
        const res = await call('PATCH', `/v1.0/services/${id}`, {
          body: [{ op: 'replace', path, value: 'disabled' }],
        });
        expect(res.status).toBe(400);
        expect(String((res.body as Json).message)).toContain(path);
      }
      const res = await call('GET', `/v1.0/services/${id}`);
      expect((res.body as Json).status).toBe('deployed');
    });

    it('rejects a PATCH body that is not an array', async () => {
      const id = await createService('www.patch-shape.com');
      const res = await call('PATCH', `/v1.0/services/${id}`, { body: { op: 'replace' } });
      expect(res.status).toBe(400);
      expect(res.body).toHaveProperty('message.errors');
    });

    it('reports every schema error of a create together', async () => {
      const res = await call('POST', '/v1.0/services', {
        body: { name: 'ab', domains: [], origins: [] },
      });
      expect(res.status).toBe(400);
      const errors = (res.body as { message: { errors: Json[] } }).message.errors;
      expect(errors.length).toBeGreaterThanOrEqual(3);
    });

    it('answers 404 with Poppy’s message for an unknown service, and 400 for a bad id', async () => {
      const missing = '00000000-0000-4000-8000-000000000000';
      expect(await call('GET', `/v1.0/services/${missing}`)).toMatchObject({
        status: 404,
        body: { message: `service ${missing} could not be found` },
      });
      expect(await call('GET', '/v1.0/services/not-a-uuid')).toMatchObject({
        status: 400,
        body: { message: 'Invalid service id' },
      });
      expect(await call('DELETE', `/v1.0/services/${missing}`)).toMatchObject({
        status: 404,
        body: { message: `No service found: ${missing}` },
      });
    });

    it('answers concurrent reads (coalesced into batches) each as if it came alone', async () => {
      const mine = await createService('www.coalesced-a.com', 'project-c');
      const theirs = await createService('www.coalesced-b.com', 'project-d');
      const missing = '00000000-0000-4000-8000-000000000001';
      const reads = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          [
            () => call('GET', `/v1.0/services/${mine}`, { project: 'project-c' }),
            () => call('GET', `/v1.0/services/${theirs}`, { project: 'project-c' }),
            () => call('GET', `/v1.0/services/${missing}`, { project: 'project-c' }),
            () => call('GET', '/v1.0/services?limit=5', { project: 'project-d' }),
          ][i % 4]!(),
        ),
      );
      reads.forEach((res, i) => {
        if (i % 4 === 0)
          expect(res).toMatchObject({ status: 200, body: { id: mine, project_id: 'project-c' } });
        // Another project's service is not found, exactly like an unknown one.
        if (i % 4 === 1)
          expect(res).toMatchObject({
            status: 404,
            body: { message: `service ${theirs} could not be found` },
          });
        if (i % 4 === 2)
          expect(res).toMatchObject({
            status: 404,
            body: { message: `service ${missing} could not be found` },
          });
        if (i % 4 === 3)
          expect(
            (res.body as { services: Array<{ id: string }> }).services.map((s) => s.id),
          ).toEqual([theirs]);
      });
    });
  });

  describe('HTTP conventions', () => {
    it('requires X-Project-ID everywhere but ping', async () => {
      expect(await call('GET', '/v1.0/services', { project: null })).toMatchObject({
        status: 400,
        body: { message: 'The Project ID must be provided.' },
      });
      expect((await call('GET', '/v1.0/ping', { project: null })).status).toBe(204);
    });

    it('routes a numeric tenant segment like the plain path', async () => {
      const res = await call('GET', '/v1.0/123456/flavors/mock');
      expect(res.status).toBe(200);
      expect((res.body as Json).id).toBe('mock');
    });

    it('answers malformed JSON with 400 and an oversized body with 413, both in Poppy’s shape', async () => {
      expect(
        await call('POST', '/v1.0/services', {
          raw: '{"name": ',
          headers: { 'content-type': 'application/json' },
        }),
      ).toMatchObject({
        status: 400,
        body: { message: 'Invalid JSON string' },
      });
      const big = JSON.stringify({ name: 'x'.repeat(1024 * 1024 + 10) });
      const res = await call('POST', '/v1.0/services', {
        raw: big,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ message: expect.any(String) });
    });

    it('parses a body as JSON whatever its content type', async () => {
      const res = await call('POST', '/v1.0/services', {
        raw: JSON.stringify(serviceBody('www.text-plain.com')),
        headers: { 'content-type': 'text/plain' },
      });
      expect(res.status).toBe(202);
    });

    it('answers unknown routes with a JSON 404 and wrong methods with a JSON 405', async () => {
      expect(await call('GET', '/v1.0/nothing-here')).toMatchObject({
        status: 404,
        body: { message: expect.any(String) },
      });
      const res = await call('PUT', '/v1.0/services');
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, POST');
      expect(res.body).toEqual({ message: expect.any(String) });
    });

    it('serves JSON home, health, the OpenAPI document and the docs page', async () => {
      const home = await call('GET', '/v1.0/');
      expect(home.status).toBe(200);
      expect(Object.keys((home.body as { resources: Json }).resources)).toEqual([
        'rel/services',
        'rel/flavors',
        'rel/health',
        'rel/ping',
      ]);
      const health = await call('GET', '/v1.0/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        storage: {
          [store]: {
            online: 'true',
            links: { href: `${suite.baseUrl}/v1.0/health/storage/${store}`, rel: 'self' },
          },
        },
        providers: { mock: { online: 'true' } },
        dns: { default: { online: 'true' } },
      });
      expect(await call('GET', `/v1.0/health/storage/${store}`)).toMatchObject({
        status: 200,
        body: { online: 'true' },
      });
      expect((await call('GET', '/v1.0/health/provider/akamai')).status).toBe(404);
      const openapi = await call('GET', '/v1.0/openapi.json', { project: null });
      expect(openapi.status).toBe(200);
      expect((openapi.body as Json).openapi).toBe('3.1.0');
      expect((openapi.body as { paths: Json }).paths).toHaveProperty([
        '/v1.0/services',
        'post',
        'requestBody',
      ]);
      const docs = await fetch(`${suite.baseUrl}/docs/`);
      expect(docs.status).toBe(200);
      expect(await docs.text()).toContain('swagger');
    });
  });

  describe('durability', () => {
    it('keeps every service and flavor across a restart of both processes', async () => {
      const id = await createService('www.durable.com', 'durable-project');
      await call('POST', '/v1.0/flavors', {
        body: {
          id: 'durable-flavor',
          providers: [
            { provider: 'mock', links: [{ href: 'http://m.example', rel: 'provider_url' }] },
          ],
        },
      });
      catalog.close();
      suite = await suite.restart();
      catalog = createPromiseClient(
        catalogV1.CatalogServiceService,
        `127.0.0.1:${suite.catalog.port}`,
        { deadlineMs: 5000 },
      );
      const service = await call('GET', `/v1.0/services/${id}`, { project: 'durable-project' });
      expect(service.status).toBe(200);
      expect((service.body as Json).domains).toEqual([
        { domain: 'www.durable.com', protocol: 'http' },
      ]);
      expect((await call('GET', '/v1.0/flavors/durable-flavor')).status).toBe(200);
      // The domain is still claimed after the restart.
      expect(
        (
          await call('POST', '/v1.0/services', {
            project: 'other',
            body: serviceBody('www.durable.com'),
          })
        ).status,
      ).toBe(400);
    });
  });
});
