import { flavorToWire } from '@poppy/contracts';
import { notFound } from '@poppy/domain';
import { FlavorCache } from './flavor-cache';

describe('FlavorCache', () => {
  it('asks the catalog once per ttl, and again after it', async () => {
    let calls = 0;
    let now = 0;
    const cache = new FlavorCache(
      {
        getFlavor: async () => (
          calls++,
          {
            flavor: flavorToWire({ id: 'f', providers: [{ provider: 'mock', provider_url: 'u' }] }),
          }
        ),
      },
      1000,
      () => now,
    );
    expect((await cache.get('f')).providers).toEqual([{ provider: 'mock', provider_url: 'u' }]);
    await cache.get('f');
    expect(calls).toBe(1);
    now = 1001;
    await cache.get('f');
    expect(calls).toBe(2);
  });

  it('does not keep a failed look-up', async () => {
    let fail = true;
    const cache = new FlavorCache({
      getFlavor: async () => {
        if (fail) throw notFound('no such flavor');
        return { flavor: flavorToWire({ id: 'f', providers: [] }) };
      },
    });
    await expect(cache.get('f')).rejects.toMatchObject({ kind: 'not_found' });
    fail = false;
    await expect(cache.get('f')).resolves.toMatchObject({ id: 'f' });
  });
});
