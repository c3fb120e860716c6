/**
 * The catalog as the flows call it: a call that finds the catalog, or its store,
 * unavailable waits and tries again with backoff, without an attempt limit, for at most
 * `maxWaitMs` (the reconcile period). A job's attempts are for the vendor; an outage of
 * our own infrastructure must never use them up and turn a vendor success into `failed`
 * (issue 14 item 1, docs/reliability.md "Chaos suite").
 *
 * While a call waits, the job stays claimed (the queue renews the lease of a live
 * handler). When the wait runs out the call throws CatalogUnavailableError; the job
 * handler then releases the job with a retry, and a job given up that way leaves its
 * providers in progress for the reconciler (job-handler.ts), never `failed`.
 */
import { isPoppyError } from '@poppy/domain';
import type { Logger } from '@poppy/platform';
import { backoffDelayMs } from '@poppy/resilience';
import type { CatalogApi } from './flow-context';

export interface CatalogWaitOptions {
  /** Delays between tries: backoffDelayMs(n, backoff) with some jitter. */
  backoff: { initialMs: number; maxMs: number };
  /** Longest wait of one call before it gives the job back. */
  maxWaitMs: number;
  logger: Pick<Logger, 'warn' | 'info'>;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** @default Date.now */
  now?: () => number;
}

/** The catalog stayed unavailable for longer than a call may wait: the job is released, never failed. */
export class CatalogUnavailableError extends Error {
  override readonly name = 'CatalogUnavailableError';
  /** Not the vendor's answer: our infrastructure was down. */
  readonly infrastructure = true;
  constructor(
    readonly waitedMs: number,
    cause: unknown,
  ) {
    super(
      `the catalog stayed unavailable for ${waitedMs} ms: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** The catalog or its store did not answer (gRPC UNAVAILABLE / DEADLINE_EXCEEDED, or a store outage the catalog reports as 503). */
export function isCatalogUnavailable(error: unknown): boolean {
  return isPoppyError(error) && error.kind === 'unavailable';
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call` until it answers, waiting out catalog unavailability for at most `maxWaitMs`. */
export async function waitForCatalog<T>(
  what: string,
  call: () => Promise<T>,
  options: CatalogWaitOptions,
): Promise<T> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepFor;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await call();
      if (attempt > 1)
        options.logger.info({ call: what, waitedMs: now() - started }, 'catalog answers again');
      return result;
    } catch (error) {
      if (!isCatalogUnavailable(error)) throw error;
      const waited = now() - started;
      if (waited >= options.maxWaitMs) throw new CatalogUnavailableError(waited, error);
      if (attempt === 1)
        options.logger.warn(
          { call: what, err: error },
          'catalog unavailable, waiting for it (the job keeps its attempts)',
        );
      const delay = backoffDelayMs(attempt, { ...options.backoff, jitter: 0.2 });
      await sleep(Math.min(delay, Math.max(0, options.maxWaitMs - waited)));
    }
  }
}

/** Every call of `catalog` through waitForCatalog. */
export function patientCatalog(catalog: CatalogApi, options: CatalogWaitOptions): CatalogApi {
  return {
    getService: (req) => waitForCatalog('GetService', () => catalog.getService(req), options),
    getFlavor: (req) => waitForCatalog('GetFlavor', () => catalog.getFlavor(req), options),
    updateProvisioning: (req) =>
      waitForCatalog('UpdateProvisioning', () => catalog.updateProvisioning(req), options),
    listServicesByStatus: (req) =>
      waitForCatalog('ListServicesByStatus', () => catalog.listServicesByStatus(req), options),
  };
}
