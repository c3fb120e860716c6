/**
 * A test-only CDN vendor served in-process through libs/provider-kit: unlike the mock
 * (one fixed link for every service, docs/behaviour.md D-18) it answers one link per domain of the
 * service, `<domain>` → `<domain>.echo-cdn.test`, so a domain change moves an access URL.
 */
import type { providerV1 } from '@poppy/contracts';
import { createLogger } from '@poppy/platform';
import {
  startProviderAdapter,
  type ProviderDriver,
  type RunningProviderAdapter,
} from '@poppy/provider-kit';

export const echoHref = (domain: string) => `${domain}.echo-cdn.test`;

const links = (spec: providerV1.CreateServiceRequest['spec']): providerV1.ProviderLink[] =>
  (spec?.domains ?? []).map((d) => ({
    domain: d.domain,
    href: echoHref(d.domain),
    rel: 'access_url',
  }));

class EchoDriver implements ProviderDriver {
  readonly providerName = 'Echo';
  readonly regions = [];
  async isAlive() {
    return true;
  }
  async createService(req: providerV1.CreateServiceRequest) {
    return {
      service: {
        provider_service_id: `echo-${req.service_id}`,
        links: links(req.spec),
        domains_certificate_status: {},
      },
    };
  }
  async updateService(req: providerV1.UpdateServiceRequest) {
    return {
      service: {
        provider_service_id: `echo-${req.service_id}`,
        links: links(req.spec),
        domains_certificate_status: {},
      },
    };
  }
  async deleteService(req: providerV1.DeleteServiceRequest) {
    return { provider_service_id: req.provider_service_id };
  }
  async purgeService(req: providerV1.PurgeServiceRequest) {
    return { provider_service_id: req.provider_service_id, purge_url: req.purge_url };
  }
  async getService() {
    return { found: false, spec: undefined, links: [] };
  }
  async getMetrics() {
    return { series: [] };
  }
  async createCertificate() {
    return { extra_info_json: '{}' };
  }
  async deleteCertificate() {
    return { extra_info_json: '{}' };
  }
  async listManaged() {
    return [];
  }
}

export function startEchoProvider(): Promise<RunningProviderAdapter> {
  return startProviderAdapter(new EchoDriver(), {
    host: '127.0.0.1',
    port: 0,
    logger: createLogger('echo-provider', 'silent'),
  });
}
