/**
 * The Akamai operator state the catalog keeps (docs/behaviour.md §10.11–10.14, §11.1 providers_info):
 * two queues and the certificate configuration. It lives in the catalog store (both drivers,
 * one contract suite: akamai-state-store.contract.ts), so every catalog replica and the
 * future Akamai adapter see the same queues, and nothing is lost with a process.
 *
 * Queues are small operator lists read and written whole; every change is a compare-and-set
 * on the queue's version, so two writers never lose each other's items.
 */

import { unavailable } from '@poppy/domain';

/** `san_mapping`: certificates waiting for their Akamai property hostname; `retry_list`: the mod-SAN queue. */
export const AKAMAI_QUEUES = ['san_mapping', 'retry_list'] as const;
export type AkamaiQueue = (typeof AKAMAI_QUEUES)[number];

/** `settings` (e.g. san_cert_hostname_limit), and the per-certificate `san` / `sni` configurations. */
export const AKAMAI_CONFIG_KINDS = ['settings', 'san', 'sni'] as const;
export type AkamaiConfigKind = (typeof AKAMAI_CONFIG_KINDS)[number];

export type JsonObject = Record<string, unknown>;

export interface AkamaiStateStore {
  /** The queue's items, oldest first; [] when it never held any. */
  readQueue(queue: AkamaiQueue): Promise<JsonObject[]>;
  /**
   * Atomically: `change` gets the current items and returns the new ones; retried when
   * another writer changed the queue in between. Returns the items before and after.
   */
  updateQueue(
    queue: AkamaiQueue,
    change: (items: JsonObject[]) => JsonObject[],
  ): Promise<{ before: JsonObject[]; after: JsonObject[] }>;

  /** The stored value, undefined when none. */
  getConfig(kind: AkamaiConfigKind, name: string): Promise<JsonObject | undefined>;
  putConfig(kind: AkamaiConfigKind, name: string, value: JsonObject): Promise<void>;
}

/** What a store's compare-and-set primitive looks like; updateQueueWithRetry builds on it. */
export interface VersionedQueueRow {
  items: JsonObject[];
  /** 0 when the queue has no row yet. */
  version: number;
}

const MAX_QUEUE_ATTEMPTS = 10;

/** The read → change → compare-and-set loop both drivers share. */
export async function updateQueueWithRetry(
  read: () => Promise<VersionedQueueRow>,
  write: (items: JsonObject[], expectedVersion: number) => Promise<boolean>,
  change: (items: JsonObject[]) => JsonObject[],
  queue: string,
): Promise<{ before: JsonObject[]; after: JsonObject[] }> {
  for (let attempt = 1; attempt <= MAX_QUEUE_ATTEMPTS; attempt++) {
    const current = await read();
    const after = change(current.items);
    if (await write(after, current.version)) return { before: current.items, after };
  }
  throw unavailable(`the Akamai ${queue} queue is being changed concurrently, try again`);
}
