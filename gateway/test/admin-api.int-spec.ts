/**
 * The operator routes of docs/behaviour.md §10 end to end (catalog and gateway as real processes),
 * once per catalog store: success and every error branch through the gateway. Provisioning
 * is not running: a deployed service is written through the catalog's write-back RPC, as
 * provisioning does. Without a dns service the catalog maps CNAMEs like the original's
 * default DNS driver (the PowerDNS case is services/dns/test/admin-operator-url.int-spec.ts),
 * and without the Akamai adapter the Akamai routes answer the Akamai-less way.
 */
import { randomUUID } from 'node:crypto';
import { catalogV1, providerDetailsToWire } from '@poppy/contracts';
import type { AccessUrl } from '@poppy/domain';
import { createPromiseClient } from '@poppy/platform';
import {
  dropTestKeyspace,
  startSuite,
  testCassandraContactPoint,
  testKeyspace,
  type Suite,
} from '@poppy/testing';

jest.setTimeout(90_000);

type Json = Record<string, unknown>;
let suite: Suite;
let catalog: ReturnType<typeof createPromiseClient<typeof catalogV1.CatalogServiceService>>;

async function call(
  method: string,
  path: string,
  body?: unknown,
  project = 'operator',
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${suite.baseUrl}${path}`, {
    method,
    headers: { 'x-project-id': project, 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text };
}

const message = (reply: { body: unknown }): unknown => (reply.body as Json).message;

let counter = 0;

/** Plays provisioning: the service is deployed with these access URLs. */
async function markDeployed(id: string, accessUrls: AccessUrl[]): Promise<void> {
  const { service } = await catalog.getService({ project_id: 'project-a', service_id: id });
  const { applied } = await catalog.updateProvisioning({
    project_id: 'project-a',
    service_id: id,
    generation: service!.generation,
    expected_provider_details: {},
    expects_provider_details: false,
    provider_details: providerDetailsToWire({
      Mock: {
        id: 'mock-1',
        access_urls: accessUrls,
        status: 'deployed',
        domains_certificate_status: {},
      },
    }),
    deleted: false,
  });
  expect(applied).toBe(true);
}

async function serviceBody(id: string): Promise<Json> {
  const got = await call('GET', `/v1.0/services/${id}`, undefined, 'project-a');
  expect(got.status).toBe(200);
  return got.body as Json;
}

const STORES: Array<{ store: string; env: () => Record<string, string> }> = [
  { store: 'sqlite', env: () => ({}) },
  {
    store: 'cassandra',
    env: () => ({
      POPPY_STORE: 'cassandra',
      POPPY_CASSANDRA_CONTACT_POINTS: testCassandraContactPoint(),
      POPPY_CASSANDRA_KEYSPACE: testKeyspace('poppy_admin'),
    }),
  },
];

describe.each(STORES)('admin API with the catalog on $store', ({ env }) => {
  let suiteEnv: Record<string, string> = {};
  beforeAll(async () => {
    suiteEnv = env();
    suite = await startSuite({ env: suiteEnv });
    catalog = createPromiseClient(
      catalogV1.CatalogServiceService,
      `127.0.0.1:${suite.catalog.port}`,
      { deadlineMs: 10_000 },
    );
  });
  afterAll(async () => {
    catalog?.close();
    await suite?.stop();
    if (suiteEnv.POPPY_CASSANDRA_KEYSPACE)
      await dropTestKeyspace(
        suiteEnv.POPPY_CASSANDRA_CONTACT_POINTS,
        suiteEnv.POPPY_CASSANDRA_KEYSPACE,
      );
  });

  /** Creates a service and reads its id from the Location header. */
  async function newService(https = false): Promise<{ id: string; domain: string }> {
    counter += 1;
    const domain = `www.admin${counter}x${process.pid}.com`;
    const res = await fetch(`${suite.baseUrl}/v1.0/services`, {
      method: 'POST',
      headers: { 'x-project-id': 'project-a', 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'admin test',
        domains: [https ? { domain, protocol: 'https', certificate: 'san' } : { domain }],
        origins: [{ origin: 'origin.example.com' }],
        flavor_id: 'mock',
      }),
    });
    expect(res.status).toBe(202);
    const location = res.headers.get('location')!;
    return { id: location.slice(location.lastIndexOf('/') + 1), domain };
  }

  describe('GET /admin/services?status= (docs/behaviour.md §10.1)', () => {
    it('lists services by status from the status index, following every status write', async () => {
      const { id, domain } = await newService();
      const pending = await call('GET', '/v1.0/admin/services?status=create_in_progress');
      expect(pending.status).toBe(200);
      expect(pending.body).toContainEqual({ project_id: 'project-a', service_id: id });
      await markDeployed(id, [
        { domain, provider_url: `${domain}.mock.cdn`, operator_url: `${domain}.mock.cdn` },
      ]);
      const deployed = await call('GET', '/v1.0/admin/services?status=deployed');
      expect(deployed.body).toContainEqual({ project_id: 'project-a', service_id: id });
      const again = await call('GET', '/v1.0/admin/services?status=create_in_progress');
      expect(again.body).not.toContainEqual({ project_id: 'project-a', service_id: id });
    });

    it('refuses an unknown or missing status', async () => {
      const bad = await call('GET', '/v1.0/admin/services?status=bogus');
      expect(bad.status).toBe(400);
      expect(message(bad)).toBe(
        "Unknown status type bogus present, Valid status types are: ['create_in_progress', 'deployed', 'update_in_progress', 'delete_in_progress', 'failed']",
      );
      expect((await call('GET', '/v1.0/admin/services')).status).toBe(400);
    });
  });

  describe('POST /admin/services/status (docs/behaviour.md §10.3)', () => {
    it('sets every provider status (201) and the status index follows', async () => {
      const { id, domain } = await newService();
      await markDeployed(id, [
        { domain, provider_url: `${domain}.mock.cdn`, operator_url: `${domain}.mock.cdn` },
      ]);
      const res = await call('POST', '/v1.0/admin/services/status', {
        project_id: 'project-a',
        service_id: id,
        status: 'failed',
      });
      expect(res.status).toBe(201);
      expect((await serviceBody(id)).status).toBe('failed');
      const failed = await call('GET', '/v1.0/admin/services?status=failed');
      expect(failed.body).toContainEqual({ project_id: 'project-a', service_id: id });
    });

    it('re-runs a create that has no provider details (202): a new generation and job', async () => {
      const { id } = await newService();
      const before = (await catalog.getService({ project_id: 'project-a', service_id: id }))
        .service!;
      const res = await call('POST', '/v1.0/admin/services/status', {
        project_id: 'project-a',
        service_id: id,
        status: 'deployed',
      });
      expect(res.status).toBe(202);
      const after = (await catalog.getService({ project_id: 'project-a', service_id: id }))
        .service!;
      expect(after.generation).toBe(before.generation + 1);
      expect((await serviceBody(id)).status).toBe('create_in_progress');
    });

    it('refuses a body off the schema (400) and answers 404 for an unknown service', async () => {
      for (const body of [
        { project_id: 'p', service_id: randomUUID(), status: 'unknown' },
        { project_id: 'p', service_id: 'not-a-uuid', status: 'deployed' },
        { project_id: 'p p', service_id: randomUUID(), status: 'deployed' },
        { project_id: 'p', service_id: randomUUID(), status: 'deployed', extra: 1 },
        { project_id: 'p', status: 'deployed' },
      ]) {
        expect((await call('POST', '/v1.0/admin/services/status', body)).status).toBe(400);
      }
      expect((await call('POST', '/v1.0/admin/services/status', '{not json')).status).toBe(400);
      const sid = randomUUID();
      const missing = await call('POST', '/v1.0/admin/services/status', {
        project_id: 'project-a',
        service_id: sid,
        status: 'deployed',
      });
      expect(missing.status).toBe(404);
      expect(message(missing)).toBe(
        `Setting state of service ${sid} on tenant: project-a to deployed has failed, Reason: Service ${sid} could not be found`,
      );
    });
  });

  describe('PATCH /admin/services/provider_details/{id} (docs/behaviour.md §10.4)', () => {
    const patch = (id: string, body: unknown) =>
      call('PATCH', `/v1.0/admin/services/provider_details/${id}`, body);

    it('changes the operator URL (201), or nothing when it is the same (202)', async () => {
      const { id, domain } = await newService();
      const provider = `${domain}.mock.cdn`;
      await markDeployed(id, [
        { domain, provider_url: provider, operator_url: `${domain}.cdn1.poppy.test` },
      ]);
      const body = { project_id: 'project-a', domain_name: domain, provider_url: provider };
      const same = await patch(id, { ...body, operator_url: `${domain}.cdn1.poppy.test` });
      expect(same.status).toBe(202);
      const moved = await patch(id, { ...body, operator_url: `${domain}.cdn2.poppy.test` });
      expect(moved.status).toBe(201);
      expect((await serviceBody(id)).links).toContainEqual({
        href: `${domain}.cdn2.poppy.test`,
        rel: 'access_url',
      });
    });

    it('answers every refusal as docs/behaviour.md §10.4 says', async () => {
      const { id, domain } = await newService();
      const provider = `${domain}.mock.cdn`;
      await markDeployed(id, [
        { domain, provider_url: provider, operator_url: `${domain}.cdn1.poppy.test` },
        {
          domain: 'shop.scdn1.secure.example.com',
          provider_url: 'shop.mock.cdn',
          operator_url: 'shop.scdn1.secure.example.com',
          shared_ssl_flag: true,
        },
      ]);
      const body = { project_id: 'project-a', domain_name: domain, provider_url: provider };
      const cases: Array<[unknown, string, number, unknown]> = [
        [id, { ...body, operator_url: 'x' }, 400, undefined],
        [id, { ...body, operator_url: `${domain}.cdn2.poppy.test`, more: 1 }, 400, undefined],
        [
          id,
          { ...body, domain_name: 'not_a_domain', operator_url: 'abc.cdn2.poppy.test' },
          400,
          'Domain not_a_domain is not valid',
        ],
        [randomUUID(), { ...body, operator_url: `${domain}.cdn2.poppy.test` }, 404, undefined],
        [
          id,
          {
            ...body,
            domain_name: 'www.elsewhere.com',
            operator_url: 'www.elsewhere.com.cdn2.poppy.test',
          },
          404,
          'Domain www.elsewhere.com could not be found',
        ],
        [
          id,
          { ...body, operator_url: 'other.cdn2.poppy.test' },
          400,
          'Invalid access_url/domain_name.',
        ],
        [
          id,
          { ...body, operator_url: `${domain}.cdn2.poppy.test`, provider_url: 'another.mock.cdn' },
          400,
          'Please use the migrate domain functionality to migrate the domain to a new cert.',
        ],
        [
          id,
          {
            ...body,
            domain_name: 'shop.scdn1.secure.example.com',
            provider_url: 'shop.mock.cdn',
            operator_url: 'shop.scdn1.secure.example.com.x',
          },
          400,
          'Changing access urls for shared ssl domains is not supported.',
        ],
      ].map(([sid, b, status, text]) => [b, sid as string, status as number, text]);
      for (const [b, sid, status, text] of cases) {
        const res = await patch(sid, b);
        expect([res.status, text === undefined ? undefined : message(res)]).toEqual([status, text]);
        if (status === 404 && sid !== id)
          expect(message(res)).toBe(`Service ${sid} could not be found`);
      }
    });
  });

  describe('GET /admin/domains (docs/behaviour.md §10.5, §10.6)', () => {
    it('finds the service owning a domain, in any project', async () => {
      const { id, domain } = await newService();
      const res = await call('GET', `/v1.0/admin/domains/${domain}`);
      expect(res.status).toBe(200);
      expect((res.body as Json).id).toBe(id);
      expect((res.body as Json).project_id).toBe('project-a');
    });

    it('refuses an invalid domain before any look-up and answers 404 for an unknown one', async () => {
      const short = await call('GET', '/v1.0/admin/domains/ab');
      expect([short.status, message(short)]).toEqual([400, 'Domain ab is too short']);
      const bad = await call('GET', '/v1.0/admin/domains/bad_domain!.com');
      expect([bad.status, message(bad)]).toEqual([400, 'Domain bad_domain!.com is not valid']);
      const unknown = await call('GET', '/v1.0/admin/domains/www.nobody-owns-this.com');
      expect([unknown.status, message(unknown)]).toEqual([
        404,
        'Domain www.nobody-owns-this.com cannot be found',
      ]);
    });

    it('lists the domains CNAMEd to a provider URL from the provider-URL index', async () => {
      const { id, domain } = await newService();
      const provider = `e${counter}.edge.mock-cdn.example.net`;
      await markDeployed(id, [{ domain, provider_url: provider, operator_url: provider }]);
      const res = await call('GET', `/v1.0/admin/domains?provider_url=${provider}`);
      expect([res.status, res.body]).toEqual([200, [{ domain_name: domain }]]);
      const none = await call('GET', '/v1.0/admin/domains?provider_url=a.b.c.d.e');
      expect([none.status, none.body]).toEqual([200, []]);
    });

    it('refuses a missing or malformed provider_url', async () => {
      const missing = await call('GET', '/v1.0/admin/domains');
      expect([missing.status, message(missing)]).toEqual([
        400,
        'provider_url needs to be provided as a query parameter',
      ]);
      for (const url of ['a.b.c.d', 'a.b.c.d.e.f.g', 'a.b.c.d.e_f']) {
        const res = await call('GET', `/v1.0/admin/domains?provider_url=${url}`);
        expect([res.status, message(res)]).toEqual([400, `Provider url ${url} is not valid`]);
      }
    });
  });

  describe('POST /admin/provider/akamai/service (docs/behaviour.md §10.10)', () => {
    it('moves a domain onto the new certificate, whose status the service then shows', async () => {
      const { id, domain } = await newService(true);
      await markDeployed(id, [
        { domain, provider_url: `${domain}.mock.cdn`, operator_url: `${domain}.mock.cdn` },
      ]);
      expect(((await serviceBody(id)).domains as Json[])[0].certificate_status).toBe(
        'create_in_progress',
      );
      const res = await call('POST', '/v1.0/admin/provider/akamai/service', {
        project_id: 'project-a',
        service_id: id,
        domain_name: domain,
        new_cert: 'secure1.san1.example',
      });
      expect([res.status, res.text]).toEqual([202, '']);
      expect(((await serviceBody(id)).domains as Json[])[0].certificate_status).toBe('deployed');
      const mapped = await call(
        'GET',
        '/v1.0/admin/domains?provider_url=secure1.san1.example.edgekey.net',
      );
      expect(mapped.body).toContainEqual({ domain_name: domain });
    });

    it('answers every refusal as docs/behaviour.md §10.10 says', async () => {
      const { id } = await newService(true);
      const body = {
        project_id: 'project-a',
        service_id: id,
        domain_name: 'www.x.com',
        new_cert: 'c.edgekey.net',
      };
      expect(
        (
          await call('POST', '/v1.0/admin/provider/akamai/service', {
            ...body,
            cert_status: 'failed',
          })
        ).status,
      ).toBe(400);
      expect(
        (await call('POST', '/v1.0/admin/provider/akamai/service', { ...body, extra: true }))
          .status,
      ).toBe(400);
      const invalidDomain = await call('POST', '/v1.0/admin/provider/akamai/service', {
        ...body,
        domain_name: 'no_pe.com',
      });
      expect([invalidDomain.status, message(invalidDomain)]).toEqual([
        400,
        'Domain no_pe.com is not valid',
      ]);
      const noService = await call('POST', '/v1.0/admin/provider/akamai/service', {
        ...body,
        service_id: 'not-a-uuid',
      });
      expect([noService.status, message(noService)]).toEqual([
        404,
        'Service not-a-uuid could not be found',
      ]);
      const noDomain = await call('POST', '/v1.0/admin/provider/akamai/service', body);
      expect([noDomain.status, message(noDomain)]).toEqual([
        404,
        'Domain www.x.com could not be found',
      ]);
    });
  });

  describe('Akamai queues and configuration without Akamai (docs/behaviour.md §10.11–10.14)', () => {
    const base = '/v1.0/admin/provider/akamai';
    const mapping = {
      domain_name: 'www.queued.com',
      flavor_id: 'cdn',
      project_id: 'p1',
      cert_type: 'san',
      cert_details: {
        Akamai: { extra_info: { 'san cert': 'secure1.san1.example.com', akamai_spsId: 7 } },
      },
    };

    it('runs a background job: nothing is sent, a queued item is reported ignored', async () => {
      const empty = await call('POST', `${base}/background_job`, {
        job_type: 'akamai_check_and_update_cert_status',
      });
      expect([empty.status, empty.body]).toEqual([202, { sent: [], ignored: [] }]);
      const papi = await call('POST', `${base}/background_job`, {
        job_type: 'akamai_update_papi_property_for_mod_san',
        update_type: 'hostnames',
        action: 'add',
      });
      expect(papi.status).toBe(202);
      for (const body of [
        { job_type: 'nope' },
        { job_type: 'akamai_check_and_update_cert_status', action: 'add' },
        { job_type: 'akamai_update_papi_property_for_mod_san', property_spec: 'x' },
      ])
        expect((await call('POST', `${base}/background_job`, body)).status).toBe(400);
    });

    it('keeps the SAN-mapping queue in the catalog store, replaced whole', async () => {
      expect(await call('GET', `${base}/background_job/san_mapping`)).toMatchObject({
        status: 200,
        body: [],
      });
      const put = await call('PUT', `${base}/background_job/san_mapping`, [mapping]);
      expect([put.status, put.body]).toEqual([200, { queue: [mapping], deleted: [] }]);
      expect((await call('GET', `${base}/background_job/san_mapping`)).body).toEqual([mapping]);
      const job = await call('POST', `${base}/background_job`, {
        job_type: 'akamai_check_and_update_cert_status',
      });
      expect(job.body).toEqual({
        sent: [],
        ignored: [{ ...mapping, error_message: 'Akamai is not configured' }],
      });
      for (const bad of [
        [mapping, mapping],
        [{ ...mapping, cert_type: 'custom' }],
        [{ ...mapping, cert_details: { Akamai: {} } }],
        { not: 'a list' },
      ])
        expect((await call('PUT', `${base}/background_job/san_mapping`, bad)).status).toBe(400);
      const cleared = await call('PUT', `${base}/background_job/san_mapping`, []);
      expect(cleared.body).toEqual({ queue: [], deleted: [mapping] });
    });

    it('keeps the retry list, checking each domain unless told not to', async () => {
      expect((await call('GET', `${base}/ssl_certificate/retry_list`)).body).toEqual([]);
      const item = { flavor_id: 'cdn', domain_name: 'www.not-on-a-service.com', project_id: 'p1' };
      const refused = await call('PUT', `${base}/ssl_certificate/retry_list`, [item]);
      expect(refused.status).toBe(400);
      expect(String(message(refused))).toMatch(
        /^Domain www.not-on-a-service.com does not exist on any service/,
      );
      const { domain } = await newService(true);
      const owned = { flavor_id: 'cdn', domain_name: domain, project_id: 'project-a' };
      const put = await call('PUT', `${base}/ssl_certificate/retry_list`, [
        owned,
        { ...item, validate_service: false },
      ]);
      expect(put.status).toBe(200);
      expect((await call('GET', `${base}/ssl_certificate/retry_list`)).body).toEqual([
        { validate_service: true, ...owned },
        { ...item, validate_service: false },
      ]);
      expect(
        (await call('PUT', `${base}/ssl_certificate/retry_list`, [{ ...item, project_id: 'p 1' }]))
          .status,
      ).toBe(400);
      const run = await call('POST', `${base}/ssl_certificate/retry_list`);
      expect([run.status, run.body]).toEqual([202, { processing: [], failed_validation: [] }]);
    });

    it('answers the SAN / SNI configuration routes as without Akamai', async () => {
      const limit = await call('GET', `${base}/ssl_certificate/config/san_cert_hostname_limit`);
      expect([limit.status, limit.body]).toEqual([200, { san_cert_hostname_limit: 0 }]);
      const cert = await call('GET', `${base}/ssl_certificate/config/secure1.san1.example.com`);
      expect([cert.status, cert.body]).toEqual([200, {}]);
      const bad = await call('GET', `${base}/ssl_certificate/config/no_such!name`);
      expect(bad.status).toBe(400);
      expect(String(message(bad))).toContain('is not san_cert_hostname_limit');
      for (const body of [
        {},
        { san_cert_hostname_limit: 0 },
        { san_cert_hostname_limit: 201 },
        { other: 1 },
      ])
        expect(
          (await call('POST', `${base}/ssl_certificate/config/san_cert_hostname_limit`, body))
            .status,
        ).toBe(400);
      const set = await call('POST', `${base}/ssl_certificate/config/san_cert_hostname_limit`, {
        san_cert_hostname_limit: 50,
      });
      expect([set.status, set.text]).toEqual([202, '']);
      expect(
        (await call('GET', `${base}/ssl_certificate/config/san_cert_hostname_limit`)).body,
      ).toEqual({ san_cert_hostname_limit: 50 });
      expect(
        (
          await call('POST', `${base}/ssl_certificate/config/secure1.san1.example.com`, {
            enabled: true,
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await call('POST', `${base}/ssl_certificate/config/secure1.san1.example.com`, {
            spsId: 0,
          })
        ).status,
      ).toBe(400);
      const sni = await call('GET', `${base}/ssl_certificate/sni_config/sni1.example.com`);
      expect([sni.status, sni.body]).toEqual([200, {}]);
      expect(
        (
          await call('POST', `${base}/ssl_certificate/sni_config/sni1.example.com`, {
            enrollmentId: 0,
          })
        ).status,
      ).toBe(400);
      expect(
        (
          await call('POST', `${base}/ssl_certificate/sni_config/sni1.example.com`, {
            enabled: true,
          })
        ).status,
      ).toBe(400);
    });
  });

  it('marks every admin route in the OpenAPI document', async () => {
    const doc = (await call('GET', '/v1.0/openapi.json')).body as {
      paths: Record<string, Record<string, { tags: string[] }>>;
    };
    for (const path of [
      '/v1.0/admin/services',
      '/v1.0/admin/services/status',
      '/v1.0/admin/services/provider_details/{service_id}',
      '/v1.0/admin/domains/{domain_name}',
      '/v1.0/admin/domains',
      '/v1.0/admin/provider/akamai/service',
      '/v1.0/admin/provider/akamai/background_job',
      '/v1.0/admin/provider/akamai/background_job/san_mapping',
      '/v1.0/admin/provider/akamai/ssl_certificate/retry_list',
      '/v1.0/admin/provider/akamai/ssl_certificate/config/{name}',
      '/v1.0/admin/provider/akamai/ssl_certificate/sni_config/{cert_name}',
    ])
      expect(Object.values(doc.paths[path] ?? {}).map((op) => op.tags)).toContainEqual(['admin']);
  });
});
