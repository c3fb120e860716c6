/**
 * The `flavors` table (every flavor in one partition, FLAVOR_REALM, so listing them is one
 * slice) and its usage guard `flavor_usage` (docs/adr/0003-cassandra-catalog-store.md): one
 * row per flavor, `live` while it may be used, and `users`, the services that reference it.
 *
 * A service references its flavor before its row is written, with
 * `UPDATE … SET users[s] = now IF live = true`; a delete turns the flavor off with
 * `UPDATE … SET live = false IF users = null`. Both are Paxos rounds on the same row, so one of
 * them sees the other: a create racing a delete either holds its reference (the delete is a
 * conflict) or finds the flavor gone (the create is refused) — never a service on a missing
 * flavor. A reference whose service is not on the flavor (a crashed create, a change that did
 * not apply) is pruned by the next delete once older than the grace period. Flavors from before the guard get their row on first
 * use; services from before it are found by the `services_by_flavor` index.
 */
import { randomUUID } from 'node:crypto';
import { conflict, invalid, type Flavor } from '@poppy/domain';
import { unknownFlavor } from '../../store/catalog-store';
import { flavorFromRecord, flavorProvidersColumn } from '../../store/row-format';
import type { CassandraSession, Row } from './cassandra-session';
import { SLOT_GRACE_MS } from './project-slots';
import type { CassandraServiceTable } from './service-table';

const FLAVOR_REALM = 'flavors';

const flavorFromRow = (row: Row): Flavor =>
  flavorFromRecord({
    flavor_id: row.get('flavor_id') as string,
    providers: row.get('providers') as string,
  });

/** One reference per write: `project_id/service_id/token`, so concurrent writers of one service never share a key. */
const userKey = (projectId: string, serviceId: string): string =>
  `${projectId}/${serviceId}/${randomUUID()}`;

/** The project and service of a reference key (service ids are UUIDs; a project id may hold a '/'). */
function ownerOfKey(key: string): { projectId: string; serviceId: string } {
  const parts = key.split('/');
  return { projectId: parts.slice(0, -2).join('/'), serviceId: parts[parts.length - 2] };
}

const inUse = (flavorId: string, users: number) =>
  conflict(`Flavor '${flavorId}' is used by ${users} service(s) and cannot be deleted`);

export class CassandraFlavorTable {
  constructor(
    private readonly session: CassandraSession,
    private readonly services: CassandraServiceTable,
    private readonly graceMs = SLOT_GRACE_MS,
  ) {}

  async create(flavor: Flavor): Promise<void> {
    const r = await this.session.conditional(
      'INSERT INTO flavors (realm, flavor_id, providers) VALUES (?, ?, ?) IF NOT EXISTS',
      [FLAVOR_REALM, flavor.id, flavorProvidersColumn(flavor)],
    );
    if (!r.wasApplied()) throw invalid(`A flavor with the id '${flavor.id}' already exists`);
    await this.markLive(flavor.id);
  }

  async get(flavorId: string): Promise<Flavor | undefined> {
    const row = await this.session.readOne(
      'SELECT flavor_id, providers FROM flavors WHERE realm = ? AND flavor_id = ?',
      [FLAVOR_REALM, flavorId],
    );
    return row ? flavorFromRow(row) : undefined;
  }

  async list(): Promise<Flavor[]> {
    const rows = await this.session.readAll(
      'SELECT flavor_id, providers FROM flavors WHERE realm = ?',
      [FLAVOR_REALM],
    );
    return rows.map(flavorFromRow);
  }

  /**
   * Records that the service uses the flavor and returns the reference's key; invalid (unknown
   * flavor) when the flavor is gone or being deleted.
   */
  async reference(flavorId: string, projectId: string, serviceId: string): Promise<string> {
    const key = userKey(projectId, serviceId);
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await this.session.conditional(
        'UPDATE flavor_usage SET users[?] = ? WHERE flavor_id = ? IF live = true',
        [key, new Date(), flavorId],
      );
      if (r.wasApplied()) return key;
      // live = false: being deleted or deleted. No row: a flavor from before the guard, or none.
      if (r.first()?.get('live') === false || !(await this.get(flavorId))) break;
      await this.markLive(flavorId);
    }
    throw unknownFlavor(flavorId);
  }

  /** Drops one reference (its write was refused or did not apply). */
  async release(flavorId: string, key: string): Promise<void> {
    await this.session.conditional(
      'DELETE users[?] FROM flavor_usage WHERE flavor_id = ? IF EXISTS',
      [key, flavorId],
    );
  }

  /**
   * Drops the service's references made before `before` (its row is gone, or a write committed
   * at `before` moved it to another flavor; a later writer moving it back keeps its own).
   */
  async releaseService(
    flavorId: string,
    projectId: string,
    serviceId: string,
    before: Date,
  ): Promise<void> {
    for (const [key, at] of Object.entries(await this.users(flavorId))) {
      const owner = ownerOfKey(key);
      if (owner.projectId !== projectId || owner.serviceId !== serviceId) continue;
      if (at.getTime() >= before.getTime()) continue;
      await this.session.conditional(
        'DELETE users[?] FROM flavor_usage WHERE flavor_id = ? IF users[?] = ?',
        [key, flavorId, key, at],
      );
    }
  }

  private async users(flavorId: string): Promise<Record<string, Date>> {
    const row = await this.session.readOne('SELECT users FROM flavor_usage WHERE flavor_id = ?', [
      flavorId,
    ]);
    return (row?.get('users') as Record<string, Date> | null) ?? {};
  }

  async delete(flavorId: string): Promise<void> {
    // Services from before the guard hold no reference: the index finds them.
    const rows = await this.services.countUsingFlavor(flavorId);
    if (rows > 0) throw inUse(flavorId, rows);
    await this.pruneStaleReferences(flavorId);
    const r = await this.session.conditional(
      'UPDATE flavor_usage SET live = false WHERE flavor_id = ? IF users = null',
      [flavorId],
    );
    if (!r.wasApplied()) {
      const users = (r.first()?.get('users') as Record<string, Date> | null) ?? {};
      throw inUse(flavorId, Object.keys(users).length);
    }
    await this.session.client.execute(
      'DELETE FROM flavors WHERE realm = ? AND flavor_id = ?',
      [FLAVOR_REALM, flavorId],
      this.session.write,
    );
  }

  private async markLive(flavorId: string): Promise<void> {
    const r = await this.session.conditional(
      'INSERT INTO flavor_usage (flavor_id, live) VALUES (?, true) IF NOT EXISTS',
      [flavorId],
    );
    // A flavor created again after a delete: usable again (its users are empty by then).
    if (!r.wasApplied() && r.first()?.get('live') === false)
      await this.session.conditional(
        'UPDATE flavor_usage SET live = true WHERE flavor_id = ? IF live = false',
        [flavorId],
      );
  }

  /**
   * References older than the grace period whose service is not on this flavor: a create that
   * crashed before its row, a change of flavor that did not apply.
   */
  private async pruneStaleReferences(flavorId: string): Promise<void> {
    for (const [key, at] of Object.entries(await this.users(flavorId))) {
      if (Date.now() - at.getTime() <= this.graceMs) continue;
      const { projectId, serviceId } = ownerOfKey(key);
      if ((await this.services.flavorOf(projectId, serviceId)) === flavorId) continue;
      await this.session.conditional(
        'DELETE users[?] FROM flavor_usage WHERE flavor_id = ? IF users[?] = ?',
        [key, flavorId, key, at],
      );
    }
  }
}
