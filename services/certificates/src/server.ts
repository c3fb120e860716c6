/** Thin gRPC handlers: decode, call the certificates logic, encode (never a private key). */
import { certificatesV1 } from '@poppy/contracts';
import { bindUnaryService, type GrpcServiceBinding, type Logger } from '@poppy/platform';
import type { Certificates, PublicCertificate } from './certificates';

export function certificateToWire(c: PublicCertificate): certificatesV1.Certificate {
  return {
    domain_name: c.domain_name,
    cert_type: c.cert_type,
    flavor_id: c.flavor_id,
    project_id: c.project_id,
    status: c.status,
    cert_details: c.cert_details,
    not_after: c.not_after > 0 ? new Date(c.not_after).toISOString() : '',
    certificate_pem: c.certificate_pem,
    error_message: c.error_message,
  };
}

export function certificatesGrpcService(
  certificates: Certificates,
  logger: Logger,
  maxWaitMs: number,
): GrpcServiceBinding {
  return bindUnaryService(
    certificatesV1.CertificatesServiceService,
    {
      createCertificate: async (req) => ({
        certificate: certificateToWire(await certificates.create(req)),
      }),
      getCertificate: async (req) => ({
        certificate: certificateToWire(await certificates.get(req.domain_name)),
      }),
      deleteCertificate: async (req) => {
        await certificates.delete(req.domain_name, req.cert_type, req.project_id);
        return {};
      },
      listCertificatesByStatus: async (req) => ({
        domain_names: await certificates.listByStatus(req.status),
      }),
      updateCertificateStatus: async (req) => ({
        certificate: certificateToWire(
          await certificates.updateStatus(req.domain_name, req.status),
        ),
      }),
      getCertificateKeyPair: async (req) => {
        const pair = await certificates.keyPair(req.domain_name);
        return {
          certificate_pem: pair.certificate_pem,
          private_key_pem: pair.private_key_pem,
          not_after: new Date(pair.not_after).toISOString(),
          cert_type: pair.cert_type,
        };
      },
      ensureCertificates: async (req) =>
        certificates.ensure({
          project_id: req.project_id,
          flavor_id: req.flavor_id,
          service_id: req.service_id,
          generation: req.generation,
          domains: req.domains,
          waitMs: Math.min(req.wait_ms, maxWaitMs),
        }),
    },
    logger,
  );
}
