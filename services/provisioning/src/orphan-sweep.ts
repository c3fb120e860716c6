/**
 * The orphan sweep: vendor objects that outlived their service (a service lost by the
 * store, a create that raced a delete, any future bug) are found and removed. Per
 * provider: list what the adapter manages (ListManagedServices, each object tagged with its
 * service id), learn which of those services the catalog holds, and delete at the vendor
 * the objects whose service does not exist and that are older than a grace period. What
 * was removed is logged, counted (poppy_provisioning_orphans_removed) and returned; in
 * dry-run mode nothing is deleted and the same report says what would have been.
 *
 * An object counts as an orphan only on positive evidence: a failed catalog read aborts
 * the provider's round (never "missing because unreadable"), and a candidate is confirmed
 * by a second look (GetService when the adapter knows the project, else a second listing)
 * so a service that changed status between two listings is not mistaken for a missing one.
 * The catalog stores a service before any job for it runs, so an object made for a live
 * service is always in the listing; the grace period covers clocks and in-flight deletes.
 * docs/reliability.md, "Orphan sweep".
 */
import { metrics } from '@opentelemetry/api';
import { isPoppyError, type ServiceStatus } from '@poppy/domain';
import type { Logger } from '@poppy/platform';
import type { CatalogApi } from './flows';
import type { ProviderRegistry } from './providers';

/** Every aggregate status a stored service can have: together, every service. */
const ALL_STATUSES: readonly ServiceStatus[] = [
  'create_in_progress',
  'deployed',
  'update_in_progress',
  'delete_in_progress',
  'failed',
];

export interface ManagedEntry {
  serviceId: string;
  providerServiceId: string;
  /** 0: unknown, the age counts from the first sighting. */
  createdAtMs: number;
  /** '' when the adapter cannot tell. */
  projectId: string;
}

export interface OrphanSweepOptions {
  /** An object younger than this is never removed. */
  graceMs: number;
  /** Report what would be removed, remove nothing. */
  dryRun: boolean;
  /** @default Date.now */
  now?: () => number;
}

export interface ProviderSweepReport {
  provider: string;
  /** Objects the adapter listed. */
  listed: number;
  /** Orphans found old enough to remove. */
  orphans: ManagedEntry[];
  /** Removed at the vendor (0 in dry-run). */
  removed: number;
  /** Orphans too young yet. */
  withinGrace: number;
  /** Deletes the vendor refused or that failed; tried again next sweep. */
  failed: number;
  /** The provider's round did not run (listing or catalog failed); why. */
  skipped?: string;
}

/**
 * The decision alone: which entries are orphan candidates now. `exists` says whether the
 * catalog holds the service; `firstSeen` keeps when an entry without a creation time was
 * first seen (updated here).
 */
export function orphanCandidates(
  entries: readonly ManagedEntry[],
  exists: (serviceId: string) => boolean,
  firstSeen: Map<string, number>,
  now: number,
  graceMs: number,
): { old: ManagedEntry[]; young: ManagedEntry[] } {
  const old: ManagedEntry[] = [];
  const young: ManagedEntry[] = [];
  for (const entry of entries) {
    if (exists(entry.serviceId)) continue;
    const key = `${entry.serviceId}/${entry.providerServiceId}`;
    const seen = firstSeen.get(key) ?? now;
    firstSeen.set(key, seen);
    const born = entry.createdAtMs > 0 ? entry.createdAtMs : seen;
    (now - born >= graceMs ? old : young).push(entry);
  }
  return { old, young };
}

const meter = metrics.getMeter('poppy-provisioning');
const orphansRemoved = meter.createCounter('poppy_provisioning_orphans_removed', {
  description: 'Vendor objects without a service removed by the orphan sweep, by provider',
});
const orphansFound = meter.createCounter('poppy_provisioning_orphans_found', {
  description: 'Vendor objects without a service found by the orphan sweep (dry-run included)',
});

export class OrphanSweep {
  /** First sightings of objects without a creation time, per provider. */
  private readonly firstSeen = new Map<string, Map<string, number>>();
  private readonly now: () => number;

