/**
 * The catalog storage contract on a real Cassandra node (the same suite SQLite passes), plus
 * what only this driver has: migrations under concurrency and the outbox's orphan handling.
 * One keyspace per run of this file; tables are truncated between tests.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import cassandra from 'cassandra-driver';
import { EnvReader } from '@poppy/platform';
import { REPO_ROOT, sampleService, testCassandraContactPoint, testKeyspace } from '@poppy/testing';
import {
  describeCatalogStoreContract,
  ensureSampleFlavor,
  sampleFlavor,
  sampleJob,
} from '../../store/catalog-store.contract';
import { describeAkamaiStateContract } from '../../store/akamai-state-store.contract';
import { CassandraCatalogStore } from './cassandra-catalog-store';
import { readCassandraConfig, type CassandraConfig } from './cassandra-config';
import { createCassandraClient } from './cassandra-client';
import { CASSANDRA_MIGRATIONS } from './migrations';

jest.setTimeout(120_000);

const keyspace = testKeyspace('poppy_store');
let admin: cassandra.Client | undefined;

function configFor(ks: string): CassandraConfig {
  return readCassandraConfig(
    new EnvReader({
      POPPY_CASSANDRA_CONTACT_POINTS: testCassandraContactPoint(),
      POPPY_CASSANDRA_KEYSPACE: ks,
      // Schema changes and TRUNCATE between tests are slow on a busy 2-core machine; the
      // contract is about results, the 503-on-timeout behaviour has its own outage test.
      POPPY_CASSANDRA_REQUEST_TIMEOUT_MS: '30000',
    }),
  );
}

async function adminClient(): Promise<cassandra.Client> {
  admin ??= createCassandraClient(configFor(keyspace));
  return admin;
}

/** Empties every table of the run's keyspace but the migration bookkeeping. */
async function truncateAll(): Promise<void> {
  const client = await adminClient();
  const tables = (
    await client.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [
      keyspace,
    ])
  ).rows
    .map((r) => r.get('table_name') as string)
    .filter((t) => !t.startsWith('schema_migration'));
  for (const table of tables) await client.execute(`TRUNCATE ${keyspace}.${table}`);
}

/** Stores opened by the tests below, closed after each test even when it failed (open clients keep jest alive). */
const opened: CassandraCatalogStore[] = [];
async function openStore(ks = keyspace): Promise<CassandraCatalogStore> {
  const store = await CassandraCatalogStore.open(configFor(ks));
  opened.push(store);
  await ensureSampleFlavor(store);
  return store;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  if (!admin) return;
  try {
    for (const ks of created) await admin.execute(`DROP KEYSPACE IF EXISTS ${ks}`);
  } finally {
    await admin.shutdown(); // even when a drop timed out: an open client keeps jest alive
  }
});
const created = new Set<string>([keyspace]);

async function freshStore(): Promise<CassandraCatalogStore> {
  const store = await CassandraCatalogStore.open(configFor(keyspace));
  await truncateAll();
  // truncate removed the outbox cursor: open again so it is re-seeded, as at a real start
  await store.close();
  return CassandraCatalogStore.open(configFor(keyspace));
}

describeCatalogStoreContract('cassandra', freshStore);
describeAkamaiStateContract('cassandra', freshStore);

