/**
 * The catalog's storage port. Drivers: embedded SQLite (drivers/sqlite), Cassandra
 * (drivers/cassandra). Every driver passes the one contract suite in
 * catalog-store.contract.ts. Methods whose docs say "atomically" must not be written as
 * check-then-act: two catalogs (or two processes on one SQLite file) may race.
 */
import {
  invalid,
  type Flavor,
  type ProviderDetail,
  type Service,
  type ServiceStatus,
} from '@poppy/domain';
import type { ServiceJobKind } from '@poppy/jobs';
import type { AkamaiStateStore } from './akamai-state-store';

/** The refusal of a service on a flavor that does not exist (or is being deleted). */
export const unknownFlavor = (flavorId: string): Error =>
  invalid(`Could not find a flavor with the id '${flavorId}'`);

/** A job to run for a service, recorded in the same write as the change that needs it. */
export interface OutboxJob {
  /** `${service_id}:${generation}:${kind}` (+ a suffix for repeatable kinds): the queue's dedup key. */
  job_id: string;
  kind: ServiceJobKind;
  project_id: string;
  service_id: string;
  generation: number;
  /** The queue job's payload and headers, opaque to the store (outbox-relay.ts outboxPayload). */
  payload: Record<string, unknown>;
  created_at: string;
}

export interface ServiceRef {
  project_id: string;
  service_id: string;
}

export interface CatalogStore {
  /** Short name reported by health checks ('sqlite', 'cassandra'). */
  readonly driverName: string;

  /** The Akamai operator queues and configuration (docs/behaviour.md §10.11–10.14). */
  readonly akamai: AkamaiStateStore;

  /**
   * Atomically: refuse when the project already holds `limit` services (not counting its
   * own services being deleted) with limitExceeded, even under concurrent creates; refuse
   * with unknownFlavor when the service's flavor does not exist, and keep a concurrent
   * deleteFlavor from removing it; claim every domain of the service,
   * refusing with invalid(`Domain <d> has already been taken`) when another service holds
   * one; insert the service; record the job.
   */
  createService(service: Service, job: OutboxJob, limit: number): Promise<void>;

  getService(projectId: string, serviceId: string): Promise<Service | undefined>;

  /** Services of a project with service_id > marker, ascending by service_id. */
  listServices(projectId: string, marker: string | undefined, limit: number): Promise<Service[]>;

  /**
   * Atomically, only if the stored generation is `expectedGeneration` and, when
   * `expectedDetails` is given, the stored provider details are still those
   * (sameProviderDetails; a write-back at the same generation may have landed since the
   * caller read them): replace the whole
   * service (configuration, operator status, provider details, generation), claim its new
   * domains and release the ones it no longer has (invalid(`Domain <d> has already been
   * taken`) when another service holds one), refuse a new flavor that does not exist
   * (unknownFlavor) as createService does, and record the job if any. Returns false,
   * changing nothing, when the generation moved on or the service is gone.
   */
  replaceService(
    service: Service,
    expectedGeneration: number,
    job?: OutboxJob,
    expectedDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean>;

  /**
   * Atomically replace the provider details only, if the stored generation is `generation`
   * and, when `expectedDetails` is given, the stored details are still those
   * (sameProviderDetails); also refreshes the status index and the provider-URL index.
   * Returns false, changing nothing, when stale.
   */
  updateProviderDetails(
    projectId: string,
    serviceId: string,
    generation: number,
    details: Record<string, ProviderDetail>,
    expectedDetails?: Record<string, ProviderDetail>,
  ): Promise<boolean>;

  /** Remove the service (archived), its domain claims and index rows. False when absent. */
  deleteService(projectId: string, serviceId: string, generation: number): Promise<boolean>;

  /** The project and service claiming a domain, across all projects. */
  findDomainOwner(domain: string): Promise<ServiceRef | undefined>;
  listDomainsByProviderUrl(providerUrl: string): Promise<string[]>;
  listServicesByStatus(status: ServiceStatus): Promise<ServiceRef[]>;

  createFlavor(flavor: Flavor): Promise<void>;
  getFlavor(flavorId: string): Promise<Flavor | undefined>;
  listFlavors(): Promise<Flavor[]>;
  /**
   * Atomically refuse with conflict when a service uses the flavor, or is being created or
   * changed onto it (never a service left on a missing flavor); deleting an unknown flavor is fine.
   */
  deleteFlavor(flavorId: string): Promise<void>;

  getProjectLimit(projectId: string): Promise<number | undefined>;
  setProjectLimit(projectId: string, limit: number): Promise<void>;

  /** Jobs not yet handed to the queue, oldest first. */
  listPendingJobs(limit: number): Promise<OutboxJob[]>;
  markJobsRelayed(jobIds: string[]): Promise<void>;

  /** A trivial round trip to the storage engine. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
