/**
 * A fake of OpenStack Designate's DNS v2 API (zones and recordsets), as documented in
 * the vendor reference (openstack.md §1): `X-Auth-Token` checked (401 otherwise), every
 * answer carries `X-OpenStack-Request-Id`, errors are `{code, type, message, request_id}`,
 * writes answer 202 with `status: PENDING` and the matching `action` and settle after
 * `settleMs` (zones and recordsets deleted then vanish), names are FQDNs with a trailing dot,
 * new zones get their SOA and NS recordsets, CNAME rules (not at the apex, alone at its
 * name, one record), name inside the zone, duplicates 409, and `limit`/`marker` paging with
 * `links.next` and `metadata.total_count`. Simplified: one project, no Keystone (any of
 * `tokens` is valid), no pools or secondary zones, recordsets pending deletion do not count
 * as duplicates.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';

type Status = 'ACTIVE' | 'PENDING' | 'ERROR';
type Action = 'CREATE' | 'UPDATE' | 'DELETE' | 'NONE';

interface Zone {
  id: string;
  name: string;
  email: string;
  ttl: number;
  serial: number;
  status: Status;
  action: Action;
  type: 'PRIMARY';
  created_at: string;
  updated_at: string | null;
  settlesAt: number;
}

interface RecordSet {
  id: string;
  zone_id: string;
  name: string;
  type: string;
  ttl: number | null;
  records: string[];
  description: string | null;
  status: Status;
  action: Action;
  version: number;
  created_at: string;
  updated_at: string | null;
  settlesAt: number;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export interface FakeDesignateOptions {
  /** Accepted `X-Auth-Token` values. @default ['fake-designate-token'] */
  tokens?: string[];
  /** How long a write stays PENDING. @default 20 */
  settleMs?: number;
}

const naive = () =>
  new Date()
    .toISOString()
    .replace('Z', '')
    .replace(/\.(\d{3})$/, '.$1000');
const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();
const MAX_NAME = 255;

export class FakeDesignate {
  private server: http.Server | undefined;
  private readonly tokens: Set<string>;
  private readonly settleMs: number;
  private readonly zones = new Map<string, Zone>();
  private readonly recordsets = new Map<string, RecordSet>();
  /** Requests seen, for tests: `METHOD /path`. */
  readonly requests: string[] = [];

  constructor(options: FakeDesignateOptions = {}) {
    this.tokens = new Set(options.tokens ?? ['fake-designate-token']);
    this.settleMs = options.settleMs ?? 20;
  }

