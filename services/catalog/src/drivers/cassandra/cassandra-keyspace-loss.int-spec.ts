/**
 * The keyspace disappears under a running catalog (dropped, or a node that lost a recently
 * created keyspace): every request — lists included — answers 503 with Poppy's body, never
 * 500, and storage health is offline; a restart refuses to start over with an empty keyspace
 * and says why (./keyspace-history.ts). With POPPY_CASSANDRA_CREATE_KEYSPACE=false a first
 * start needs the explicit `migrate` command.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PoppyError } from '@poppy/domain';
import { EnvReader } from '@poppy/platform';
import {
  callApi,
  makeTempDir,
  sampleService,
  startProcess,
  startSuite,
  testCassandraContactPoint,
  testKeyspace,
  type Suite,
} from '@poppy/testing';
import { ensureSampleFlavor, sampleJob } from '../../store/catalog-store.contract';
import { CassandraCatalogStore } from './cassandra-catalog-store';
import { createCassandraClient } from './cassandra-client';
import { readCassandraConfig, type CassandraConfig } from './cassandra-config';
import { KeyspaceHistory, KeyspaceMissingError } from './keyspace-history';

jest.setTimeout(180_000);

const UNAVAILABLE = {
  message: 'The service is temporarily unavailable. Please retry later.',
  request_id: expect.any(String),
};
const keyspaces: string[] = [];
const stores: CassandraCatalogStore[] = [];

function configFor(ks: string, env: Record<string, string> = {}): CassandraConfig {
  keyspaces.push(ks);
  return readCassandraConfig(
    new EnvReader({
      POPPY_CASSANDRA_CONTACT_POINTS: testCassandraContactPoint(),
      POPPY_CASSANDRA_KEYSPACE: ks,
      POPPY_CASSANDRA_REQUEST_TIMEOUT_MS: '30000',
      ...env,
    }),
  );
}

async function dropKeyspace(ks: string): Promise<void> {
  const admin = createCassandraClient(configFor(ks));
  try {
    await admin.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  } finally {
    await admin.shutdown();
  }
}

afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close().catch(() => undefined)));
});
afterAll(async () => {
  for (const ks of new Set(keyspaces)) await dropKeyspace(ks).catch(() => undefined);
});

describe('the store', () => {
  it('answers unavailable (never another error) for every call once its keyspace is gone, and ping is false', async () => {
    const config = configFor(testKeyspace('poppy_lost'));
    const store = await CassandraCatalogStore.open(config);
    stores.push(store);
    await ensureSampleFlavor(store);
    const kept = sampleService();
    await store.createService(kept, sampleJob(kept), 10);
    expect(await store.ping()).toBe(true);

    await dropKeyspace(config.keyspace);

    const fresh = sampleService();
    const calls: Record<string, () => Promise<unknown>> = {
      listServices: () => store.listServices(kept.project_id, undefined, 10),
      getService: () => store.getService(kept.project_id, kept.service_id),
      createService: () => store.createService(fresh, sampleJob(fresh), 10),
      listFlavors: () => store.listFlavors(),
      getFlavor: () => store.getFlavor('mock'),
      listPendingJobs: () => store.listPendingJobs(10),
      listServicesByStatus: () => store.listServicesByStatus('create_in_progress'),
    };
    for (const [name, call] of Object.entries(calls)) {
      const error = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect({ name, kind: (error as PoppyError | undefined)?.kind }).toEqual({
        name,
        kind: 'unavailable',
      });
      expect(error).toBeInstanceOf(PoppyError);
    }
    expect(await store.ping()).toBe(false);
  });

  it('refuses to re-create a keyspace it used before, and migrate re-creates it on purpose', async () => {
    const dir = makeTempDir('ks-history');
    const history = new KeyspaceHistory(path.join(dir, 'cassandra-keyspaces.json'));
    const config = configFor(testKeyspace('poppy_relost'));
    const policy = { create: true, explicit: false, history };
    stores.push(await CassandraCatalogStore.open(config, undefined, policy));
    await dropKeyspace(config.keyspace);

    const error = await CassandraCatalogStore.open(config, undefined, policy).then(
      (s) => (stores.push(s), undefined),
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KeyspaceMissingError);
    expect((error as Error).message).toMatch(/has used it since .* its data was lost/);

    stores.push(await CassandraCatalogStore.open(config, undefined, { ...policy, explicit: true }));
    stores.push(await CassandraCatalogStore.open(config, undefined, policy));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('needs migrate for a first start when starts may not create the keyspace', async () => {
    const config = configFor(testKeyspace('poppy_first'), {
      POPPY_CASSANDRA_CREATE_KEYSPACE: 'false',
    });
    await expect(CassandraCatalogStore.open(config)).rejects.toThrow(
      /does not exist .* POPPY_CASSANDRA_CREATE_KEYSPACE is false/,
    );
    stores.push(
      await CassandraCatalogStore.open(config, undefined, { create: true, explicit: true }),
    );
    stores.push(await CassandraCatalogStore.open(config));
  });
});

describe('the catalog process', () => {
  let suite: Suite | undefined;
  afterAll(async () => {
    await suite?.stop();
  });

  it('answers 503 (lists included) while the keyspace is gone, and a restart stops and says the data was lost', async () => {
    const keyspace = testKeyspace('poppy_lost_proc');
    keyspaces.push(keyspace);
    const env = {
      POPPY_STORE: 'cassandra',
      POPPY_CASSANDRA_CONTACT_POINTS: testCassandraContactPoint(),
      POPPY_CASSANDRA_KEYSPACE: keyspace,
    };
    suite = await startSuite({ env });
    const s = suite;
    const created = await callApi(s, 'p1', 'POST', '/v1.0/services', {
      name: 'kept',
      domains: [{ domain: 'www.kept-lost.example.com' }],
      origins: [{ origin: 'origin.example.com' }],
      flavor_id: 'mock',
    });
    expect(created.status).toBe(202);
    const location = created.headers.get('location')!;
    const id = location.slice(location.lastIndexOf('/') + 1);

    await dropKeyspace(keyspace);

    for (const [method, url, body] of [
      ['GET', `/v1.0/services/${id}`],
      ['GET', '/v1.0/services'],
      ['GET', '/v1.0/flavors'],
      ['GET', '/v1.0/flavors/mock'],
      [
        'POST',
        '/v1.0/services',
        {
          name: 'new',
          domains: [{ domain: 'www.new-lost.example.com' }],
          origins: [{ origin: 'origin.example.com' }],
          flavor_id: 'mock',
        },
      ],
    ] as Array<[string, string, unknown?]>) {
      const reply = await callApi(s, 'p1', method, url, body);
      expect({ method, url, status: reply.status, body: reply.body }).toEqual({
        method,
        url,
        status: 503,
        body: UNAVAILABLE,
      });
    }
    const health = await callApi(s, 'p1', 'GET', '/v1.0/health');
    expect(health.body).toMatchObject({ storage: { cassandra: { online: 'false' } } });

    await s.stop();
    suite = undefined;
    const restart = await startProcess('catalog', {
      POPPY_CATALOG_PORT: '0',
      POPPY_DATA_DIR: s.dataDir,
      ...env,
    }).then(
      async (proc) => {
        await proc.stop();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect((restart as Error | undefined)?.message).toMatch(
      new RegExp(`keyspace '${keyspace}' does not exist .* its data was lost`),
    );
    // And it did not start over: no empty keyspace appeared.
    const admin = createCassandraClient(configFor(keyspace));
    try {
      const rows = await admin.execute(
        'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
        [keyspace],
      );
      expect(rows.rowLength).toBe(0);
    } finally {
      await admin.shutdown();
    }
  });
});
