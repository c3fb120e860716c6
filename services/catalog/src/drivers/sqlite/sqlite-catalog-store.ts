/**
 * The embedded catalog store: one SQLite file (WAL) under the data directory. Safe for
 * several processes on one file: writes run in IMMEDIATE transactions, and uniqueness
 * (domains, job ids) rests on primary keys, not on reads done beforehand.
 */
import Database from 'better-sqlite3';
import {
  conflict,
  invalid,
  limitExceeded,
  sameProviderDetails,
  type Flavor,
  type ProviderDetail,
  type Service,
  type ServiceStatus,
} from '@poppy/domain';
import {
  unknownFlavor,
  type CatalogStore,
  type OutboxJob,
  type ServiceRef,
} from '../../store/catalog-store';
import {
  archivedServiceColumn,
  flavorFromRecord,
  flavorProvidersColumn,
  jobFromRecord,
  jobPayloadColumn,
  parseProviderDetails,
  providerDetailsColumns,
  providerUrlPairs,
  serviceColumns,
  serviceFromRecord,
  type FlavorRecord,
  type OutboxJobRecord,
  type ServiceRecord,
} from '../../store/row-format';
import { SQLITE_MIGRATIONS } from './migrations';
import { SqliteAkamaiState } from './sqlite-akamai-state';

// Duck-typed: under jest the native module's SqliteError comes from another realm than `Error`.
const isUniqueViolation = (e: unknown): boolean =>
  typeof e === 'object' &&
  e !== null &&
  'code' in e &&
  String((e as { code: unknown }).code).startsWith('SQLITE_CONSTRAINT');

export class SqliteCatalogStore implements CatalogStore {
  readonly driverName = 'sqlite';
  readonly akamai: SqliteAkamaiState;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  /** Prepared once per SQL text, then reused: preparing costs more than most of our queries. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('foreign_keys = ON');
    this.migrate();
    this.akamai = new SqliteAkamaiState(this.db);
  }

  private migrate(): void {
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    this.db
      .transaction(() => {
        const applied = new Set(
          (
            this.sql('SELECT version FROM schema_migrations').all() as Array<{ version: number }>
          ).map((r) => r.version),
        );
        for (const m of SQLITE_MIGRATIONS) {
          if (applied.has(m.version)) continue;
          this.db.exec(m.sql);
          this.sql(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
          ).run(m.version, m.name, new Date().toISOString());
        }
      })
      .immediate();
  }

  private insertJob(job: OutboxJob): void {
    this.sql(
      `INSERT INTO outbox (job_id, kind, project_id, service_id, generation, payload, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id) DO NOTHING`,
    ).run(
      job.job_id,
      job.kind,
      job.project_id,
      job.service_id,
      job.generation,
      jobPayloadColumn(job),
      job.created_at,
    );
  }

  private claimDomains(service: Service): void {
    const owner = this.sql('SELECT service_id FROM domains WHERE domain = ?');
    const claim = this.sql(
      'INSERT INTO domains (domain, project_id, service_id) VALUES (?, ?, ?) ON CONFLICT (domain) DO NOTHING',
    );
    for (const { domain } of service.domains) {
      claim.run(domain, service.project_id, service.service_id);
      const row = owner.get(domain) as { service_id: string } | undefined;
      if (row?.service_id !== service.service_id)
        throw invalid(`Domain ${domain} has already been taken`);
    }
    const keep = new Set(service.domains.map((d) => d.domain));
    const held = this.sql('SELECT domain FROM domains WHERE service_id = ?').all(
      service.service_id,
    ) as Array<{
      domain: string;
    }>;
    const release = this.sql('DELETE FROM domains WHERE domain = ? AND service_id = ?');
    for (const { domain } of held) if (!keep.has(domain)) release.run(domain, service.service_id);
  }

  /**
   * In the write's IMMEDIATE transaction, which deleteFlavor's also is: a flavor checked here
   * cannot be deleted before the service row that uses it is committed.
   */
  private requireFlavor(flavorId: string): void {
    if (!this.sql('SELECT 1 FROM flavors WHERE flavor_id = ?').get(flavorId))
      throw unknownFlavor(flavorId);
  }

  /** Read and compared inside the caller's IMMEDIATE transaction, so nobody writes in between. */
  private detailsAsExpected(
    stored: string,
    expected: Record<string, ProviderDetail> | undefined,
  ): boolean {
    return expected === undefined || sameProviderDetails(parseProviderDetails(stored), expected);
  }

