/**
 * What to do next for a property version on its way to production (pure; the driver calls
 * it with what PAPI reported). Staging first, then production, as Akamai recommends:
 *
 * - no activation of the version on a network yet → activate it there;
 * - one pending → wait (provisioning's reconciler calls again);
 * - one FAILED or ABORTED → failed, with the vendor's failure cause for the tenant;
 * - ACTIVE on staging → production next; ACTIVE on both → deployed.
 */
import type { Activation, Network } from './akamai-api';

export type ActivationStep =
  | { kind: 'activate'; network: Network }
  | { kind: 'wait'; network: Network }
  | { kind: 'failed'; network: Network; message: string }
  | { kind: 'deployed' };

const PENDING = new Set(['NEW', 'PENDING', 'ZONE_1', 'ZONE_2', 'ZONE_3']);

/** The newest ACTIVATE of `version` on `network` (by submitDate, then list order). */
function latestActivation(
  activations: Activation[],
  version: number,
  network: Network,
): Activation | undefined {
  return activations
    .filter(
      (a) =>
        a.propertyVersion === version && a.network === network && a.activationType === 'ACTIVATE',
    )
    .sort((a, b) => b.submitDate.localeCompare(a.submitDate))[0];
}

export function nextActivationStep(activations: Activation[], version: number): ActivationStep {
  for (const network of ['STAGING', 'PRODUCTION'] as const) {
    const latest = latestActivation(activations, version, network);
    if (!latest) return { kind: 'activate', network };
    if (PENDING.has(latest.status)) return { kind: 'wait', network };
    if (latest.status === 'FAILED' || latest.status === 'ABORTED')
      return {
        kind: 'failed',
        network,
        message: `${network.toLowerCase()} activation ${latest.activationId} of version ${version} ${latest.status === 'FAILED' ? 'failed' : 'was aborted'}${latest.failureMessage ? `: ${latest.failureMessage}` : ''}`,
      };
    // ACTIVE — or INACTIVE/DEACTIVATED, superseded or taken down: activate the version again.
    if (latest.status !== 'ACTIVE') return { kind: 'activate', network };
  }
  return { kind: 'deployed' };
}

/** Whether `version` was ever submitted for activation (then it is read-only at PAPI). */
export function everActivated(activations: Activation[], version: number): boolean {
  return activations.some((a) => a.propertyVersion === version);
}

/** Pending activations of any version, which block a deactivation or a delete. */
export function pendingActivations(activations: Activation[]): Activation[] {
  return activations.filter((a) => PENDING.has(a.status) || a.status === 'PENDING_DEACTIVATION');
}
