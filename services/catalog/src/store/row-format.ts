/**
 * The row format every catalog driver stores (SQLite and Cassandra alike): a service is its
 * ids, its configuration as JSON text (`spec`), its operator status, its provider details as
 * JSON text, its generation, plus two derived columns for lookups — the flavor id and the
 * aggregated status. A flavor is its id and providers as JSON; an outbox job keeps its payload
 * as JSON; an archived service is the whole model as JSON. A driver maps its own row type to
 * the records here and back; how it indexes provider URLs is its own business, fed by
 * providerUrlPairs.
 */
import {
  aggregateServiceStatus,
  type Flavor,
  type ProviderDetail,
  type Service,
  type ServiceSpec,
  type ServiceStatus,
} from '@poppy/domain';
import type { OutboxJob } from './catalog-store';

/** A stored service as read back (the columns serviceFromRecord needs). */
export interface ServiceRecord {
  project_id: string;
  service_id: string;
  spec: string;
  operator_status: string;
  provider_details: string;
  generation: number;
}

/** The columns written when the provider details change (the status index follows them). */
export interface ProviderDetailsColumns {
  provider_details: string;
  status: ServiceStatus;
}

/** The columns written for a whole service, besides its ids, generation and timestamps. */
export interface ServiceColumns extends ProviderDetailsColumns {
  flavor_id: string;
  spec: string;
  operator_status: string;
}

function specOf(service: Service): ServiceSpec {
  const { name, domains, origins, caching, restrictions, flavor_id, log_delivery } = service;
  return { name, domains, origins, caching, restrictions, flavor_id, log_delivery };
}

export function providerDetailsColumns(
  details: Record<string, ProviderDetail>,
): ProviderDetailsColumns {
  return { provider_details: JSON.stringify(details), status: aggregateServiceStatus(details) };
}

export function serviceColumns(service: Service): ServiceColumns {
  return {
    flavor_id: service.flavor_id,
    spec: JSON.stringify(specOf(service)),
    operator_status: service.operator_status,
    ...providerDetailsColumns(service.provider_details),
  };
}

export function parseProviderDetails(json: string): Record<string, ProviderDetail> {
  return JSON.parse(json) as Record<string, ProviderDetail>;
}

export function serviceFromRecord(record: ServiceRecord): Service {
  return {
    service_id: record.service_id,
    project_id: record.project_id,
    ...(JSON.parse(record.spec) as ServiceSpec),
    operator_status: record.operator_status as Service['operator_status'],
    provider_details: parseProviderDetails(record.provider_details),
    generation: record.generation,
  };
}

/** An archived service (`archives` table): the whole model as JSON. */
export const archivedServiceColumn = (service: Service): string => JSON.stringify(service);

/** Every (provider URL, domain) pair the providers reported: what the provider-URL lookup finds. */
export function providerUrlPairs(details: Record<string, ProviderDetail>): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const detail of Object.values(details)) {
    for (const url of detail.access_urls) {
      if (url.provider_url && url.domain) pairs.push([url.provider_url, url.domain]);
    }
  }
  return pairs;
}

export interface FlavorRecord {
  flavor_id: string;
  providers: string;
}

export const flavorProvidersColumn = (flavor: Flavor): string => JSON.stringify(flavor.providers);

export function flavorFromRecord(record: FlavorRecord): Flavor {
  return {
    id: record.flavor_id,
    providers: JSON.parse(record.providers) as Flavor['providers'],
  };
}

/** A stored outbox job as read back. */
export interface OutboxJobRecord {
  job_id: string;
  kind: string;
  project_id: string;
  service_id: string;
  generation: number;
  payload: string;
  created_at: string;
}

export const jobPayloadColumn = (job: OutboxJob): string => JSON.stringify(job.payload);

export function jobFromRecord(record: OutboxJobRecord): OutboxJob {
  return {
    job_id: record.job_id,
    kind: record.kind as OutboxJob['kind'],
    project_id: record.project_id,
    service_id: record.service_id,
    generation: record.generation,
    payload: JSON.parse(record.payload) as Record<string, unknown>,
    created_at: record.created_at,
  };
}
