/**
 * Helpers of the provisioning end-to-end tests: REST calls against a running suite,
 * waiting for a status, reading a mock provider's journal.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  callApi,
  waitForServiceStatus,
  type ApiReply,
  type ServiceBody,
  type Suite,
} from '@poppy/testing';

export const PROJECT = 'e2e-project';

export type Reply = ApiReply;

export function api(suite: Suite, method: string, urlPath: string, body?: unknown): Promise<Reply> {
  return callApi(suite, PROJECT, method, urlPath, body);
}

export type { ServiceBody };

let counter = 0;

/** Creates a service on `flavor` and returns its id. */
export async function createService(suite: Suite, flavor: string, name = 'e2e'): Promise<string> {
  counter += 1;
  const domain = `www.s${process.pid}x${counter}x${Math.random().toString(36).slice(2, 8)}.com`;
  const reply = await api(suite, 'POST', '/v1.0/services', {
    name,
    domains: [{ domain }],
    origins: [{ origin: 'origin.example.com' }],
    flavor_id: flavor,
  });
  if (reply.status !== 202)
    throw new Error(`create answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  return reply.headers.get('location')!.split('/').pop()!;
}

export async function createFlavor(suite: Suite, id: string, providers: string[]): Promise<void> {
  const reply = await api(suite, 'POST', '/v1.0/flavors', {
    id,
    providers: providers.map((p) => ({
      provider: p,
      links: [{ href: `http://${p}.example`, rel: 'provider_url' }],
    })),
  });
  if (reply.status !== 201)
    throw new Error(`flavor ${id}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

export async function getService(suite: Suite, id: string): Promise<Reply & { body: ServiceBody }> {
  return (await api(suite, 'GET', `/v1.0/services/${id}`)) as Reply & { body: ServiceBody };
}

/** Polls until the service has `status` (or is gone, for 'gone'); fails with the last status seen. */
export function waitForStatus(
  suite: Suite,
  id: string,
  status: string,
  timeoutMs = 10_000,
): Promise<ServiceBody> {
  return waitForServiceStatus(suite, PROJECT, id, status, { timeoutMs });
}

export interface JournalEntry {
  op: string;
  service_id: string;
  provider_service_id: string;
  hard?: boolean;
  purge_url?: string;
  outcome: 'ok' | 'error';
  existing?: boolean;
}

export function journalFile(dir: string, id: string): string {
  return path.join(dir, `${id}-journal.jsonl`);
}

export function readJournal(file: string): JournalEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as JournalEntry);
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}
