/**
 * POPPY_AUTH=keystone end to end (docs/auth.md): catalog and gateway as real processes, a
 * Keystone-shaped fake on loopback. Tokens are validated, cached, refused when expired or
 * unknown; a project's token never reaches another project's service (404, so ids do not
 * leak); every route answers each role exactly as gateway/src/auth/access-table.ts says; every
 * answer is declared in the served OpenAPI document.
 */
import { FakeKeystone } from '@poppy/fakes/keystone';
import { startSuite, type Suite } from '@poppy/testing';
import type { FastifyRequest } from 'fastify';
import { isPoppyError } from '@poppy/domain';
import { ROUTE_ACCESS } from '../src/auth/access-table';
import { KeystoneAuthenticator, type KeystoneOptions } from '../src/auth/keystone';
import { allows, type Role } from '../src/auth/roles';
import { AccessDeniedError, FORBIDDEN_MESSAGE, UNAUTHENTICATED_MESSAGE } from '../src/http-errors';
import { DocumentChecker, send, type Answer, type Call } from './api-client.test-helper';

jest.setTimeout(90_000);

let keystone: FakeKeystone;
let suite: Suite;
let checker: DocumentChecker;
let clockShiftMs = 0;

const user = (name: string, roles: Record<string, string[]>) => ({
  name,
  password: `${name}-secret`,
  roles,
});

beforeAll(async () => {
  keystone = await new FakeKeystone({
    now: () => Date.now() + clockShiftMs,
    projects: [
      { id: '1001', name: 'alpha' },
      { id: '1002', name: 'beta' },
    ],
    users: [
      user('alice', { '1001': ['member'] }),
      user('bob', { '1002': ['_member_'] }),
      user('rita', { '1001': ['reader'] }),
      user('ada', { '1002': ['admin'] }),
      user('nobody', { '1001': ['unrelated'] }),
    ],
  }).start();
  suite = await startSuite({
    env: { POPPY_AUTH: 'keystone', POPPY_KEYSTONE_URL: keystone.url },
  });
  const doc = await send(suite.baseUrl, {
    method: 'GET',
    path: '/v1.0/openapi.json',
    project: null,
  });
  checker = new DocumentChecker(JSON.parse(doc.text));
});

afterAll(async () => {
  await suite?.stop();
  await keystone?.stop();
});

/** A call with a token (no X-Project-ID unless given), checked against the document. */
async function call(
  template: string,
  token: string | undefined,
  c: Omit<Call, 'project'> & { project?: string },
): Promise<Answer> {
  const headers: Record<string, string> = { ...c.headers };
  if (token !== undefined) headers['x-auth-token'] = token;
  if (c.project !== undefined) headers['x-project-id'] = c.project;
  const answer = await send(suite.baseUrl, { ...c, headers, project: null });
  expect(checker.problems(c.method, template, answer)).toEqual([]);
  return answer;
}

const message = (a: Answer): unknown => (JSON.parse(a.text) as { message?: unknown }).message;

async function createService(token: string, domain: string): Promise<string> {
  const created = await call('/v1.0/services', token, {
    method: 'POST',
    path: '/v1.0/services',
    body: {
      name: domain,
      domains: [{ domain }],
      origins: [{ origin: 'origin.example.com' }],
      flavor_id: 'mock',
    },
  });
  expect(created.status).toBe(202);
  return String(created.headers.location).split('/').pop()!;
}

