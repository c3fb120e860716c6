/**
 * The operator's CNAMEs for access URLs (docs/behaviour.md §4.13, §6.10, §13.3), over any DnsDriver.
 *
 * - A customer domain `d` gets the CNAME `d.<shard_prefix><N>.<suffix>` → provider URL in the
 *   shard zone `<shard_prefix><N>.<suffix>`. The shard is chosen per domain: shards are tried
 *   in an order derived from the domain name (so a retried call lands in the same zone),
 *   skipping zones with `recordsLimit` records or more; zones are created on first use.
 * - A shared-SSL domain (`label.scdnN.<shared suffix>`, link certificate `shared`) is a CNAME
 *   named after itself in the zone of its shard.
 * - Every call is all-or-nothing: when a step fails, the records this call created are
 *   removed again before the error goes back, so a retry starts clean.
 * - Each backend call is retried with exponential backoff on retryable errors, through the
 *   circuit breaker `dns` (libs/resilience); the last error is the call's error.
 */
import { createHash } from 'node:crypto';
import type { providerV1 } from '@poppy/contracts';
import { invalid, limitExceeded, PoppyError, unavailable, type AccessUrl } from '@poppy/domain';
import type { Logger } from '@poppy/platform';
import { retryDelayMs, type CircuitBreakers } from '@poppy/resilience';
import { DnsBackendError, stripDot, type DnsDriver } from './drivers/dns-driver';

export interface OperatorDnsConfig {
  /** Operator CDN zone suffix, e.g. `poppycdn.net`. */
  suffix: string;
  shardPrefix: string;
  /** Shards `<prefix>1..N`; 0 = records straight in `suffix`. */
  numShards: number;
  recordsLimit: number;
  sharedSslSuffix: string;
  sharedSslShardPrefix: string;
  sharedSslNumShards: number;
  /** Where disabled services' CNAMEs point. */
  url404: string;
  cnameTtl: number;
  txtTtl: number;
  retry: { attempts: number; initialMs: number; maxMs: number };
}

export interface CnameRecord {
  name: string;
  target: string;
}

export interface MappedUrls {
  accessUrls: AccessUrl[];
  /** Manual driver: what the operator must create. */
  requiredRecords: CnameRecord[];
}

const BREAKER = 'dns';

const isLogDelivery = (a: AccessUrl) => a.log_delivery !== undefined && a.log_delivery.length > 0;

export class OperatorDns {
  constructor(
    private readonly driver: DnsDriver,
    private readonly config: OperatorDnsConfig,
    private readonly breakers: CircuitBreakers,
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((r) => setTimeout(r, ms)),
  ) {}

  get dnsName(): string {
    return this.driver.dnsName;
  }
  get manual(): boolean {
    return this.driver.manual;
  }

  isAlive(): Promise<boolean> {
    return this.driver.isAlive();
  }

  /** The shard zones for normal domains. */
  shards(): string[] {
    const { suffix, shardPrefix, numShards } = this.config;
    if (numShards === 0) return [suffix];
    return Array.from({ length: numShards }, (_, i) => `${shardPrefix}${i + 1}.${suffix}`);
  }

  /** Shared-SSL shard suffixes with room, in random order (docs/behaviour.md §4.13). */
  async sharedSslShards(): Promise<string[]> {
    const { sharedSslSuffix, sharedSslShardPrefix, sharedSslNumShards } = this.config;
    const all =
      sharedSslNumShards === 0
        ? [sharedSslSuffix]
        : Array.from(
            { length: sharedSslNumShards },
            (_, i) => `${sharedSslShardPrefix}${i + 1}.${sharedSslSuffix}`,
          );
    const open: string[] = [];
    for (const shard of all) if (!(await this.isFull(shard))) open.push(shard);
    for (let i = open.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [open[i], open[j]] = [open[j]!, open[i]!];
    }
    return open;
  }

