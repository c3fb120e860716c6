/**
 * Purge as CloudFront invalidations, without blocking a worker (services/provider-cloudfront/
 * README.md "Not blocking a worker"): an invalidation this process waits for, or one in
 * progress for the same path, is tracked instead of making a second one; CloudFront's
 * in-progress limits (15 wildcard paths, 3000 paths) are a retryable "not yet"; with
 * `purgeWait`, an invalidation still in progress is a retryable "not yet" as well, so the
 * purge job finishes when the invalidation completed.
 */
import { randomUUID } from 'node:crypto';
import { ProviderError } from '@poppy/provider-kit';
import type { CloudFrontApi, InvalidationState } from './cloudfront-api';
import { withVendorErrors } from './vendor-errors';

/** CloudFront's limits on invalidations in progress per distribution. */
export const MAX_WILDCARD_PATHS_IN_PROGRESS = 15;
export const MAX_PATHS_IN_PROGRESS = 3000;
/** How long a purge waits on one invalidation before it looks afresh (CloudFront's take minutes). */
const TRACKING_TTL_MS = 60 * 60 * 1000;

export const isCompleted = (status: string) => status.toLowerCase() === 'completed';

export interface InvalidationOptions {
  /** Retry hint of the "not yet" errors. */
  pollHintMs: number;
  /** Report a purge done only once its invalidation completed. */
  purgeWait: boolean;
}

export class Invalidations {
  /**
   * Invalidations this process is waiting for, by "<distribution> <path>": the retried purge
   * asks for that invalidation again instead of starting another. Another replica does not
   * know it and tracks the in-progress invalidation of the same path, or (once it completed)
   * makes a new one — an extra purge, never a lost one.
   */
  private readonly tracking = new Map<string, { invalidationId: string; since: number }>();

  constructor(
    private readonly api: CloudFrontApi,
    private readonly options: InvalidationOptions,
  ) {}

  /** Resolves once `path` of `distributionId` is invalidated (or, without purgeWait, being invalidated). */
  async purge(distributionId: string, serviceId: string, path: string): Promise<void> {
    const key = `${distributionId} ${path}`;
    let tracked = await this.trackedInvalidation(distributionId, key);
    if (!tracked) {
      const inProgress = await this.inProgress(distributionId);
      tracked =
        inProgress.find((i) => i.paths.includes(path)) ??
        (await this.create(distributionId, serviceId, path, inProgress));
    }
    if (this.options.purgeWait && !isCompleted(tracked.status)) {
      this.tracking.set(key, { invalidationId: tracked.id, since: Date.now() });
      throw new ProviderError(`CloudFront invalidation ${tracked.id} of ${path} is in progress`, {
        retryable: true,
        retryAfterMs: this.options.pollHintMs,
        errorClass: 'cloudfront.InvalidationInProgress',
      });
    }
    this.tracking.delete(key);
  }

  /** A new invalidation of `path`, unless the ones in progress are at CloudFront's limits. */
  private async create(
    distributionId: string,
    serviceId: string,
    path: string,
    inProgress: InvalidationState[],
  ): Promise<InvalidationState> {
    const wildcards = inProgress.reduce(
      (n, i) => n + i.paths.filter((p) => p.includes('*')).length,
      0,
    );
    const paths = inProgress.reduce((n, i) => n + i.paths.length, 0);
    if (
      (path.includes('*') && wildcards + 1 > MAX_WILDCARD_PATHS_IN_PROGRESS) ||
      paths + 1 > MAX_PATHS_IN_PROGRESS
    ) {
      throw new ProviderError(
        `CloudFront distribution ${distributionId} has ${paths} invalidation paths (${wildcards} wildcard) in progress; ${path} waits for some to complete`,
        {
          retryable: true,
          retryAfterMs: this.options.pollHintMs,
          errorClass: 'cloudfront.TooManyInvalidationsInProgress',
        },
      );
    }
    const created = await withVendorErrors('purge', () =>
      this.api.createInvalidation(distributionId, `${serviceId}:${randomUUID()}`, path),
    );
    return { ...created, paths: [path] };
  }

  /** The invalidation this process waits for under `key`, read again; forgotten after TRACKING_TTL_MS. */
  private async trackedInvalidation(
    distributionId: string,
    key: string,
  ): Promise<InvalidationState | undefined> {
    const entry = this.tracking.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.since > TRACKING_TTL_MS) {
      this.tracking.delete(key);
      return undefined;
    }
    const got = await withVendorErrors('purge', () =>
      this.api.getInvalidation(distributionId, entry.invalidationId),
    );
    if (!got) this.tracking.delete(key);
    return got;
  }

  private async inProgress(distributionId: string): Promise<InvalidationState[]> {
    const listed = await withVendorErrors('purge', () =>
      this.api.listInvalidations(distributionId),
    );
    const open = listed.filter((i) => !isCompleted(i.status));
    const read = await Promise.all(
      open.map((summary) =>
        withVendorErrors('purge', () => this.api.getInvalidation(distributionId, summary.id)),
      ),
    );
    return read.filter((i): i is InvalidationState => i !== undefined);
  }
}
