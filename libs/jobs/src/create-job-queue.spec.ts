import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createJobQueue } from './create-job-queue';

describe('createJobQueue', () => {
  it('returns the SQLite driver when the config names sqlite', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'poppy-jobs-'));
    try {
      const queue = await createJobQueue({ driver: 'sqlite', file: path.join(dir, 'jobs.db') });
      expect(queue.driverName).toBe('sqlite');
      expect(await queue.ping()).toBe(true);
      await queue.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown driver with the accepted names', async () => {
    await expect(createJobQueue({ driver: 'redis' } as never)).rejects.toThrow(
      /'sqlite' or 'nats'/,
    );
  });

  it('rejects NATS options that cannot name a stream or consumer before connecting', async () => {
    await expect(
      createJobQueue({
        driver: 'nats',
        servers: 'nats://127.0.0.1:1',
        stream: 'bad.name',
        durable: 'a b',
      }),
    ).rejects.toThrow(/stream "bad.name".*durable "a b"/);
  });
});
