/**
 * Health of what the API depends on (docs/behaviour.md §9.3): storage and the task back-end (as
 * the catalog reports them), the DNS driver and every configured provider. A dependency
 * that cannot be asked counts as offline; a health check never throws.
 */
import type { GatewayDeps } from './route-table';

export type Subsystem = 'dns' | 'storage' | 'distributed_task' | 'provider';

export interface HealthReport {
  dns: Record<string, boolean>;
  storage: Record<string, boolean>;
  distributed_task: Record<string, boolean>;
  providers: Record<string, boolean>;
}

export async function checkHealth(deps: GatewayDeps): Promise<HealthReport> {
  let storage: Record<string, boolean> = { sqlite: false };
  let task: Record<string, boolean> = { sqlite: false };
  try {
    const health = await deps.catalog.getDependencyHealth({}, { deadlineMs: 2000 });
    if (health.storage) storage = { [health.storage.name]: health.storage.online };
    if (health.distributed_task)
      task = { [health.distributed_task.name]: health.distributed_task.online };
  } catch {
    // catalog unreachable: storage and task back-end are reported offline
  }
  const providers: Record<string, boolean> = {};
  // The mock provider is always alive (docs/behaviour.md §12.5); provider adapters report their own
  // health once the provisioning service runs them.
  for (const p of deps.config.providers) providers[p] = p === 'mock';
  // The default DNS driver records nothing, so it is always alive (docs/behaviour.md §13.2).
  const dns = { [deps.config.dnsDriver]: deps.config.dnsDriver === 'default' };
  return { dns, storage, distributed_task: task, providers };
}

export const allOnline = (report: HealthReport): boolean =>
  [report.dns, report.storage, report.distributed_task, report.providers].every((group) =>
    Object.values(group).every(Boolean),
  );
