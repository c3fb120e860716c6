/**
 * A 202 survives a crash of a single durable node (commit log synced before each ack:
 * tools/infra/cassandra/README.md, docs/reliability.md): creates run against the store at full
 * speed, the node is SIGKILLed while they are in flight, and after it restarts every create that
 * was acknowledged is there. POPPY_TEST_CASSANDRA_CRASH_PORT gives a run a node of its own.
 */
import { EnvReader } from '@poppy/platform';
import {
  cassandraNode,
  cassandraPortFromEnv,
  dropTestKeyspace,
  sampleService,
  testKeyspace,
} from '@poppy/testing';
import type { Service } from '@poppy/domain';
import { ensureSampleFlavor, sampleJob } from '../../store/catalog-store.contract';
import { CassandraCatalogStore } from './cassandra-catalog-store';
import { readCassandraConfig } from './cassandra-config';

jest.setTimeout(300_000);

const node = cassandraNode(cassandraPortFromEnv('POPPY_TEST_CASSANDRA_CRASH_PORT', 9144), {
  durable: true,
});
const keyspace = testKeyspace('poppy_crash');
const config = readCassandraConfig(
  new EnvReader({
    POPPY_CASSANDRA_CONTACT_POINTS: node.contactPoint,
    POPPY_CASSANDRA_KEYSPACE: keyspace,
    POPPY_CASSANDRA_REQUEST_TIMEOUT_MS: '5000',
  }),
);
const stores: CassandraCatalogStore[] = [];

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close().catch(() => undefined)));
  await node.start();
  await dropTestKeyspace(node.contactPoint, keyspace).catch(() => undefined);
  await node.stop();
});

it('loses no acknowledged create when the node is killed (SIGKILL) right after a burst of them', async () => {
  await node.start();
  const store = await CassandraCatalogStore.open(config);
  stores.push(store);
  await ensureSampleFlavor(store);
  const acknowledged: Service[] = [];
  let running = true;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      const service = sampleService({ project_id: `crash-${n++ % 10}` });
      try {
        await store.createService(service, sampleJob(service), 10_000);
        acknowledged.push(service);
      } catch {
        // In flight when the node died: not acknowledged, so nothing is owed. A dead node
        // fails requests at once; pausing keeps the loop from starving the event loop.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  const workers = Array.from({ length: 8 }, () => worker());
  const deadline = Date.now() + 120_000;
  while (acknowledged.length < 150 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 5));
  await node.kill();
  const atKill = acknowledged.length;
  running = false;
  await Promise.all(workers);
  await store.close();
  expect(atKill).toBeGreaterThanOrEqual(150);

  await node.start();
  const after = await CassandraCatalogStore.open(config);
  stores.push(after);
  const lost: string[] = [];
  for (const s of acknowledged)
    if (!(await after.getService(s.project_id, s.service_id))) lost.push(s.service_id);
  expect({ acknowledged: acknowledged.length, lost }).toEqual({
    acknowledged: acknowledged.length,
    lost: [],
  });
});
