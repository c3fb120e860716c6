import { ExpiringLru } from './expiring-lru';

describe('ExpiringLru', () => {
  it('drops entries at their expiry and the least recently used beyond its size', () => {
    let now = 1000;
    const lru = new ExpiringLru<string>(2, () => now);
    lru.set('a', 'A', 2000);
    lru.set('b', 'B', 5000);
    expect(lru.get('a')).toBe('A'); // a is now the most recently used
    lru.set('c', 'C', 5000);
    expect([lru.get('a'), lru.get('b'), lru.get('c'), lru.size]).toEqual(['A', undefined, 'C', 2]);
    now = 2000;
    expect([lru.get('a'), lru.get('c')]).toEqual([undefined, 'C']);
    lru.set('d', 'D', 1500); // already expired: not kept
    expect(lru.get('d')).toBeUndefined();
  });
});
