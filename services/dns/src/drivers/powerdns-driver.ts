/**
 * PowerDNS authoritative server through its HTTP API (`/api/v1/servers/<id>/zones`).
 * Zones are created Native (no replication needed with a database backend).
 */
import {
  DnsBackendError,
  quoteTxt,
  stripDot,
  unquoteTxt,
  withDot,
  type DnsDriver,
} from './dns-driver';

export interface PowerDnsOptions {
  /** e.g. `http://127.0.0.1:8081` */
  apiUrl: string;
  apiKey: string;
  /** @default 'localhost' */
  serverId?: string;
  /** NS names of new zones; [] leaves them without NS records. */
  nameservers?: string[];
  /** Per HTTP request. @default 5000 */
  timeoutMs?: number;
}

interface RRSet {
  name: string;
  type: string;
  ttl?: number;
  records: Array<{ content: string; disabled?: boolean }>;
}

interface Zone {
  name: string;
  rrsets?: RRSet[];
}

export class PowerDnsDriver implements DnsDriver {
  readonly dnsName = 'PowerDNS';
  readonly manual = false;
  private readonly base: string;

  constructor(private readonly options: PowerDnsOptions) {
    this.base = `${options.apiUrl.replace(/\/$/, '')}/api/v1/servers/${encodeURIComponent(options.serverId ?? 'localhost')}`;
  }

  async isAlive(): Promise<boolean> {
    try {
      await this.request('GET', '');
      return true;
    } catch {
      return false;
    }
  }

  async ensureZone(zone: string): Promise<void> {
    if (await this.getZone(zone)) return;
    try {
      await this.request('POST', '/zones', {
        name: withDot(zone),
        kind: 'Native',
        nameservers: (this.options.nameservers ?? []).map(withDot),
      });
    } catch (err) {
      // Created meanwhile by a concurrent call: fine.
      if (err instanceof DnsBackendError && err.errorClass === 'HTTP 409') return;
      throw err;
    }
  }

  async countRecords(zone: string): Promise<number | undefined> {
    const z = await this.getZone(zone);
    return z ? (z.rrsets ?? []).reduce((n, rr) => n + rr.records.length, 0) : undefined;
  }

  async findZone(name: string): Promise<string | undefined> {
    const zones = (await this.request('GET', '/zones')) as Zone[];
    const wanted = stripDot(name);
    return zones
      .map((z) => stripDot(z.name))
      .filter((z) => wanted === z || wanted.endsWith(`.${z}`))
      .sort((a, b) => b.length - a.length)[0];
  }

  async upsertCname(zone: string, name: string, target: string, ttl: number): Promise<void> {
    await this.patch(zone, [
      {
        name: withDot(name),
        type: 'CNAME',
        ttl,
        changetype: 'REPLACE',
        records: [{ content: withDot(target), disabled: false }],
      },
    ]);
  }

  async deleteCname(zone: string, name: string): Promise<void> {
    if (!(await this.getZone(zone))) return;
    await this.patch(zone, [{ name: withDot(name), type: 'CNAME', changetype: 'DELETE' }]);
  }

  async getCname(zone: string, name: string): Promise<string | undefined> {
    const rr = (await this.getZone(zone))?.rrsets?.find(
      (r) => r.type === 'CNAME' && stripDot(r.name) === stripDot(name),
    );
    return rr?.records[0] ? stripDot(rr.records[0].content) : undefined;
  }

  async setTxt(zone: string, name: string, values: string[], ttl: number): Promise<void> {
    await this.patch(zone, [
      values.length === 0
        ? { name: withDot(name), type: 'TXT', changetype: 'DELETE' }
        : {
            name: withDot(name),
            type: 'TXT',
            ttl,
            changetype: 'REPLACE',
            records: values.map((v) => ({ content: quoteTxt(v), disabled: false })),
          },
    ]);
  }

  async getTxt(zone: string, name: string): Promise<string[]> {
    const rr = (await this.getZone(zone))?.rrsets?.find(
      (r) => r.type === 'TXT' && stripDot(r.name) === stripDot(name),
    );
    return (rr?.records ?? []).map((r) => unquoteTxt(r.content));
  }

  private async getZone(zone: string): Promise<Zone | undefined> {
    try {
      return (await this.request('GET', `/zones/${encodeURIComponent(withDot(zone))}`)) as Zone;
    } catch (err) {
      // PowerDNS answers 404 (or 422 in older versions) for an unknown zone.
      if (
        err instanceof DnsBackendError &&
        (err.errorClass === 'HTTP 404' || err.errorClass === 'HTTP 422')
      )
        return undefined;
      throw err;
    }
  }

  private async patch(zone: string, rrsets: object[]): Promise<void> {
    await this.request('PATCH', `/zones/${encodeURIComponent(withDot(zone))}`, { rrsets });
  }

  private async request(method: string, path: string, body?: object): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          'X-API-Key': this.options.apiKey,
          ...(body ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw new DnsBackendError(
        `PowerDNS API ${method} ${path || '/'} unreachable: ${cause}`,
        true,
        cause,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text;
      try {
        detail = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        /* not JSON */
      }
      const retryable = res.status >= 500 || res.status === 429;
      throw new DnsBackendError(
        `PowerDNS API ${method} ${path || '/'}: HTTP ${res.status} ${detail}`.trim(),
        retryable,
        `HTTP ${res.status}`,
      );
    }
    return text ? JSON.parse(text) : undefined;
  }
}
