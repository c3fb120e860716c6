import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describeJobQueueContract } from '../job-queue.contract';
import type { JobDelivery } from '../job-queue';
import { SqliteJobQueue } from './sqlite-job-queue';

function tempFile(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-jobs-'));
  return { dir, file: path.join(dir, 'jobs.db') };
}

describeJobQueueContract('sqlite', async () => {
  const { dir, file } = tempFile();
  return {
    open: async () => new SqliteJobQueue({ file, pollIntervalMs: 20 }),
    dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

describe('SqliteJobQueue', () => {
  let dir: string;
  let file: string;
  beforeEach(() => ({ dir, file } = tempFile()));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates the directory and a WAL database when the file does not exist yet', async () => {
    const nested = path.join(dir, 'a', 'b', 'jobs.db');
    const queue = new SqliteJobQueue({ file: nested });
    await queue.publish({ id: 'j1', kind: 'alpha', payload: {} });
    await queue.close();
    const db = new Database(nested, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT id, state, attempts FROM jobs').all()).toEqual([
      { id: 'j1', state: 'queued', attempts: 0 },
    ]);
    db.close();
  });

  it('accepts a re-published id as new when its finished row is older than the dedup window', async () => {
    const queue = new SqliteJobQueue({ file, pollIntervalMs: 10, dedupWindowMs: 200 });
    const seen: JobDelivery[] = [];
    const consumer = await queue.consume(async (d) => (seen.push(d), { type: 'done' }), {
      kinds: ['alpha'],
      onTerminated: async () => undefined,
    });
    const job = { id: 'same', kind: 'alpha', payload: { v: 1 } };
    expect(await queue.publish(job)).toEqual({ duplicate: false });
    await waitUntil(() => seen.length === 1);
    expect(await queue.publish(job)).toEqual({ duplicate: true });
    await new Promise((r) => setTimeout(r, 250));
    expect(await queue.publish({ ...job, payload: { v: 2 } })).toEqual({ duplicate: false });
    await waitUntil(() => seen.length === 2);
    expect(seen.map((d) => [d.job.payload, d.attempt])).toEqual([
      [{ v: 1 }, 1],
      [{ v: 2 }, 1],
    ]);
    await consumer.stop();
    await queue.close();
  });

  it('records state failed with the reason and no lease when a job is given up', async () => {
    const queue = new SqliteJobQueue({ file, pollIntervalMs: 10 });
    const terminated: string[] = [];
    const consumer = await queue.consume(async () => ({ type: 'fail', reason: 'no such origin' }), {
      kinds: ['alpha'],
      onTerminated: async (job) => void terminated.push(job.id),
    });
    await queue.publish({ id: 'doomed', kind: 'alpha', payload: {} });
    await waitUntil(() => terminated.length === 1);
    await consumer.stop();
    await queue.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT state, attempts, last_error, lease_owner FROM jobs').get()).toEqual({
      state: 'failed',
      attempts: 1,
      last_error: 'no such origin',
      lease_owner: null,
    });
    db.close();
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