  async create(providerName: string, links: providerV1.ProviderLink[]): Promise<MappedUrls> {
    const accessUrls: AccessUrl[] = [];
    const records: Array<CnameRecord & { zone: string }> = [];
    for (const link of links) {
      if (link.rel && link.rel !== 'access_url') continue;
      const domain = this.checkName(link.domain, 'link domain');
      const target = this.checkName(link.href, 'link href');
      const shared = link.certificate === 'shared';
      const zone = shared ? parentOf(domain) : await this.chooseShard(domain);
      const name = shared ? domain : `${domain}.${zone}`;
      records.push({ zone, name, target });
      const url: AccessUrl = { domain: link.domain, provider_url: link.href, operator_url: name };
      if (shared) url.shared_ssl_flag = true;
      if (link.old_operator_url) url.old_operator_url = link.old_operator_url;
      accessUrls.push(url);
    }
    await this.applyAll(providerName, records);
    return { accessUrls, requiredRecords: this.required(records) };
  }

  async update(
    providerName: string,
    links: providerV1.ProviderLink[],
    previous: AccessUrl[],
  ): Promise<MappedUrls> {
    const before = new Map<string, AccessUrl>();
    for (const a of previous)
      if (!isLogDelivery(a) && a.domain) before.set(a.domain.toLowerCase(), a);
    const current = links.filter((l) => !l.rel || l.rel === 'access_url');
    const added = current.filter((l) => !before.has(l.domain.toLowerCase()));
    const kept = current.filter((l) => before.has(l.domain.toLowerCase()));
    const wanted = new Set(current.map((l) => l.domain.toLowerCase()));
    const removed = [...before.values()].filter((a) => !wanted.has(a.domain!.toLowerCase()));

    // Added domains first (all-or-nothing); then re-point kept ones; removals last, so a
    // failure before them leaves the old records serving.
    const created = await this.create(providerName, added);
    const accessUrls = [...created.accessUrls];
    const repoint: Array<CnameRecord & { zone: string }> = [];
    for (const link of kept) {
      const old = before.get(link.domain.toLowerCase())!;
      const url: AccessUrl = { ...old, provider_url: link.href };
      accessUrls.push(url);
      if (old.operator_url && old.operator_url !== old.provider_url) {
        repoint.push({
          zone: this.zoneOf(old),
          name: old.operator_url,
          target: this.checkName(link.href, 'link href'),
        });
      }
    }
    try {
      for (const r of repoint)
        await this.call(`re-point ${r.name}`, () =>
          this.driver.upsertCname(r.zone, r.name, r.target, this.config.cnameTtl),
        );
    } catch (err) {
      await this.undo(providerName, created.accessUrls);
      throw this.failure(err, providerName);
    }
    await this.delete(providerName, removed);
    const logs = previous.filter(isLogDelivery);
    return {
      accessUrls: [...accessUrls, ...logs],
      requiredRecords: [...created.requiredRecords, ...this.required(repoint)],
    };
  }

  async delete(providerName: string, accessUrls: AccessUrl[]): Promise<void> {
    try {
      for (const a of this.withRecords(accessUrls)) {
        await this.call(`delete ${a.operator_url}`, () =>
          this.driver.deleteCname(this.zoneOf(a), a.operator_url!),
        );
      }
    } catch (err) {
      throw this.failure(err, providerName);
    }
  }

  /** Enable (every CNAME → its provider URL) or disable (→ the 404 target). */
  async setTargets(accessUrls: AccessUrl[], state: 'enabled' | 'disabled'): Promise<CnameRecord[]> {
    const records = this.withRecords(accessUrls).map((a) => ({
      zone: this.zoneOf(a),
      name: a.operator_url!,
      target: state === 'enabled' ? a.provider_url! : this.config.url404,
    }));
    try {
      for (const r of records) {
        await this.call(`ensure zone ${r.zone}`, () => this.driver.ensureZone(r.zone));
        await this.call(`point ${r.name}`, () =>
          this.driver.upsertCname(r.zone, r.name, r.target, this.config.cnameTtl),
        );
      }
    } catch (err) {
      throw this.failure(err, state === 'enabled' ? 'enable' : 'disable');
    }
    return this.required(records);
  }

