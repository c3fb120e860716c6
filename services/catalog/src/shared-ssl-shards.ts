/**
 * Shared-SSL domain allocation (docs/behaviour.md §4.13): a label chosen by the tenant becomes
 * `<label>.<shard>`, trying the shards in random order and skipping names another
 * service holds. The same label can therefore be used by at most (number of shards)
 * services. Shard suffixes come from configuration (the DNS service owns them later).
 */
import { invalid } from '@poppy/domain';

export type IsClaimed = (domain: string) => Promise<boolean>;

export function shuffled<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export async function allocateSharedSslDomain(
  label: string,
  shards: readonly string[],
  isClaimed: IsClaimed,
  random: () => number = Math.random,
): Promise<string> {
  for (const shard of shuffled(shards, random)) {
    const candidate = `${label}.${shard}`;
    if (!(await isClaimed(candidate))) return candidate;
  }
  throw invalid(`Domain ${label} has already been taken`);
}
