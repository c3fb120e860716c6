/**
 * The per-project service limit on Cassandra, exact (docs/adr/0003-cassandra-catalog-store.md):
 * a project with limit N has slots 0..N-1 (`project_slots`), and a create first claims one with
 * `INSERT … IF NOT EXISTS` (Paxos), so N concurrent claims take N different slots and the
 * N+1st finds none. No lease, nothing that expires under a slow create.
 *
 * A held slot is taken over (`UPDATE … IF service_id = ? AND claimed_at = ?`) when its holder
 * no longer counts: the holder is being deleted (docs/behaviour.md D-4: the project's own deletions do not
 * count), or its service row never appeared and the claim is older than the grace period (a
 * catalog that crashed or lost the store between claim and insert). A delete releases the slot.
 * A create that knows it wrote nothing (a domain refused) releases its slot at once; one whose
 * insert failed in an unknown state leaves it to the grace period.
 *
 * Also the `project_limits` table (a project's own limit, set by an operator).
 */
import { limitExceeded } from '@poppy/domain';
import type { CassandraSession, Row } from './cassandra-session';
import type { CassandraServiceTable } from './service-table';

/**
 * How long a claim whose service row is missing stays the claimant's: far longer than a create
 * takes from claim to insert (a few request timeouts), short enough that a crash costs the
 * project one slot for a minute at most.
 */
export const SLOT_GRACE_MS = 60_000;

interface Holder {
  slot: number;
  serviceId: string;
  claimedAt: Date;
}

const holderOf = (row: Row): Holder => ({
  slot: row.get('slot') as number,
  serviceId: row.get('service_id') as string,
  claimedAt: row.get('claimed_at') as Date,
});

export class CassandraProjectSlots {
  constructor(
    private readonly session: CassandraSession,
    private readonly services: CassandraServiceTable,
    private readonly graceMs = SLOT_GRACE_MS,
  ) {}

  /**
   * Claims a slot below `limit` for the service, or refuses with limitExceeded. Also refuses
   * when the project holds `limit` counted services without slots (rows older than the slots,
   * or a limit lowered below the slots in use).
   */
  async claim(projectId: string, serviceId: string, limit: number): Promise<void> {
    const refuse = () => limitExceeded(`Maximum Services Limit of ${limit} reached!`);
    if (!(await this.claimSlot(projectId, serviceId, limit))) throw refuse();
    // Our own row is not written yet: `limit` counted rows means we would be one too many.
    if ((await this.services.countTowardsLimit(projectId)) >= limit) {
      await this.release(projectId, serviceId);
      throw refuse();
    }
  }

  /** Frees the slot the service holds, if it still does (a take-over is left alone). */
  async release(projectId: string, serviceId: string): Promise<void> {
    for (const holder of await this.holders(projectId)) {
      if (holder.serviceId !== serviceId) continue;
      await this.session.conditional(
        'DELETE FROM project_slots WHERE project_id = ? AND slot = ? IF service_id = ?',
        [projectId, holder.slot, serviceId],
      );
    }
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

  private async holders(projectId: string): Promise<Holder[]> {
    return (
      await this.session.readAll(
        'SELECT slot, service_id, claimed_at FROM project_slots WHERE project_id = ?',
        [projectId],
      )
    ).map(holderOf);
  }

  private async claimSlot(projectId: string, serviceId: string, limit: number): Promise<boolean> {
    const held = new Map<number, Holder>();
    for (const holder of await this.holders(projectId))
      if (holder.slot < limit) held.set(holder.slot, holder);
    // Free slots first, from a random one on, so concurrent creates rarely race for the same.
    const start = Math.floor(Math.random() * limit);
    for (let i = 0; i < limit; i++) {
      const slot = (start + i) % limit;
      if (held.has(slot)) continue;
      const r = await this.session.conditional(
        'INSERT INTO project_slots (project_id, slot, service_id, claimed_at) VALUES (?, ?, ?, ?) IF NOT EXISTS',
        [projectId, slot, serviceId, new Date()],
      );
      if (r.wasApplied()) return true;
      const winner = r.first();
      if (winner) held.set(slot, holderOf(winner));
    }
    for (const holder of held.values()) {
      if (!(await this.reclaimable(projectId, holder))) continue;
      const r = await this.session.conditional(
        `UPDATE project_slots SET service_id = ?, claimed_at = ? WHERE project_id = ? AND slot = ?
         IF service_id = ? AND claimed_at = ?`,
        [serviceId, new Date(), projectId, holder.slot, holder.serviceId, holder.claimedAt],
      );
      if (r.wasApplied()) return true;
    }
    return false;
  }

  /** The holder does not count any more: being deleted, or never inserted within the grace. */
  private async reclaimable(projectId: string, holder: Holder): Promise<boolean> {
    const status = await this.services.statusOf(projectId, holder.serviceId);
    if (status === undefined) return Date.now() - holder.claimedAt.getTime() > this.graceMs;
    return status === 'delete_in_progress';
  }
}
