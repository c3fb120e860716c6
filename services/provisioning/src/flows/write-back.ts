/**
 * The provider details of one job, written back to the catalog for the job's generation.
 *
 * Idempotency rests on the generation: the catalog bumps it on every change of desired
 * state and resets the providers' statuses to *_in_progress in the same write, and it
 * accepts a write-back only for the current generation. So a provider whose status is no
 * longer in progress at generation G has its result for G recorded already, and a re-run
 * of the job (redelivery, reconciler) skips it.
 */
import { providerDetailsToWire } from '@poppy/contracts';
import type { ProviderDetail, Service } from '@poppy/domain';
import type { FlowContext } from './flow-context';

/**
 * Writes are serialised: a flush while one is in flight is followed by exactly one more,
 * so results that arrive one provider at a time reach the catalog as soon as each is
 * known (one slow vendor does not hold back the others' access URLs).
 */
export class WriteBack {
  readonly details: Record<string, ProviderDetail>;
  /**
   * The catalog refused a write: the service moved to a newer generation or is gone, or (with
   * `expected`) its provider details changed since they were read.
   */
  stale = false;
  private dirty = false;
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown;

  /**
   * With `checkDetails`, every write applies only if the catalog still holds the details this
   * write-back started from (then the ones it last wrote): for writers sharing a generation
   * (purge), whose generation check cannot order them (docs/adr/0004-provisioning.md).
   */
  private expected: Record<string, ProviderDetail> | undefined;

  constructor(
    private readonly ctx: Pick<FlowContext, 'catalog'>,
    private readonly service: Service,
    options: { checkDetails?: boolean } = {},
  ) {
    this.details = structuredClone(service.provider_details);
    if (options.checkDetails) this.expected = structuredClone(service.provider_details);
  }

  set(name: string, detail: ProviderDetail): void {
    this.details[name] = detail;
    this.dirty = true;
  }

  remove(name: string): void {
    delete this.details[name];
    this.dirty = true;
  }

  get changed(): boolean {
    return this.dirty;
  }

  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.write(false));
    return this.chain;
  }

  /** Writes whatever is left; throws when the catalog could not be reached (the job is retried). */
  async finish(): Promise<void> {
    await this.flush();
    if (this.failure !== undefined) throw this.failure;
  }

  /** The delete completed everywhere: the catalog removes the service. */
  async markDeleted(): Promise<void> {
    await this.chain;
    this.dirty = true;
    this.chain = this.chain.then(() => this.write(true));
    await this.chain;
    if (this.failure !== undefined) throw this.failure;
  }

  private async write(deleted: boolean): Promise<void> {
    if (!this.dirty || this.stale) return;
    this.dirty = false;
    const written = structuredClone(this.details);
    try {
      const { applied } = await this.ctx.catalog.updateProvisioning({
        project_id: this.service.project_id,
        service_id: this.service.service_id,
        generation: this.service.generation,
        provider_details: deleted ? {} : providerDetailsToWire(written),
        deleted,
        expects_provider_details: this.expected !== undefined,
        expected_provider_details: providerDetailsToWire(this.expected ?? {}),
      });
      this.failure = undefined;
      if (!applied) this.stale = true;
      else if (this.expected) this.expected = written;
    } catch (error) {
      this.dirty = true;
      this.failure = error;
    }
  }
}
