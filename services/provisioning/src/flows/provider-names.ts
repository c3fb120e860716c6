/** The provider_details keys of the providers a flow works on. */
import { fallbackProviderName, type FailureInfo } from '../providers';
import type { FlowContext } from './flow-context';
import type { PendingPart } from './provider-flow';

/**
 * Provider names (the provider_details keys) for ids. A provider that cannot say its name
 * right now (down, breaker open) is `unnamed`: the flows go on with the others and retry it
 * later, keyed meanwhile by its fallback name.
 */
export async function resolveNames(
  ctx: FlowContext,
  ids: string[],
): Promise<{
  names: Map<string, string>;
  refused: Map<string, FailureInfo>;
  unnamed: Array<PendingPart & { id: string }>;
}> {
  const names = new Map<string, string>();
  const refused = new Map<string, FailureInfo>();
  const unnamed: Array<PendingPart & { id: string }> = [];
  await Promise.all(
    ids.map(async (id) => {
      const outcome = await ctx.providers.nameOf(id);
      if (outcome.ok) names.set(id, outcome.value);
      else if (outcome.retryable) unnamed.push({ id, name: fallbackProviderName(id), outcome });
      else refused.set(id, outcome.failure);
    }),
  );
  return { names, refused, unnamed };
}
