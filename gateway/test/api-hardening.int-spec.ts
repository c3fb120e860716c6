/**
 * The gateway against hostile and unusual requests (docs/api-hardening.md), on a real
 * catalog without a certificates service (a gateway without POPPY_CERTIFICATES_ADDRESS), and every route's
 * answers held against the served OpenAPI document: a status or body it does not declare
 * fails the test.
 */
import { connect } from 'node:net';
import { startSuite, type Suite } from '@poppy/testing';
import { DocumentChecker, send, type Answer, type Call } from './api-client.test-helper';

jest.setTimeout(60_000);

let suite: Suite;
let checker: DocumentChecker;
const problems: string[] = [];

/** Sends `call` and records any disagreement with the document for operation `template`. */
async function drive(template: string, call: Call): Promise<Answer> {
  const answer = await send(suite.baseUrl, call);
  problems.push(...checker.problems(call.method, template, answer));
  return answer;
}

const service = (domain: string, extra: Record<string, unknown> = {}) => ({
  name: 'my site',
  domains: [{ domain }],
  origins: [{ origin: 'origin.mysite.com' }],
  flavor_id: 'hardening',
  ...extra,
});

async function createService(domain: string, project = 'conformance'): Promise<string> {
  const answer = await drive('/v1.0/services', {
    method: 'POST',
    path: '/v1.0/services',
    project,
    body: service(domain),
  });
  expect(answer.status).toBe(202);
  const location = String(answer.headers.location);
  return location.slice(location.lastIndexOf('/') + 1);
}

const nested = (depth: number, leaf: string): string =>
  '['.repeat(depth) + leaf + ']'.repeat(depth);

beforeAll(async () => {
  suite = await startSuite({
    env: { POPPY_GATEWAY_HEADERS_TIMEOUT_MS: '500', POPPY_GATEWAY_REQUEST_TIMEOUT_MS: '1000' },
  });
  const doc = await send(suite.baseUrl, { method: 'GET', path: '/v1.0/openapi.json' });
  checker = new DocumentChecker(JSON.parse(doc.text));
  const flavor = await drive('/v1.0/flavors', {
    method: 'POST',
    path: '/v1.0/flavors',
    body: {
      id: 'hardening',
      providers: [{ provider: 'mock', links: [{ href: 'www.mock.com', rel: 'provider_url' }] }],
    },
  });
  expect(flavor.status).toBe(201);
});

afterAll(async () => {
  await suite?.stop();
});

afterEach(() => {
  const found = problems.splice(0);
  expect(found).toEqual([]);
});

describe('item 1: a large invalid body costs little and answers briefly', () => {
  it('answers ~1 MiB of thousands of invalid domains with one short 400 in well under a second', async () => {
    const domains = Array.from({ length: 20_000 }, (_, i) => ({ domain: `bad${i}`, x: 1 }));
    const answer = await drive('/v1.0/services', {
      method: 'POST',
      path: '/v1.0/services',
      body: service('www.a.com', { domains }),
    });
    expect(answer.status).toBe(400);
    expect(answer.ms).toBeLessThan(500);
    expect(answer.text.length).toBeLessThan(2048);
    expect(JSON.parse(answer.text).message.errors[0].message).toMatch(/\.\.\. is too long$/);
  });

  it('echoes a 1 MB name cut short with an ellipsis', async () => {
    const answer = await drive('/v1.0/services', {
      method: 'POST',
      path: '/v1.0/services',
      body: service('www.a.com', { name: 'n'.repeat(1_000_000) }),
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).message.errors).toEqual([
      { message: `['name']-'${'n'.repeat(511)}... is too long` },
    ]);
  });
});

describe('item 2: any nesting depth is a 400', () => {
  it.each([40, 5_000, 400_000])(
    'refuses a POST and a PATCH value nested %i deep',
    async (depth) => {
      const post = await drive('/v1.0/services', {
        method: 'POST',
        path: '/v1.0/services',
        body: `{"name": ${nested(depth, '1')}}`,
      });
      expect(post.status).toBe(400);
      const id = '00000000-0000-4000-8000-000000000001';
      const patch = await drive('/v1.0/services/{service_id}', {
        method: 'PATCH',
        path: `/v1.0/services/${id}`,
        body: `[{"op": "add", "path": "/caching/-", "value": ${nested(depth, '{}')}}]`,
      });
      expect(patch.status).toBe(400);
      expect(JSON.parse(patch.text).message).toMatch(/nested deeper than/);
    },
  );
});

