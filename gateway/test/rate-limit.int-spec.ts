/**
 * Per-project rate limits (docs/auth.md "Rate limits") with the gateway as a process: over
 * the limit a project gets 429 with Retry-After and Poppy's body (declared in the served
 * document), another project and another route class are not affected, and after
 * Retry-After the project is served again. The gateway runs with the default POPPY_AUTH=none,
 * which it must announce at start (docs/auth.md).
 */
import { startSuite, type Suite } from '@poppy/testing';
import { RATE_LIMITED_MESSAGE } from '../src/rate-limit';
import { DocumentChecker, send, type Answer, type Call } from './api-client.test-helper';

jest.setTimeout(60_000);

let suite: Suite;
let checker: DocumentChecker;

beforeAll(async () => {
  suite = await startSuite({
    env: { POPPY_RATE_LIMIT_READ_PER_SECOND: '1', POPPY_RATE_LIMIT_READ_BURST: '3' },
  });
  const doc = await send(suite.baseUrl, { method: 'GET', path: '/v1.0/openapi.json' });
  checker = new DocumentChecker(JSON.parse(doc.text));
});

afterAll(async () => {
  await suite?.stop();
});

async function call(template: string, c: Call): Promise<Answer> {
  const answer = await send(suite.baseUrl, c);
  expect(checker.problems(c.method, template, answer)).toEqual([]);
  return answer;
}

const list = (project: string) =>
  call('/v1.0/services', { method: 'GET', path: '/v1.0/services', project });

it('logs at start that POPPY_AUTH=none trusts X-Project-ID', () => {
  expect(suite.gateway.output()).toMatch(/"level":40[^\n]*"auth":"none"/);
});

it('answers 429 with Retry-After past the burst, per project and class, then serves again', async () => {
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await list('limited')).status);
  expect(statuses).toEqual([200, 200, 200, 429]);

  const refused = await list('limited');
  expect([refused.status, JSON.parse(refused.text)]).toEqual([
    429,
    { message: RATE_LIMITED_MESSAGE },
  ]);
  const wait = Number(refused.headers['retry-after']);
  expect(wait).toBeGreaterThanOrEqual(1);

  // Another project, another class of route (writes are not limited here), ping: served.
  expect((await list('other')).status).toBe(200);
  const write = await call('/v1.0/services/{service_id}', {
    method: 'DELETE',
    path: '/v1.0/services/00000000-0000-4000-8000-000000000000',
    project: 'limited',
  });
  expect(write.status).toBe(404);
  expect(
    (await call('/v1.0/ping', { method: 'GET', path: '/v1.0/ping', project: null })).status,
  ).toBe(204);

  await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  expect((await list('limited')).status).toBe(200);
});
