import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ServiceSpec } from '@poppy/domain';
import {
  decodeServiceJob,
  encodeServiceJob,
  SERVICE_JOB_KINDS,
  SqliteJobQueue,
  type JobDelivery,
  type JobQueue,
} from '@poppy/jobs';
import { createLogger } from '@poppy/platform';
import { sampleServiceSpec } from '@poppy/testing';
import { Catalog } from './catalog';
import { SqliteCatalogStore } from './drivers/sqlite/sqlite-catalog-store';
import {
  notifyingStore,
  outboxPayload,
  OutboxRelay,
  relayFailureMessage,
  toQueueJob,
} from './outbox-relay';

const logger = createLogger('catalog-test', 'silent');
let dir: string;
let store: SqliteCatalogStore;
let queueFile: string;
const opened: Array<{ close(): Promise<void> }> = [];

const spec = (domain: string): ServiceSpec =>
  sampleServiceSpec({ domains: [{ domain, protocol: 'http' }] });

function queue(): SqliteJobQueue {
  const q = new SqliteJobQueue({ file: queueFile, pollIntervalMs: 10 });
  opened.push(q);
  return q;
}

/** Every job the queue delivers, collected by a consumer of all outbox kinds. */
async function collect(q: JobQueue): Promise<JobDelivery[]> {
  const seen: JobDelivery[] = [];
  const consumer = await q.consume(async (d) => (seen.push(d), { type: 'done' }), {
    kinds: [...SERVICE_JOB_KINDS],
    onTerminated: async () => undefined,
  });
  opened.push({ close: () => consumer.stop() });
  return seen;
}

