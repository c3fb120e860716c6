import { createLogger } from '@poppy/platform';
import { CircuitBreakers } from '@poppy/resilience';
import { DnsBackendError, type DnsDriver } from './drivers/dns-driver';
import { OperatorDns, type OperatorDnsConfig } from './operator-dns';

/** Records in memory; `failures` makes the next calls of an operation throw. */
class MemoryDriver implements DnsDriver {
  readonly dnsName = 'Memory';
  readonly manual = false;
  readonly zones = new Map<string, Map<string, string>>();
  readonly calls: string[] = [];
  failures: Array<{
    op: string;
    times: number;
    error: DnsBackendError;
    when?: (name: string) => boolean;
  }> = [];

  private maybeFail(op: string, name = ''): void {
    this.calls.push(`${op} ${name}`.trim());
    const f = this.failures.find((x) => x.op === op && x.times > 0 && (!x.when || x.when(name)));
    if (f) {
      f.times -= 1;
      throw f.error;
    }
  }
  async isAlive() {
    return true;
  }
  async ensureZone(zone: string) {
    this.maybeFail('ensureZone', zone);
    if (!this.zones.has(zone)) this.zones.set(zone, new Map());
  }
  async countRecords(zone: string) {
    return this.zones.get(zone)?.size;
  }
  async findZone(name: string) {
    return [...this.zones.keys()].find((z) => name.endsWith(`.${z}`));
  }
  async upsertCname(zone: string, name: string, target: string) {
    this.maybeFail('upsertCname', name);
    this.zones.get(zone)!.set(name, target);
  }
  async deleteCname(zone: string, name: string) {
    this.maybeFail('deleteCname', name);
    this.zones.get(zone)?.delete(name);
  }
  async getCname(zone: string, name: string) {
    return this.zones.get(zone)?.get(name);
  }
  async setTxt() {}
  async getTxt() {
    return [];
  }
  records(): string[] {
    return [...this.zones.values()].flatMap((z) => [...z.entries()].map(([n, t]) => `${n}->${t}`));
  }
}

const CONFIG: OperatorDnsConfig = {
  suffix: 'cdn.test',
  shardPrefix: 'cdn',
  numShards: 2,
  recordsLimit: 100,
  sharedSslSuffix: 'secure.cdn.test',
  sharedSslShardPrefix: 'scdn',
  sharedSslNumShards: 2,
  url404: 'notfound.cdn.test',
  cnameTtl: 300,
  txtTtl: 60,
  retry: { attempts: 4, initialMs: 100, maxMs: 1000 },
};
const logger = createLogger('dns-test', 'silent');
const links = [
  { domain: 'a.example.com', href: 'a.vendor.net', rel: 'access_url' },
  { domain: 'b.example.com', href: 'b.vendor.net', rel: 'access_url' },
];

