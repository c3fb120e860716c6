/**
 * The reconciler: level-triggered, like a Kubernetes controller. Every sweep it lists
 * the services in create/update/delete_in_progress; one seen in the same status at the
 * same generation for longer than `stuckAfterMs` gets its job published again. A lost
 * message, a job dropped by a crash, or a worker killed mid-flow therefore heals by
 * itself; the flows are idempotent, so a re-published job that races the original is
 * harmless.
 *
 * The re-published id carries a time bucket (`:reconcile-<n>`), so the queue does not
 * drop it as a duplicate of the original, while several provisioning replicas sweeping
 * in the same bucket publish it only once.
 */
import { serviceFromWire } from '@poppy/contracts';
import { aggregateServiceStatus, isPoppyError, type ServiceStatus } from '@poppy/domain';
import { encodeServiceJob, type Job, type ServiceJobBody } from '@poppy/jobs';
import type { Logger } from '@poppy/platform';
import type { CatalogApi } from './flows';

/** The job re-published for a service stuck in a status: the kind alone, the flow reads the rest. */
const WATCHED: ReadonlyArray<[ServiceStatus, ServiceJobBody]> = [
  ['create_in_progress', { $case: 'create', value: { spec: undefined } }],
  ['update_in_progress', { $case: 'update', value: { previous: undefined } }],
  ['delete_in_progress', { $case: 'delete', value: { provider_details: {} } }],
];

export interface ReconcilerOptions {
  stuckAfterMs: number;
  /** @default Date.now */
  now?: () => number;
}

interface Sighting {
  generation: number;
  status: ServiceStatus;
  since: number;
}

export class Reconciler {
  private readonly seen = new Map<string, Sighting>();
  private readonly now: () => number;

  constructor(
    private readonly catalog: Pick<CatalogApi, 'listServicesByStatus' | 'getService'>,
    private readonly publish: (job: Job) => Promise<{ duplicate: boolean }>,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** One sweep; returns the jobs published again. */
  async sweep(): Promise<Job[]> {
    const now = this.now();
    const stillSeen = new Set<string>();
    const republished: Job[] = [];
    for (const [status, body] of WATCHED) {
      const { services } = await this.catalog.listServicesByStatus({ status });
      for (const ref of services) {
        stillSeen.add(ref.service_id);
        let generation: number;
        let current: ServiceStatus;
        try {
          const service = serviceFromWire((await this.catalog.getService(ref)).service);
          generation = service.generation;
          current = aggregateServiceStatus(service.provider_details);
        } catch (error) {
          if (isPoppyError(error) && error.kind === 'not_found') continue;
          throw error;
        }
        if (current !== status) continue; // moved on between the list and the read
        const sighting = this.seen.get(ref.service_id);
        if (!sighting || sighting.generation !== generation || sighting.status !== status) {
          this.seen.set(ref.service_id, { generation, status, since: now });
          continue;
        }
        if (now - sighting.since < this.options.stuckAfterMs) continue;
        const bucket = Math.floor(now / this.options.stuckAfterMs);
        const job = encodeServiceJob(
          {
            project_id: ref.project_id,
            service_id: ref.service_id,
            generation,
            created_at: new Date(now).toISOString(),
            reconciled: true,
            job: body,
          },
          { id: `${ref.service_id}:${generation}:${body.$case}:reconcile-${bucket}` },
        );
        const { duplicate } = await this.publish(job);
        sighting.since = now;
        republished.push(job);
        this.logger.warn(
          { service_id: ref.service_id, generation, status, duplicate },
          'service stuck in progress, job published again',
        );
      }
    }
    for (const id of this.seen.keys()) if (!stillSeen.has(id)) this.seen.delete(id);
    return republished;
  }

  /** Sweeps every `intervalMs` until stopped; a failed sweep is logged and the next one tries again. */
  start(intervalMs: number): { stop(): Promise<void> } {
    let stopped = false;
    let busy = false;
    let running: Promise<unknown> = Promise.resolve();
    const timer = setInterval(() => {
      if (stopped || busy) return; // a slow sweep is not stacked with the next
      busy = true;
      running = this.sweep()
        .catch((err: unknown) => this.logger.warn({ err }, 'reconciler sweep failed'))
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
