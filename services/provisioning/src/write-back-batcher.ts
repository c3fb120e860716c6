/**
 * Write-backs of the jobs that finish in the same turn of the event loop go to the
 * catalog in one UpdateProvisioningBatch call. Every call crosses gRPC twice (client and
 * server), and on a busy worker many jobs finish together, so this saves most of those
 * crossings without delaying anyone: a batch leaves on the next tick, or at once when full.
 */
import type { catalogV1 } from '@poppy/contracts';
import type { CatalogApi } from './flows';

export interface BatchCatalogApi {
  updateProvisioningBatch(
    req: catalogV1.UpdateProvisioningBatchRequest,
  ): Promise<catalogV1.UpdateProvisioningBatchResponse>;
}

interface Pending {
  req: catalogV1.UpdateProvisioningRequest;
  resolve: (res: catalogV1.UpdateProvisioningResponse) => void;
  reject: (err: unknown) => void;
}

export class WriteBackBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly catalog: BatchCatalogApi,
    private readonly maxBatch = 64,
  ) {}

  /** Same contract as catalog.UpdateProvisioning; a failed batch fails each of its write-backs. */
  readonly updateProvisioning: CatalogApi['updateProvisioning'] = (req) =>
    new Promise((resolve, reject) => {
      this.pending.push({ req, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.catalog.updateProvisioningBatch({ updates: batch.map((p) => p.req) }).then(
      ({ applied }) => batch.forEach((p, i) => p.resolve({ applied: applied[i] ?? false })),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}
