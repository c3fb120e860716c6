import { DefaultDnsDriver } from './default-dns-driver';
import type { DnsDriver } from './dns-driver';
import { DnsServiceDriver } from './dns-service-driver';

export { DnsError, type DnsDriver } from './dns-driver';
export { DefaultDnsDriver } from './default-dns-driver';
export { DnsServiceDriver } from './dns-service-driver';

/**
 * Selecting a DNS driver is configuration, nothing else: with the address of services/dns
 * (POPPY_DNS_ADDRESS) the DNS service, else the pass-through "default".
 */
export function createDnsDriver(
  name: 'default',
  options: { address?: string; deadlineMs?: number } = {},
): DnsDriver & { close?(): void } {
  if (options.address)
    return new DnsServiceDriver(options.address, { deadlineMs: options.deadlineMs ?? 30_000 });
  switch (name) {
    case 'default':
      return new DefaultDnsDriver();
  }
}
