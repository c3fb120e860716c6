/**
 * The certificates service's rules (docs/behaviour.md §7, §10.7–10.8, D-11 and D-14):
 * one record per domain; managed (san / sni) certificates are recorded
 * create_in_progress and issued in the background by the Issuer; custom ones are
 * validated on upload and recorded deployed, or refused with a 400 message.
 */
import * as x509 from './x509';
import {
  CERTIFICATE_STATUSES,
  invalid,
  validateCertificateDomain,
  notFound,
  type CertificateStatus,
} from '@poppy/domain';
import type { Logger } from '@poppy/platform';
import type { Issuer } from './acme/issuer';
import { validateCustomCertificate } from './custom-certificate';
import type {
  CertificateRecord,
  CertificateStore,
  StoredCertType,
} from './store/certificate-store';

export const STORED_CERT_TYPES: readonly StoredCertType[] = ['san', 'sni', 'custom'];
const CUSTOM_ISSUER = 'Custom';

export interface CreateCertificateInput {
  domain_name: string;
  cert_type: string;
  flavor_id: string;
  project_id: string;
  certificate_pem?: string;
  private_key_pem?: string;
}

export interface EnsureInput {
  project_id: string;
  flavor_id: string;
  /** The service the domains belong to ('' / 0 when unknown): remembered for renewals. */
  service_id?: string;
  generation?: number;
  domains: Array<{ domain_name: string; cert_type: string }>;
  waitMs: number;
}

export interface EnsureResult {
  statuses: Record<string, CertificateStatus>;
  errors: Record<string, string>;
}

/** A record without its private key: the only shape that leaves this module's callers. */
export type PublicCertificate = Omit<CertificateRecord, 'private_key_pem'>;

/** A deployed certificate with its key: only for installing it at the providers. */
export interface CertificateKeyPair {
  certificate_pem: string;
  private_key_pem: string;
  not_after: number;
  cert_type: StoredCertType;
}

/**
 * Told when a deployed certificate of a domain linked to a service was replaced (a
 * renewal, a new custom upload): the new one must reach the service's providers.
 */
export type CertificateReplaced = (record: PublicCertificate) => Promise<void>;

export function publicView(record: CertificateRecord): PublicCertificate {
  const { private_key_pem: _secret, ...rest } = record;
  void _secret;
  return rest;
}

export function parseStatus(status: string): CertificateStatus {
  if (!(CERTIFICATE_STATUSES as readonly string[]).includes(status)) {
    throw invalid(`Status '${status}' is not one of ${CERTIFICATE_STATUSES.join(', ')}`);
  }
  return status as CertificateStatus;
}

const validDomain = (domainName: string): string => validateCertificateDomain(domainName ?? '');

export interface CertificatesOptions {
  store: CertificateStore;
  /** Absent: managed certificates stay create_in_progress (no CA configured). */
  issuer?: Issuer;
  logger: Logger;
  now?: () => Date;
  /** Absent: nobody is told (tests, a service without a job queue). */
  onReplaced?: CertificateReplaced;
}

export class Certificates {
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly now: () => Date;

