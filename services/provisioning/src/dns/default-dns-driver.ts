import type { providerV1 } from '@poppy/contracts';
import type { AccessUrl } from '@poppy/domain';
import type { DnsDriver } from './dns-driver';

/**
 * docs/behaviour.md §6.10 / §13.2: no records at all; every provider link (its `rel` is not
 * checked) becomes `{domain, provider_url: href, operator_url: href}`.
 *
 * Enable/disable have nothing to re-point here, so they succeed (the original's default
 * driver lacked them and its flows failed after every DNS retry; the operator status is
 * what matters and the catalog has stored it already).
 */
export class DefaultDnsDriver implements DnsDriver {
  readonly dnsName = 'Default';

  async isAlive(): Promise<boolean> {
    return true;
  }

  async create(_providerName: string, links: providerV1.ProviderLink[]): Promise<AccessUrl[]> {
    return links.map((link) => {
      const url: AccessUrl = {
        domain: link.domain,
        provider_url: link.href,
        operator_url: link.href,
      };
      if (link.certificate === 'shared') url.shared_ssl_flag = true;
      return url;
    });
  }

  async update(
    providerName: string,
    links: providerV1.ProviderLink[],
    previous: AccessUrl[],
  ): Promise<AccessUrl[]> {
    const mapped = await this.create(providerName, links);
    // Log-delivery containers are not DNS: they stay with the service.
    return [
      ...mapped,
      ...previous.filter((a) => a.log_delivery !== undefined && a.log_delivery.length > 0),
    ];
  }

  async delete(): Promise<void> {}

  async enable(): Promise<void> {}

  async disable(): Promise<void> {}
}
