/**
 * Certificates at Fastly for a domain (vendor reference §12):
 * - with a PEM certificate and key in `cert_details` (`certificate_pem`, `private_key_pem`:
 *   what services/certificates issued or the tenant uploaded) → upload the key, then the
 *   certificate named `poppy-<domain>` (or replace its blob: a renewal swaps the certificate
 *   under the same activation, no gap), then a TLS activation of it for the domain;
 * - without one → a Fastly-managed TLS subscription for the domain; its `state` is the
 *   certificate status (`pending`/`processing` → create_in_progress, `issued` → deployed).
 * Each step first looks for what an earlier run made, so a redelivered job makes nothing twice.
 */
import type { providerV1 } from '@poppy/contracts';
import { ProviderError } from '@poppy/provider-kit';
import type { FastlyApi, TlsObject } from './fastly-api';
import { withVendorErrors } from './vendor-errors';

export const certificateNameFor = (domain: string) => `poppy-${domain}`;

const SUBSCRIPTION_STATUS: Record<string, string> = {
  pending: 'create_in_progress',
  processing: 'create_in_progress',
  issued: 'deployed',
  renewing: 'deployed',
  failed: 'failed',
};

export class FastlyTls {
  constructor(
    private readonly api: FastlyApi,
    private readonly certificateAuthority: string,
  ) {}

  async install(
    certificate: providerV1.Certificate | undefined,
  ): Promise<providerV1.CreateCertificateResponse> {
    const domain = this.domainOf(certificate);
    const pem = certificate!.cert_details.certificate_pem;
    const key = certificate!.cert_details.private_key_pem;
    if (pem && key) return this.installCustom(domain, pem, key);
    const existing = await withVendorErrors('certificate', () =>
      this.api.findSubscriptions(domain),
    );
    const subscription =
      existing[0] ??
      (await withVendorErrors('certificate', () =>
        this.api.createSubscription(domain, this.certificateAuthority),
      ));
    const status = SUBSCRIPTION_STATUS[subscription.state ?? 'pending'] ?? 'create_in_progress';
    return {
      cert_domain: domain,
      extra_info_json: JSON.stringify({
        status,
        kind: 'tls_subscription',
        subscription_id: subscription.id,
        state: subscription.state ?? 'pending',
      }),
    };
  }

  async remove(
    certificate: providerV1.Certificate | undefined,
  ): Promise<providerV1.DeleteCertificateResponse> {
    const domain = this.domainOf(certificate);
    const name = certificateNameFor(domain);
    for (const activation of await withVendorErrors('certificate', () =>
      this.api.listActivations(domain),
    ))
      await withVendorErrors('certificate', () => this.api.deleteActivation(activation.id));
    const certificates = await withVendorErrors('certificate', () => this.api.listCertificates());
    for (const c of certificates.filter((c) => c.name === name))
      await withVendorErrors('certificate', () => this.api.deleteCertificate(c.id));
    const keys = await withVendorErrors('certificate', () => this.api.listPrivateKeys());
    for (const k of keys.filter((k) => k.name?.startsWith(`${name}-`)))
      await withVendorErrors('certificate', () => this.api.deletePrivateKey(k.id));
    for (const s of await withVendorErrors('certificate', () => this.api.findSubscriptions(domain)))
      await withVendorErrors('certificate', () => this.api.deleteSubscription(s.id));
    return { cert_domain: domain, extra_info_json: JSON.stringify({ status: 'deleted' }) };
  }

  private async installCustom(
    domain: string,
    pem: string,
    key: string,
  ): Promise<providerV1.CreateCertificateResponse> {
    const name = certificateNameFor(domain);
    // A renewal brings a new key; Fastly pairs a certificate with an uploaded key, so the
    // key goes first. Keys are matched by name and fingerprint is Fastly's business.
    const keys = await withVendorErrors('certificate', () => this.api.listPrivateKeys());
    const keyName = `${name}-${hash(key)}`;
    if (!keys.some((k) => k.name === keyName))
      await withVendorErrors('certificate', () => this.api.createPrivateKey(keyName, key));
    const certificates = await withVendorErrors('certificate', () => this.api.listCertificates());
    const existing = certificates.find((c) => c.name === name);
    const installed: TlsObject = existing
      ? await withVendorErrors('certificate', () => this.api.replaceCertificate(existing.id, pem))
      : await withVendorErrors('certificate', () => this.api.createCertificate(name, pem));
    const activations = await withVendorErrors('certificate', () =>
      this.api.listActivations(domain),
    );
    if (!activations.some((a) => a.certificateId === installed.id))
      await withVendorErrors('certificate', () => this.api.createActivation(installed.id, domain));
    return {
      cert_domain: domain,
      extra_info_json: JSON.stringify({
        status: 'deployed',
        kind: 'custom',
        certificate_id: installed.id,
      }),
    };
  }

  private domainOf(certificate: providerV1.Certificate | undefined): string {
    if (!certificate?.domain_name)
      throw new ProviderError('certificate.domain_name is required', {
        errorClass: 'fastly.InvalidRequest',
      });
    return certificate.domain_name;
  }
}

/** A short stable tag of a PEM (FNV-1a), to name each uploaded key. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}