describe('keystone tokens', () => {
  it('refuses a request without a token, or with an unknown one: 401 with the challenge', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const a = await call('/v1.0/services', token, { method: 'GET', path: '/v1.0/services' });
      expect([a.status, message(a)]).toEqual([401, UNAUTHENTICATED_MESSAGE]);
      expect(a.headers['www-authenticate']).toBe(
        `Keystone uri="${keystone.url.replace(/\/v3$/, '')}"`,
      );
    }
  });

  it('refuses an expired token', async () => {
    clockShiftMs = -2 * 3600 * 1000; // issued two hours ago, for one hour
    const token = keystone.issue('alice', '1001');
    clockShiftMs = 0;
    const a = await call('/v1.0/services', token, { method: 'GET', path: '/v1.0/services' });
    expect(a.status).toBe(401);
  });

  it('validates a token once, then serves it from the cache', async () => {
    const token = keystone.issue('rita', '1001');
    const before = keystone.validations;
    for (let i = 0; i < 3; i++) {
      const a = await call('/v1.0/services', token, { method: 'GET', path: '/v1.0/services' });
      expect(a.status).toBe(200);
    }
    expect(keystone.validations - before).toBe(1);
  });

  it('serves a document naming the Keystone credential, X-Project-ID optional', () => {
    const doc = checker.document as {
      components?: { securitySchemes?: Record<string, unknown> };
      paths: Record<
        string,
        Record<string, { parameters: Array<{ name: string; required: boolean }> }>
      >;
    };
    expect(doc.components?.securitySchemes).toEqual({
      keystone: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' },
    });
    const header = doc.paths['/v1.0/services']!.get!.parameters.find(
      (p) => p.name === 'X-Project-ID',
    );
    expect(header?.required).toBe(false);
  });

  it('logs its mode at start, and never a token', async () => {
    const token = keystone.issue('alice', '1001');
    await call('/v1.0/services', token, { method: 'GET', path: '/v1.0/services' });
    await call('/v1.0/services', `${token}x`, { method: 'GET', path: '/v1.0/services' });
    const log = suite.gateway.output();
    expect(log).toContain('"auth":"keystone"');
    expect(log).not.toContain(token);
  });

  it('keeps ping and the JSON-home document (the liveness probe) open without a token', async () => {
    const ping = await call('/v1.0/ping', undefined, { method: 'GET', path: '/v1.0/ping' });
    const home = await call('/v1.0', undefined, { method: 'GET', path: '/v1.0' });
    expect([ping.status, home.status]).toEqual([204, 200]);
  });
});

describe('KeystoneAuthenticator: revocation latency and Keystone down', () => {
  const options = (over: Partial<KeystoneOptions> = {}): KeystoneOptions => ({
    url: keystone.url,
    roles: { reader: ['reader'], member: ['member'], admin: ['admin'] },
    cacheSize: 10,
    cacheSeconds: 300,
    timeoutMs: 2000,
    ...over,
  });
  const withToken = (token: string) =>
    ({ headers: { 'x-auth-token': token } }) as unknown as FastifyRequest;

  async function verdict(auth: KeystoneAuthenticator, token: string): Promise<unknown> {
    try {
      return (await auth.authenticate(withToken(token))).projectId;
    } catch (e) {
      if (e instanceof AccessDeniedError) return e.status;
      if (isPoppyError(e)) return e.kind;
      throw e;
    }
  }

  it('sees a revocation at once without a cache, after the cache time with one', async () => {
    const cached = new KeystoneAuthenticator(options());
    const uncached = new KeystoneAuthenticator(options({ cacheSeconds: 0 }));
    const token = keystone.issue('alice', '1001');
    expect([await verdict(cached, token), await verdict(uncached, token)]).toEqual([
      '1001',
      '1001',
    ]);
    keystone.revoke(token);
    expect([await verdict(cached, token), await verdict(uncached, token)]).toEqual(['1001', 401]);
  });

  it('answers 503, not 401, when Keystone cannot be reached', async () => {
    const auth = new KeystoneAuthenticator(options({ url: 'http://127.0.0.1:1/v3' }));
    expect(await verdict(auth, 'any')).toBe('unavailable');
  });
});

