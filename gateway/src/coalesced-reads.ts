/**
 * Request coalescing on the read path. GETs that reach the gateway in the same turn of the
 * event loop travel to the catalog in one gRPC call (BatchGetServices / BatchListServices)
 * instead of one call each: a unary gRPC call costs far more CPU than the read it carries
 * (docs/performance.md), so under load this is what lets one gateway keep up. A request
 * that arrives alone waits only for the end of the current turn (setImmediate).
 * Each item is answered exactly as its unary call would be, its error included.
 */
import type { catalogV1 } from '@poppy/contracts';
import { fromItemError } from '@poppy/platform';
import type { CatalogClient } from './route-table';

const MAX_BATCH = 128;

interface Pending<Req, Res> {
  request: Req;
  resolve: (value: Res) => void;
  reject: (error: unknown) => void;
}

export class Coalescer<Req, Res> {
  private pending: Array<Pending<Req, Res>> = [];

  /** `send` answers a batch with one result or error per request, in order. */
  constructor(private readonly send: (requests: Req[]) => Promise<Array<Res | Error>>) {}

  call(request: Req): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.pending.push({ request, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const waiting = this.pending;
    this.pending = [];
    for (let i = 0; i < waiting.length; i += MAX_BATCH)
      void this.sendBatch(waiting.slice(i, i + MAX_BATCH));
  }

  private async sendBatch(batch: Array<Pending<Req, Res>>): Promise<void> {
    try {
      const results = await this.send(batch.map((p) => p.request));
      if (results.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} came back with ${results.length} results`);
      }
      batch.forEach((p, i) => {
        const result = results[i]!;
        if (result instanceof Error) p.reject(result);
        else p.resolve(result);
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}

/** The catalog client with GetService and ListServices coalesced; every other call unchanged. */
export function withCoalescedReads(catalog: CatalogClient): CatalogClient {
  type GetReq = Parameters<CatalogClient['getService']>[0];
  type ListReq = Parameters<CatalogClient['listServices']>[0];
  const gets = new Coalescer<GetReq, catalogV1.GetServiceResponse>(async (requests) =>
    (await catalog.batchGetServices({ requests })).results.map((r) =>
      r.error ? fromItemError(r.error) : { service: r.service },
    ),
  );
  const lists = new Coalescer<ListReq, catalogV1.ListServicesResponse>(async (requests) =>
    (await catalog.batchListServices({ requests })).results.map((r) =>
      r.error ? fromItemError(r.error) : { services: r.services },
    ),
  );
  return {
    ...catalog,
    getService: (request) => gets.call(request),
    listServices: (request) => lists.call(request),
  };
}
