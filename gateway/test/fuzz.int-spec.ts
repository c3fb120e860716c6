/**
 * Fuzzing the REST API (docs/api-hardening.md): requests generated with fast-check from the
 * served OpenAPI document — its paths, parameter patterns and request-body schemas — mixed
 * with hostile mutations (deep nesting, huge arrays and objects, repeated parameters,
 * extreme numbers, unicode, wrong content types), against a real gateway and catalog.
 * Every answer must be declared by the document, below 500 (a 503 only where a feature
 * is not configured), faster than 1 s, and a 4xx body at most 64 KiB. Then, while one
 * client loops the most expensive invalid bodies, /v1.0/ping stays under 50 ms p99.
 *
 * POPPY_FUZZ_RUNS sets the number of generated requests (`npm run test:fuzz` runs many).
 */
import fc from 'fast-check';
import { startSuite, type Suite } from '@poppy/testing';
import { DocumentChecker, send, type Answer, type Call } from './api-client.test-helper';
import { contentTypes, fromSchema, hostileBody, hostileText } from './schema-arbitrary.test-helper';

const RUNS = Number(process.env.POPPY_FUZZ_RUNS ?? 500);
jest.setTimeout(60_000 + RUNS * 200);

let suite: Suite;
let checker: DocumentChecker;

beforeAll(async () => {
  suite = await startSuite();
  checker = new DocumentChecker(
    JSON.parse((await send(suite.baseUrl, { method: 'GET', path: '/v1.0/openapi.json' })).text),
  );
  const flavor = await send(suite.baseUrl, {
    method: 'POST',
    path: '/v1.0/flavors',
    body: {
      id: 'mock',
      providers: [{ provider: 'mock', links: [{ href: 'www.mock.com', rel: 'provider_url' }] }],
    },
  });
  expect([201, 400]).toContain(flavor.status);
});

afterAll(async () => {
  await suite?.stop();
});

type Operation = ReturnType<DocumentChecker['operations']>[number];
type Json = Record<string, unknown>;

/** Query parameters the routes read, so generated queries reach their validators. */
const KNOWN_QUERY = ['limit', 'marker', 'url', 'all', 'hard', 'status', 'cert_type'];

function requestFor(op: Operation): fc.Arbitrary<{ template: string; call: Call }> {
  const parameters = (op.operation.parameters ?? []) as Json[];
  const pathParams = parameters.filter((p) => p.in === 'path');
  const pathArbs = pathParams.map((p) => {
    const schema = p.schema as Json;
    const valid = schema.pattern
      ? fc.stringMatching(new RegExp(schema.pattern as string), { maxLength: 60 })
      : fromSchema(schema).map(String);
    // A segment of '.' or '..' is resolved by the client before anything is sent (RFC 3986
    // dot segments), so it would address another route: not a value a caller can send.
    return fc
      .oneof({ weight: 3, arbitrary: valid }, { weight: 1, arbitrary: hostileText })
      .filter((value) => value !== '.' && value !== '..');
  });
  const query = fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...KNOWN_QUERY), fc.string({ maxLength: 10 })),
      fc.oneof(hostileText, fc.constantFrom('1', '5', 'true', 'false', '/*', 'failed')),
    ),
    { maxLength: 4 },
  );
  const project = fc.oneof(
    { weight: 5, arbitrary: fc.constant('fuzz-project') },
    { weight: 1, arbitrary: fc.constant(null) },
    {
      weight: 1,
      arbitrary: hostileText.filter((t) => /^[\x20-\x7e]*$/.test(t)),
    },
  );
  const schema = ((op.operation.requestBody as Json | undefined)?.content as Json | undefined)?.[
    'application/json'
  ] as Json | undefined;
  const body: fc.Arbitrary<string | undefined> = schema
    ? fc.oneof(
        { weight: 4, arbitrary: fromSchema(schema.schema).map((v) => JSON.stringify(v)) },
        { weight: 2, arbitrary: hostileBody },
      )
    : fc.oneof(
        { weight: 4, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: hostileBody },
      );
  return fc
    .tuple(fc.tuple(...pathArbs), query, project, body, contentTypes)
    .map(([values, pairs, projectId, text, contentType]) => {
      let path = op.path;
      pathParams.forEach((p, i) => {
        path = path.replace(`{${p.name as string}}`, encodeURIComponent(String(values[i])));
      });
      const search = pairs
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
        .join('&');
      return {
        template: op.path,
        call: {
          method: op.method.toUpperCase(),
          path: search ? `${path}?${search}` : path,
          project: projectId,
          body: text,
          headers: text === undefined ? undefined : { 'content-type': contentType as string },
        },
      };
    });
}

