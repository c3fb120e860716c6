/**
 * The per-project service limit on Cassandra (docs/adr/0003-cassandra-catalog-store.md):
 * creates within one project are serialised by a lease row (`project_locks`, LWT + TTL), so two
 * concurrent creates cannot both take the last slot. Not atomic: a lease that outlives its TTL
 * (a catalog paused > LEASE_TTL_S), and a delete that fails (status back to failed) while a
 * create counts — the count may then be one off. Also the `project_limits` table (a project's
 * own limit, set by an operator).
 */
import { randomUUID } from 'node:crypto';
import { limitExceeded, unavailable } from '@poppy/domain';
import type { CassandraSession } from './cassandra-session';
import type { CassandraServiceTable } from './service-table';

const LEASE_TTL_S = 10;
const LEASE_WAIT_MS = 3_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class CassandraProjectLease {
  constructor(
    private readonly session: CassandraSession,
    private readonly services: CassandraServiceTable,
  ) {}

  /**
   * Runs `create` holding the project's lease, once the project is known to hold fewer than
   * `limit` services (not counting its own being deleted); limitExceeded otherwise.
   */
  async withCreateSlot<T>(projectId: string, limit: number, create: () => Promise<T>): Promise<T> {
    return this.withLease(projectId, async () => {
      // Decision 4: only the caller's own services being deleted are discounted.
      if ((await this.services.countTowardsLimit(projectId)) >= limit)
        throw limitExceeded(`Maximum Services Limit of ${limit} reached!`);
      return create();
    });
  }

  async getLimit(projectId: string): Promise<number | undefined> {
    const row = await this.session.readOne(
      'SELECT service_limit FROM project_limits WHERE project_id = ?',
      [projectId],
    );
    return row ? (row.get('service_limit') as number) : undefined;
  }

  async setLimit(projectId: string, limit: number): Promise<void> {
    await this.session.client.execute(
      'INSERT INTO project_limits (project_id, service_limit) VALUES (?, ?)',
      [projectId, limit],
      this.session.write,
    );
  }

  private async withLease<T>(projectId: string, fn: () => Promise<T>): Promise<T> {
    const owner = randomUUID();
    const deadline = Date.now() + LEASE_WAIT_MS;
    for (;;) {
      const r = await this.session.conditional(
        `INSERT INTO project_locks (project_id, owner) VALUES (?, ?) IF NOT EXISTS USING TTL ${LEASE_TTL_S}`,
        [projectId, owner],
      );
      if (r.wasApplied()) break;
      if (Date.now() > deadline)
        throw unavailable(`Too many concurrent creates in project ${projectId}, try again`);
      await sleep(5 + Math.random() * 30);
    }
    try {
      return await fn();
    } finally {
      await this.session
        .conditional('DELETE FROM project_locks WHERE project_id = ? IF owner = ?', [
          projectId,
          owner,
        ])
        .catch(() => undefined); // the TTL frees it
    }
  }
}
