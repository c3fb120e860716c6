/**
 * The `services` table (one partition per project, rows ascending by service id) and its
 * storage-attached indexes on status, flavor and provider URLs. Every change of a row is
 * conditional on its generation (`IF generation = ?`), so concurrent read-modify-writes cannot
 * both win; the indexed columns are written with the row, so they are never out of step with it.
 * The row format itself is the one both drivers share (../../store/row-format.ts).
 */
import type { ProviderDetail, Service, ServiceStatus } from '@poppy/domain';
import type { ServiceRef } from '../../store/catalog-store';
import {
  archivedServiceColumn,
  parseProviderDetails,
  providerDetailsColumns,
  providerUrlPairs,
  serviceColumns,
  serviceFromRecord,
} from '../../store/row-format';
import type { CassandraSession, Row } from './cassandra-session';

function serviceFromRow(row: Row): Service {
  return serviceFromRecord({
    project_id: row.get('project_id') as string,
    service_id: row.get('service_id') as string,
    spec: row.get('spec') as string,
    operator_status: row.get('operator_status') as string,
    provider_details: row.get('provider_details') as string,
    generation: row.get('generation') as number,
  });
}

/** The `provider_urls` index column: each provider URL the details report, once. */
const providerUrls = (details: Record<string, ProviderDetail>): string[] => [
  ...new Set(providerUrlPairs(details).map(([u]) => u)),
];

const refOf = (row: Row): ServiceRef => ({
  project_id: row.get('project_id') as string,
  service_id: row.get('service_id') as string,
});

/*
 * Details read from a row are compared as the row's text: JSON.stringify of what JSON.parse made
 * of a JSON.stringify result gives that text back, so this is the stored column exactly.
 */
const detailsCondition = (readDetails: Record<string, ProviderDetail> | undefined): string =>
  readDetails ? ' AND provider_details = ?' : '';
