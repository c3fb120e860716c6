/**
 * The operator CNAME changes the admin routes make synchronously (docs/behaviour.md §10.4, §10.10),
 * through services/dns (POPPY_DNS_ADDRESS). Without a dns service the catalog behaves like
 * the original's default DNS driver (docs/behaviour.md §6.10): no CNAME indirection, the operator URL is the
 * provider URL, and nothing is recorded anywhere.
 */
import { accessUrlFromWire, accessUrlToWire, dnsV1 } from '@poppy/contracts';
import type { AccessUrl } from '@poppy/domain';
import { createPromiseClient, type PromiseClient } from '@poppy/platform';

export interface OperatorDnsPort {
  /** `to` → `target` created in its shard zone, then `from` removed (docs/behaviour.md §10.4). */
  move(domain: string, from: string, to: string, target: string): Promise<void>;
  /** The existing operator CNAME of `url` points at `url.provider_url` (docs/behaviour.md §10.10). */
  repoint(url: AccessUrl): Promise<void>;
  /** A new operator CNAME for `domain` → `target`; its access URL (docs/behaviour.md §10.10). */
  create(providerName: string, domain: string, target: string): Promise<AccessUrl>;
  close(): void;
}

export class PassThroughOperatorDns implements OperatorDnsPort {
  async move(): Promise<void> {}
  async repoint(): Promise<void> {}
  async create(_providerName: string, domain: string, target: string): Promise<AccessUrl> {
    return { domain, provider_url: target, operator_url: target };
  }
  close(): void {}
}

export class DnsServiceOperatorDns implements OperatorDnsPort {
  private readonly client: PromiseClient<typeof dnsV1.DnsServiceService>;

  constructor(address: string, options: { deadlineMs: number }) {
    this.client = createPromiseClient(dnsV1.DnsServiceService, address, options);
  }

  async move(domain: string, from: string, to: string, target: string): Promise<void> {
    await this.client.moveRecord({
      domain,
      from_operator_url: from,
      to_operator_url: to,
      target,
    });
  }

  async repoint(url: AccessUrl): Promise<void> {
    await this.client.enableRecords({ access_urls: [accessUrlToWire(url)] });
  }

  async create(providerName: string, domain: string, target: string): Promise<AccessUrl> {
    const reply = await this.client.createRecords({
      provider_name: providerName,
      links: [{ domain, href: target, rel: 'access_url' }],
    });
    const url = reply.access_urls[0];
    return url ? accessUrlFromWire(url) : { domain, provider_url: target, operator_url: target };
  }

  close(): void {
    this.client.close();
  }
}