describe('CassandraCatalogStore', () => {
  it('applies each migration once when two catalogs start on a new keyspace at the same time', async () => {
    const ks = testKeyspace('poppy_migrate');
    created.add(ks);
    await Promise.all([openStore(ks), openStore(ks)]);
    const client = await adminClient();
    const rows = (await client.execute(`SELECT version FROM ${ks}.schema_migrations`)).rows.map(
      (r) => r.get('version') as number,
    );
    expect(rows.sort()).toEqual(CASSANDRA_MIGRATIONS.map((m) => m.version));
    const tables = (
      await client.execute(
        'SELECT table_name, id FROM system_schema.tables WHERE keyspace_name = ?',
        [ks],
      )
    ).rows;
    expect(tables.map((t) => t.get('table_name') as string)).toEqual(
      expect.arrayContaining(['services', 'domains', 'outbox']),
    );
    // Both catalogs work on the one schema.
    const again = await openStore(ks);
    const service = sampleService();
    await again.createService(service, sampleJob(service), 20);
    expect(await again.getService(service.project_id, service.service_id)).toEqual(service);
  });

  it('never hands out a job whose service write did not land, and drops it once it is old', async () => {
    await truncateAll();
    const store = await openStore();
    const client = await adminClient();
    const service = sampleService();
    await store.createService(service, sampleJob(service), 20);
    // As a catalog that died between writing a replace's job and its conditional update would leave it.
    const orphan = { ...sampleJob({ ...service, generation: 2 }, 'update') };
    const oldSeq = cassandra.types.TimeUuid.fromDate(new Date(Date.now() - 120_000));
    const bucket = cassandra.types.Long.fromNumber(Math.floor(oldSeq.getDate().getTime() / 60_000));
    await client.execute(
      `INSERT INTO ${keyspace}.outbox (bucket, seq, job_id, kind, project_id, service_id, generation, payload, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        bucket,
        oldSeq,
        orphan.job_id,
        orphan.kind,
        orphan.project_id,
        orphan.service_id,
        2,
        '{}',
        orphan.created_at,
      ],
      { prepare: true },
    );
    expect((await store.listPendingJobs(10)).map((j) => j.job_id)).toEqual([
      sampleJob(service).job_id,
    ]);
    const left = await client.execute(
      `SELECT job_id FROM ${keyspace}.outbox WHERE bucket = ?`,
      [bucket],
      { prepare: true },
    );
    expect(left.rowLength).toBe(0);
  });

  it('keeps a domain with exactly one of many concurrent creates across projects', async () => {
    await truncateAll();
    const store = await openStore();
    const domains = [{ domain: 'contested.example.com', protocol: 'http' as const }];
    const racers = Array.from({ length: 8 }, (_, i) =>
      sampleService({ project_id: `racer-${i % 4}`, domains }),
    );
    const results = await Promise.allSettled(
      racers.map((s) => store.createService(s, sampleJob(s), 20)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const winner = racers[results.findIndex((r) => r.status === 'fulfilled')];
    expect(await store.findDomainOwner('contested.example.com')).toEqual({
      project_id: winner.project_id,
      service_id: winner.service_id,
    });
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ kind: 'invalid' });
  });

  it('refuses creates beyond the limit when they race within one project', async () => {
    await truncateAll();
    const store = await openStore();
    const racers = Array.from({ length: 30 }, () => sampleService({ project_id: 'crowded' }));
    const results = await Promise.allSettled(
      racers.map((s) => store.createService(s, sampleJob(s), 7)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    expect(
      new Set(
        results
          .filter((r) => r.status === 'rejected')
          .map((r) => (r as PromiseRejectedResult).reason.kind),
      ),
    ).toEqual(new Set(['limit_exceeded']));
    expect(await store.listServices('crowded', undefined, 50)).toHaveLength(7);
  });

  it('takes over a claim its owner never committed once it is stale, but not while it is fresh', async () => {
    await truncateAll();
    const store = await openStore();
    const client = await adminClient();
    // As a create that died after claiming, before its service row landed, would leave them.
    const claim = (domain: string, ageMs: number) =>
      client.execute(
        `INSERT INTO ${keyspace}.domains (domain, project_id, service_id, claimed_at) VALUES (?, ?, ?, ?)`,
        [domain, 'ghost-project', 'ghost-service', new Date(Date.now() - ageMs)],
        { prepare: true },
      );
    await claim('stale.example.com', 120_000);
    await claim('fresh.example.com', 1_000);
    const stale = sampleService({ domains: [{ domain: 'stale.example.com', protocol: 'http' }] });
    await store.createService(stale, sampleJob(stale), 20);
    expect(await store.findDomainOwner('stale.example.com')).toEqual({
      project_id: stale.project_id,
      service_id: stale.service_id,
    });
    const fresh = sampleService({ domains: [{ domain: 'fresh.example.com', protocol: 'http' }] });
    await expect(store.createService(fresh, sampleJob(fresh), 20)).rejects.toMatchObject({
      kind: 'invalid',
    });
  });

  it('does not let a create that died after claiming a slot block the project beyond the grace period', async () => {
    await truncateAll();
    const store = await openStore();
    const client = await adminClient();
    // As creates that died after claiming, before their service rows landed, would leave them.
    const slot = (n: number, ageMs: number) =>
      client.execute(
        `INSERT INTO ${keyspace}.project_slots (project_id, slot, service_id, claimed_at) VALUES (?, ?, ?, ?)`,
        ['crashed', n, `ghost-${n}`, new Date(Date.now() - ageMs)],
        { prepare: true },
      );
    await slot(0, 1_000);
    await slot(1, 1_000);
    const next = sampleService({ project_id: 'crashed' });
    // Within the grace period the claimants may still be committing: both places are taken.
    await expect(store.createService(next, sampleJob(next), 2)).rejects.toMatchObject({
      kind: 'limit_exceeded',
    });
    await slot(0, 120_000);
    await slot(1, 120_000);
    const racers = Array.from({ length: 5 }, () => sampleService({ project_id: 'crashed' }));
    const results = await Promise.allSettled(
      racers.map((s) => store.createService(s, sampleJob(s), 2)),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2);
    expect(await store.listServices('crashed', undefined, 10)).toHaveLength(2);
  });

  it('counts services stored before the slots against the limit', async () => {
    await truncateAll();
    const store = await openStore();
    const client = await adminClient();
    for (let i = 0; i < 2; i++) {
      const s = sampleService({ project_id: 'legacy' });
      await store.createService(s, sampleJob(s), 5);
    }
    await client.execute(`TRUNCATE ${keyspace}.project_slots`);
    const third = sampleService({ project_id: 'legacy' });
    await expect(store.createService(third, sampleJob(third), 2)).rejects.toMatchObject({
      kind: 'limit_exceeded',
    });
  });

  it('lets a flavor go once a crashed create’s reference is stale, not while it is fresh', async () => {
    await truncateAll();
    const store = await openStore();
    const client = await adminClient();
    await store.createFlavor(sampleFlavor('guarded'));
    const reference = (ageMs: number) =>
      client.execute(
        `UPDATE ${keyspace}.flavor_usage SET users[?] = ? WHERE flavor_id = ?`,
        ['ghost-project/ghost-service/t1', new Date(Date.now() - ageMs), 'guarded'],
        { prepare: true },
      );
    await reference(1_000);
    await expect(store.deleteFlavor('guarded')).rejects.toMatchObject({ kind: 'conflict' });
    expect(await store.getFlavor('guarded')).toBeDefined();
    await reference(120_000);
    await store.deleteFlavor('guarded');
    expect(await store.getFlavor('guarded')).toBeUndefined();
    // Gone for good: a create that checked it before is refused, and it can be created again.
    const late = sampleService({ flavor_id: 'guarded' });
    await expect(store.createService(late, sampleJob(late), 20)).rejects.toMatchObject({
      kind: 'invalid',
    });
    await store.createFlavor(sampleFlavor('guarded'));
    await expect(store.createService(late, sampleJob(late), 20)).resolves.toBeUndefined();
  });

  it('adopts a flavor from before the usage guard on its first use', async () => {
    await truncateAll();
    const store = await openStore();
    const client = await adminClient();
    await store.createFlavor(sampleFlavor('older'));
    await client.execute(`DELETE FROM ${keyspace}.flavor_usage WHERE flavor_id = ?`, ['older'], {
      prepare: true,
    });
    const service = sampleService({ flavor_id: 'older' });
    await store.createService(service, sampleJob(service), 20);
    await expect(store.deleteFlavor('older')).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('migrates a new keyspace with the catalog’s migrate command and exits', () => {
    const ks = testKeyspace('poppy_cli');
    created.add(ks);
    const run = spawnSync(
      process.execPath,
      [path.join(REPO_ROOT, 'dist/catalog/main.js'), 'migrate'],
      {
        env: {
          PATH: process.env.PATH ?? '',
          POPPY_STORE: 'cassandra',
          POPPY_CASSANDRA_CONTACT_POINTS: testCassandraContactPoint(),
          POPPY_CASSANDRA_KEYSPACE: ks,
        },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('catalog schema migrated');
    expect(run.stdout).toContain(`cassandra schema at version ${CASSANDRA_MIGRATIONS.length}`);
  });

  it('answers unavailable, not a crash, when no node can be reached', async () => {
    const { translateCassandraError } = await import('./cassandra-client');
    const config = {
      ...configFor(keyspace),
      contactPoints: ['127.0.0.1:1'],
      requestTimeoutMs: 500,
    };
    const client = createCassandraClient(config);
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.shutdown();
    expect(translateCassandraError(error)).toMatchObject({ kind: 'unavailable' });
  });
});
