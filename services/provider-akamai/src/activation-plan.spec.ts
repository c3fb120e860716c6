import type { Activation } from './akamai-api';
import { everActivated, nextActivationStep, pendingActivations } from './activation-plan';

let n = 0;
const activation = (over: Partial<Activation>): Activation => ({
  activationId: `atv_${++n}`,
  propertyVersion: 2,
  network: 'STAGING',
  activationType: 'ACTIVATE',
  status: 'ACTIVE',
  submitDate: `2024-01-01T00:00:${String(n).padStart(2, '0')}Z`,
  ...over,
});

describe('nextActivationStep', () => {
  it('activates staging first, then production, then reports deployed', () => {
    expect(nextActivationStep([], 2)).toEqual({ kind: 'activate', network: 'STAGING' });
    const staged = activation({});
    expect(nextActivationStep([staged], 2)).toEqual({ kind: 'activate', network: 'PRODUCTION' });
    expect(nextActivationStep([staged, activation({ network: 'PRODUCTION' })], 2)).toEqual({
      kind: 'deployed',
    });
  });

  it('waits while an activation of the version is pending', () => {
    expect(nextActivationStep([activation({ status: 'PENDING' })], 2)).toEqual({
      kind: 'wait',
      network: 'STAGING',
    });
    expect(
      nextActivationStep(
        [activation({}), activation({ network: 'PRODUCTION', status: 'ZONE_2' })],
        2,
      ),
    ).toEqual({ kind: 'wait', network: 'PRODUCTION' });
  });

  it('reports a failed staging activation with the vendor message', () => {
    const step = nextActivationStep(
      [
        activation({
          activationId: 'atv_9',
          status: 'FAILED',
          failureMessage: 'origin unreachable',
        }),
      ],
      2,
    );
    expect(step).toEqual({
      kind: 'failed',
      network: 'STAGING',
      message: 'staging activation atv_9 of version 2 failed: origin unreachable',
    });
  });

  it('only looks at the version asked about, and at its newest activation', () => {
    const older = activation({ propertyVersion: 1 });
    expect(nextActivationStep([older], 2)).toEqual({ kind: 'activate', network: 'STAGING' });
    const deactivated = activation({ status: 'DEACTIVATED' });
    const reactivated = activation({ status: 'PENDING' });
    expect(nextActivationStep([deactivated, reactivated], 2)).toEqual({
      kind: 'wait',
      network: 'STAGING',
    });
    expect(everActivated([older], 1)).toBe(true);
    expect(everActivated([older], 2)).toBe(false);
    expect(
      pendingActivations([older, reactivated, activation({ status: 'PENDING_DEACTIVATION' })])
        .length,
    ).toBe(2);
  });
});