const detailsParam = (readDetails: Record<string, ProviderDetail> | undefined): string[] =>
  readDetails ? [providerDetailsColumns(readDetails).provider_details] : [];

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export class CassandraServiceTable {
  constructor(private readonly session: CassandraSession) {}

  async find(projectId: string, serviceId: string): Promise<Service | undefined> {
    const row = await this.session.readOne(
      'SELECT * FROM services WHERE project_id = ? AND service_id = ?',
      [projectId, serviceId],
    );
    return row && serviceFromRow(row);
  }

  /** The stored generation only (the outbox asks it for every job it hands out). */
  async generationOf(projectId: string, serviceId: string): Promise<number | undefined> {
    const row = await this.session.readOne(
      'SELECT generation FROM services WHERE project_id = ? AND service_id = ?',
      [projectId, serviceId],
    );
    return row?.get('generation') as number | undefined;
  }

  /** The stored aggregated status only; undefined when there is no such row. */
  async statusOf(projectId: string, serviceId: string): Promise<ServiceStatus | undefined> {
    const row = await this.session.readOne(
      'SELECT status FROM services WHERE project_id = ? AND service_id = ?',
      [projectId, serviceId],
    );
    return row?.get('status') as ServiceStatus | undefined;
  }

  /** The stored flavor id only; undefined when there is no such row. */
  async flavorOf(projectId: string, serviceId: string): Promise<string | undefined> {
    const row = await this.session.readOne(
      'SELECT flavor_id FROM services WHERE project_id = ? AND service_id = ?',
      [projectId, serviceId],
    );
    return row?.get('flavor_id') as string | undefined;
  }

  /** Services of a project with service_id > marker (the partition is ordered by id). */
  async list(projectId: string, marker: string | undefined, limit: number): Promise<Service[]> {
    const r = await this.session.client.execute(
      'SELECT * FROM services WHERE project_id = ? AND service_id > ? LIMIT ?',
      [projectId, marker ?? '', limit],
      this.session.read,
    );
    return r.rows.map(serviceFromRow);
  }

  /** Services the project holds that count against its limit: all but those being deleted. */
  async countTowardsLimit(projectId: string): Promise<number> {
    const statuses = await this.session.readAll(
      'SELECT status FROM services WHERE project_id = ?',
      [projectId],
    );
    const deleting = statuses.filter((r) => r.get('status') === 'delete_in_progress').length;
    return statuses.length - deleting;
  }

  async countUsingFlavor(flavorId: string): Promise<number> {
    return (
      await this.session.readAll('SELECT service_id FROM services WHERE flavor_id = ?', [flavorId])
    ).length;
  }

  /** The insert of a new service, for a batch with its outbox job. */
  insert(service: Service, at: Date): { query: string; params: unknown[] } {
    const columns = serviceColumns(service);
    return {
      query: `INSERT INTO services (project_id, service_id, flavor_id, spec, operator_status, provider_details, status,
                                    provider_urls, generation, created_at, updated_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      params: [
        service.project_id,
        service.service_id,
        columns.flavor_id,
        columns.spec,
        columns.operator_status,
        columns.provider_details,
        columns.status,
        providerUrls(service.provider_details),
        service.generation,
        at,
        at,
      ],
    };
  }

  /**
   * Replaces the whole row if its generation is still `expectedGeneration` (and, when given, its
   * provider details still `readDetails`, as read from this row); true when it did.
   */
  async replace(
    service: Service,
    expectedGeneration: number,
    at: Date,
    readDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    const columns = serviceColumns(service);
    const r = await this.session.conditional(
      `UPDATE services SET flavor_id = ?, spec = ?, operator_status = ?, provider_details = ?, status = ?, provider_urls = ?,
                           generation = ?, updated_at = ?
       WHERE project_id = ? AND service_id = ? IF generation = ?${detailsCondition(readDetails)}`,
      [
        columns.flavor_id,
        columns.spec,
        columns.operator_status,
        columns.provider_details,
        columns.status,
        providerUrls(service.provider_details),
        service.generation,
        at,
        service.project_id,
        service.service_id,
        expectedGeneration,
        ...detailsParam(readDetails),
      ],
    );
    return r.wasApplied();
  }

  /**
   * Replaces the provider details (and their index columns) if the generation is `generation`
   * (and, when given, the details still `readDetails`, as read from this row).
   */
  async updateProviderDetails(
    projectId: string,
    serviceId: string,
    generation: number,
    details: Record<string, ProviderDetail>,
    readDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    const columns = providerDetailsColumns(details);
    const r = await this.session.conditional(
      `UPDATE services SET provider_details = ?, status = ?, provider_urls = ?, updated_at = ?
       WHERE project_id = ? AND service_id = ? IF generation = ?${detailsCondition(readDetails)}`,
      [
        columns.provider_details,
        columns.status,
        providerUrls(details),
        new Date(),
        projectId,
        serviceId,
        generation,
        ...detailsParam(readDetails),
      ],
    );
    return r.wasApplied();
  }

  /** Deletes the row if its generation is `generation`; true when it did. */
  async delete(projectId: string, serviceId: string, generation: number): Promise<boolean> {
    const r = await this.session.conditional(
      'DELETE FROM services WHERE project_id = ? AND service_id = ? IF generation = ?',
      [projectId, serviceId, generation],
    );
    return r.wasApplied();
  }

  async archive(service: Service): Promise<void> {
    await this.session.client.execute(
      'INSERT INTO archives (project_id, service_id, archived_at, service) VALUES (?, ?, ?, ?)',
      [service.project_id, service.service_id, new Date(), archivedServiceColumn(service)],
      this.session.write,
    );
  }

  async domainsByProviderUrl(providerUrl: string): Promise<string[]> {
    const rows = await this.session.readAll(
      'SELECT provider_details FROM services WHERE provider_urls CONTAINS ?',
      [providerUrl],
    );
    const domains = new Set<string>();
    for (const row of rows) {
      const details = parseProviderDetails(row.get('provider_details') as string);
      for (const [url, domain] of providerUrlPairs(details))
        if (url === providerUrl) domains.add(domain);
    }
    return [...domains].sort();
  }

  /** Refs of the services in `status`, ordered by project then service id. */
  async refsByStatus(status: ServiceStatus): Promise<ServiceRef[]> {
    const rows = await this.session.readAll(
      'SELECT project_id, service_id FROM services WHERE status = ?',
      [status],
    );
    return rows
      .map(refOf)
      .sort((a, b) =>
        a.project_id === b.project_id
          ? cmp(a.service_id, b.service_id)
          : cmp(a.project_id, b.project_id),
      );
  }
}
