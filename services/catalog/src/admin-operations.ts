/**
 * Operator changes of one service (docs/behaviour.md §10.3, §10.4, §10.10): force a status or
 * re-run a stuck create, re-point an operator CNAME, move a domain onto another
 * certificate hostname. Each is a read → change → compare-and-set on the service's
 * generation (retried when another writer came in between), so it never overwrites a
 * concurrent change; none of them starts a new generation except the re-run.
 */
import {
  aggregateServiceStatus,
  invalid,
  notFound,
  type AccessUrl,
  type ProviderDetail,
  type ProviderStatus,
  type Service,
} from '@poppy/domain';
import { specToWire } from '@poppy/contracts';
import { jobFor } from './catalog';
import type { OperatorDnsPort } from './operator-dns';
import type { CatalogStore } from './store/catalog-store';

const MAX_WRITE_ATTEMPTS = 5;

export class AdminOperations {
  constructor(
    private readonly store: CatalogStore,
    private readonly dns: OperatorDnsPort,
  ) {}

  /** Read, change, write back at the same generation if nobody wrote in between; else again. */
  private async change<T>(
    projectId: string,
    serviceId: string,
    change: (current: Service) => Promise<{ next?: Service; result: T; rerun?: boolean }>,
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.store.getService(projectId, serviceId);
      if (!current) throw notFound(`Service ${serviceId} could not be found`);
      const { next, result, rerun } = await change(current);
      if (!next) return result;
      const job = rerun
        ? jobFor(next, { $case: 'create', value: { spec: specToWire(next) } })
        : undefined;
      if (await this.store.replaceService(next, current.generation, job)) return result;
      if (attempt >= MAX_WRITE_ATTEMPTS)
        throw invalid(`Service ${serviceId} is being changed concurrently, try again`);
    }
  }

  /**
   * docs/behaviour.md §10.3: a service still in create_in_progress with no provider details at all (its
   * create job was lost) gets a new generation and its create job again (rerun); any
   * other service has every provider's status set to `status`, which the status index follows.
   */
  setServiceStatus(
    projectId: string,
    serviceId: string,
    status: 'deployed' | 'failed',
  ): Promise<{ rerun: boolean }> {
    return this.change<{ rerun: boolean }>(projectId, serviceId, async (current) => {
      const details = current.provider_details;
      if (
        Object.keys(details).length === 0 &&
        aggregateServiceStatus(details) === 'create_in_progress'
      ) {
        return {
          next: { ...current, generation: current.generation + 1 },
          rerun: true,
          result: { rerun: true },
        };
      }
      const forced: Record<string, ProviderDetail> = {};
      for (const [name, d] of Object.entries(details))
        forced[name] = { ...d, status: status as ProviderStatus };
      return { next: { ...current, provider_details: forced }, result: { rerun: false } };
    });
  }

  /** docs/behaviour.md §10.4: the domain's operator CNAME gets a new name; false when it already had it. */
  updateOperatorUrl(
    projectId: string,
    serviceId: string,
    change: { domain: string; operatorUrl: string; providerUrl: string },
  ): Promise<boolean> {
    const { domain, operatorUrl, providerUrl } = change;
    return this.change<boolean>(projectId, serviceId, async (current) => {
      let found = false;
      let changed = false;
      const details: Record<string, ProviderDetail> = {};
      for (const [name, detail] of Object.entries(current.provider_details)) {
        const urls: AccessUrl[] = [];
        for (const url of detail.access_urls) {
          if (url.domain !== domain || !url.operator_url || !url.provider_url) {
            urls.push(url);
            continue;
          }
          found = true;
          if (url.shared_ssl_flag)
            throw invalid('Changing access urls for shared ssl domains is not supported.');
          if (!operatorUrl.startsWith(domain)) throw invalid('Invalid access_url/domain_name.');
          if (operatorUrl === url.operator_url) {
            urls.push(url);
            continue;
          }
          if (providerUrl !== url.provider_url) {
            throw invalid(
              'Please use the migrate domain functionality to migrate the domain to a new cert.',
            );
          }
          await this.dns.move(domain, url.operator_url, operatorUrl, url.provider_url);
          urls.push({ ...url, operator_url: operatorUrl });
          changed = true;
        }
        details[name] = { ...detail, access_urls: urls };
      }
      if (!found) throw notFound(`Domain ${domain} could not be found`);
      if (!changed) return { result: false };
      return { next: { ...current, provider_details: details }, result: true };
    });
  }

  /**
   * docs/behaviour.md §10.10 (docs/behaviour.md D-12): every provider records the domain's certificate status; its
   * operator CNAME points at `newCert` (created when the domain had none).
   */
  migrateDomain(
    projectId: string,
    serviceId: string,
    change: { domain: string; newCert: string; certStatus: string },
  ): Promise<void> {
    const { domain, newCert, certStatus } = change;
    return this.change(projectId, serviceId, async (current) => {
      if (!current.domains.some((d) => d.domain === domain))
        throw notFound(`Domain ${domain} could not be found`);
      const details: Record<string, ProviderDetail> = {};
      for (const [name, detail] of Object.entries(current.provider_details)) {
        const urls = [...detail.access_urls];
        const index = urls.findIndex((u) => u.domain === domain && u.operator_url);
        if (index >= 0) {
          const moved = { ...urls[index]!, provider_url: newCert };
          await this.dns.repoint(moved);
          urls[index] = moved;
        } else {
          urls.push(await this.dns.create(name, domain, newCert));
        }
        details[name] = {
          ...detail,
          access_urls: urls,
          domains_certificate_status: {
            ...detail.domains_certificate_status,
            [domain]: certStatus,
          },
        };
      }
      if (Object.keys(details).length === 0) return { result: undefined };
      return { next: { ...current, provider_details: details }, result: undefined };
    });
  }
}