  get token(): string {
    return [...this.tokens][0];
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('FakeDesignate is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The live recordsets called `name` (any zone), as a test reads them from outside. */
  lookup(name: string, type: string): string[] | undefined {
    this.settle();
    const found = [...this.recordsets.values()].find(
      (r) => r.name === fqdn(name) && r.type === type && r.action !== 'DELETE',
    );
    return found?.records;
  }

  private settle(): void {
    const now = Date.now();
    for (const [id, zone] of this.zones) {
      if (zone.status !== 'PENDING' || zone.settlesAt > now) continue;
      if (zone.action === 'DELETE') {
        this.zones.delete(id);
        for (const [rid, r] of this.recordsets) if (r.zone_id === id) this.recordsets.delete(rid);
      } else Object.assign(zone, { status: 'ACTIVE', action: 'NONE' });
    }
    for (const [id, r] of this.recordsets) {
      if (r.status !== 'PENDING' || r.settlesAt > now) continue;
      if (r.action === 'DELETE') this.recordsets.delete(id);
      else Object.assign(r, { status: 'ACTIVE', action: 'NONE' });
    }
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = `req-${randomUUID()}`;
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'X-OpenStack-Request-Id': requestId,
      });
      res.end(body === undefined ? '' : JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      if (!this.tokens.has(String(req.headers['x-auth-token'] ?? '')))
        throw new ApiError(401, 'unauthorized', 'Authentication required');
      let body: Record<string, unknown> = {};
      if (chunks.length) {
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          throw new ApiError(400, 'bad_request', 'Request body is not valid JSON');
        }
      }
      this.settle();
      const [status, answer] = this.route(req.method ?? 'GET', url, body);
      send(status, answer);
    } catch (error) {
      if (error instanceof ApiError)
        send(error.code, {
          code: error.code,
          type: error.type,
          message: error.message,
          request_id: requestId,
        });
      else send(500, { code: 500, type: 'unknown', message: String(error), request_id: requestId });
    }
  }

  private route(method: string, url: URL, body: Record<string, unknown>): [number, unknown] {
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] !== 'v2') throw new ApiError(404, 'not_found', 'Not Found');
    if (parts[1] === 'zones' && parts.length === 2) {
      if (method === 'POST') return [202, this.zoneView(this.createZone(body))];
      if (method === 'GET') {
        const name = url.searchParams.get('name');
        const zones = [...this.zones.values()].filter((z) => !name || z.name === fqdn(name));
        return [200, this.page(url, 'zones', zones, (z) => this.zoneView(z))];
      }
    }
    if (parts[1] === 'zones' && parts.length >= 3) {
      const zone = this.zones.get(parts[2]);
      if (!zone) throw new ApiError(404, 'zone_not_found', `Could not find Zone`);
      if (parts.length === 3 && method === 'GET') return [200, this.zoneView(zone)];
      if (parts.length === 3 && method === 'DELETE') {
        Object.assign(zone, this.pending('DELETE'));
        return [202, this.zoneView(zone)];
      }
      if (parts[3] === 'recordsets' && parts.length === 4) {
        if (method === 'POST') return [202, this.rsView(this.createRecordSet(zone, body))];
        if (method === 'GET') {
          const name = url.searchParams.get('name');
          const type = url.searchParams.get('type');
          const sets = [...this.recordsets.values()].filter(
            (r) =>
              r.zone_id === zone.id &&
              (!name || r.name === fqdn(name)) &&
              (!type || r.type === type.toUpperCase()),
          );
          return [200, this.page(url, 'recordsets', sets, (r) => this.rsView(r))];
        }
      }
      if (parts[3] === 'recordsets' && parts.length === 5) {
        const rs = this.recordsets.get(parts[4]);
        if (!rs || rs.zone_id !== zone.id)
          throw new ApiError(404, 'recordset_not_found', 'Could not find RecordSet');
        if (method === 'GET') return [200, this.rsView(rs)];
        if (method === 'DELETE') {
          Object.assign(rs, this.pending('DELETE'));
          return [202, this.rsView(rs)];
        }
        if (method === 'PUT') {
          if (body.records !== undefined) {
            const records = this.records(body.records);
            if (rs.type === 'CNAME' && records.length !== 1)
              throw new ApiError(
                400,
                'bad_request',
                'CNAME recordsets may not have more than 1 record',
              );
            rs.records = records;
          }
          if (body.ttl !== undefined) rs.ttl = body.ttl === null ? null : Number(body.ttl);
          Object.assign(rs, this.pending('UPDATE'), {
            version: rs.version + 1,
            updated_at: naive(),
          });
          zone.serial += 1;
          return [202, this.rsView(rs)];
        }
      }
    }
    throw new ApiError(405, 'method_not_allowed', 'Method Not Allowed');
  }

  private pending(action: Action) {
    return { status: 'PENDING' as const, action, settlesAt: Date.now() + this.settleMs };
  }

  private createZone(body: Record<string, unknown>): Zone {
    if (typeof body.name !== 'string' || !body.name.endsWith('.'))
      throw new ApiError(
        400,
        'invalid_object',
        "Provided object does not match schema: 'name' must be a FQDN with a trailing dot",
      );
    if (typeof body.email !== 'string' || !body.email.includes('@'))
      throw new ApiError(
        400,
        'invalid_object',
        "Provided object does not match schema: 'email' is required",
      );
    const name = fqdn(body.name);
    if ([...this.zones.values()].some((z) => z.name === name))
      throw new ApiError(409, 'duplicate_zone', 'Duplicate Zone');
    const zone: Zone = {
      id: randomUUID(),
      name,
      email: body.email,
      ttl: typeof body.ttl === 'number' ? body.ttl : 3600,
      serial: Math.floor(Date.now() / 1000),
      type: 'PRIMARY',
      created_at: naive(),
      updated_at: null,
      ...this.pending('CREATE'),
    };
    this.zones.set(zone.id, zone);
    // Designate creates a new zone's SOA and NS recordsets itself.
    this.addRecordSet(zone, 'SOA', zone.name, [
      `ns1.designate.fake. ${zone.email.replace('@', '.')}. ${zone.serial} 3600 600 86400 3600`,
    ]);
    this.addRecordSet(zone, 'NS', zone.name, ['ns1.designate.fake.']);
    return zone;
  }

  private records(value: unknown): string[] {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw new ApiError(
        400,
        'invalid_object',
        "Provided object does not match schema: 'records' must be an array of strings",
      );
    return value as string[];
  }

  private createRecordSet(zone: Zone, body: Record<string, unknown>): RecordSet {
    if (typeof body.name !== 'string' || typeof body.type !== 'string')
      throw new ApiError(
        400,
        'invalid_object',
        "Provided object does not match schema: 'name' and 'type' are required",
      );
    const name = fqdn(body.name);
    const type = body.type.toUpperCase();
    const records = this.records(body.records);
    if (name.length > MAX_NAME) throw new ApiError(400, 'invalid_recordset_name', 'Name too long');
    if (name !== zone.name && !name.endsWith(`.${zone.name}`))
      throw new ApiError(
        400,
        'invalid_recordset_location',
        "RecordSet is not contained within it's parent zone",
      );
    const live = [...this.recordsets.values()].filter(
      (r) => r.zone_id === zone.id && r.name === name && r.action !== 'DELETE',
    );
    if (type === 'CNAME') {
      if (name === zone.name)
        throw new ApiError(
          400,
          'invalid_recordset_location',
          'CNAME recordsets may not be created at the zone apex',
        );
      if (records.length !== 1)
        throw new ApiError(400, 'bad_request', 'CNAME recordsets may not have more than 1 record');
    }
    if (live.some((r) => r.type === type))
      throw new ApiError(409, 'duplicate_recordset', 'Duplicate RecordSet');
    if (live.length && (type === 'CNAME' || live.some((r) => r.type === 'CNAME')))
      throw new ApiError(
        400,
        'invalid_recordset_location',
        'CNAME recordsets may not share a name with any other records',
      );
    const ttl = typeof body.ttl === 'number' ? body.ttl : null;
    const rs = this.addRecordSet(zone, type, name, records, ttl);
    rs.description = typeof body.description === 'string' ? body.description : null;
    zone.serial += 1;
    return rs;
  }

  private addRecordSet(
    zone: Zone,
    type: string,
    name: string,
    records: string[],
    ttl: number | null = null,
  ): RecordSet {
    const rs: RecordSet = {
      id: randomUUID(),
      zone_id: zone.id,
      name,
      type,
      ttl,
      records,
      description: null,
      version: 1,
      created_at: naive(),
      updated_at: null,
      ...this.pending('CREATE'),
    };
    this.recordsets.set(rs.id, rs);
    return rs;
  }

  private page<T extends { id: string }>(
    url: URL,
    key: string,
    items: T[],
    view: (item: T) => unknown,
  ) {
    const limitText = url.searchParams.get('limit');
    const limit = limitText === null ? 20 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new ApiError(400, 'invalid_limit', 'limit must be an integer between 1 and 1000');
    const marker = url.searchParams.get('marker');
    let start = 0;
    if (marker) {
      const at = items.findIndex((item) => item.id === marker);
      if (at < 0) throw new ApiError(400, 'invalid_marker', 'Marker not found');
      start = at + 1;
    }
    const slice = items.slice(start, start + limit);
    const links: Record<string, string> = { self: url.toString() };
    if (start + limit < items.length) {
      const next = new URL(url);
      next.searchParams.set('marker', slice[slice.length - 1].id);
      links.next = next.toString();
    }
    return { [key]: slice.map(view), links, metadata: { total_count: items.length } };
  }

  private zoneView(zone: Zone) {
    const rest: Partial<Zone> = { ...zone };
    delete rest.settlesAt;
    return {
      ...rest,
      project_id: 'fake-project',
      pool_id: 'fake-pool',
      description: null,
      masters: [],
      attributes: {},
      version: 1,
      transferred_at: null,
      shared: false,
      links: { self: `${this.url}/v2/zones/${zone.id}` },
    };
  }

  private rsView(rs: RecordSet) {
    const rest: Partial<RecordSet> = { ...rs };
    delete rest.settlesAt;
    const zone = this.zones.get(rs.zone_id);
    return {
      ...rest,
      zone_name: zone?.name,
      project_id: 'fake-project',
      links: { self: `${this.url}/v2/zones/${rs.zone_id}/recordsets/${rs.id}` },
    };
  }
}
