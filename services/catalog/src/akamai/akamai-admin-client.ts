/**
 * AkamaiDriverPort over gRPC: the Akamai adapter's poppy.akamai.v1.AkamaiAdminService
 * (proto/poppy/akamai/v1/akamai.proto), at POPPY_AKAMAI_ADMIN_ADDRESS. Errors arrive as
 * PoppyError (the platform's client maps them), so the routes answer the adapter's kind.
 */
import { akamaiV1 } from '@poppy/contracts';
import { invalid } from '@poppy/domain';
import { createPromiseClient, type PromiseClient } from '@poppy/platform';
import type { JsonObject } from '../store/akamai-state-store';
import type { AkamaiCertificateSettings, AkamaiDriverPort } from './akamai-admin';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export class GrpcAkamaiDriver implements AkamaiDriverPort {
  private readonly client: PromiseClient<typeof akamaiV1.AkamaiAdminServiceService>;

  constructor(address: string, options: { deadlineMs: number }) {
    this.client = createPromiseClient(akamaiV1.AkamaiAdminServiceService, address, options);
  }

  async settings(): Promise<AkamaiCertificateSettings> {
    const reply = await this.client.getAkamaiConfig({});
    return {
      sanCertNames: reply.san_cert_names,
      sniCertNames: reply.sni_cert_names,
      httpsSuffix: reply.https_suffix,
    };
  }

  async checkCertificateStatus(item: JsonObject): Promise<void> {
    await this.client.checkCertificateStatus({
      domain_name: text(item.domain_name),
      cert_type: text(item.cert_type),
    });
  }

  async updatePropertyHostnames(certType: 'san' | 'sni', hostnames: JsonObject[]): Promise<void> {
    await this.client.updatePropertyHostnames({
      cert_type: certType,
      hostnames: hostnames.map((h) => ({
        cname_from: text(h.cnameFrom),
        cname_to: text(h.cnameTo),
      })),
    });
  }

  async recreateCertificate(item: JsonObject): Promise<void> {
    const domain = text(item.domain_name);
    if (!domain) throw invalid('A retry-list item needs a domain_name');
    // Retry-list items carry no cert type (docs/behaviour.md §10.13): they are mod-SAN certificates.
    await this.client.recreateCertificate({
      domain_name: domain,
      cert_type: text(item.cert_type) || 'san',
    });
  }

  async latestSpsJobId(spsId: number): Promise<number> {
    return (await this.client.latestSpsJobId({ sps_id: spsId })).job_id;
  }

  close(): void {
    this.client.close();
  }
}