  private indexProviderUrls(serviceId: string, details: Record<string, ProviderDetail>): void {
    this.sql('DELETE FROM provider_url_domains WHERE service_id = ?').run(serviceId);
    const insert = this.sql(
      'INSERT OR REPLACE INTO provider_url_domains (provider_url, domain, service_id) VALUES (?, ?, ?)',
    );
    for (const [url, domain] of providerUrlPairs(details)) insert.run(url, domain, serviceId);
  }

  async createService(service: Service, job: OutboxJob, limit: number): Promise<void> {
    this.db
      .transaction(() => {
        const { total, deleting } = this.sql(
          `SELECT count(*) AS total, coalesce(sum(status = 'delete_in_progress'), 0) AS deleting
             FROM services WHERE project_id = ?`,
        ).get(service.project_id) as { total: number; deleting: number };
        // docs/behaviour.md D-4: only the caller's own services being deleted are discounted.
        if (total - deleting >= limit)
          throw limitExceeded(`Maximum Services Limit of ${limit} reached!`);
        this.requireFlavor(service.flavor_id);
        this.claimDomains(service);
        const now = new Date().toISOString();
        const columns = serviceColumns(service);
        try {
          this.sql(
            `INSERT INTO services (project_id, service_id, flavor_id, spec, operator_status, provider_details,
                                     status, generation, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          ).run(
            service.project_id,
            service.service_id,
            columns.flavor_id,
            columns.spec,
            columns.operator_status,
            columns.provider_details,
            columns.status,
            service.generation,
            now,
            now,
          );
        } catch (e) {
          if (isUniqueViolation(e)) throw invalid(`Service ${service.service_id} already exists`);
          throw e;
        }
        this.insertJob(job);
      })
      .immediate();
  }

  async getService(projectId: string, serviceId: string): Promise<Service | undefined> {
    const row = this.sql('SELECT * FROM services WHERE project_id = ? AND service_id = ?').get(
      projectId,
      serviceId,
    ) as ServiceRecord | undefined;
    return row && serviceFromRecord(row);
  }

  async listServices(
    projectId: string,
    marker: string | undefined,
    limit: number,
  ): Promise<Service[]> {
    const rows = this.sql(
      'SELECT * FROM services WHERE project_id = ? AND service_id > ? ORDER BY service_id LIMIT ?',
    ).all(projectId, marker ?? '', limit) as ServiceRecord[];
    return rows.map(serviceFromRecord);
  }

  async replaceService(
    service: Service,
    expectedGeneration: number,
    job?: OutboxJob,
    expectedDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    const columns = serviceColumns(service);
    return this.db
      .transaction(() => {
        const stored = this.sql(
          'SELECT flavor_id, provider_details FROM services WHERE project_id = ? AND service_id = ?',
        ).get(service.project_id, service.service_id) as
          { flavor_id: string; provider_details: string } | undefined;
        if (!stored || !this.detailsAsExpected(stored.provider_details, expectedDetails))
          return false;
        if (stored.flavor_id !== service.flavor_id) this.requireFlavor(service.flavor_id);
        const result = this.sql(
          `UPDATE services SET flavor_id = ?, spec = ?, operator_status = ?, provider_details = ?, status = ?,
                                 generation = ?, updated_at = ?
             WHERE project_id = ? AND service_id = ? AND generation = ?`,
        ).run(
          columns.flavor_id,
          columns.spec,
          columns.operator_status,
          columns.provider_details,
          columns.status,
          service.generation,
          new Date().toISOString(),
          service.project_id,
          service.service_id,
          expectedGeneration,
        );
        if (result.changes === 0) return false;
        this.claimDomains(service);
        this.indexProviderUrls(service.service_id, service.provider_details);
        if (job) this.insertJob(job);
        return true;
      })
      .immediate();
  }

  async updateProviderDetails(
    projectId: string,
    serviceId: string,
    generation: number,
    details: Record<string, ProviderDetail>,
    expectedDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    const columns = providerDetailsColumns(details);
    return this.db
      .transaction(() => {
        if (expectedDetails) {
          const stored = this.sql(
            'SELECT provider_details FROM services WHERE project_id = ? AND service_id = ?',
          ).get(projectId, serviceId) as { provider_details: string } | undefined;
          if (!stored || !this.detailsAsExpected(stored.provider_details, expectedDetails))
            return false;
        }
        const result = this.sql(
          `UPDATE services SET provider_details = ?, status = ?, updated_at = ?
             WHERE project_id = ? AND service_id = ? AND generation = ?`,
        ).run(
          columns.provider_details,
          columns.status,
          new Date().toISOString(),
          projectId,
          serviceId,
          generation,
        );
        if (result.changes === 0) return false;
        this.indexProviderUrls(serviceId, details);
        return true;
      })
      .immediate();
  }

  async deleteService(projectId: string, serviceId: string, generation: number): Promise<boolean> {
    return this.db
      .transaction(() => {
        const row = this.sql(
          'SELECT * FROM services WHERE project_id = ? AND service_id = ? AND generation = ?',
        ).get(projectId, serviceId, generation) as ServiceRecord | undefined;
        if (!row) return false;
        this.sql(
          'INSERT INTO archives (project_id, service_id, archived_at, service) VALUES (?, ?, ?, ?)',
        ).run(
          projectId,
          serviceId,
          new Date().toISOString(),
          archivedServiceColumn(serviceFromRecord(row)),
        );
        this.sql('DELETE FROM services WHERE project_id = ? AND service_id = ?').run(
          projectId,
          serviceId,
        );
        this.sql('DELETE FROM domains WHERE service_id = ?').run(serviceId);
        this.sql('DELETE FROM provider_url_domains WHERE service_id = ?').run(serviceId);
        return true;
      })
      .immediate();
  }

  async findDomainOwner(domain: string): Promise<ServiceRef | undefined> {
    return this.sql('SELECT project_id, service_id FROM domains WHERE domain = ?').get(
      domain.toLowerCase(),
    ) as ServiceRef | undefined;
  }

  async listDomainsByProviderUrl(providerUrl: string): Promise<string[]> {
    return (
      this.sql(
        'SELECT domain FROM provider_url_domains WHERE provider_url = ? ORDER BY domain',
      ).all(providerUrl) as Array<{ domain: string }>
    ).map((r) => r.domain);
  }

  async listServicesByStatus(status: ServiceStatus): Promise<ServiceRef[]> {
    return this.sql(
      'SELECT project_id, service_id FROM services WHERE status = ? ORDER BY project_id, service_id',
    ).all(status) as ServiceRef[];
  }

  async createFlavor(flavor: Flavor): Promise<void> {
    try {
      this.sql('INSERT INTO flavors (flavor_id, providers) VALUES (?, ?)').run(
        flavor.id,
        flavorProvidersColumn(flavor),
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw invalid(`A flavor with the id '${flavor.id}' already exists`);
      throw e;
    }
  }

  async getFlavor(flavorId: string): Promise<Flavor | undefined> {
    const row = this.sql('SELECT flavor_id, providers FROM flavors WHERE flavor_id = ?').get(
      flavorId,
    ) as FlavorRecord | undefined;
    return row && flavorFromRecord(row);
  }

  async listFlavors(): Promise<Flavor[]> {
    const rows = this.sql(
      'SELECT flavor_id, providers FROM flavors ORDER BY flavor_id',
    ).all() as FlavorRecord[];
    return rows.map(flavorFromRecord);
  }

  async deleteFlavor(flavorId: string): Promise<void> {
    this.db
      .transaction(() => {
        const used = this.sql('SELECT count(*) AS n FROM services WHERE flavor_id = ?').get(
          flavorId,
        ) as {
          n: number;
        };
        if (used.n > 0) {
          throw conflict(
            `Flavor '${flavorId}' is used by ${used.n} service(s) and cannot be deleted`,
          );
        }
        this.sql('DELETE FROM flavors WHERE flavor_id = ?').run(flavorId);
      })
      .immediate();
  }

  async getProjectLimit(projectId: string): Promise<number | undefined> {
    const row = this.sql('SELECT service_limit FROM project_limits WHERE project_id = ?').get(
      projectId,
    ) as { service_limit: number } | undefined;
    return row?.service_limit;
  }

  async setProjectLimit(projectId: string, limit: number): Promise<void> {
    this.sql(
      'INSERT INTO project_limits (project_id, service_limit) VALUES (?, ?) ON CONFLICT (project_id) DO UPDATE SET service_limit = excluded.service_limit',
    ).run(projectId, limit);
  }

  async listPendingJobs(limit: number): Promise<OutboxJob[]> {
    const rows = this.sql(
      `SELECT job_id, kind, project_id, service_id, generation, payload, created_at
         FROM outbox WHERE relayed_at IS NULL ORDER BY seq LIMIT ?`,
    ).all(limit) as OutboxJobRecord[];
    return rows.map(jobFromRecord);
  }

  async markJobsRelayed(jobIds: string[]): Promise<void> {
    const mark = this.sql('UPDATE outbox SET relayed_at = ? WHERE job_id = ?');
    const now = new Date().toISOString();
    this.db.transaction(() => jobIds.forEach((id) => mark.run(now, id)))();
  }

  async ping(): Promise<boolean> {
    try {
      return (this.sql('SELECT 1 AS ok').get() as { ok: number }).ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
