/**
 * A token bucket shared by every replica of an adapter across machines: one entry of a
 * NATS JetStream KV bucket (the queue's NATS servers). A change reads the entry and writes
 * it back only if its revision is still the one read (compare-and-set); when another
 * replica wrote in between, the change is applied again to the newer state.
 */
import * as transport from '@nats-io/transport-node';
import type * as core from '@nats-io/nats-core/lib/mod';
import * as kvModule from '@nats-io/kv';
import type * as kvTypes from '@nats-io/kv/lib/mod';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { ProviderError } from '../provider-error';
import type { BucketState, BucketStore } from './rate-budget';

// Under this repo's `moduleResolution: node`, the @nats-io packages' declarations are
// unreachable through their package entries (a broken "types" field); type-only deep
// imports resolve (libs/jobs/src/drivers/nats-job-queue.ts does the same).
const nats = transport as unknown as {
  connect(options: core.ConnectionOptions): Promise<core.NatsConnection>;
};
const { Kvm } = kvModule as unknown as { Kvm: typeof kvTypes.Kvm };

export interface NatsBucketStoreOptions {
  servers: string | string[];
  /** The KV bucket holding every account's budget. @default 'poppy_rate_budgets' */
  kvBucket?: string;
  /** The account's key in it ([-_=.a-zA-Z0-9]). */
  key: string;
  connectionName?: string;
  /** Compare-and-set attempts before one change gives up (retryably). @default 50 */
  maxAttempts?: number;
}

const KEY = /^[-_=.A-Za-z0-9]+$/;

export class NatsBucketStore implements BucketStore {
  private connection: Promise<{ nc: core.NatsConnection; kv: kvTypes.KV }> | undefined;

  constructor(private readonly options: NatsBucketStoreOptions) {
    if (!KEY.test(options.key)) throw new Error(`rate budget key '${options.key}' is not a KV key`);
  }

  async update<T>(initial: BucketState, change: (state: BucketState) => T): Promise<T> {
    const attempts = this.options.maxAttempts ?? 50;
    try {
      const { kv } = await this.connect();
      for (let attempt = 0; attempt < attempts; attempt++) {
        const entry = await kv.get(this.options.key);
        const live = entry && entry.operation === 'PUT' && entry.length > 0;
        const state: BucketState = live ? (entry.json() as BucketState) : { ...initial };
        const result = change(state);
        const value = JSON.stringify(state);
        try {
          if (live) await kv.update(this.options.key, value, entry.revision);
          else await kv.create(this.options.key, value);
          return result;
        } catch (error) {
          if (!isRevisionConflict(error)) throw error;
          // Another replica changed the bucket since we read it: apply the change again.
        }
      }
      throw new Error(`${attempts} compare-and-set conflicts in a row`);
    } catch (error) {
      throw new ProviderError(`rate budget: NATS KV unavailable (${String(error)})`, {
        retryable: true,
        errorClass: 'RateBudgetUnavailable',
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await (await connection).nc.close();
  }

  private connect(): Promise<{ nc: core.NatsConnection; kv: kvTypes.KV }> {
    this.connection ??= (async () => {
      const nc = await nats.connect({
        servers: this.options.servers,
        name: this.options.connectionName ?? 'poppy-rate-budget',
        maxReconnectAttempts: -1,
      });
      // history 1: only the latest state matters; create() opens the bucket if it exists.
      const kv = await new Kvm(nc).create(this.options.kvBucket ?? 'poppy_rate_budgets', {
        history: 1,
      });
      return { nc, kv };
    })().catch((error: unknown) => {
      this.connection = undefined; // try again on the next change
      throw error;
    });
    return this.connection;
  }
}

function isRevisionConflict(error: unknown): boolean {
  if (error instanceof JetStreamApiError)
    return error.code === JetStreamApiCodes.StreamWrongLastSequence;
  return /wrong last sequence|key exists/i.test(String(error));
}