describe("one project's token and another project's service", () => {
  let serviceOfAlpha: string;
  const bob = () => keystone.issue('bob', '1002');

  beforeAll(async () => {
    serviceOfAlpha = await createService(keystone.issue('alice', '1001'), 'www.alpha-auth.com');
  });

  it('cannot read, patch, delete or purge it: 404, as for an id that does not exist', async () => {
    const path = `/v1.0/services/${serviceOfAlpha}`;
    const template = '/v1.0/services/{service_id}';
    const answers = [
      await call(template, bob(), { method: 'GET', path }),
      await call(template, bob(), {
        method: 'PATCH',
        path,
        body: [{ op: 'replace', path: '/name', value: 'taken' }],
      }),
      await call(template, bob(), { method: 'DELETE', path }),
      await call(`${template}/assets`, bob(), {
        method: 'DELETE',
        path: `${path}/assets?url=/index.html`,
      }),
    ];
    expect(answers.map((a) => a.status)).toEqual([404, 404, 404, 404]);
    const listed = await call('/v1.0/services', bob(), { method: 'GET', path: '/v1.0/services' });
    expect(listed.text).not.toContain(serviceOfAlpha);
    // The owner still has it, unchanged.
    const own = await call(template, keystone.issue('alice', '1001'), { method: 'GET', path });
    expect([own.status, (JSON.parse(own.text) as { name: string }).name]).toEqual([
      200,
      'www.alpha-auth.com',
    ]);
  });

  it('cannot name the other project in X-Project-ID: 403 whatever the id', async () => {
    for (const id of [serviceOfAlpha, '00000000-0000-4000-8000-000000000000']) {
      const a = await call('/v1.0/services/{service_id}', bob(), {
        method: 'GET',
        path: `/v1.0/services/${id}`,
        project: '1001',
      });
      expect(a.status).toBe(403);
    }
  });

  it('lets an admin of another project act on it through X-Project-ID', async () => {
    const a = await call('/v1.0/services/{service_id}', keystone.issue('ada', '1002'), {
      method: 'GET',
      path: `/v1.0/services/${serviceOfAlpha}`,
      project: '1001',
    });
    expect(a.status).toBe(200);
  });
});

const PARAMS: Record<string, string> = {
  service_id: '00000000-0000-4000-8000-000000000000',
  flavor_id: 'no-such-flavor',
  project_id: '1001',
  domain_name: 'www.no-such-domain.com',
  subsystem: 'dns',
  name: 'no-such-name',
  cert_name: 'no-such-cert',
};

describe('roles per route (gateway/src/auth/access-table.ts)', () => {
  const tokens = (): Record<Role | 'none', string> => ({
    none: keystone.issue('nobody', '1001'),
    reader: keystone.issue('rita', '1001'),
    member: keystone.issue('alice', '1001'),
    admin: keystone.issue('ada', '1002'),
  });

  it('allows and refuses each role exactly as the table says', async () => {
    const t = tokens();
    const seen: string[] = [];
    const expected: string[] = [];
    for (const [key, access] of Object.entries(ROUTE_ACCESS)) {
      if (access === 'public') continue;
      const [method, url] = key.split(' ') as [string, string];
      const path = url.replace(/:([a-z_]+)/g, (_, p: string) => PARAMS[p]!);
      const template = url.replace(/:([a-z_]+)/g, '{$1}');
      for (const role of ['none', 'reader', 'member', 'admin'] as const) {
        const a = await call(template, t[role], {
          method,
          path,
          // An empty object: allowed calls stop at validation and change nothing.
          ...(method === 'GET' || method === 'DELETE' ? {} : { body: {} }),
        });
        const refused = a.status === 403 && message(a) === FORBIDDEN_MESSAGE;
        seen.push(`${key} ${role}: ${refused ? 'refused' : 'allowed'}`);
        const allowed = role !== 'none' && allows(role, access);
        expected.push(`${key} ${role}: ${allowed ? 'allowed' : 'refused'}`);
        expect(a.status).not.toBe(401);
      }
    }
    expect(seen).toEqual(expected);
  });
});
