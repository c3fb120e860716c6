/**
 * The service status derived from its provider details (docs/behaviour.md §5.2, D-7):
 * by priority, so the order providers are stored in never changes the answer (the
 * original walked them in order and could report `deployed` while one was still deploying).
 */
import type { ProviderDetail, Service, ServiceStatus } from './model';

export type DisplayedStatus = ServiceStatus | 'disabled';

export function aggregateServiceStatus(details: Record<string, ProviderDetail>): ServiceStatus {
  const statuses = new Set<string>(Object.values(details).map((d) => d.status));
  if (statuses.size === 0) return 'create_in_progress';
  if (statuses.has('failed')) return 'failed';
  if (statuses.has('delete_in_progress')) return 'delete_in_progress';
  if (statuses.has('update_in_progress')) return 'update_in_progress';
  if (statuses.has('deploy_in_progress')) return 'create_in_progress';
  // `deployed`, and legacy values such as `unknown`, count as done.
  return 'deployed';
}

/** What GET shows: `disabled` overrides the derived status while an operator disabled it (docs/behaviour.md §4.8). */
export function displayedStatus(
  service: Pick<Service, 'operator_status' | 'provider_details'>,
): DisplayedStatus {
  return service.operator_status === 'disabled'
    ? 'disabled'
    : aggregateServiceStatus(service.provider_details);
}

/** JSON of a value with object keys sorted and undefined fields left out: equal for equal content. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)),
        )
      : v,
  );
}

/**
 * Whether two provider-detail maps say the same, whatever their key order or absent optional
 * fields: what a write conditional on the details it was computed from compares
 * (docs/adr/0004-provisioning.md).
 */
export function sameProviderDetails(
  a: Record<string, ProviderDetail>,
  b: Record<string, ProviderDetail>,
): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
