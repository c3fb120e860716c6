/**
 * The catalog store on Apache Cassandra (5.0; schema in ./migrations): the CatalogStore port
 * composed of one part per concern, each file carrying the part of the atomicity contract it
 * implements (docs/adr/0003-cassandra-catalog-store.md explains the whole):
 *
 * - ./service-table.ts: service rows, changed only under `IF generation = ?`, and their indexes;
 * - ./domain-claims.ts: strict domain uniqueness (Paxos claims with tokens, stale takeover);
 * - ./project-slots.ts: the per-project limit, exact: one slot (Paxos) per service;
 * - ./outbox-pages.ts: the bucketed outbox the relay pages through, orphan jobs dropped;
 * - ./flavor-table.ts: flavors and their usage guard (a create references its flavor under Paxos);
 * - the row format (service row ↔ model) is the one the SQLite store shares
 *   (../../store/row-format.ts).
 *
 * This file orders those parts within a write: a create claims a project slot, references its
 * flavor, claims its domains, then writes the service row and its job in one logged batch (a
 * refusal on the way gives back what it took; a crash leaves it to the grace periods); a replace writes its job
 * first, then the conditional update, and undoes claims and job if the update does not apply.
 * Driver errors meaning "the cluster is not reachable / did not answer in time" become
 * PoppyError `unavailable` (gRPC UNAVAILABLE, HTTP 503).
 */
import {
  sameProviderDetails,
  type Flavor,
  type ProviderDetail,
  type Service,
  type ServiceStatus,
} from '@poppy/domain';
import type { CatalogStore, OutboxJob, ServiceRef } from '../../store/catalog-store';
import { createCassandraClient, translateCassandraError } from './cassandra-client';
import type { CassandraConfig } from './cassandra-config';
import { CassandraAkamaiState } from './cassandra-akamai-state';
import { CassandraSession } from './cassandra-session';
import { CassandraDomainClaims } from './domain-claims';
import { CassandraFlavorTable } from './flavor-table';
import type { KeyspacePolicy } from './keyspace-history';
import { ensureKeyspace, migrateCassandra } from './migrator';
import { CassandraOutbox } from './outbox-pages';
import { CassandraProjectSlots } from './project-slots';
import { CassandraServiceTable } from './service-table';

/** A refusal (bad input, limit) is certain to have committed nothing; an outage is not. */
const isRefusal = (e: unknown): boolean => {
  const kind = (e as { kind?: string } | undefined)?.kind;
  return kind === 'invalid' || kind === 'limit_exceeded';
};

export class CassandraCatalogStore implements CatalogStore {
  readonly driverName = 'cassandra';
  readonly akamai: CassandraAkamaiState;
  private readonly services: CassandraServiceTable;
  private readonly claims: CassandraDomainClaims;
  private readonly projects: CassandraProjectSlots;
  private readonly outbox: CassandraOutbox;
  private readonly flavors: CassandraFlavorTable;

  private constructor(
    private readonly session: CassandraSession,
    private readonly keyspace: string,
  ) {
    this.services = new CassandraServiceTable(session);
    this.claims = new CassandraDomainClaims(session, this.services);
    this.projects = new CassandraProjectSlots(session, this.services);
    this.outbox = new CassandraOutbox(session, this.services);
    this.flavors = new CassandraFlavorTable(session, this.services);
    this.akamai = new CassandraAkamaiState(session.client, session);
  }

  /**
   * Connects, creates the keyspace if it is missing and `policy` allows (a first start, never
   * over lost data: ./keyspace-history.ts) and applies pending migrations.
   */
  static async open(
    config: CassandraConfig,
    log: (msg: string) => void = () => undefined,
    policy: KeyspacePolicy = { create: config.createKeyspace, explicit: false },
  ): Promise<CassandraCatalogStore> {
    await ensureKeyspace(config, policy, log);
    const client = createCassandraClient(config, config.keyspace);
    try {
      await client.connect();
      const report = await migrateCassandra(client, config, undefined, log);
      log(
        `cassandra schema at version ${report.current} (applied now: ${report.applied.join(', ') || 'none'})`,
      );
      const store = new CassandraCatalogStore(
        new CassandraSession(client, config),
        config.keyspace,
      );
      // The relay's scan starts at the oldest bucket a job of this catalog can be in.
      await store.outbox.seedCursor();
      return store;
    } catch (e) {
      await client.shutdown().catch(() => undefined);
      throw e;
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw translateCassandraError(e);
    }
  }

  async createService(service: Service, job: OutboxJob, limit: number): Promise<void> {
    const { project_id: projectId, service_id: serviceId, flavor_id: flavorId } = service;
    await this.run(async () => {
      const now = new Date();
      await this.projects.claim(projectId, serviceId, limit);
      try {
        const reference = await this.flavors.reference(flavorId, projectId, serviceId);
        try {
          await this.claims.claimAll(service, now);
        } catch (e) {
          if (isRefusal(e)) await this.flavors.release(flavorId, reference);
          throw e;
        }
      } catch (e) {
        // Refused: nothing of this service was committed. Otherwise the grace periods free it.
        if (isRefusal(e)) await this.projects.release(projectId, serviceId);
        throw e;
      }
      await this.session.loggedBatch([
        this.services.insert(service, now),
        ...this.outbox.entry(job).writes,
      ]);
    });
  }

