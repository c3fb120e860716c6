/**
 * The contract of the Akamai operator state (akamai-state-store.ts) every catalog store
 * driver passes; wired into each driver's spec next to describeCatalogStoreContract.
 */
import type { StoreFactory } from './catalog-store.contract';
import type { CatalogStore } from './catalog-store';

const item = (domain: string, extra: Record<string, unknown> = {}) => ({
  domain_name: domain,
  flavor_id: 'cdn',
  project_id: 'p1',
  cert_type: 'san',
  ...extra,
});

export function describeAkamaiStateContract(driver: string, makeStore: StoreFactory): void {
  describe(`AkamaiStateStore contract: ${driver}`, () => {
    let store: CatalogStore;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('starts with empty queues, kept apart from each other', async () => {
      expect(await store.akamai.readQueue('san_mapping')).toEqual([]);
      expect(await store.akamai.readQueue('retry_list')).toEqual([]);
      await store.akamai.updateQueue('san_mapping', () => [item('a.example.com')]);
      expect(await store.akamai.readQueue('retry_list')).toEqual([]);
    });

    it('replaces a queue, reporting the items before and after, in order', async () => {
      const first = await store.akamai.updateQueue('retry_list', () => [
        item('a.example.com'),
        item('b.example.com', { validate_service: false }),
      ]);
      expect(first.before).toEqual([]);
      const second = await store.akamai.updateQueue('retry_list', (now) => [
        ...now.slice(1),
        item('c.example.com'),
      ]);
      expect(second.before.map((i) => i.domain_name)).toEqual(['a.example.com', 'b.example.com']);
      expect(second.after.map((i) => i.domain_name)).toEqual(['b.example.com', 'c.example.com']);
      expect(await store.akamai.readQueue('retry_list')).toEqual(second.after);
      expect((await store.akamai.readQueue('retry_list'))[0]).toEqual(
        item('b.example.com', { validate_service: false }),
      );
    });

    it('loses no item when several writers append at once', async () => {
      await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          store.akamai.updateQueue('san_mapping', (now) => [...now, item(`d${i}.example.com`)]),
        ),
      );
      const domains = (await store.akamai.readQueue('san_mapping')).map((i) => i.domain_name);
      expect([...domains].sort()).toEqual(
        Array.from({ length: 6 }, (_, i) => `d${i}.example.com`).sort(),
      );
    });

    it('drains a queue: the items come out once', async () => {
      await store.akamai.updateQueue('san_mapping', () => [item('a.example.com')]);
      const drained = await store.akamai.updateQueue('san_mapping', () => []);
      expect(drained.before).toEqual([item('a.example.com')]);
      expect(await store.akamai.readQueue('san_mapping')).toEqual([]);
    });

    it('stores configuration per kind and name, the last write winning', async () => {
      expect(await store.akamai.getConfig('san', 'secure1.san1.example.com')).toBeUndefined();
      await store.akamai.putConfig('san', 'secure1.san1.example.com', {
        spsId: '7',
        enabled: true,
      });
      await store.akamai.putConfig('settings', 'san_cert_hostname_limit', {
        san_cert_hostname_limit: 50,
      });
      await store.akamai.putConfig('san', 'secure1.san1.example.com', {
        spsId: '8',
        enabled: false,
      });
      expect(await store.akamai.getConfig('san', 'secure1.san1.example.com')).toEqual({
        spsId: '8',
        enabled: false,
      });
      expect(await store.akamai.getConfig('sni', 'secure1.san1.example.com')).toBeUndefined();
      expect(await store.akamai.getConfig('settings', 'san_cert_hostname_limit')).toEqual({
        san_cert_hostname_limit: 50,
      });
    });
  });
}
