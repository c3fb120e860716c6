/**
 * Amazon Route 53 through the AWS SDK v3. `endpoint` is configurable so tests point it at
 * a local moto server. Credentials come from the SDK's default chain (AWS_* env, profile,
 * instance role).
 */
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  ListHostedZonesCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
  type HostedZone,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53';
import { randomUUID } from 'node:crypto';
import {
  DnsBackendError,
  quoteTxt,
  stripDot,
  unquoteTxt,
  withDot,
  type DnsDriver,
} from './dns-driver';

export interface Route53Options {
  /** @default the AWS endpoint for the region */
  endpoint?: string;
  /** @default 'us-east-1' */
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Per request. @default 5000 */
  timeoutMs?: number;
}

const RETRYABLE_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'PriorRequestNotComplete',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
]);

function toBackendError(err: unknown, what: string): DnsBackendError {
  if (err instanceof DnsBackendError) return err;
  const e = err as {
    name?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: unknown;
    code?: string;
  };
  const status = e.$metadata?.httpStatusCode;
  const name = e.name ?? 'Error';
  const retryable =
    status === undefined ||
    status >= 500 ||
    status === 429 ||
    RETRYABLE_NAMES.has(name) ||
    e.$retryable !== undefined;
  return new DnsBackendError(
    `Route53 ${what}: ${name}: ${e.message ?? String(err)}`,
    retryable,
    name,
  );
}

export class Route53Driver implements DnsDriver {
  readonly dnsName = 'Route53';
  readonly manual = false;
  private readonly client: Route53Client;
  private readonly zoneIds = new Map<string, string>();

  constructor(options: Route53Options = {}) {
    this.client = new Route53Client({
      region: options.region ?? 'us-east-1',
      endpoint: options.endpoint,
      credentials: options.credentials,
      maxAttempts: 1, // retries are the service's (with backoff and the breaker)
      requestHandler: {
        requestTimeout: options.timeoutMs ?? 5000,
        connectionTimeout: options.timeoutMs ?? 5000,
      },
    });
  }

  close(): void {
    this.client.destroy();
  }

  async isAlive(): Promise<boolean> {
    try {
      await this.client.send(new ListHostedZonesCommand({ MaxItems: 1 }));
      return true;
    } catch {
      return false;
    }
  }

  async ensureZone(zone: string): Promise<void> {
    if (await this.zoneId(zone)) return;
    try {
      const out = await this.client.send(
        new CreateHostedZoneCommand({ Name: withDot(zone), CallerReference: randomUUID() }),
      );
      if (out.HostedZone?.Id) this.zoneIds.set(stripDot(zone), out.HostedZone.Id);
    } catch (err) {
      throw toBackendError(err, `create zone ${zone}`);
    }
  }

  async countRecords(zone: string): Promise<number | undefined> {
    const id = await this.zoneId(zone);
    if (!id) return undefined;
    try {
      const out = await this.client.send(new GetHostedZoneCommand({ Id: id }));
      return out.HostedZone?.ResourceRecordSetCount ?? 0;
    } catch (err) {
      throw toBackendError(err, `get zone ${zone}`);
    }
  }

  async findZone(name: string): Promise<string | undefined> {
    const wanted = stripDot(name);
    return (await this.listZones())
      .map((z) => stripDot(z.Name ?? ''))
      .filter((z) => z && (wanted === z || wanted.endsWith(`.${z}`)))
      .sort((a, b) => b.length - a.length)[0];
  }

  async upsertCname(zone: string, name: string, target: string, ttl: number): Promise<void> {
    await this.change(zone, 'UPSERT', {
      Name: withDot(name),
      Type: 'CNAME',
      TTL: ttl,
      ResourceRecords: [{ Value: withDot(target) }],
    });
  }

  async deleteCname(zone: string, name: string): Promise<void> {
    const existing = await this.get(zone, name, 'CNAME');
    if (existing) await this.change(zone, 'DELETE', existing);
  }

  async getCname(zone: string, name: string): Promise<string | undefined> {
    const value = (await this.get(zone, name, 'CNAME'))?.ResourceRecords?.[0]?.Value;
    return value ? stripDot(value) : undefined;
  }

  async setTxt(zone: string, name: string, values: string[], ttl: number): Promise<void> {
    if (values.length === 0) {
      const existing = await this.get(zone, name, 'TXT');
      if (existing) await this.change(zone, 'DELETE', existing);
      return;
    }
    await this.change(zone, 'UPSERT', {
      Name: withDot(name),
      Type: 'TXT',
      TTL: ttl,
      ResourceRecords: values.map((v) => ({ Value: quoteTxt(v) })),
    });
  }

  async getTxt(zone: string, name: string): Promise<string[]> {
    return ((await this.get(zone, name, 'TXT'))?.ResourceRecords ?? []).map((r) =>
      unquoteTxt(r.Value ?? ''),
    );
  }

  private async listZones(): Promise<HostedZone[]> {
    const zones: HostedZone[] = [];
    let marker: string | undefined;
    try {
      do {
        const out = await this.client.send(new ListHostedZonesCommand({ Marker: marker }));
        zones.push(...(out.HostedZones ?? []));
        marker = out.IsTruncated ? out.NextMarker : undefined;
      } while (marker);
    } catch (err) {
      throw toBackendError(err, 'list zones');
    }
    return zones;
  }

  private async zoneId(zone: string): Promise<string | undefined> {
    const key = stripDot(zone);
    const cached = this.zoneIds.get(key);
    if (cached) return cached;
    const found = (await this.listZones()).find((z) => stripDot(z.Name ?? '') === key);
    if (found?.Id) this.zoneIds.set(key, found.Id);
    return found?.Id;
  }

  private async get(
    zone: string,
    name: string,
    type: RRType,
  ): Promise<ResourceRecordSet | undefined> {
    const id = await this.zoneId(zone);
    if (!id) return undefined;
    try {
      const out = await this.client.send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: id,
          StartRecordName: withDot(name),
          StartRecordType: type,
          MaxItems: 1,
        }),
      );
      const rr = out.ResourceRecordSets?.[0];
      return rr && rr.Type === type && stripDot(rr.Name ?? '') === stripDot(name) ? rr : undefined;
    } catch (err) {
      throw toBackendError(err, `list records of ${zone}`);
    }
  }

  private async change(
    zone: string,
    action: 'UPSERT' | 'DELETE',
    rrset: ResourceRecordSet,
  ): Promise<void> {
    const id = await this.zoneId(zone);
    if (!id)
      throw new DnsBackendError(`Route53: zone ${zone} does not exist`, false, 'NoSuchHostedZone');
    try {
      await this.client.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: id,
          ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: rrset }] },
        }),
      );
    } catch (err) {
      throw toBackendError(err, `${action} ${rrset.Name} ${rrset.Type}`);
    }
  }
}
