/**
 * docs/behaviour.md §10.3 / §5.4: a service whose create job was lost stays in create_in_progress
 * (the reconciler is off here); `POST /v1.0/admin/services/status` re-runs its create and
 * provisioning takes it to deployed. Real processes: catalog, gateway, provisioning,
 * provider-mock, the embedded SQLite job queue — on both catalog stores.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  callApi,
  dropTestKeyspace,
  startSuite,
  testCassandraContactPoint,
  testKeyspace,
  waitForServiceStatus,
  type Suite,
} from '@poppy/testing';

jest.setTimeout(90_000);

const PROJECT = 'recovery-project';

const STORES: Array<{ store: string; env: () => Record<string, string> }> = [
  { store: 'sqlite', env: () => ({}) },
  {
    store: 'cassandra',
    env: () => ({
      POPPY_STORE: 'cassandra',
      POPPY_CASSANDRA_CONTACT_POINTS: testCassandraContactPoint(),
      POPPY_CASSANDRA_KEYSPACE: testKeyspace('poppy_recovery'),
    }),
  },
];

/** Waits until the queue holds the service's create job, then deletes it: the job is lost. */
async function dropCreateJob(suite: Suite, serviceId: string): Promise<void> {
  const db = new Database(path.join(suite.dataDir, 'jobs.sqlite'));
  try {
    for (const end = Date.now() + 10_000; ;) {
      const dropped = db.prepare('DELETE FROM jobs WHERE id LIKE ?').run(`${serviceId}:%`);
      if (dropped.changes > 0) return;
      if (Date.now() > end) throw new Error(`no job of ${serviceId} reached the queue`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    db.close();
  }
}

describe.each(STORES)('a create whose job was lost, on $store', ({ env }) => {
  let suite: Suite;
  let suiteEnv: Record<string, string> = {};
  beforeAll(async () => {
    suiteEnv = env();
    suite = await startSuite({
      env: suiteEnv,
      provisioning: { queue: 'sqlite', env: { POPPY_RECONCILE_INTERVAL_MS: '0' } },
    });
  });
  afterAll(async () => {
    await suite?.stop();
    if (suiteEnv.POPPY_CASSANDRA_KEYSPACE)
      await dropTestKeyspace(
        suiteEnv.POPPY_CASSANDRA_CONTACT_POINTS,
        suiteEnv.POPPY_CASSANDRA_KEYSPACE,
      );
  });

  it('stays create_in_progress until an operator re-runs it (202), then is deployed', async () => {
    await suite.provisioning!.kill();
    const created = await callApi(suite, PROJECT, 'POST', '/v1.0/services', {
      name: 'stuck',
      domains: [{ domain: `www.stuck${process.pid}${suiteEnv.POPPY_STORE ?? 'sqlite'}.com` }],
      origins: [{ origin: 'origin.example.com' }],
      flavor_id: 'mock',
    });
    expect(created.status).toBe(202);
    const id = created.headers.get('location')!.split('/').pop()!;
    await dropCreateJob(suite, id);
    await suite.startProvisioning();
    await new Promise((r) => setTimeout(r, 1500));
    const stuck = await callApi<{ status: string }>(suite, PROJECT, 'GET', `/v1.0/services/${id}`);
    expect(stuck.body.status).toBe('create_in_progress');

    const rerun = await callApi(suite, 'operator', 'POST', '/v1.0/admin/services/status', {
      project_id: PROJECT,
      service_id: id,
      status: 'deployed',
    });
    expect(rerun.status).toBe(202);
    await waitForServiceStatus(suite, PROJECT, id, 'deployed', { timeoutMs: 20_000 });
  });
});