  constructor(
    private readonly providers: Pick<ProviderRegistry, 'ids' | 'call'>,
    private readonly catalog: Pick<CatalogApi, 'listServicesByStatus' | 'getService'>,
    private readonly logger: Logger,
    private readonly options: OrphanSweepOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** One sweep over every provider; never throws (a provider that failed is reported skipped). */
  async sweep(): Promise<ProviderSweepReport[]> {
    const reports: ProviderSweepReport[] = [];
    for (const provider of this.providers.ids()) reports.push(await this.sweepProvider(provider));
    return reports;
  }

  private async sweepProvider(provider: string): Promise<ProviderSweepReport> {
    const report: ProviderSweepReport = {
      provider,
      listed: 0,
      orphans: [],
      removed: 0,
      withinGrace: 0,
      failed: 0,
    };
    const listed = await this.providers.call(provider, (c) => c.listManagedServices());
    if (!listed.ok) return this.skip(report, `listing failed: ${listed.failure.message}`);
    const entries: ManagedEntry[] = listed.value.services.map((s) => ({
      serviceId: s.service_id,
      providerServiceId: s.provider_service_id,
      createdAtMs: s.created_at_ms,
      projectId: s.project_id,
    }));
    report.listed = entries.length;
    let existing: Set<string>;
    try {
      existing = await this.existingServiceIds();
    } catch (error) {
      return this.skip(report, `catalog unreadable: ${(error as Error).message}`);
    }
    let seen = this.firstSeen.get(provider);
    if (!seen) this.firstSeen.set(provider, (seen = new Map()));
    // Sightings of objects that are gone or turned out to have a service are forgotten.
    const current = new Set(entries.map((e) => `${e.serviceId}/${e.providerServiceId}`));
    for (const key of seen.keys()) if (!current.has(key)) seen.delete(key);
    const { old, young } = orphanCandidates(
      entries,
      (id) => existing.has(id),
      seen,
      this.now(),
      this.options.graceMs,
    );
    report.withinGrace = young.length;
    let confirmed: ManagedEntry[];
    try {
      confirmed = await this.confirmMissing(old);
    } catch (error) {
      return this.skip(report, `catalog unreadable: ${(error as Error).message}`);
    }
    report.orphans = confirmed;
    if (confirmed.length > 0) orphansFound.add(confirmed.length, { provider });
    if (this.options.dryRun) {
      if (confirmed.length > 0)
        this.logger.warn(
          { provider, orphans: confirmed.map(describe) },
          'orphan sweep (dry run): vendor objects without a service, not removed',
        );
      return report;
    }
    for (const orphan of confirmed) {
      const deleted = await this.providers.call(provider, (c) =>
        c.deleteService({
          project_id: orphan.projectId,
          service_id: orphan.serviceId,
          provider_service_id: orphan.providerServiceId,
        }),
      );
      if (deleted.ok) {
        report.removed += 1;
        seen.delete(`${orphan.serviceId}/${orphan.providerServiceId}`);
        this.logger.info({ provider, ...describe(orphan) }, 'orphan sweep removed a vendor object');
      } else {
        report.failed += 1;
        this.logger.warn(
          { provider, ...describe(orphan), err: deleted.failure },
          'orphan sweep could not remove a vendor object; next sweep tries again',
        );
      }
    }
    if (report.removed > 0) orphansRemoved.add(report.removed, { provider });
    if (confirmed.length > 0)
      this.logger.warn(
        { provider, removed: report.removed, failed: report.failed, listed: report.listed },
        'orphan sweep removed vendor objects whose service does not exist',
      );
    return report;
  }

  /** The ids of every service the catalog holds (one listing per status). */
  private async existingServiceIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const status of ALL_STATUSES) {
      const { services } = await this.catalog.listServicesByStatus({ status });
      for (const ref of services) ids.add(ref.service_id);
    }
    return ids;
  }

  /** The candidates the catalog still does not have on a second look. */
  private async confirmMissing(candidates: ManagedEntry[]): Promise<ManagedEntry[]> {
    if (candidates.length === 0) return [];
    const withoutProject = candidates.filter((c) => !c.projectId);
    const again = withoutProject.length > 0 ? await this.existingServiceIds() : new Set<string>();
    const missing: ManagedEntry[] = [];
    for (const candidate of candidates) {
      if (!candidate.projectId) {
        if (!again.has(candidate.serviceId)) missing.push(candidate);
        continue;
      }
      try {
        await this.catalog.getService({
          project_id: candidate.projectId,
          service_id: candidate.serviceId,
        });
      } catch (error) {
        if (isPoppyError(error) && error.kind === 'not_found') missing.push(candidate);
        else throw error;
      }
    }
    return missing;
  }

  private skip(report: ProviderSweepReport, reason: string): ProviderSweepReport {
    this.logger.warn({ provider: report.provider, reason }, 'orphan sweep skipped a provider');
    return { ...report, skipped: reason };
  }

  /** Sweeps every `intervalMs` until stopped; a slow sweep is not stacked with the next. */
  start(intervalMs: number): { stop(): Promise<void> } {
    let stopped = false;
    let busy = false;
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      if (stopped || busy) return;
      busy = true;
      running = this.sweep()
        .catch((err: unknown) => this.logger.warn({ err }, 'orphan sweep failed'))
        .finally(() => (busy = false));
    }, intervalMs);
    timer.unref();
    return {
      stop: async () => {
        stopped = true;
        clearInterval(timer);
        await running;
      },
    };
  }
}

function describe(entry: ManagedEntry): Record<string, unknown> {
  return {
    service_id: entry.serviceId,
    provider_service_id: entry.providerServiceId,
    project_id: entry.projectId || undefined,
    created_at: entry.createdAtMs > 0 ? new Date(entry.createdAtMs).toISOString() : undefined,
  };
}