describe('item 3: a repeated query parameter is a 400 on every route', () => {
  it.each([
    ['/v1.0/services', 'GET', '/v1.0/services?limit=5&limit=7'],
    ['/v1.0/services', 'GET', '/v1.0/services?marker=a&marker=b'],
    [
      '/v1.0/services/{service_id}/assets',
      'DELETE',
      '/v1.0/services/00000000-0000-4000-8000-000000000001/assets?hard=true&hard=false',
    ],
    ['/v1.0/admin/certificates', 'GET', '/v1.0/admin/certificates?status=failed&status=deployed'],
    ['/v1.0/flavors', 'GET', '/v1.0/flavors?x=1&x=2'],
  ])('%s %s', async (template, method, path) => {
    const answer = await drive(template, { method, path });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text)).toEqual({
      message: expect.stringMatching(/^The query parameter [a-z]+ may be given only once$/),
    });
  });
});

describe('item 4: numbers beyond the wire types are a 400', () => {
  it.each([2 ** 32, 2 ** 53, 1e300])('refuses the limit %d', async (limit) => {
    const answer = await drive('/v1.0/admin/limits/{project_id}', {
      method: 'PUT',
      path: '/v1.0/admin/limits/big-limits',
      body: `{"limit": ${limit}}`,
    });
    expect(answer.status).toBe(400);
  });

  it.each(['1e300', '18446744073709551616', '-1'])('refuses a patched ttl of %s', async (ttl) => {
    const id = await createService(`www.ttl${ttl.length}${ttl.charCodeAt(0)}.com`);
    const answer = await drive('/v1.0/services/{service_id}', {
      method: 'PATCH',
      path: `/v1.0/services/${id}`,
      body: `[{"op": "add", "path": "/caching/-", "value": {"name": "big", "ttl": ${ttl}, "rules": [{"name": "r", "request_url": "/x"}]}}]`,
    });
    expect(answer.status).toBe(400);
  });

  it('accepts the largest uint32', async () => {
    const answer = await drive('/v1.0/admin/limits/{project_id}', {
      method: 'PUT',
      path: '/v1.0/admin/limits/big-limits',
      body: { limit: 2 ** 32 - 1 },
    });
    expect(answer.status).toBe(201);
  });
});

describe('item 5: one project id rule on every route', () => {
  it.each([
    ['a path', '../../etc'],
    ['10 000 characters', 'p'.repeat(10_000)],
    ['a space', 'a b'],
  ])('refuses a tenant id with %s', async (_label, project) => {
    const answer = await drive('/v1.0/services', {
      method: 'POST',
      path: '/v1.0/services',
      project,
      body: service('www.tenant.com'),
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).message).toMatch(/^Invalid project_id : /);
    expect(answer.text.length).toBeLessThan(1024);
  });
});