  constructor(private readonly options: CertificatesOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async create(input: CreateCertificateInput): Promise<PublicCertificate> {
    const domain = validDomain(input.domain_name);
    if (!(STORED_CERT_TYPES as readonly string[]).includes(input.cert_type)) {
      throw invalid(`cert_type '${input.cert_type}' is not one of ${STORED_CERT_TYPES.join(', ')}`);
    }
    const certType = input.cert_type as StoredCertType;
    if (!input.flavor_id) throw invalid('flavor_id is required');
    if (!input.project_id) throw invalid('project_id is required');
    const existing = await this.options.store.get(domain);
    if (
      existing &&
      existing.cert_type === certType &&
      existing.flavor_id === input.flavor_id &&
      certType !== 'custom'
    ) {
      throw invalid(`Certificate already exists for ${domain} `);
    }
    const base: CertificateRecord = {
      domain_name: domain,
      cert_type: certType,
      flavor_id: input.flavor_id,
      project_id: input.project_id,
      status: 'create_in_progress',
      cert_details: {},
      certificate_pem: '',
      private_key_pem: '',
      not_after: 0,
      error_message: '',
      updated_at: this.now().getTime(),
    };
    if (certType === 'custom') {
      const valid = await validateCustomCertificate(
        {
          domainName: domain,
          certificatePem: input.certificate_pem ?? '',
          privateKeyPem: input.private_key_pem ?? '',
        },
        this.now(),
      );
      const record: CertificateRecord = {
        ...base,
        service_id: existing?.service_id,
        service_generation: existing?.service_generation,
        status: 'deployed',
        certificate_pem: valid.certificatePem,
        private_key_pem: input.private_key_pem!,
        not_after: valid.notAfter.getTime(),
        cert_details: {
          [CUSTOM_ISSUER]: {
            cert_domain: domain,
            extra_info: {
              status: 'deployed',
              not_after: valid.notAfter.toISOString(),
              hostnames: valid.hostnames.join(','),
            },
          },
        },
      };
      await this.options.store.put(record);
      this.options.logger.info(
        { domain, notAfter: valid.notAfter.toISOString() },
        'custom certificate stored',
      );
      if (existing?.certificate_pem) await this.replaced(record);
      return publicView(record);
    }
    await this.options.store.put(base);
    this.startIssuance(domain);
    return publicView(base);
  }

  /** The deployed certificate of a domain with its key (provisioning installs it at the providers). */
  async keyPair(domainName: string): Promise<CertificateKeyPair> {
    const record = await this.options.store.get((domainName ?? '').trim().toLowerCase());
    if (!record || record.status !== 'deployed' || !record.certificate_pem)
      throw notFound(`no deployed certificate for domain : ${domainName}`);
    return {
      certificate_pem: record.certificate_pem,
      private_key_pem: record.private_key_pem,
      not_after: record.not_after,
      cert_type: record.cert_type,
    };
  }

  async get(domainName: string): Promise<PublicCertificate> {
    const record = await this.options.store.get((domainName ?? '').trim().toLowerCase());
    if (!record) throw notFound(`certificate could not be found for domain : ${domainName}`);
    return publicView(record);
  }

  /** Only the owning project's record of that type goes (docs/behaviour.md §6.8, D-11: unknown → 404). */
  async delete(domainName: string, certType: string, projectId: string): Promise<void> {
    const domain = (domainName ?? '').trim().toLowerCase();
    const record = await this.options.store.get(domain);
    if (!record || (certType && record.cert_type !== certType) || record.project_id !== projectId) {
      throw notFound(`certificate could not be found for domain : ${domainName}`);
    }
    await this.options.store.delete(domain);
    this.options.logger.info({ domain, certType: record.cert_type }, 'certificate deleted');
  }

  listByStatus(status: string): Promise<string[]> {
    return this.options.store.listByStatus(parseStatus(status));
  }

  /** Admin (docs/behaviour.md §10.8): the record's status and its first issuer's extra_info.status. */
  async updateStatus(domainName: string, status: string): Promise<PublicCertificate> {
    const next = parseStatus(status);
    const domain = (domainName ?? '').trim().toLowerCase();
    const record = await this.options.store.get(domain);
    if (!record) throw notFound(`Certificate could not be found for domain: ${domainName}`);
    if (record.status === next) return publicView(record);
    const details = structuredClone(record.cert_details);
    const first = Object.keys(details)[0];
    if (first) details[first].extra_info.status = next;
    const updated = {
      ...record,
      status: next,
      cert_details: details,
      updated_at: this.now().getTime(),
    };
    await this.options.store.put(updated);
    return publicView(updated);
  }

  /**
   * What provisioning asks before configuring providers: every https domain of the service
   * gets a certificate (issuing what is missing, retrying what failed), waiting up to
   * `waitMs` for issuance to finish. Shared domains ride the operator's shared certificate.
   */
  async ensure(input: EnsureInput): Promise<EnsureResult> {
    const waits: Promise<void>[] = [];
    for (const { domain_name, cert_type } of input.domains) {
      if (cert_type === 'shared') continue;
      const domain = domain_name.trim().toLowerCase();
      const record = await this.linkToService(domain, input);
      if (cert_type === 'custom') continue;
      if (
        !record ||
        record.status === 'failed' ||
        record.status === 'cancelled' ||
        record.cert_type !== cert_type
      ) {
        if (record?.cert_type === 'custom' && record.status === 'deployed') continue;
        await this.options.store.put({
          domain_name: domain,
          cert_type: cert_type as StoredCertType,
          flavor_id: input.flavor_id,
          project_id: input.project_id,
          status: 'create_in_progress',
          cert_details: {},
          certificate_pem: '',
          private_key_pem: '',
          not_after: 0,
          error_message: '',
          updated_at: this.now().getTime(),
          service_id: input.service_id,
          service_generation: input.generation,
        });
        this.startIssuance(domain);
      } else if (record.status === 'create_in_progress') {
        this.startIssuance(domain);
      }
      const pending = this.inflight.get(domain);
      if (pending) waits.push(pending);
    }
    if (waits.length > 0 && input.waitMs > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(waits),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, input.waitMs))),
      ]);
      clearTimeout(timer);
    }
    const result: EnsureResult = { statuses: {}, errors: {} };
    for (const { domain_name, cert_type } of input.domains) {
      const domain = domain_name.trim().toLowerCase();
      if (cert_type === 'shared') {
        result.statuses[domain] = 'deployed';
        continue;
      }
      const record = await this.options.store.get(domain);
      if (!record) {
        result.statuses[domain] = 'failed';
        result.errors[domain] =
          `No custom certificate was uploaded for ${domain} (POST /v1.0/ssl_certificate with cert_type custom)`;
        continue;
      }
      result.statuses[domain] = record.status;
      if (record.error_message) result.errors[domain] = record.error_message;
    }
    return result;
  }

  /** The domain's record, linked to the ensuring service (written only when the link changed). */
  private async linkToService(
    domain: string,
    input: EnsureInput,
  ): Promise<CertificateRecord | undefined> {
    const record = await this.options.store.get(domain);
    if (
      !record ||
      !input.service_id ||
      (record.service_id === input.service_id &&
        record.service_generation === (input.generation ?? 0))
    )
      return record;
    const linked = {
      ...record,
      service_id: input.service_id,
      service_generation: input.generation ?? 0,
    };
    await this.options.store.put(linked);
    return linked;
  }

  /** Tells onReplaced, when the domain is linked to a service; a failure is logged, not thrown (the next sweep or upload tries again). */
  private async replaced(record: CertificateRecord): Promise<void> {
    if (!this.options.onReplaced || !record.service_id) return;
    try {
      await this.options.onReplaced(publicView(record));
    } catch (err) {
      this.options.logger.warn(
        { domain: record.domain_name, err },
        'could not ask for the replaced certificate to be installed',
      );
    }
  }

  /** Issues (or re-issues) a managed certificate in the background, once per domain at a time. */
  startIssuance(domain: string): Promise<void> {
    const running = this.inflight.get(domain);
    if (running) return running;
    const issuer = this.options.issuer;
    if (!issuer) {
      this.options.logger.warn(
        { domain },
        'no ACME directory configured (POPPY_ACME_DIRECTORY_URL): certificate stays create_in_progress',
      );
      return Promise.resolve();
    }
    const job = this.issue(issuer, domain).finally(() => this.inflight.delete(domain));
    this.inflight.set(domain, job);
    return job;
  }

  private async issue(issuer: Issuer, domain: string): Promise<void> {
    let issued: Awaited<ReturnType<Issuer['issue']>> | undefined;
    let failure: string | undefined;
    try {
      issued = await issuer.issue(domain);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
    }
    // The record may have been deleted or replaced while the CA worked.
    const current = await this.options.store.get(domain);
    if (!current || current.cert_type === 'custom') return;
    const nowMs = this.now().getTime();
    if (issued) {
      const notAfter = new x509.X509Certificate(issued.certificatePem).notAfter;
      const renewed: CertificateRecord = {
        ...current,
        status: 'deployed',
        certificate_pem: issued.certificatePem,
        private_key_pem: issued.privateKeyPem,
        not_after: notAfter.getTime(),
        error_message: '',
        updated_at: nowMs,
        cert_details: {
          [issuer.name]: {
            cert_domain: domain,
            extra_info: { status: 'deployed', not_after: notAfter.toISOString(), action: 'issued' },
          },
        },
      };
      await this.options.store.put(renewed);
      // A first issuance is installed by the flow that ensured it; a renewal by a job of its own.
      if (current.certificate_pem) await this.replaced(renewed);
      return;
    }
    this.options.logger.warn({ domain, error: failure }, 'certificate issuance failed');
    // A renewal that fails leaves a still-valid certificate deployed; the error says why it was not renewed.
    const stillValid = current.certificate_pem !== '' && current.not_after > nowMs;
    await this.options.store.put({
      ...current,
      status: stillValid ? current.status : 'failed',
      error_message: `certificate issuance failed: ${failure}`,
      updated_at: nowMs,
      cert_details: {
        [issuer.name]: {
          cert_domain: current.cert_details[issuer.name]?.cert_domain ?? '',
          extra_info: {
            ...current.cert_details[issuer.name]?.extra_info,
            status: stillValid ? current.status : 'failed',
            action: `issuance failed: ${failure}`,
          },
        },
      },
    });
  }

  /** Waits for every issuance in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight.values()]);
  }
}
