import type { catalogV1 } from '@poppy/contracts';
import { WriteBackBatcher } from './write-back-batcher';

function request(serviceId: string): catalogV1.UpdateProvisioningRequest {
  return {
    project_id: 'p',
    service_id: serviceId,
    generation: 1,
    provider_details: {},
    deleted: false,
    expected_provider_details: {},
    expects_provider_details: false,
  };
}

describe('WriteBackBatcher', () => {
  it('sends the write-backs of one turn in one call and answers each with its own result', async () => {
    const calls: string[][] = [];
    const batcher = new WriteBackBatcher({
      updateProvisioningBatch: async (req) => {
        calls.push(req.updates.map((u) => u.service_id));
        return { applied: req.updates.map((u) => u.service_id !== 'stale') };
      },
    });
    const results = await Promise.all(
      ['a', 'stale', 'b'].map((id) => batcher.updateProvisioning(request(id))),
    );
    expect(results).toEqual([{ applied: true }, { applied: false }, { applied: true }]);
    expect(calls).toEqual([['a', 'stale', 'b']]);
    await batcher.updateProvisioning(request('c'));
    expect(calls).toEqual([['a', 'stale', 'b'], ['c']]);
  });

  it('splits at the batch size, and a failed call fails every write-back of its batch', async () => {
    const sizes: number[] = [];
    const batcher = new WriteBackBatcher(
      {
        updateProvisioningBatch: async (req) => {
          sizes.push(req.updates.length);
          if (req.updates.some((u) => u.service_id === 'boom'))
            throw new Error('catalog unavailable');
          return { applied: req.updates.map(() => true) };
        },
      },
      2,
    );
    const outcomes = await Promise.allSettled(
      ['a', 'b', 'boom', 'c'].map((id) => batcher.updateProvisioning(request(id))),
    );
    expect(sizes).toEqual([2, 2]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
    ]);
  });
});
