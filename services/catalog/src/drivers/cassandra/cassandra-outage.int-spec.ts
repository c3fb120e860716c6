/**
 * Cassandra goes away under load and comes back: catalog + gateway as real processes on a
 * durable Cassandra node of this test's own (port OUTAGE_PORT, so other suites' node is untouched),
 * with creates and reads flowing the whole time. While the node is down every request must
 * fail with 503 and Poppy's error body, no process may die, requests succeed again once it is
 * back, and every create that was acknowledged (202) is still there.
 */
import {
  cassandraNode,
  cassandraPortFromEnv,
  dropTestKeyspace,
  startSuite,
  testKeyspace,
  type Suite,
} from '@poppy/testing';

jest.setTimeout(240_000);

// POPPY_TEST_CASSANDRA_OUTAGE_PORT gives a run a node of its own (runs must never share one).
const OUTAGE_PORT = cassandraPortFromEnv('POPPY_TEST_CASSANDRA_OUTAGE_PORT', 9143);
const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable. Please retry later.';
// Durable (commit log synced before each ack): the test stops the node and then counts every
// acknowledged create; the fast default mode may lose them (tools/infra/cassandra/README.md).
const node = cassandraNode(OUTAGE_PORT, { durable: true });
const keyspace = testKeyspace('poppy_outage');
let suite: Suite | undefined;
/** Load runs while true; cleared by afterAll too, so a failed assertion cannot leave it running. */
let running = false;

interface Outcome {
  /** stopping/starting: the node is draining or booting; outcomes then are not asserted. */
  phase: 'up' | 'stopping' | 'down' | 'starting' | 'back';
  op: 'create' | 'get';
  status: number;
  body: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await node.start();
  suite = await startSuite({
    env: {
      POPPY_STORE: 'cassandra',
      POPPY_CASSANDRA_CONTACT_POINTS: node.contactPoint,
      POPPY_CASSANDRA_KEYSPACE: keyspace,
    },
  });
});

afterAll(async () => {
  running = false;
  await suite?.stop();
  await node.start(); // in case a failed test left it down
  await dropTestKeyspace(node.contactPoint, keyspace).catch(() => undefined);
  await node.stop();
});

it('answers 503 with Poppy’s body while Cassandra is down, recovers after, and loses no acknowledged write', async () => {
  const base = suite!.baseUrl;
  let phase: Outcome['phase'] = 'up';
  running = true;
  let n = 0;
  const outcomes: Outcome[] = [];
  const transitions: Outcome[] = [];
  const acknowledged: Array<{ id: string; project: string; domain: string }> = [];

  async function request(
    op: Outcome['op'],
    method: string,
    path: string,
    project: string,
    body?: unknown,
  ): Promise<Response> {
    const started = phase;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-project-id': project, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.clone().text();
    // A request that straddled a phase change is attributed to the phase it started in only
    // when the phase did not change meanwhile; the others are only checked for their status.
    const outcome = { phase, op, status: res.status, body: text ? JSON.parse(text) : undefined };
    if (started === phase) outcomes.push(outcome);
    else transitions.push(outcome);
    return res;
  }

  async function worker(): Promise<void> {
    while (running) {
      const i = n++;
      const project = `outage-${Math.floor(i / 15)}`;
      const domain = `www.outage${i}.example.com`;
      const res = await request('create', 'POST', '/v1.0/services', project, {
        name: 'outage',
        domains: [{ domain }],
        origins: [{ origin: 'origin.example.com' }],
        flavor_id: 'mock',
      });
      if (res.status === 202) {
        const location = res.headers.get('location')!;
        acknowledged.push({ id: location.slice(location.lastIndexOf('/') + 1), project, domain });
      }
      const known = acknowledged[Math.floor(Math.random() * acknowledged.length)];
      if (known) await request('get', 'GET', `/v1.0/services/${known.id}`, known.project);
      await sleep(10);
    }
  }

  /** Waits until `count` requests in a row succeeded (a fresh JVM and driver warm up slowly). */
  async function streakOfSuccesses(count: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const tail = outcomes.slice(-count);
      if (
        tail.length === count &&
        tail.every((o) => o.phase === phase && (o.status === 200 || o.status === 202))
      )
        return;
      if (Date.now() > deadline)
        throw new Error(`no ${count} successes in a row within ${timeoutMs} ms (phase ${phase})`);
      await sleep(50);
    }
  }

  const workers = Array.from({ length: 4 }, () => worker());
  await streakOfSuccesses(20, 60_000);

  phase = 'stopping';
  await node.stop();
  phase = 'down';
  const downSince = outcomes.length;
  await sleep(2500);
  const downCount = outcomes.length - downSince;

  phase = 'starting';
  await node.start();
  // The driver reconnects on its own (exponential backoff, ≤ 5 s); from the moment requests
  // succeed again, they must keep succeeding.
  await streakOfSuccesses(10, 60_000);
  phase = 'back';
  await sleep(500);
  await streakOfSuccesses(20, 30_000);
  running = false;
  await Promise.all(workers);

  const of = (p: Outcome['phase']) => outcomes.filter((o) => o.phase === p);
  // Even while the node drains or boots, a request either works or gets a 503 — never a 500.
  expect([...outcomes, ...transitions].filter((o) => ![200, 202, 503].includes(o.status))).toEqual(
    [],
  );
  // Up: everything worked.
  expect(of('up').length).toBeGreaterThan(10);
  expect(of('up').filter((o) => o.status !== 202 && o.status !== 200)).toEqual([]);
  // Down: only 503s, each in Poppy's shape, for reads and writes alike.
  expect(downCount).toBeGreaterThan(5);
  const down = of('down');
  expect(down.filter((o) => o.status !== 503)).toEqual([]);
  for (const o of down)
    expect(o.body).toEqual({ message: UNAVAILABLE_MESSAGE, request_id: expect.any(String) });
  expect(new Set(down.map((o) => o.op))).toEqual(new Set(['create', 'get']));
  // Back: everything works again.
  expect(of('back').length).toBeGreaterThan(10);
  expect(of('back').filter((o) => o.status !== 202 && o.status !== 200)).toEqual([]);
  // No process died…
  for (const proc of [suite!.catalog, suite!.gateway])
    expect(() => process.kill(proc.pid, 0)).not.toThrow();
  // …and every acknowledged create is there, with its domain.
  for (const { id, project, domain } of acknowledged) {
    const res = await fetch(`${base}/v1.0/services/${id}`, {
      headers: { 'x-project-id': project },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { domains: Array<{ domain: string }> }).domains).toEqual([
      { domain, protocol: 'http' },
    ]);
  }
});
