/**
 * OpenStack Designate (DNS v2 API), the DNS service of original Poppy's OpenStack
 * deployments. Requests carry a Keystone token in `X-Auth-Token`; the base URL is the `dns`
 * endpoint of the Keystone catalog. Designate applies writes asynchronously (202 with
 * `status: PENDING`); recordsets being deleted (`action: DELETE`) are treated as gone.
 * Errors are `{code, type, message}` (Designate's documented error body; tools/fakes/designate models it).
 */
import {
  DnsBackendError,
  quoteTxt,
  stripDot,
  unquoteTxt,
  withDot,
  type DnsDriver,
} from './dns-driver';

export interface DesignateDriverOptions {
  /** The `dns` endpoint, e.g. `https://dns.example.com:9001` (paths start with /v2). */
  apiUrl: string;
  /** Keystone token sent as `X-Auth-Token`. */
  token: string;
  /** SOA contact of the zones this driver creates. @default `hostmaster@<zone>` */
  email?: string;
  /** @default 5000 */
  timeoutMs?: number;
  /** Items per list request (Designate's maximum is 1000). @default 1000 */
  pageSize?: number;
}

interface RecordSet {
  id: string;
  name: string;
  type: string;
  records: string[];
  action: string;
}

interface Page<T> {
  links?: { next?: string };
  zones?: T[];
  recordsets?: T[];
}

export class DesignateDriver implements DnsDriver {
  readonly dnsName = 'Designate';
  readonly manual = false;
  private readonly base: string;

  constructor(private readonly options: DesignateDriverOptions) {
    this.base = options.apiUrl.replace(/\/+$/, '');
  }

  async isAlive(): Promise<boolean> {
    try {
      await this.request('GET', '/v2/zones?limit=1');
      return true;
    } catch {
      return false;
    }
  }

  async ensureZone(zone: string): Promise<void> {
    if (await this.zoneId(zone)) return;
    try {
      await this.request('POST', '/v2/zones', {
        name: withDot(zone),
        email: this.options.email ?? `hostmaster@${stripDot(zone)}`,
        type: 'PRIMARY',
      });
    } catch (err) {
      // Another caller created it meanwhile.
      if (!(err instanceof DnsBackendError && err.errorClass === 'designate.duplicate_zone'))
        throw err;
    }
  }

  async countRecords(zone: string): Promise<number | undefined> {
    const id = await this.zoneId(zone);
    if (!id) return undefined;
    const sets = await this.list<RecordSet>(
      `/v2/zones/${id}/recordsets?limit=${this.options.pageSize ?? 1000}`,
      'recordsets',
    );
    return sets.filter((r) => r.action !== 'DELETE').length;
  }

  async findZone(name: string): Promise<string | undefined> {
    const labels = stripDot(name).split('.');
    for (let i = 0; i < labels.length - 1; i++) {
      const candidate = labels.slice(i).join('.');
      if (await this.zoneId(candidate)) return candidate;
    }
    return undefined;
  }

  async upsertCname(zone: string, name: string, target: string, ttl: number): Promise<void> {
    await this.put(zone, name, 'CNAME', [withDot(target)], ttl);
  }

  async deleteCname(zone: string, name: string): Promise<void> {
    await this.remove(zone, name, 'CNAME');
  }

  async getCname(zone: string, name: string): Promise<string | undefined> {
    const found = await this.recordSet(zone, name, 'CNAME');
    return found?.set.records[0] === undefined ? undefined : stripDot(found.set.records[0]);
  }

  async setTxt(zone: string, name: string, values: string[], ttl: number): Promise<void> {
    if (values.length === 0) await this.remove(zone, name, 'TXT');
    else await this.put(zone, name, 'TXT', values.map(quoteTxt), ttl);
  }

  async getTxt(zone: string, name: string): Promise<string[]> {
    const found = await this.recordSet(zone, name, 'TXT');
    return found ? found.set.records.map(unquoteTxt) : [];
  }

  private async put(zone: string, name: string, type: string, records: string[], ttl: number) {
    const found = await this.recordSet(zone, name, type);
    if (found) {
      await this.request('PUT', `/v2/zones/${found.zoneId}/recordsets/${found.set.id}`, {
        records,
        ttl,
      });
      return;
    }
    const zoneId = await this.requireZone(zone);
    await this.request('POST', `/v2/zones/${zoneId}/recordsets`, {
      name: withDot(name),
      type,
      ttl,
      records,
    });
  }

  private async remove(zone: string, name: string, type: string): Promise<void> {
    const found = await this.recordSet(zone, name, type);
    if (!found) return;
    try {
      await this.request('DELETE', `/v2/zones/${found.zoneId}/recordsets/${found.set.id}`);
    } catch (err) {
      if (!(err instanceof DnsBackendError && err.errorClass?.endsWith('not_found'))) throw err;
    }
  }

  private async recordSet(
    zone: string,
    name: string,
    type: string,
  ): Promise<{ zoneId: string; set: RecordSet } | undefined> {
    const zoneId = await this.zoneId(zone);
    if (!zoneId) return undefined;
    const query = new URLSearchParams({ name: withDot(name), type });
    const sets = await this.list<RecordSet>(
      `/v2/zones/${zoneId}/recordsets?${query}`,
      'recordsets',
    );
    const set = sets.find((r) => r.action !== 'DELETE');
    return set ? { zoneId, set } : undefined;
  }

  private async requireZone(zone: string): Promise<string> {
    const id = await this.zoneId(zone);
    if (!id)
      throw new DnsBackendError(
        `Designate: zone ${zone} does not exist`,
        false,
        'designate.zone_not_found',
      );
    return id;
  }

  private async zoneId(zone: string): Promise<string | undefined> {
    const query = new URLSearchParams({ name: withDot(zone) });
    const zones = await this.list<{ id: string; action: string }>(`/v2/zones?${query}`, 'zones');
    return zones.find((z) => z.action !== 'DELETE')?.id;
  }

  /** Every page of a list: `links.next` is followed verbatim (Designate's documented pagination). */
  private async list<T>(path: string, key: 'zones' | 'recordsets'): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = `${this.base}${path}`;
    while (next) {
      const page = (await this.request('GET', next)) as Page<T>;
      items.push(...(page[key] ?? []));
      next = page.links?.next;
    }
    return items;
  }

  private async request(method: string, pathOrUrl: string, body?: object): Promise<unknown> {
    const url = pathOrUrl.startsWith('http') ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const path = new URL(url).pathname;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          'X-Auth-Token': this.options.token,
          Accept: 'application/json',
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new DnsBackendError(`Designate ${method} ${path} unreachable: ${cause}`, true, cause);
    }
    const text = await res.text();
    if (!res.ok) {
      let type = `HTTP ${res.status}`;
      let message = text;
      try {
        const parsed = JSON.parse(text) as { type?: string; message?: string };
        if (parsed.type) type = `designate.${parsed.type}`;
        message = parsed.message ?? text;
      } catch {
        /* not JSON (keystonemiddleware's 401 body is not specified) */
      }
      const retryable = res.status >= 500 || res.status === 429;
      throw new DnsBackendError(
        `Designate ${method} ${path}: HTTP ${res.status} ${message}`.trim(),
        retryable,
        type,
      );
    }
    return text ? JSON.parse(text) : undefined;
  }
}
