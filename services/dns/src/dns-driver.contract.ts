/**
 * The contract every DNS backend passes, exercised through OperatorDns (naming, sharding,
 * all-or-nothing) so the suite checks what callers see. `lookupCname`/`lookupTxt` read the
 * records from outside the driver (PowerDNS: real DNS queries; Route53: the API).
 * Drivers that record nothing (`manual`) must instead report every CNAME as required.
 */
import type { providerV1 } from '@poppy/contracts';
import { PoppyError } from '@poppy/domain';
import { createLogger } from '@poppy/platform';
import { CircuitBreakers } from '@poppy/resilience';
import type { DnsDriver } from './drivers/dns-driver';
import { OperatorDns, type OperatorDnsConfig } from './operator-dns';

export interface DnsDriverHarness {
  driver: DnsDriver;
  lookupCname(name: string): Promise<string | undefined>;
  lookupTxt(name: string): Promise<string[]>;
  /** Called after each test. */
  cleanup?(): Promise<void>;
}

let counter = 0;

export function describeDnsDriverContract(
  label: string,
  setup: () => Promise<DnsDriverHarness>,
): void {
  describe(`DNS driver contract: ${label}`, () => {
    let h: DnsDriverHarness;
    let breakers: CircuitBreakers;
    let suffix: string;
    const logger = createLogger('dns-contract', 'silent');

    const operator = (over: Partial<OperatorDnsConfig> = {}) =>
      new OperatorDns(
        h.driver,
        {
          suffix,
          shardPrefix: 'cdn',
          numShards: 3,
          recordsLimit: 400,
          sharedSslSuffix: `secure.${suffix}`,
          sharedSslShardPrefix: 'scdn',
          sharedSslNumShards: 2,
          url404: `notfound.${suffix}`,
          cnameTtl: 300,
          txtTtl: 60,
          retry: { attempts: 2, initialMs: 10, maxMs: 50 },
          ...over,
        },
        breakers,
        logger,
      );
    const link = (
      domain: string,
      href: string,
      extra: Partial<providerV1.ProviderLink> = {},
    ): providerV1.ProviderLink => ({
      domain,
      href,
      rel: 'access_url',
      ...extra,
    });
    /** The CNAME as the outside world sees it, or (manual) as the operator was told to create it. */
    const expectCname = async (
      required: Array<{ name: string; target: string }>,
      name: string,
      target: string | undefined,
    ) => {
      if (h.driver.manual) {
        if (target === undefined) expect(required.find((r) => r.name === name)).toBeUndefined();
        else expect(required).toContainEqual({ name, target });
      } else {
        expect(await h.lookupCname(name)).toBe(target);
      }
    };

    beforeEach(async () => {
      h = await setup();
      breakers = new CircuitBreakers(
        {
          timeoutMs: 5000,
          errorThresholdPercentage: 50,
          resetTimeoutMs: 1000,
          volumeThreshold: 100,
        },
        logger,
      );
      suffix = `t${process.pid}x${++counter}.example`;
    });
    afterEach(async () => {
      breakers.shutdown();
      await h.cleanup?.();
    });

    it('create names each access URL <domain>.cdn<N>.<suffix> and points it at the provider URL', async () => {
      const dns = operator();
      const out = await dns.create('Mock', [
        link('www.a.com', 'a.provider.net'),
        link('img.b.org', 'b.provider.net'),
        link('x.c.com', 'ignored', { rel: 'other' }),
      ]);
      expect(out.accessUrls).toHaveLength(2);
      for (const [i, domain] of ['www.a.com', 'img.b.org'].entries()) {
        const url = out.accessUrls[i]!;
        expect(url.domain).toBe(domain);
        expect(url.operator_url).toMatch(
          new RegExp(
            `^${domain.replace(/\./g, '\\.')}\\.cdn[1-3]\\.${suffix.replace(/\./g, '\\.')}$`,
          ),
        );
        await expectCname(out.requiredRecords, url.operator_url!, url.provider_url!);
      }
      expect(out.requiredRecords).toHaveLength(h.driver.manual ? 2 : 0);
      // Idempotent: the same call again names the same records.
      const again = await dns.create('Mock', [
        link('www.a.com', 'a.provider.net'),
        link('img.b.org', 'b.provider.net'),
      ]);
      expect(again.accessUrls.map((a) => a.operator_url)).toEqual(
        out.accessUrls.map((a) => a.operator_url),
      );
    });

    it('a shared-SSL domain is a CNAME named after itself', async () => {
      const dns = operator();
      const shards = await dns.sharedSslShards();
      expect([...shards].sort()).toEqual([`scdn1.secure.${suffix}`, `scdn2.secure.${suffix}`]);
      const domain = `mysite.${shards[0]}`;
      const out = await dns.create('Mock', [
        link(domain, 's.provider.net', { certificate: 'shared' }),
      ]);
      expect(out.accessUrls).toEqual([
        { domain, provider_url: 's.provider.net', operator_url: domain, shared_ssl_flag: true },
      ]);
      await expectCname(out.requiredRecords, domain, 's.provider.net');
    });

    it('update moves a changed domain, keeps a common one (re-pointed) and carries log delivery', async () => {
      const dns = operator();
      const first = await dns.create('Mock', [
        link('old.a.com', 'p1.provider.net'),
        link('keep.a.com', 'p1.provider.net'),
      ]);
      const logs = { log_delivery: [{ publicURL: 'https://swift/x' }] };
      const out = await dns.update(
        'Mock',
        [link('new.a.com', 'p2.provider.net'), link('keep.a.com', 'p2.provider.net')],
        [...first.accessUrls, logs],
      );
      const byDomain = new Map(out.accessUrls.map((a) => [a.domain, a]));
      const kept = byDomain.get('keep.a.com')!;
      expect(kept.operator_url).toBe(first.accessUrls[1]!.operator_url);
      expect(kept.provider_url).toBe('p2.provider.net');
      expect(byDomain.get('old.a.com')).toBeUndefined();
      expect(out.accessUrls).toContainEqual(logs);
      const added = byDomain.get('new.a.com')!;
      await expectCname(out.requiredRecords, added.operator_url!, 'p2.provider.net');
      await expectCname(out.requiredRecords, kept.operator_url!, 'p2.provider.net');
      if (!h.driver.manual)
        expect(await h.lookupCname(first.accessUrls[0]!.operator_url!)).toBeUndefined();
    });

    it('disable points every CNAME at the 404 target, enable back at the provider URL', async () => {
      const dns = operator();
      const { accessUrls } = await dns.create('Mock', [link('www.e.com', 'e.provider.net')]);
      const name = accessUrls[0]!.operator_url!;
      await expectCname(await dns.setTargets(accessUrls, 'disabled'), name, `notfound.${suffix}`);
      await expectCname(await dns.setTargets(accessUrls, 'enabled'), name, 'e.provider.net');
    });

    it('delete removes the records and deleting again succeeds', async () => {
      const dns = operator();
      const { accessUrls } = await dns.create('Mock', [link('www.d.com', 'd.provider.net')]);
      await dns.delete('Mock', accessUrls);
      await dns.delete('Mock', accessUrls);
      if (!h.driver.manual)
        expect(await h.lookupCname(accessUrls[0]!.operator_url!)).toBeUndefined();
    });

    it('TXT records (ACME DNS-01): values accumulate and are removed one by one', async () => {
      const dns = operator();
      await dns.create('Mock', [link('www.t.com', 't.provider.net')]);
      const name = `_acme-challenge.www.t.com.cdn1.${suffix}`;
      await dns.upsertTxt(name, 'token-one', 0);
      await dns.upsertTxt(name, 'token-two', 0);
      await dns.upsertTxt(name, 'token-two', 0);
      if (!h.driver.manual)
        expect((await h.lookupTxt(name)).sort()).toEqual(['token-one', 'token-two']);
      await dns.deleteTxt(name, 'token-one');
      if (!h.driver.manual) expect(await h.lookupTxt(name)).toEqual(['token-two']);
      await dns.deleteTxt(name, 'token-two');
      await dns.deleteTxt(name, 'token-two');
      expect(await h.lookupTxt(name)).toEqual([]);
    });

    it('bad names are invalid input, not backend errors', async () => {
      const dns = operator();
      await expect(dns.create('Mock', [link('bad name!', 'x.provider.net')])).rejects.toMatchObject(
        { kind: 'invalid' },
      );
      await expect(dns.upsertTxt('', 'v', 0)).rejects.toBeInstanceOf(PoppyError);
    });

    it('fills shards up to the records limit, then refuses with limit_exceeded', async () => {
      if (h.driver.manual) {
        // Nothing is recorded, so no zone ever fills.
        expect(await operator({ recordsLimit: 1 }).sharedSslShards()).toHaveLength(2);
        return;
      }
      const dns = operator({ numShards: 2 });
      await dns.create('Mock', [link('seed.f.com', 'f.provider.net')]);
      const base =
        (await h.driver.countRecords(`cdn1.${suffix}`)) ??
        (await h.driver.countRecords(`cdn2.${suffix}`));
      const limited = operator({ numShards: 2, recordsLimit: (base ?? 1) + 2 });
      const names: string[] = [];
      let error: unknown;
      for (let i = 0; i < 10 && !error; i++) {
        try {
          names.push(
            (await limited.create('Mock', [link(`n${i}.f.com`, 'f.provider.net')])).accessUrls[0]!
              .operator_url!,
          );
        } catch (e) {
          error = e;
        }
      }
      expect(error).toMatchObject({ kind: 'limit_exceeded' });
      expect(names.some((n) => n.endsWith(`.cdn1.${suffix}`))).toBe(true);
      expect(names.some((n) => n.endsWith(`.cdn2.${suffix}`))).toBe(true);
      for (const zone of [`cdn1.${suffix}`, `cdn2.${suffix}`])
        expect(await h.driver.countRecords(zone)).toBeLessThanOrEqual((base ?? 1) + 2);
    });
  });
}
