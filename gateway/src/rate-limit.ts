/**
 * Per-tenant rate limits (docs/auth.md "Rate limits"): one token bucket per project and
 * route class, the class being the role the route needs (auth/access-table.ts): reads,
 * member writes and admin calls are counted apart, so a tenant listing hard does not stop
 * its own deletes. Over the limit: 429 with Retry-After and Poppy's body.
 *
 * `LocalRateLimiter` keeps the buckets in this process: right for embedded defaults and
 * one replica. A limiter shared by replicas (the job queue's KV on NATS) implements the
 * same interface. A bucket that has refilled is the same as no bucket, so entries expire
 * then, and the LRU bound keeps a flood of project ids from growing memory (an evicted
 * bucket starts full: the limit is approximate under that pressure, never stricter).
 */
import { ExpiringLru } from './auth/expiring-lru';
import type { Role } from './auth/roles';

export type RouteClass = Role;

export interface BucketLimit {
  perSecond: number;
  burst: number;
}

export interface RateLimiter {
  /** Resolves when the call may go on; throws RateLimitedError otherwise. */
  admit(projectId: string, routeClass: RouteClass): Promise<void>;
}

export class RateLimitedError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limited for ${retryAfterSeconds} s`);
    this.name = 'RateLimitedError';
  }
}

export const RATE_LIMITED_MESSAGE =
  'Too many requests for this project. Retry after the number of seconds in Retry-After.';

interface Bucket {
  tokens: number;
  at: number;
}

export class LocalRateLimiter implements RateLimiter {
  private readonly buckets: ExpiringLru<Bucket>;

  constructor(
    /** Limits by class; a class without one is not limited. */
    private readonly limits: Partial<Record<RouteClass, BucketLimit>>,
    maxBuckets = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new ExpiringLru(maxBuckets, now);
  }

  async admit(projectId: string, routeClass: RouteClass): Promise<void> {
    const limit = this.limits[routeClass];
    if (!limit) return;
    const now = this.now();
    const key = `${routeClass}\u0000${projectId}`;
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, at: now };
    const tokens = Math.min(
      limit.burst,
      bucket.tokens + ((now - bucket.at) / 1000) * limit.perSecond,
    );
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now }, now + this.fullIn(limit, tokens));
      throw new RateLimitedError(Math.max(1, Math.ceil((1 - tokens) / limit.perSecond)));
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now }, now + this.fullIn(limit, tokens - 1));
  }

  private fullIn(limit: BucketLimit, tokens: number): number {
    return Math.ceil(((limit.burst - tokens) / limit.perSecond) * 1000) + 1;
  }
}
