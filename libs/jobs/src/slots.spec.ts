import { Slots } from './slots';

describe('Slots', () => {
  it('reserves up to the free capacity when asked for more', async () => {
    const slots = new Slots(4);
    expect(await slots.acquire(3)).toBe(3);
    expect(await slots.acquire(3)).toBe(1);
    expect(slots.inUse).toBe(4);
  });

  it('waits for a release when every slot is taken', async () => {
    const slots = new Slots(1);
    await slots.acquire(1);
    let got: number | undefined;
    const waiting = slots.acquire(5).then((n) => (got = n));
    await Promise.resolve();
    expect(got).toBeUndefined();
    slots.release(1);
    await waiting;
    expect(got).toBe(1);
  });

  it('returns 0 to waiters and later callers when closed', async () => {
    const slots = new Slots(1);
    await slots.acquire(1);
    const waiting = slots.acquire(1);
    slots.close();
    expect(await waiting).toBe(0);
    expect(await slots.acquire(1)).toBe(0);
  });
});
