/**
 * The Akamai calls the driver makes (PAPI, Fast Purge, CPS), answered in the few fields it
 * reads. "Not found" is an answer (`undefined`); every other failure is thrown as the vendor
 * raised it (an AkamaiHttpError, vendor-errors.ts). http-akamai-api.ts implements it over
 * fetch with EdgeGrid signing.
 */
import type { PropertyHostname, Rule } from './rule-tree';

export type Network = 'STAGING' | 'PRODUCTION';

export interface PropertySummary {
  propertyId: string;
  propertyName: string;
  latestVersion: number;
  stagingVersion: number | null;
  productionVersion: number | null;
}

export interface VersionRules {
  rules: Rule;
  comments?: string;
  etag: string;
  /** Validation findings PAPI returns inside a 200. */
  errors: Array<{ detail: string; errorLocation?: string }>;
}

export interface Activation {
  activationId: string;
  propertyVersion: number;
  network: Network;
  activationType: 'ACTIVATE' | 'DEACTIVATE';
  status: string;
  submitDate: string;
  failureMessage?: string;
}

export interface Enrollment {
  id: number;
  cn: string;
  sans: string[];
  /** Trailing id of the first pending change, when one is pending. */
  pendingChangeId?: number;
}

export interface ChangeStatus {
  state: string;
  status: string;
  error?: string;
}

export interface AkamaiApi {
  /** Every property of the configured contract and group. */
  listProperties(): Promise<PropertySummary[]>;
  getProperty(propertyId: string): Promise<PropertySummary | undefined>;
  /** The new property's id. */
  createProperty(name: string): Promise<string>;
  deleteProperty(propertyId: string): Promise<void>;
  /** The new version's number. */
  createVersion(propertyId: string, fromVersion: number, fromEtag?: string): Promise<number>;
  getVersionDate(propertyId: string, version: number): Promise<string | undefined>;
  getRules(propertyId: string, version: number): Promise<VersionRules>;
  putRules(
    propertyId: string,
    version: number,
    rules: Rule,
    comments: string,
    etag: string,
  ): Promise<VersionRules>;
  /** The version's etag after the write. */
  putHostnames(
    propertyId: string,
    version: number,
    hostnames: PropertyHostname[],
    etag: string,
  ): Promise<string>;
  getHostnames(propertyId: string, version: number): Promise<PropertyHostname[]>;
  listActivations(propertyId: string): Promise<Activation[]>;
  activate(
    propertyId: string,
    version: number,
    network: Network,
    type: 'ACTIVATE' | 'DEACTIVATE',
  ): Promise<string>;
  cancelActivation(propertyId: string, activationId: string): Promise<void>;
  purge(action: 'invalidate' | 'delete', type: 'url' | 'tag', objects: string[]): Promise<void>;
  listEnrollments(): Promise<Enrollment[]>;
  /** Enrollment id and its change id. */
  createEnrollment(
    domain: string,
    sniOnly: boolean,
  ): Promise<{ enrollmentId: number; changeId: number }>;
  getChange(enrollmentId: number, changeId: number): Promise<ChangeStatus | undefined>;
  acknowledgeDomainValidation(enrollmentId: number, changeId: number): Promise<void>;
  deleteEnrollment(enrollmentId: number): Promise<void>;
  /** Any authenticated call: proves the credentials and the host. */
  ping(): Promise<void>;
}