async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-relay-'));
  store = new SqliteCatalogStore(path.join(dir, 'catalog.sqlite'));
  queueFile = path.join(dir, 'jobs.sqlite');
});
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('OutboxRelay', () => {
  it('publishes each pending job once with its job id and the service it is about, and marks it relayed', async () => {
    const catalog = new Catalog(store, {
      providers: ['mock'],
      maxServicesPerProject: 20,
      defaultCacheTtl: 86400,
      sharedSslShards: ['s.example.net'],
    });
    await catalog.ensureFlavor('mock', 'mock');
    const a = await catalog.createService('p', spec('www.a.com'));
    const b = await catalog.createService('p', spec('www.b.com'));
    const q = queue();
    const relay = new OutboxRelay(store, async () => q, 'sqlite', logger);
    expect(await relay.relayOnce()).toBe(2);
    expect(await relay.relayOnce()).toBe(0);
    expect(await store.listPendingJobs(10)).toEqual([]);
    const seen = await collect(q);
    await waitUntil(() => seen.length === 2);
    expect(seen.map((d) => d.job.id).sort()).toEqual(
      [`${a.service_id}:1:create`, `${b.service_id}:1:create`].sort(),
    );
    const job = seen.find((d) => d.job.id.startsWith(a.service_id))!.job;
    expect(job.kind).toBe('create');
    expect(decodeServiceJob(job)).toMatchObject({
      project_id: 'p',
      service_id: a.service_id,
      generation: 1,
      job: { $case: 'create', value: { spec: { flavor_id: 'mock' } } },
    });
  });

  it('re-publishing after a crash between publish and mark delivers nothing twice', async () => {
    const catalog = new Catalog(store, {
      providers: ['mock'],
      maxServicesPerProject: 20,
      defaultCacheTtl: 86400,
      sharedSslShards: ['s.example.net'],
    });
    await catalog.ensureFlavor('mock', 'mock');
    await catalog.createService('p', spec('www.a.com'));
    const q = queue();
    // The first relay "crashes" after publishing: the mark never happens.
    const crashing = new OutboxRelay(
      {
        listPendingJobs: (n) => store.listPendingJobs(n),
        markJobsRelayed: async () => Promise.reject(new Error('crash')),
      },
      async () => q,
      'sqlite',
      logger,
    );
    await expect(crashing.relayOnce()).rejects.toThrow('crash');
    expect(await store.listPendingJobs(10)).toHaveLength(1);
    const relay = new OutboxRelay(store, async () => q, 'sqlite', logger);
    expect(await relay.relayOnce()).toBe(1);
    const seen = await collect(q);
    await waitUntil(() => seen.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(1);
  });

  it('keeps trying while the queue is unreachable, reports it offline, and relays once it is back', async () => {
    let reachable = false;
    const q = queue();
    const relay = new OutboxRelay(
      store,
      async () => {
        if (!reachable) throw new Error('connection refused');
        return q;
      },
      'nats',
      logger,
      { pollIntervalMs: 5, maxBackoffMs: 20 },
    );
    const catalog = new Catalog(
      notifyingStore(store, () => relay.kick()),
      {
        providers: ['mock'],
        maxServicesPerProject: 20,
        defaultCacheTtl: 86400,
        sharedSslShards: ['s.example.net'],
      },
    );
    await catalog.ensureFlavor('mock', 'mock');
    relay.start();
    opened.push({ close: () => relay.stop() });
    const s = await catalog.createService('p', spec('www.a.com'));
    await waitUntil(() => relay.health().lastError !== undefined);
    expect(relay.health()).toMatchObject({
      name: 'nats',
      online: false,
      failing: 'queue',
      lastError: 'connection refused',
    });
    expect(await store.listPendingJobs(10)).toHaveLength(1);
    reachable = true;
    await waitUntil(() => relay.health().online);
    const seen = await collect(q);
    await waitUntil(() => seen.length === 1);
    expect(seen[0].job.id).toBe(`${s.service_id}:1:create`);
    // A write after the relay is up is relayed at once, without waiting for an outage backoff.
    await catalog.deleteService('p', s.service_id);
    await waitUntil(() => seen.length === 2, 1000);
    expect(seen[1].job.kind).toBe('delete');
  });

  it('reports the queue offline when it cannot take jobs although the last round succeeded', async () => {
    let usable = true;
    // The queue's own answer to "can jobs be published and consumed now" (for NATS: does
    // the stream exist) decides, not whether the last round threw.
    const q = Object.assign(queue(), { ping: async () => usable });
    const relay = new OutboxRelay(store, async () => q, 'nats', logger, { pollIntervalMs: 5 });
    relay.start();
    opened.push({ close: () => relay.stop() });
    await waitUntil(() => relay.health().online);
    expect(await relay.checkHealth()).toMatchObject({ name: 'nats', online: true });
    usable = false;
    expect(relay.health().online).toBe(true);
    expect(await relay.checkHealth()).toMatchObject({ name: 'nats', online: false });
  });

  it('reports the queue offline before it was ever reached', async () => {
    const relay = new OutboxRelay(
      store,
      () => Promise.reject(new Error('connection refused')),
      'nats',
      logger,
    );
    expect((await relay.checkHealth()).online).toBe(false);
  });

  it('names the store, not the queue, when the outbox cannot be read, and keeps the queue online', async () => {
    let storeUp = true;
    const warnings: string[] = [];
    const recording = Object.assign(Object.create(logger) as typeof logger, {
      warn: (_fields: unknown, msg: string) => void warnings.push(msg),
      info: () => undefined,
      debug: () => undefined,
    });
    const flaky = {
      listPendingJobs: async (limit: number) => {
        if (!storeUp) throw new Error('All host(s) tried for query failed');
        return store.listPendingJobs(limit);
      },
      markJobsRelayed: (ids: string[]) => store.markJobsRelayed(ids),
    };
    const relay = new OutboxRelay(flaky, async () => queue(), 'nats', recording, {
      pollIntervalMs: 5,
      maxBackoffMs: 10,
    });
    relay.start();
    opened.push({ close: () => relay.stop() });
    await waitUntil(() => relay.health().online);
    storeUp = false;
    await waitUntil(() => relay.health().failing !== undefined);
    // Several failed rounds: one warning for the outage, not one per round.
    await new Promise((r) => setTimeout(r, 100));
    expect(relay.health()).toMatchObject({
      online: true,
      failing: 'store',
      lastError: 'All host(s) tried for query failed',
    });
    expect(warnings).toEqual([relayFailureMessage('store')]);
    expect(relayFailureMessage('store')).toMatch(/catalog store is unavailable/);
    expect(relayFailureMessage('queue')).toMatch(/cannot reach the job queue/);
    storeUp = true;
    await waitUntil(() => relay.health().failing === undefined);
  });

  it('relays a row recorded before the jobs contract in the form of that time, its trace context as headers', () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const job = toQueueJob({
      job_id: 's:2:purge:x',
      kind: 'purge',
      project_id: 'p',
      service_id: 's',
      generation: 2,
      payload: { url: '/x', hard: true, trace: { traceparent } },
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect(job.headers).toEqual({ traceparent });
    expect(job.payload).toEqual({
      url: '/x',
      hard: true,
      project_id: 'p',
      service_id: 's',
      generation: 2,
      created_at: '2026-01-01T00:00:00.000Z',
    });
    expect(decodeServiceJob(job).job).toEqual({ $case: 'purge', value: { url: '/x', hard: true } });
  });

  it('publishes the queue job the catalog encoded, headers included', () => {
    const queued = encodeServiceJob(
      {
        project_id: 'p',
        service_id: 's',
        generation: 2,
        created_at: '2026-01-01T00:00:00.000Z',
        reconciled: false,
        job: { $case: 'purge', value: { url: '/x', hard: true } },
      },
      { id: 's:2:purge:x', headers: { traceparent: '00-4bf9-00f0-01' } },
    );
    const row = {
      job_id: queued.id,
      kind: 'purge' as const,
      project_id: 'p',
      service_id: 's',
      generation: 2,
      payload: outboxPayload(queued),
      created_at: '2026-01-01T00:00:00.000Z',
    };
    expect(toQueueJob(JSON.parse(JSON.stringify(row)) as typeof row)).toEqual(queued);
  });
});