  async getService(projectId: string, serviceId: string): Promise<Service | undefined> {
    return this.run(() => this.services.find(projectId, serviceId));
  }

  async listServices(
    projectId: string,
    marker: string | undefined,
    limit: number,
  ): Promise<Service[]> {
    return this.run(() => this.services.list(projectId, marker, limit));
  }

  async replaceService(
    service: Service,
    expectedGeneration: number,
    job?: OutboxJob,
    expectedDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    return this.run(async () => {
      const { project_id: projectId, service_id: serviceId } = service;
      const current = await this.services.find(projectId, serviceId);
      if (!current || current.generation !== expectedGeneration) return false;
      if (expectedDetails && !sameProviderDetails(current.provider_details, expectedDetails))
        return false;
      // A new flavor is referenced before the commit, like a create's (./flavor-table.ts).
      const newFlavor = service.flavor_id !== current.flavor_id ? service.flavor_id : undefined;
      const reference =
        newFlavor && (await this.flavors.reference(newFlavor, projectId, serviceId));
      const releaseNewFlavor = async () => {
        if (newFlavor && reference) await this.flavors.release(newFlavor, reference);
      };
      const at = new Date();
      let inserted: string[];
      try {
        inserted = await this.claims.claimAll(service, at);
      } catch (e) {
        if (isRefusal(e)) await releaseNewFlavor();
        throw e;
      }
      // Tokens of the claims to release after the commit, read before it: a later writer that
      // needs one of them re-stamps it, and our conditional release then leaves it alone.
      const keep = new Set(service.domains.map((d) => d.domain));
      const dropped = await this.claims.held(
        service.service_id,
        current.domains.map((d) => d.domain).filter((domain) => !keep.has(domain)),
      );
      const entry = job && this.outbox.entry(job);
      if (entry) await this.session.loggedBatch(entry.writes);
      // The update applies only over the details just read (their stored text), so a write-back
      // that lands between the read and this update makes it not apply, not vanish.
      const readDetails = expectedDetails && current.provider_details;
      if (!(await this.services.replace(service, expectedGeneration, at, readDetails))) {
        await this.claims.release(inserted, service.service_id, at);
        if (entry) await this.outbox.remove(entry);
        await releaseNewFlavor();
        return false;
      }
      await this.claims.releaseHeld(dropped, service.service_id);
      if (newFlavor) await this.flavors.releaseService(current.flavor_id, projectId, serviceId, at);
      return true;
    });
  }

  async updateProviderDetails(
    projectId: string,
    serviceId: string,
    generation: number,
    details: Record<string, ProviderDetail>,
    expectedDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean> {
    return this.run(async () => {
      if (!expectedDetails)
        return this.services.updateProviderDetails(projectId, serviceId, generation, details);
      const current = await this.services.find(projectId, serviceId);
      if (!current || current.generation !== generation) return false;
      if (!sameProviderDetails(current.provider_details, expectedDetails)) return false;
      return this.services.updateProviderDetails(
        projectId,
        serviceId,
        generation,
        details,
        current.provider_details,
      );
    });
  }

  async deleteService(projectId: string, serviceId: string, generation: number): Promise<boolean> {
    return this.run(async () => {
      const service = await this.services.find(projectId, serviceId);
      if (!service || service.generation !== generation) return false;
      if (!(await this.services.delete(projectId, serviceId, generation))) return false;
      await this.services.archive(service);
      await this.claims.release(
        service.domains.map((d) => d.domain),
        serviceId,
      );
      await this.flavors.releaseService(service.flavor_id, projectId, serviceId, new Date());
      await this.projects.release(projectId, serviceId);
      return true;
    });
  }

  async findDomainOwner(domain: string): Promise<ServiceRef | undefined> {
    return this.run(() => this.claims.owner(domain));
  }

  async listDomainsByProviderUrl(providerUrl: string): Promise<string[]> {
    return this.run(() => this.services.domainsByProviderUrl(providerUrl));
  }

  async listServicesByStatus(status: ServiceStatus): Promise<ServiceRef[]> {
    return this.run(() => this.services.refsByStatus(status));
  }

  async createFlavor(flavor: Flavor): Promise<void> {
    await this.run(() => this.flavors.create(flavor));
  }

  async getFlavor(flavorId: string): Promise<Flavor | undefined> {
    return this.run(() => this.flavors.get(flavorId));
  }

  async listFlavors(): Promise<Flavor[]> {
    return this.run(() => this.flavors.list());
  }

  async deleteFlavor(flavorId: string): Promise<void> {
    await this.run(() => this.flavors.delete(flavorId));
  }

  async getProjectLimit(projectId: string): Promise<number | undefined> {
    return this.run(() => this.projects.getLimit(projectId));
  }

  async setProjectLimit(projectId: string, limit: number): Promise<void> {
    await this.run(() => this.projects.setLimit(projectId, limit));
  }

  async listPendingJobs(limit: number): Promise<OutboxJob[]> {
    return this.run(() => this.outbox.listPending(limit));
  }

  async markJobsRelayed(jobIds: string[]): Promise<void> {
    await this.run(() => this.outbox.markRelayed(jobIds));
  }

  /** The cluster answers and the keyspace is there (a lost keyspace is an outage too). */
  async ping(): Promise<boolean> {
    try {
      const row = await this.session.readOne(
        'SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?',
        [this.keyspace],
      );
      return row !== undefined;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.session.client.shutdown();
  }
}
