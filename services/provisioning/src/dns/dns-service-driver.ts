/**
 * The DNS port served by services/dns over gRPC (POPPY_DNS_ADDRESS): real operator CNAMEs
 * (PowerDNS, Route53) or, with its manual backend, the names the operator must create.
 * The service retries retryable backend errors itself; what still fails comes back as
 * UNAVAILABLE (→ DnsError retryable: the job retries with backoff) or another status
 * (→ not retryable: the provider is `failed` with the DNS error).
 */
import { accessUrlFromWire, accessUrlToWire, dnsV1, type providerV1 } from '@poppy/contracts';
import { isPoppyError, type AccessUrl, type Service } from '@poppy/domain';
import { createPromiseClient, type PromiseClient } from '@poppy/platform';
import { DnsError, type DnsDriver } from './dns-driver';

function toDnsError(error: unknown): DnsError {
  if (isPoppyError(error)) {
    return new DnsError(
      error.message,
      error.kind === 'unavailable',
      undefined,
      `dns.${error.kind}`,
    );
  }
  return new DnsError(error instanceof Error ? error.message : String(error), true);
}

const operatorUrls = (service: Service): AccessUrl[] =>
  Object.values(service.provider_details).flatMap((d) =>
    d.access_urls.filter((a) => !(a.log_delivery && a.log_delivery.length > 0)),
  );

export class DnsServiceDriver implements DnsDriver {
  readonly dnsName = 'DnsService';
  private readonly client: PromiseClient<typeof dnsV1.DnsServiceService>;

  constructor(address: string, options: { deadlineMs: number }) {
    this.client = createPromiseClient(dnsV1.DnsServiceService, address, options);
  }

  close(): void {
    this.client.close();
  }

  async isAlive(): Promise<boolean> {
    try {
      return (await this.client.describeDns({})).alive;
    } catch {
      return false;
    }
  }

  async create(providerName: string, links: providerV1.ProviderLink[]): Promise<AccessUrl[]> {
    const out = await this.guard(() =>
      this.client.createRecords({ provider_name: providerName, links }),
    );
    return out.access_urls.map(accessUrlFromWire);
  }

  async update(
    providerName: string,
    links: providerV1.ProviderLink[],
    previous: AccessUrl[],
  ): Promise<AccessUrl[]> {
    const out = await this.guard(() =>
      this.client.updateRecords({
        provider_name: providerName,
        links,
        previous: previous.map(accessUrlToWire),
      }),
    );
    return out.access_urls.map(accessUrlFromWire);
  }

  async delete(providerName: string, accessUrls: AccessUrl[]): Promise<void> {
    await this.guard(() =>
      this.client.deleteRecords({
        provider_name: providerName,
        access_urls: accessUrls.map(accessUrlToWire),
      }),
    );
  }

  async enable(service: Service): Promise<void> {
    await this.guard(() =>
      this.client.enableRecords({ access_urls: operatorUrls(service).map(accessUrlToWire) }),
    );
  }

  async disable(service: Service): Promise<void> {
    await this.guard(() =>
      this.client.disableRecords({ access_urls: operatorUrls(service).map(accessUrlToWire) }),
    );
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toDnsError(error);
    }
  }
}
