/**
 * The certificate step of the create and update flows (docs/behaviour.md §6.3, §7.5; DESIGN
 * "How a request flows" 3): before any provider is configured, every https domain of the
 * service (certificate san / sni / custom / shared) gets its certificate from the
 * certificates service, and the statuses it reports become the providers'
 * `domains_certificate_status`. A certificate still being issued after the wait makes the
 * attempt fail as retryable (the queue tries again with backoff), so providers are never
 * configured for a domain whose certificate may yet come; a `failed` one is recorded as
 * such (the service's representation shows it) and does not hold the service back.
 */
import type { certificatesV1, providerV1 } from '@poppy/contracts';
import { isPoppyError, unavailable, type Service } from '@poppy/domain';
import type { EnvReader } from '@poppy/platform/boot';

/** The certificates call provisioning makes (a subset of the generated promise client). */
export interface CertificatesApi {
  ensureCertificates(
    req: certificatesV1.EnsureCertificatesRequest,
  ): Promise<certificatesV1.EnsureCertificatesResponse>;
  deleteCertificate(
    req: certificatesV1.DeleteCertificateRequest,
  ): Promise<certificatesV1.DeleteCertificateResponse>;
  getCertificateKeyPair(
    req: certificatesV1.GetCertificateKeyPairRequest,
  ): Promise<certificatesV1.GetCertificateKeyPairResponse>;
}

export interface CertificateStep {
  api: CertificatesApi;
  /** How long the certificates service may wait for issuance per call. */
  waitMs: number;
}

export interface CertificateStepConfig {
  /** The certificates service; unset: no certificate step (the provider reports certificate statuses). (POPPY_CERTIFICATES_ADDRESS) */
  address?: string;
  /** @default 20000 (POPPY_CERTIFICATE_WAIT_MS) */
  waitMs: number;
}

/** Read by provisioning's config.ts with the rest of its options. */
export function readCertificateStepConfig(e: EnvReader): CertificateStepConfig {
  const address =
    e.optionalString('POPPY_CERTIFICATES_ADDRESS') === undefined
      ? undefined
      : e.address('POPPY_CERTIFICATES_ADDRESS', '');
  return { address, waitMs: e.int('POPPY_CERTIFICATE_WAIT_MS', 20_000, { min: 0, max: 600_000 }) };
}

/**
 * The certificate statuses of the service's https domains, or undefined when there is no
 * step or no such domain. Throws a retryable error while a certificate is still being issued.
 */
export async function ensureServiceCertificates(
  step: CertificateStep | undefined,
  service: Service,
): Promise<Record<string, string> | undefined> {
  if (!step) return undefined;
  const domains = service.domains
    .filter((d) => d.protocol === 'https' && d.certificate !== undefined)
    .map((d) => ({ domain_name: d.domain, cert_type: d.certificate as string }));
  if (domains.length === 0) return undefined;
  const reply = await step.api.ensureCertificates({
    project_id: service.project_id,
    service_id: service.service_id,
    flavor_id: service.flavor_id,
    generation: service.generation,
    domains,
    wait_ms: step.waitMs,
  });
  const waiting = Object.entries(reply.statuses)
    .filter(([, status]) => status === 'create_in_progress')
    .map(([d]) => d);
  if (waiting.length > 0)
    throw unavailable(`certificates still being issued for ${waiting.join(', ')}`);
  return reply.statuses;
}

/**
 * docs/behaviour.md D-10: deleting a service removes the managed (san / sni) certificates of its
 * domains. Custom ones stay: the customer uploaded them and deletes them through the API.
 * A certificate already gone is fine; any other error throws (the delete is retried).
 */
export async function releaseServiceCertificates(
  step: CertificateStep | undefined,
  service: Service,
): Promise<string[]> {
  if (!step) return [];
  const released: string[] = [];
  for (const d of service.domains) {
    if (d.protocol !== 'https' || (d.certificate !== 'san' && d.certificate !== 'sni')) continue;
    try {
      await step.api.deleteCertificate({
        domain_name: d.domain,
        cert_type: d.certificate,
        project_id: service.project_id,
      });
      released.push(d.domain);
    } catch (error) {
      if (!(isPoppyError(error) && error.kind === 'not_found')) throw error;
    }
  }
  return released;
}

/**
 * docs/behaviour.md D-10 on update: the managed certificates of the https domains the previous
 * configuration had and the new one dropped are released (custom ones stay, as on delete).
 */
export function releaseRemovedCertificates(
  step: CertificateStep | undefined,
  service: Service,
  previousDomains: Service['domains'],
): Promise<string[]> {
  const kept = new Set(service.domains.map((d) => d.domain));
  return releaseServiceCertificates(step, {
    ...service,
    domains: previousDomains.filter((d) => !kept.has(d.domain)),
  });
}

/** The cert_details keys of a PEM pair at the provider contract (docs/adding-a-provider.md). */
export const CERTIFICATE_PEM = 'certificate_pem';
export const PRIVATE_KEY_PEM = 'private_key_pem';

/** The https domains of the service whose certificate is installed at its providers (not the operator's shared one). */
export function installableDomains(
  service: Service,
  statuses: Record<string, string> | undefined,
): Service['domains'] {
  return service.domains.filter(
    (d) =>
      d.protocol === 'https' &&
      (d.certificate === 'san' || d.certificate === 'sni' || d.certificate === 'custom') &&
      (statuses === undefined || statuses[d.domain] === 'deployed'),
  );
}

/**
 * Installs the certificates of `domains` at one provider through the contract's
 * CreateCertificate (a PEM pair in cert_details; installing again replaces). The key
 * is read from the certificates service for the call and kept nowhere: never logged.
 * A domain without a deployed certificate is skipped. Throws what the provider threw.
 */
export async function installCertificates(
  step: CertificateStep | undefined,
  service: Service,
  domains: Service['domains'],
  target: { provider_service_id: string },
  createCertificate: (
    req: providerV1.CreateCertificateRequest,
  ) => Promise<providerV1.CreateCertificateResponse>,
): Promise<string[]> {
  if (!step) return [];
  const installed: string[] = [];
  for (const d of domains) {
    let pair: certificatesV1.GetCertificateKeyPairResponse;
    try {
      pair = await step.api.getCertificateKeyPair({ domain_name: d.domain });
    } catch (error) {
      if (isPoppyError(error) && error.kind === 'not_found') continue;
      throw error;
    }
    await createCertificate({
      certificate: {
        domain_name: d.domain,
        project_id: service.project_id,
        flavor_id: service.flavor_id,
        cert_type: d.certificate as string,
        cert_details: {
          [CERTIFICATE_PEM]: pair.certificate_pem,
          [PRIVATE_KEY_PEM]: pair.private_key_pem,
        },
      },
      enqueue: false,
      https_upgrade: false,
      service_id: service.service_id,
      provider_service_id: target.provider_service_id,
    });
    installed.push(d.domain);
  }
  return installed;
}
