/**
 * Storage of certificate records, one per domain name (docs/behaviour.md §7.1). The private key
 * lives here and nowhere else: records handed to the API layer carry none (see
 * `publicView` in certificates.ts), and no driver logs one.
 */
import type { CertificateStatus } from '@poppy/domain';

export type ManagedCertType = 'san' | 'sni';
export type StoredCertType = ManagedCertType | 'custom';

export interface CertificateDetail {
  cert_domain: string;
  extra_info: Record<string, string>;
}

export interface CertificateRecord {
  domain_name: string;
  cert_type: StoredCertType;
  flavor_id: string;
  project_id: string;
  status: CertificateStatus;
  cert_details: Record<string, CertificateDetail>;
  /** Leaf first, then intermediates; '' until issued. */
  certificate_pem: string;
  /** '' until issued. Secret. */
  private_key_pem: string;
  /** Epoch ms of the leaf's notAfter; 0 until issued. */
  not_after: number;
  error_message: string;
  updated_at: number;
  /**
   * The service whose https domain this is, as provisioning last ensured it ('' / 0:
   * none yet): a renewed or replaced certificate is installed at its providers again.
   */
  service_id?: string;
  service_generation?: number;
}

export interface CertificateStore {
  readonly driverName: string;
  get(domainName: string): Promise<CertificateRecord | undefined>;
  /** Inserts or replaces the record of its domain. */
  put(record: CertificateRecord): Promise<void>;
  /** Removes the record; false when there was none. */
  delete(domainName: string): Promise<boolean>;
  listByStatus(status: CertificateStatus): Promise<string[]>;
  /** Deployed records whose certificate expires before `epochMs`, soonest first. */
  listExpiringBefore(epochMs: number): Promise<CertificateRecord[]>;
  close(): Promise<void>;
}