  /**
   * Operator rename (docs/behaviour.md §10.4): `to` → `target` in the shard zone `to` lies in, then
   * the old name `from` goes. All-or-nothing: a failure removes the new record again
   * (unless it existed before the call).
   */
  async move(domain: string, from: string, to: string, target: string): Promise<CnameRecord[]> {
    const name = this.checkName(to, 'operator_url');
    const pointTo = this.checkName(target, 'target');
    const zone = this.shards().find((z) => name.endsWith(`.${z}`));
    if (!zone) {
      throw invalid(
        `operator_url: '${to}' lies in no DNS shard zone (${this.shards().join(', ')})`,
      );
    }
    const old: AccessUrl = { domain, operator_url: from, provider_url: pointTo };
    let created = false;
    try {
      await this.call(`ensure zone ${zone}`, () => this.driver.ensureZone(zone));
      const before = await this.call(`read ${name}`, () => this.driver.getCname(zone, name));
      await this.call(`create ${name}`, () =>
        this.driver.upsertCname(zone, name, pointTo, this.config.cnameTtl),
      );
      created = before === undefined;
      if (from && stripDot(from) !== name && stripDot(from) !== pointTo) {
        await this.call(`delete ${from}`, () =>
          this.driver.deleteCname(this.zoneOf(old), stripDot(from)),
        );
      }
    } catch (err) {
      if (created) await this.undo('move', [{ operator_url: name, zone }]);
      throw this.failure(err, 'move');
    }
    return this.required([{ name, target: pointTo }]);
  }

  async upsertTxt(name: string, value: string, ttl: number): Promise<void> {
    const fqdn = this.checkName(name, 'name');
    if (!value) throw invalid('value: a TXT value is required');
    try {
      const zone = await this.txtZone(fqdn);
      const values = await this.call(`read TXT ${fqdn}`, () => this.driver.getTxt(zone, fqdn));
      if (values.includes(value)) return;
      await this.call(`write TXT ${fqdn}`, () =>
        this.driver.setTxt(zone, fqdn, [...values, value], ttl || this.config.txtTtl),
      );
    } catch (err) {
      throw this.failure(err, 'TXT');
    }
  }

  async deleteTxt(name: string, value: string): Promise<void> {
    const fqdn = this.checkName(name, 'name');
    try {
      const zone = await this.call(`find zone of ${fqdn}`, () => this.driver.findZone(fqdn));
      if (!zone) return;
      const values = await this.call(`read TXT ${fqdn}`, () => this.driver.getTxt(zone, fqdn));
      if (!values.includes(value)) return;
      await this.call(`write TXT ${fqdn}`, () =>
        this.driver.setTxt(
          zone,
          fqdn,
          values.filter((v) => v !== value),
          this.config.txtTtl,
        ),
      );
    } catch (err) {
      throw this.failure(err, 'TXT');
    }
  }

  // ---------------------------------------------------------------------------------------

  private async txtZone(fqdn: string): Promise<string> {
    const existing = await this.call(`find zone of ${fqdn}`, () => this.driver.findZone(fqdn));
    if (existing) return existing;
    // `_acme-challenge.www.example.com` → zone `www.example.com` (delegated by the operator).
    const zone = parentOf(fqdn);
    await this.call(`ensure zone ${zone}`, () => this.driver.ensureZone(zone));
    return zone;
  }

  private required(records: CnameRecord[]): CnameRecord[] {
    return this.driver.manual ? records.map(({ name, target }) => ({ name, target })) : [];
  }

  /** Access URLs that have an operator CNAME of their own. */
  private withRecords(accessUrls: AccessUrl[]): AccessUrl[] {
    return accessUrls.filter(
      (a) =>
        !isLogDelivery(a) && a.operator_url && a.provider_url && a.operator_url !== a.provider_url,
    );
  }

  /** The zone holding an access URL's operator CNAME. */
  private zoneOf(a: AccessUrl): string {
    const name = stripDot(a.operator_url!);
    if (a.shared_ssl_flag) return parentOf(name);
    const domain = a.domain ? stripDot(a.domain) : '';
    if (domain && name.startsWith(`${domain}.`)) return name.slice(domain.length + 1);
    const shard = this.shards().find((z) => name.endsWith(`.${z}`));
    return shard ?? parentOf(name);
  }

