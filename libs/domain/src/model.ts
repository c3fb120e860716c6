/**
 * The service model: what a tenant asks for (ServiceSpec) and what the catalog stores
 * (Service). Field names follow Poppy's wire format (docs/behaviour.md §4.1, §4.8, §5.3) so that
 * the REST body, the stored JSON and the gRPC messages read the same.
 */

export type Protocol = 'http' | 'https';
export type CertificateType = 'shared' | 'san' | 'sni' | 'custom';
export type HostHeaderType = 'domain' | 'origin' | 'custom';
export type Access = 'whitelist' | 'blacklist';

export interface Domain {
  domain: string;
  protocol: Protocol;
  /** Present iff protocol is https. */
  certificate?: CertificateType;
}

export interface Rule {
  name: string;
  request_url: string;
}

export interface Origin {
  origin: string;
  port: number;
  ssl: boolean;
  rules: Rule[];
  hostheadertype: HostHeaderType;
  /** Absent unless hostheadertype is custom (its value) or origin (the origin). */
  hostheadervalue?: string;
}

export interface CachingRule {
  name: string;
  ttl: number;
  rules: Rule[];
}

/** Exactly one of referrer / geography / client_ip is set. */
export interface RestrictionRule {
  name?: string;
  request_url: string;
  referrer?: string;
  geography?: string;
  client_ip?: string;
}

export interface Restriction {
  name: string;
  access: Access;
  rules: RestrictionRule[];
}

export interface LogDelivery {
  enabled: boolean;
}

/** The desired configuration of a CDN service, normalised (docs/behaviour.md §4.3). */
export interface ServiceSpec {
  name: string;
  domains: Domain[];
  origins: Origin[];
  caching: CachingRule[];
  restrictions: Restriction[];
  flavor_id: string;
  log_delivery: LogDelivery;
}

export const PROVIDER_STATUSES = [
  'deploy_in_progress',
  'deployed',
  'update_in_progress',
  'delete_in_progress',
  'failed',
] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

export const SERVICE_STATUSES = [
  'create_in_progress',
  'deployed',
  'update_in_progress',
  'delete_in_progress',
  'failed',
] as const;
export type ServiceStatus = (typeof SERVICE_STATUSES)[number];

export const CERTIFICATE_STATUSES = [
  'create_in_progress',
  'deployed',
  'failed',
  'cancelled',
] as const;
export type CertificateStatus = (typeof CERTIFICATE_STATUSES)[number];

export type OperatorStatus = 'enabled' | 'disabled';

export interface LogDeliveryContainer {
  publicURL: string;
  internalURL?: string;
}

/** An access URL entry of a provider detail (docs/behaviour.md §5.3). */
export interface AccessUrl {
  domain?: string;
  provider_url?: string;
  operator_url?: string;
  shared_ssl_flag?: boolean;
  old_operator_url?: string;
  log_delivery?: LogDeliveryContainer[];
}

/** What one provider reported for a service (docs/behaviour.md §5.3), keyed by provider name. */
export interface ProviderDetail {
  id?: string;
  access_urls: AccessUrl[];
  status: ProviderStatus;
  domains_certificate_status: Record<string, string>;
  error_info?: string;
  error_message?: string;
  error_class?: string;
}

export interface Service extends ServiceSpec {
  service_id: string;
  project_id: string;
  operator_status: OperatorStatus;
  provider_details: Record<string, ProviderDetail>;
  /** Bumped on every change of the desired state; jobs are keyed by (service_id, generation). */
  generation: number;
}

export interface FlavorProvider {
  provider: string;
  provider_url: string;
}

export interface Flavor {
  id: string;
  providers: FlavorProvider[];
}
