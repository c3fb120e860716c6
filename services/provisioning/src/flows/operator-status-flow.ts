/**
 * Enable / disable (docs/behaviour.md §6.7): the catalog stored the operator status with the
 * job; this flow re-points the operator CNAMEs (to the provider URLs, or to the "not
 * found" target). Provider details do not change. DNS failures retry with backoff.
 */
import type { JobOutcome } from '@poppy/jobs';
import { classify } from '../providers';
import { DONE, loadService, type FlowContext } from './flow-context';
import type { ServiceJob } from './service-job';

export async function runOperatorStatus(ctx: FlowContext, job: ServiceJob): Promise<JobOutcome> {
  const service = await loadService(ctx, job);
  if (!service) return DONE;
  const wanted = job.kind === 'enable' ? 'enabled' : 'disabled';
  // A later action won: the job that recorded it re-points the DNS.
  if (service.operator_status !== wanted) return DONE;
  try {
    if (wanted === 'enabled') await ctx.dns.enable(service);
    else await ctx.dns.disable(service);
    return DONE;
  } catch (error) {
    const outcome = classify(error);
    if (!outcome.retryable) return { type: 'fail', reason: outcome.failure.message };
    return { type: 'retry', delayMs: outcome.delayMs, reason: outcome.failure.message };
  }
}