  private async isFull(zone: string): Promise<boolean> {
    const count = await this.call(`count ${zone}`, () => this.driver.countRecords(zone));
    // A missing zone is empty: the service creates it on first use.
    return count !== undefined && count >= this.config.recordsLimit;
  }

  private async chooseShard(domain: string): Promise<string> {
    const shards = this.shards();
    const start = createHash('sha1').update(domain).digest().readUInt32BE(0) % shards.length;
    for (let i = 0; i < shards.length; i++) {
      const zone = shards[(start + i) % shards.length]!;
      if (
        !(await this.isFull(zone).catch((err: unknown) =>
          Promise.reject(this.failure(err, 'shards')),
        ))
      )
        return zone;
    }
    throw limitExceeded(
      `every DNS shard zone holds ${this.config.recordsLimit} records or more; add shards`,
    );
  }

  private async applyAll(
    providerName: string,
    records: Array<CnameRecord & { zone: string }>,
  ): Promise<void> {
    const done: Array<CnameRecord & { zone: string }> = [];
    try {
      for (const r of records) {
        await this.call(`ensure zone ${r.zone}`, () => this.driver.ensureZone(r.zone));
        const before = await this.call(`read ${r.name}`, () =>
          this.driver.getCname(r.zone, r.name),
        );
        await this.call(`create ${r.name}`, () =>
          this.driver.upsertCname(r.zone, r.name, r.target, this.config.cnameTtl),
        );
        if (before === undefined) done.push(r);
      }
    } catch (err) {
      await this.undo(
        providerName,
        done.map((r) => ({
          domain: undefined,
          operator_url: r.name,
          provider_url: r.target,
          zone: r.zone,
        })),
      );
      throw this.failure(err, providerName);
    }
  }

  /** Best effort: removes records this call created (one try each, errors logged). */
  private async undo(
    providerName: string,
    urls: Array<AccessUrl & { zone?: string }>,
  ): Promise<void> {
    for (const a of urls) {
      if (!a.operator_url) continue;
      const zone = a.zone ?? this.zoneOf(a);
      try {
        await this.driver.deleteCname(zone, a.operator_url);
      } catch (err) {
        this.logger.error(
          { provider: providerName, record: a.operator_url, err },
          'could not undo a DNS record of a failed call',
        );
      }
    }
  }

  private checkName(value: string | undefined, what: string): string {
    const name = stripDot(value ?? '');
    if (
      !name ||
      name.length > 253 ||
      !/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(name)
    ) {
      throw invalid(`${what}: '${value ?? ''}' is not a DNS name`);
    }
    return name;
  }

  /** One backend call, retried with backoff on retryable errors through the breaker. */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { attempts, initialMs, maxMs } = this.config.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.breakers.call(BREAKER, fn);
      } catch (err) {
        const retryable = (err as { retryable?: unknown }).retryable !== false;
        if (!retryable || attempt >= attempts) throw err;
        const delay = retryDelayMs(err, attempt, {
          initialMs,
          maxMs,
          jitter: 0.2,
          maxRetryAfterMs: maxMs,
        });
        this.logger.warn(
          { what, attempt, delayMs: delay, err: (err as Error).message },
          'DNS call failed; retrying',
        );
        await this.sleep(delay);
      }
    }
  }

  private failure(err: unknown, context: string): PoppyError {
    if (err instanceof PoppyError) return err;
    const message = `DNS (${this.driver.dnsName}) failed for ${context}: ${(err as Error).message ?? String(err)}`;
    const retryable = (err as { retryable?: unknown }).retryable !== false;
    if (retryable) return unavailable(message, err);
    if (!(err instanceof DnsBackendError)) this.logger.error({ err }, 'unexpected DNS error');
    return new PoppyError('internal', message, { cause: err });
  }
}

function parentOf(name: string): string {
  return stripDot(name).split('.').slice(1).join('.');
}
