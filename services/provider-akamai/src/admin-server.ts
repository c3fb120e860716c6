/**
 * poppy.akamai.v1.AkamaiAdminService (proto/poppy/akamai/v1/akamai.proto): thin wire
 * mapping over AkamaiAdminOperations, served on the adapter's port beside its provider
 * service (start.ts). The catalog calls it for the Akamai operator routes (§10.11–10.14).
 */
import { akamaiV1 } from '@poppy/contracts';
import { invalid } from '@poppy/domain';
import { bindUnaryService, type GrpcServiceBinding, type Logger } from '@poppy/platform';
import type { AkamaiAdminOperations, CertType } from './akamai-admin';

function certTypeOf(value: string): CertType {
  if (value === 'san' || value === 'sni') return value;
  throw invalid(`cert_type must be san or sni, got '${value}'`);
}

export function akamaiAdminGrpcService(
  admin: AkamaiAdminOperations,
  logger: Logger,
): GrpcServiceBinding {
  return bindUnaryService(
    akamaiV1.AkamaiAdminServiceService,
    {
      getAkamaiConfig: async () => ({
        san_cert_names: [...admin.settings.sanCertNames],
        sni_cert_names: [...admin.settings.sniCertNames],
        https_suffix: admin.settings.httpsSuffix,
      }),
      updatePropertyHostnames: async (req) => {
        const updated = await admin.updatePropertyHostnames(
          certTypeOf(req.cert_type),
          req.hostnames.map((h) => ({ cnameFrom: h.cname_from, cnameTo: h.cname_to })),
        );
        return { property_id: updated.propertyId, property_version: updated.version };
      },
      checkCertificateStatus: async (req) => ({
        status: await admin.certificateStatus(req.domain_name),
      }),
      recreateCertificate: async (req) => ({
        enrollment_id: await admin.recreateCertificate(req.domain_name, certTypeOf(req.cert_type)),
      }),
      latestSpsJobId: async (req) => ({ job_id: await admin.latestSpsJobId(req.sps_id) }),
    },
    logger,
  );
}
