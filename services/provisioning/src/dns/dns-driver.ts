/**
 * The DNS port (docs/behaviour.md §13): the operator CNAMEs that front each provider's hostnames.
 * Drivers: `default` (no records: operator URL = provider URL, docs/behaviour.md §13.2); the DNS
 * service with real zones comes later. Calls are per provider so one provider's DNS
 * trouble holds back only that provider's part of a job. A driver throws DnsError
 * (retryable or not) instead of returning Poppy's "failed map".
 */
import type { providerV1 } from '@poppy/contracts';
import type { AccessUrl, Service } from '@poppy/domain';

export class DnsError extends Error {
  override readonly name = 'DnsError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly detail?: string,
    readonly errorClass?: string,
  ) {
    super(message);
  }
}

export interface DnsDriver {
  /** Reported by health (`Default`, …). */
  readonly dnsName: string;
  isAlive(): Promise<boolean>;
  /** Records for a newly provisioned provider's links → its access URLs. */
  create(providerName: string, links: providerV1.ProviderLink[]): Promise<AccessUrl[]>;
  /** After an update: new links, previous access URLs (operator names are kept for common domains). */
  update(
    providerName: string,
    links: providerV1.ProviderLink[],
    previous: AccessUrl[],
  ): Promise<AccessUrl[]>;
  /** Removes the records behind a provider's access URLs; removing absent records succeeds. */
  delete(providerName: string, accessUrls: AccessUrl[]): Promise<void>;
  /** Operator enable: every operator CNAME points at its provider URL again. */
  enable(service: Service): Promise<void>;
  /** Operator disable: every operator CNAME points at the "not found" target. */
  disable(service: Service): Promise<void>;
}
