import { DefaultDnsDriver } from './default-dns-driver';
import type { DnsDriver } from './dns-driver';

export { DnsError, type DnsDriver } from './dns-driver';
export { DefaultDnsDriver } from './default-dns-driver';

/** Selecting a DNS driver is configuration, nothing else. */
export function createDnsDriver(name: 'default'): DnsDriver {
  switch (name) {
    case 'default':
      return new DefaultDnsDriver();
  }
}
