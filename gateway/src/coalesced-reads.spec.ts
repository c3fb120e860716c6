import { notFound } from '@poppy/domain';
import { Coalescer } from './coalesced-reads';

describe('Coalescer', () => {
  const echoing = () => {
    const batches: number[][] = [];
    const coalescer = new Coalescer<number, string>(async (requests) => {
      batches.push(requests);
      return requests.map((n) => (n < 0 ? notFound(`no ${n}`) : `#${n}`));
    });
    return { batches, coalescer };
  };

  it('sends the calls made in one turn of the event loop as one batch, answering each in order', async () => {
    const { batches, coalescer } = echoing();
    const answers = await Promise.all([1, 2, 3].map((n) => coalescer.call(n)));
    expect(answers).toEqual(['#1', '#2', '#3']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('sends calls of later turns in later batches', async () => {
    const { batches, coalescer } = echoing();
    await coalescer.call(1);
    await coalescer.call(2);
    expect(batches).toEqual([[1], [2]]);
  });

  it('rejects only the items that failed, with their own error', async () => {
    const { coalescer } = echoing();
    const results = await Promise.allSettled([
      coalescer.call(1),
      coalescer.call(-2),
      coalescer.call(3),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      kind: 'not_found',
      detail: 'no -2',
    });
  });

  it('rejects every item of a batch whose call failed', async () => {
    const coalescer = new Coalescer<number, string>(async () => {
      throw new Error('catalog down');
    });
    const results = await Promise.allSettled([coalescer.call(1), coalescer.call(2)]);
    expect(results.map((r) => (r as PromiseRejectedResult).reason?.message)).toEqual([
      'catalog down',
      'catalog down',
    ]);
  });

  it('rejects a batch answered with the wrong number of results', async () => {
    const coalescer = new Coalescer<number, string>(async () => ['only one']);
    await expect(Promise.all([coalescer.call(1), coalescer.call(2)])).rejects.toThrow(
      'a batch of 2 came back with 1 results',
    );
  });

  it('splits a large burst into batches of at most 128', async () => {
    const { batches, coalescer } = echoing();
    await Promise.all(Array.from({ length: 300 }, (_, i) => coalescer.call(i)));
    expect(batches.map((b) => b.length)).toEqual([128, 128, 44]);
  });
});