/** What is wrong with an answer beyond the document: 5xx, slowness, a large 4xx body. */
function hardeningProblems(template: string, call: Call, answer: Answer): string[] {
  const where = `${call.method} ${call.path.slice(0, 120)} → ${answer.status}`;
  const problems: string[] = [];
  const notConfigured =
    answer.status === 503 && (template.includes('certificate') || template.includes('ssl'));
  if (answer.status >= 500 && !notConfigured)
    problems.push(`${where}: ${answer.text.slice(0, 200)}`);
  if (answer.ms > 1000) problems.push(`${where}: took ${answer.ms.toFixed(0)} ms`);
  if (answer.status >= 400 && answer.status < 500 && answer.text.length > 64 * 1024)
    problems.push(`${where}: a ${answer.text.length}-byte error body`);
  return problems;
}

describe('fuzzing from the OpenAPI document', () => {
  it(`answers ${RUNS} generated requests within the document, fast, never with a 5xx`, async () => {
    const operations = checker.operations();
    const arbitrary = fc.oneof(...operations.map(requestFor));
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ template, call }) => {
        const answer = await send(suite.baseUrl, call);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const problems = [
          ...checker.problems(call.method, template, answer),
          ...hardeningProblems(template, call, answer),
        ];
        if (problems.length > 0) throw new Error(problems.join('\n'));
      }),
      { numRuns: RUNS },
    );
    console.log(`fuzz: ${RUNS} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    // The generator reached both sides of the validators.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect(statuses.get(400)).toBeGreaterThan(0);
  });

  it('repeats any query parameter of any route into a 400 with Poppy body', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...checker.operations()),
        fc.constantFrom(...KNOWN_QUERY, 'x'),
        async (op, name) => {
          const path = op.path
            .replace('{service_id}', '00000000-0000-4000-8000-000000000001')
            .replace('{subsystem}', 'storage')
            .replace(/\{[a-z_]+\}/g, 'www.example.com');
          const call = { method: op.method.toUpperCase(), path: `${path}?${name}=1&${name}=2` };
          const answer = await send(suite.baseUrl, call);
          expect(answer.status).toBe(400);
          expect(JSON.parse(answer.text)).toEqual({
            message: `The query parameter ${name} may be given only once`,
          });
        },
      ),
      { numRuns: Math.min(RUNS, 100) },
    );
  });
});

/** Latencies of sequential pings (5 ms apart) for `durationMs`, sorted. */
async function pingLatencies(durationMs: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    const answer = await send(suite.baseUrl, { method: 'GET', path: '/v1.0/ping', project: null });
    expect(answer.status).toBe(204);
    latencies.push(answer.ms);
    await new Promise((r) => setTimeout(r, 5));
  }
  return latencies.sort((a, b) => a - b);
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;

describe('ping while the most expensive invalid bodies arrive', () => {
  it('keeps /v1.0/ping under 50 ms p99 (or 3× the idle p99 on a busy machine)', async () => {
    const worst: Call[] = [
      // Item 1 of the hardening: ~1 MiB of thousands of invalid domains, a 1 MB name.
      {
        method: 'POST',
        path: '/v1.0/services',
        body: `{"name":"x","domains":[${Array(25_000).fill('{"domain":"bad","x":1}').join(',')}],"origins":[],"flavor_id":"mock"}`,
      },
      {
        method: 'POST',
        path: '/v1.0/services',
        body: JSON.stringify({ name: 'n'.repeat(1_000_000), domains: [], origins: [] }),
      },
      { method: 'POST', path: '/v1.0/services', body: '['.repeat(1_000_000) },
      {
        method: 'PATCH',
        path: '/v1.0/services/00000000-0000-4000-8000-000000000001',
        body: JSON.stringify(Array(10_000).fill({ op: 'add', path: '/caching/-', value: {} })),
      },
    ];
    // Encoded once, so the sending client spends its time waiting, not encoding.
    for (const call of worst) call.body = Buffer.from(call.body as string);
    let stop = false;
    let sent = 0;
    const loop = (async () => {
      while (!stop) {
        const answer = await send(suite.baseUrl, worst[sent++ % worst.length]!);
        expect(answer.status).toBe(400);
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const underLoad = await pingLatencies(5_000);
    stop = true;
    await loop;
    // The same figures without the load, printed beside them: on a busy machine the
    // baseline shows how much of the p99 is the machine rather than the gateway.
    const idle = await pingLatencies(2_000);
    const p99 = percentile(underLoad, 0.99);
    console.log(
      `ping under load: ${underLoad.length} pings, p50 ${percentile(underLoad, 0.5).toFixed(1)} ms, ` +
        `p99 ${p99.toFixed(1)} ms, while ${sent} worst bodies were answered ` +
        `(idle: p50 ${percentile(idle, 0.5).toFixed(1)} ms, p99 ${percentile(idle, 0.99).toFixed(1)} ms)`,
    );
    expect(sent).toBeGreaterThan(10);
    // The target is 50 ms. On a machine busy with other work the idle p99 alone can exceed
    // it, so the bound is then three times the idle p99: a gateway that stalls on these
    // bodies (seconds per body before docs/api-hardening.md's limits) fails either way.
    const bound = Math.max(50, 3 * percentile(idle, 0.99));
    expect(p99).toBeLessThan(bound);
  });
});
