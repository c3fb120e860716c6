/**
 * The `flavors` table: every flavor in one partition (FLAVOR_REALM), so listing them is one
 * slice. Creating is `IF NOT EXISTS`; deleting checks "in use" with a read, then deletes — not
 * atomic: a service created with the flavor at that very moment can keep a deleted flavor's id
 * (the catalog checks the flavor before it creates; docs/adr/0003-cassandra-catalog-store.md).
 */
import { conflict, invalid, type Flavor } from '@poppy/domain';
import { flavorFromRecord, flavorProvidersColumn } from '../../store/row-format';
import type { CassandraSession, Row } from './cassandra-session';
import type { CassandraServiceTable } from './service-table';

const FLAVOR_REALM = 'flavors';

const flavorFromRow = (row: Row): Flavor =>
  flavorFromRecord({
    flavor_id: row.get('flavor_id') as string,
    providers: row.get('providers') as string,
  });

export class CassandraFlavorTable {
  constructor(
    private readonly session: CassandraSession,
    private readonly services: CassandraServiceTable,
  ) {}

  async create(flavor: Flavor): Promise<void> {
    const r = await this.session.conditional(
      'INSERT INTO flavors (realm, flavor_id, providers) VALUES (?, ?, ?) IF NOT EXISTS',
      [FLAVOR_REALM, flavor.id, flavorProvidersColumn(flavor)],
    );
    if (!r.wasApplied()) throw invalid(`A flavor with the id '${flavor.id}' already exists`);
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

  async delete(flavorId: string): Promise<void> {
    const users = await this.services.countUsingFlavor(flavorId);
    if (users > 0)
      throw conflict(`Flavor '${flavorId}' is used by ${users} service(s) and cannot be deleted`);
    await this.session.client.execute(
      'DELETE FROM flavors WHERE realm = ? AND flavor_id = ?',
      [FLAVOR_REALM, flavorId],
      this.session.write,
    );
  }
}