describe('item 6: slow clients are cut off', () => {
  /** Opens a raw connection, writes `head`, and waits for the answer or the close. */
  const stall = (head: string): Promise<{ text: string; ms: number }> =>
    new Promise((resolve, reject) => {
      const url = new URL(suite.baseUrl);
      const started = performance.now();
      const socket = connect(Number(url.port), url.hostname, () => socket.write(head));
      let text = '';
      socket.on('data', (c) => (text += c.toString()));
      socket.on('close', () => resolve({ text, ms: performance.now() - started }));
      socket.on('error', reject);
    });

  it('answers 408 to headers that never finish', async () => {
    const { text, ms } = await stall('GET /v1.0/ping HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('{"message":"The request was not received in time."}');
    expect(ms).toBeLessThan(5000);
  });

  it('answers 408 to a body that stalls', async () => {
    const { text, ms } = await stall(
      'POST /v1.0/services HTTP/1.1\r\nHost: x\r\nX-Project-ID: p\r\nContent-Length: 100\r\n\r\n{"na',
    );
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(5000);
  });

  it('answers 431 with Poppy body to headers that are too large', async () => {
    const answer = await drive('/v1.0/services', {
      method: 'GET',
      path: '/v1.0/services',
      headers: { 'x-big': 'b'.repeat(40_000) },
    });
    expect(answer.status).toBe(431);
  });
});

describe('item 8: certificates without a certificates service', () => {
  const cert = (extra: Record<string, unknown> = {}) => ({
    flavor_id: 'hardening',
    cert_type: 'san',
    domain_name: 'www.cert.com',
    project_id: 'conformance',
    ...extra,
  });

  it.each([
    [
      'an unknown flavor',
      cert({ flavor_id: 'nope' }),
      /Could not find a flavor with the id 'nope'/,
    ],
    ['a root domain', cert({ domain_name: 'nodot' }), /nodot must be a valid non-root domain/],
    ['an invalid project id', cert({ project_id: '../x' }), /Invalid project_id/],
  ])('answers 400 to %s without a certificates service', async (_name, body, message) => {
    const answer = await drive('/v1.0/ssl_certificate', {
      method: 'POST',
      path: '/v1.0/ssl_certificate',
      body,
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.text).message).toMatch(message);
  });

  it('answers a valid request 503 naming the missing configuration, with Retry-After', async () => {
    const answer = await drive('/v1.0/ssl_certificate', {
      method: 'POST',
      path: '/v1.0/ssl_certificate',
      body: cert(),
    });
    expect(answer.status).toBe(503);
    expect(JSON.parse(answer.text).message).toContain('POPPY_CERTIFICATES_ADDRESS');
    expect(answer.headers['retry-after']).toBe('5');
  });
});

describe('item 7: every route answers only what the OpenAPI document declares', () => {
  it('declares the statuses the routes answer', () => {
    const statuses = (path: string, method: string): string[] =>
      Object.keys(
        ((checker.document.paths as Record<string, Record<string, { responses: object }>>)[path]![
          method
        ]!.responses as object) ?? {},
      );
    expect(statuses('/v1.0/services/{service_id}', 'delete')).toContain('202');
    expect(statuses('/v1.0/services/{service_id}/assets', 'delete')).toContain('202');
    expect(statuses('/v1.0/admin/limits/{project_id}', 'put')).toContain('201');
    expect(statuses('/v1.0/ping', 'get')).toEqual(expect.arrayContaining(['204', '503']));
    expect(statuses('/v1.0/services', 'post')).toEqual(
      expect.arrayContaining(['202', '400', '403', '413', '431', '503']),
    );
  });

  it('drives every route through its answers', async () => {
    const id = await createService('www.conformance.com');
    const missing = '00000000-0000-4000-8000-00000000dead';
    const calls: Array<[string, Call]> = [
      ['/v1.0', { method: 'GET', path: '/v1.0' }],
      ['/v1.0', { method: 'GET', path: '/v1.0', project: null }],
      ['/v1.0/ping', { method: 'GET', path: '/v1.0/ping', project: null }],
      ['/v1.0/health', { method: 'GET', path: '/v1.0/health' }],
      ['/v1.0/health/{subsystem}/{name}', { method: 'GET', path: '/v1.0/health/storage/sqlite' }],
      ['/v1.0/health/{subsystem}/{name}', { method: 'GET', path: '/v1.0/health/provider/nope' }],
      ['/v1.0/health/{subsystem}/{name}', { method: 'GET', path: '/v1.0/health/bogus/x' }],
      ['/v1.0/services', { method: 'GET', path: '/v1.0/services' }],
      ['/v1.0/services', { method: 'GET', path: '/v1.0/services?limit=abc' }],
      ['/v1.0/services', { method: 'POST', path: '/v1.0/services', body: '{' }],
      ['/v1.0/services', { method: 'POST', path: '/v1.0/services', body: 'x'.repeat(2 << 20) }],
      ['/v1.0/services/{service_id}', { method: 'GET', path: `/v1.0/services/${id}` }],
      ['/v1.0/services/{service_id}', { method: 'GET', path: `/v1.0/services/${missing}` }],
      ['/v1.0/services/{service_id}', { method: 'GET', path: '/v1.0/services/not-a-uuid' }],
      [
        '/v1.0/services/{service_id}',
        {
          method: 'PATCH',
          path: `/v1.0/services/${id}`,
          body: [{ op: 'replace', path: '/name', value: 'new name' }],
        },
      ],
      [
        '/v1.0/services/{service_id}',
        { method: 'PATCH', path: `/v1.0/services/${missing}`, body: [] },
      ],
      ['/v1.0/services/{service_id}', { method: 'PATCH', path: `/v1.0/services/${id}`, body: {} }],
      [
        '/v1.0/services/{service_id}/assets',
        { method: 'DELETE', path: `/v1.0/services/${missing}/assets` },
      ],
      [
        '/v1.0/services/{service_id}/assets',
        { method: 'DELETE', path: `/v1.0/services/${id}/assets?hard=maybe` },
      ],
      ['/v1.0/services/{service_id}', { method: 'DELETE', path: `/v1.0/services/${missing}` }],
      ['/v1.0/flavors', { method: 'GET', path: '/v1.0/flavors' }],
      ['/v1.0/flavors', { method: 'POST', path: '/v1.0/flavors', body: { id: 'x' } }],
      ['/v1.0/flavors/{flavor_id}', { method: 'GET', path: '/v1.0/flavors/hardening' }],
      ['/v1.0/flavors/{flavor_id}', { method: 'GET', path: '/v1.0/flavors/nope' }],
      ['/v1.0/flavors/{flavor_id}', { method: 'DELETE', path: '/v1.0/flavors/hardening' }],
      ['/v1.0/flavors/{flavor_id}', { method: 'DELETE', path: '/v1.0/flavors/nope' }],
      [
        '/v1.0/admin/limits/{project_id}',
        { method: 'GET', path: '/v1.0/admin/limits/conformance' },
      ],
      ['/v1.0/admin/limits/{project_id}', { method: 'GET', path: '/v1.0/admin/limits/a%20b' }],
      [
        '/v1.0/admin/limits/{project_id}',
        { method: 'PUT', path: '/v1.0/admin/limits/limited', body: { limit: 0 } },
      ],
      [
        '/v1.0/admin/services/action',
        {
          method: 'POST',
          path: '/v1.0/admin/services/action',
          body: { project_id: 'nobody', action: 'disable' },
        },
      ],
      [
        '/v1.0/admin/services/action',
        { method: 'POST', path: '/v1.0/admin/services/action', body: { action: 'x' } },
      ],
      [
        '/v1.0/ssl_certificate/{domain_name}',
        { method: 'GET', path: '/v1.0/ssl_certificate/www.a.com' },
      ],
      ['/v1.0/ssl_certificate/{domain_name}', { method: 'GET', path: '/v1.0/ssl_certificate/a' }],
      [
        '/v1.0/ssl_certificate/{domain_name}',
        { method: 'DELETE', path: '/v1.0/ssl_certificate/www.a.com' },
      ],
      [
        '/v1.0/admin/certificates',
        { method: 'GET', path: '/v1.0/admin/certificates?status=failed' },
      ],
      ['/v1.0/admin/certificates', { method: 'GET', path: '/v1.0/admin/certificates?status=x' }],
      [
        '/v1.0/ssl_certificate',
        { method: 'POST', path: '/v1.0/ssl_certificate', body: { cert_type: 'x' } },
      ],
      [
        '/v1.0/admin/certificates/{domain_name}',
        { method: 'PATCH', path: '/v1.0/admin/certificates/www.a.com', body: [] },
      ],
      [
        '/v1.0/admin/certificates/{domain_name}',
        {
          method: 'PATCH',
          path: '/v1.0/admin/certificates/www.a.com',
          body: [{ op: 'replace', path: 'status', value: 'failed' }],
        },
      ],
      // docs/behaviour.md §10: the operator routes, each with an answer and an error branch.
      ['/v1.0/admin/services', { method: 'GET', path: '/v1.0/admin/services?status=deployed' }],
      ['/v1.0/admin/services', { method: 'GET', path: '/v1.0/admin/services?status=x' }],
      [
        '/v1.0/admin/services/status',
        {
          method: 'POST',
          path: '/v1.0/admin/services/status',
          body: { project_id: 'conformance', service_id: missing, status: 'deployed' },
        },
      ],
      [
        '/v1.0/admin/services/status',
        { method: 'POST', path: '/v1.0/admin/services/status', body: { status: 'x' } },
      ],
      [
        '/v1.0/admin/services/provider_details/{service_id}',
        {
          method: 'PATCH',
          path: `/v1.0/admin/services/provider_details/${missing}`,
          body: {
            project_id: 'conformance',
            domain_name: 'www.a.com',
            operator_url: 'www.a.com.cdn1.poppycdn.net',
            provider_url: 'a.mock.example',
          },
        },
      ],
      [
        '/v1.0/admin/services/provider_details/{service_id}',
        { method: 'PATCH', path: `/v1.0/admin/services/provider_details/${missing}`, body: {} },
      ],
      [
        '/v1.0/admin/domains/{domain_name}',
        { method: 'GET', path: '/v1.0/admin/domains/www.nope.com' },
      ],
      ['/v1.0/admin/domains/{domain_name}', { method: 'GET', path: '/v1.0/admin/domains/nope' }],
      [
        '/v1.0/admin/domains',
        { method: 'GET', path: '/v1.0/admin/domains?provider_url=a.b.c.d.example' },
      ],
      ['/v1.0/admin/domains', { method: 'GET', path: '/v1.0/admin/domains' }],
      [
        '/v1.0/admin/provider/akamai/service',
        {
          method: 'POST',
          path: '/v1.0/admin/provider/akamai/service',
          body: {
            project_id: 'conformance',
            service_id: missing,
            domain_name: 'www.a.com',
            new_cert: 'cert1',
          },
        },
      ],
      [
        '/v1.0/admin/provider/akamai/service',
        { method: 'POST', path: '/v1.0/admin/provider/akamai/service', body: {} },
      ],
      [
        '/v1.0/admin/provider/akamai/background_job',
        {
          method: 'POST',
          path: '/v1.0/admin/provider/akamai/background_job',
          body: { job_type: 'akamai_check_and_update_cert_status' },
        },
      ],
      [
        '/v1.0/admin/provider/akamai/background_job',
        {
          method: 'POST',
          path: '/v1.0/admin/provider/akamai/background_job',
          body: { job_type: 'x' },
        },
      ],
      [
        '/v1.0/admin/provider/akamai/background_job/san_mapping',
        { method: 'GET', path: '/v1.0/admin/provider/akamai/background_job/san_mapping' },
      ],
      [
        '/v1.0/admin/provider/akamai/background_job/san_mapping',
        { method: 'PUT', path: '/v1.0/admin/provider/akamai/background_job/san_mapping', body: [] },
      ],
      [
        '/v1.0/admin/provider/akamai/background_job/san_mapping',
        {
          method: 'PUT',
          path: '/v1.0/admin/provider/akamai/background_job/san_mapping',
          body: [{}],
        },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/retry_list',
        { method: 'GET', path: '/v1.0/admin/provider/akamai/ssl_certificate/retry_list' },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/retry_list',
        { method: 'PUT', path: '/v1.0/admin/provider/akamai/ssl_certificate/retry_list', body: [] },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/retry_list',
        {
          method: 'PUT',
          path: '/v1.0/admin/provider/akamai/ssl_certificate/retry_list',
          body: [{}],
        },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/retry_list',
        { method: 'POST', path: '/v1.0/admin/provider/akamai/ssl_certificate/retry_list' },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/config/{name}',
        {
          method: 'GET',
          path: '/v1.0/admin/provider/akamai/ssl_certificate/config/san_cert_hostname_limit',
        },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/config/{name}',
        { method: 'GET', path: '/v1.0/admin/provider/akamai/ssl_certificate/config/x' },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/config/{name}',
        {
          method: 'POST',
          path: '/v1.0/admin/provider/akamai/ssl_certificate/config/san_cert_hostname_limit',
          body: { san_cert_hostname_limit: 80 },
        },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/config/{name}',
        {
          method: 'POST',
          path: '/v1.0/admin/provider/akamai/ssl_certificate/config/san_cert_hostname_limit',
          body: { enabled: 'x' },
        },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/sni_config/{cert_name}',
        {
          method: 'GET',
          path: '/v1.0/admin/provider/akamai/ssl_certificate/sni_config/sni.example.com',
        },
      ],
      [
        '/v1.0/admin/provider/akamai/ssl_certificate/sni_config/{cert_name}',
        {
          method: 'POST',
          path: '/v1.0/admin/provider/akamai/ssl_certificate/sni_config/sni.example.com',
          body: { enabled: true },
        },
      ],
    ];
    const seen = new Map<string, Set<number>>();
    for (const [template, call] of calls) {
      const answer = await drive(template, call);
      const key = `${call.method.toLowerCase()} ${template}`;
      seen.set(key, new Set([...(seen.get(key) ?? []), answer.status]));
    }
    // The limit reached: 403 on create.
    const limited = await drive('/v1.0/services', {
      method: 'POST',
      path: '/v1.0/services',
      project: 'limited',
      body: service('www.limited.com'),
    });
    expect(limited.status).toBe(403);
    // Every operation of the document was driven at least once.
    const undriven = checker
      .operations()
      .filter(({ path, method }) => !seen.has(`${method} ${path}`))
      .map(({ path, method }) => `${method} ${path}`);
    expect(undriven).toEqual([]);
    // A route's declared success was seen where the embedded defaults can produce it.
    expect(seen.get('delete /v1.0/flavors/{flavor_id}')).toEqual(new Set([409, 204]));
    expect(seen.get('get /v1.0/health/{subsystem}/{name}')).toEqual(new Set([200, 404]));
    const deleted = await drive('/v1.0/services/{service_id}', {
      method: 'DELETE',
      path: `/v1.0/services/${id}`,
    });
    expect(deleted.status).toBe(202);
  });
});