describe('OperatorDns', () => {
  let driver: MemoryDriver;
  let breakers: CircuitBreakers;
  let sleeps: number[];
  let dns: OperatorDns;

  beforeEach(() => {
    driver = new MemoryDriver();
    breakers = new CircuitBreakers(
      { timeoutMs: 0, errorThresholdPercentage: 50, resetTimeoutMs: 60_000, volumeThreshold: 1000 },
      logger,
    );
    sleeps = [];
    dns = new OperatorDns(driver, CONFIG, breakers, logger, async (ms) => {
      sleeps.push(ms);
    });
  });
  afterEach(() => breakers.shutdown());

  it('retries retryable errors with exponential backoff, then succeeds', async () => {
    driver.failures = [
      { op: 'upsertCname', times: 2, error: new DnsBackendError('connection refused', true) },
    ];
    const out = await dns.create('Mock', links);
    expect(out.accessUrls.map((a) => a.operator_url)).toHaveLength(2);
    expect(driver.records()).toHaveLength(2);
    expect(sleeps).toHaveLength(2);
    // Backoff 100 then 200 (20 % jitter downwards at most).
    expect(sleeps[0]).toBeGreaterThanOrEqual(80);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(160);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
  });

  it('after the last retry: unavailable with the DNS error, and the records this call made are gone', async () => {
    driver.failures = [
      {
        op: 'upsertCname',
        times: 99,
        error: new DnsBackendError('timed out', true),
        when: (n) => n.startsWith('b.'),
      },
    ];
    await expect(dns.create('Mock', links)).rejects.toMatchObject({
      kind: 'unavailable',
      message: expect.stringMatching(/DNS \(Memory\) failed for Mock: timed out/),
    });
    expect(sleeps).toHaveLength(CONFIG.retry.attempts - 1);
    expect(driver.records()).toEqual([]);
  });

  it('a non-retryable error is not retried and is not "unavailable"', async () => {
    driver.failures = [
      {
        op: 'ensureZone',
        times: 1,
        error: new DnsBackendError('HTTP 422 bad zone', false, 'HTTP 422'),
      },
    ];
    await expect(dns.create('Mock', links)).rejects.toMatchObject({ kind: 'internal' });
    expect(sleeps).toEqual([]);
  });

  it('a record that existed before a failed call is left alone (only what the call created is undone)', async () => {
    await dns.create('Mock', [links[0]!]);
    const before = driver.records();
    driver.failures = [
      {
        op: 'upsertCname',
        times: 99,
        error: new DnsBackendError('down', true),
        when: (n) => n.startsWith('b.'),
      },
    ];
    await expect(dns.create('Mock', links)).rejects.toMatchObject({ kind: 'unavailable' });
    expect(driver.records()).toEqual(before);
  });

  it('update: a failure while adding leaves the old records serving and removes the new ones', async () => {
    const { accessUrls } = await dns.create('Mock', [links[0]!]);
    driver.failures = [
      {
        op: 'upsertCname',
        times: 99,
        error: new DnsBackendError('down', true),
        when: (n) => n.startsWith('c.'),
      },
    ];
    await expect(
      dns.update(
        'Mock',
        [
          { domain: 'b.example.com', href: 'b.vendor.net', rel: 'access_url' },
          { domain: 'c.example.com', href: 'c.vendor.net', rel: 'access_url' },
        ],
        accessUrls,
      ),
    ).rejects.toMatchObject({ kind: 'unavailable' });
    expect(driver.records()).toEqual([`${accessUrls[0]!.operator_url}->a.vendor.net`]);
  });

  it('same domain, same shard: the shard is a function of the domain name', async () => {
    const one = await dns.create('Mock', links);
    const other = new OperatorDns(new MemoryDriver(), CONFIG, breakers, logger);
    const two = await other.create('Mock', links);
    expect(two.accessUrls).toEqual(one.accessUrls);
  });

  it('access URLs without a CNAME of their own (pass-through) are not touched on delete/disable', async () => {
    await dns.delete('Mock', [
      { domain: 'x.com', provider_url: 'x.vendor.net', operator_url: 'x.vendor.net' },
    ]);
    await dns.setTargets(
      [{ domain: 'x.com', provider_url: 'x.vendor.net', operator_url: 'x.vendor.net' }],
      'disabled',
    );
    expect(driver.calls).toEqual([]);
  });

  it('an open breaker fails fast as unavailable', async () => {
    const tripping = new CircuitBreakers(
      { timeoutMs: 0, errorThresholdPercentage: 1, resetTimeoutMs: 60_000, volumeThreshold: 1 },
      logger,
    );
    try {
      const fast = new OperatorDns(
        driver,
        { ...CONFIG, retry: { attempts: 1, initialMs: 1, maxMs: 1 } },
        tripping,
        logger,
      );
      driver.failures = [{ op: 'ensureZone', times: 1, error: new DnsBackendError('down', true) }];
      await expect(fast.create('Mock', links)).rejects.toMatchObject({ kind: 'unavailable' });
      const callsBefore = driver.calls.length;
      await expect(fast.create('Mock', links)).rejects.toMatchObject({
        kind: 'unavailable',
        message: expect.stringMatching(/circuit breaker/),
      });
      expect(driver.calls.length).toBe(callsBefore);
    } finally {
      tripping.shutdown();
    }
  });
});
