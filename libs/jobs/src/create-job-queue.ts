import type { Logger } from 'pino';
import type { NatsJobQueueOptions } from './drivers/nats-job-queue';
import { SqliteJobQueue, type SqliteJobQueueOptions } from './drivers/sqlite-job-queue';
import type { JobQueue } from './job-queue';

/** Which driver backs the queue is configuration, nothing else: callers only ever see JobQueue. */
export type JobQueueConfig =
  | ({ driver: 'sqlite' } & Omit<SqliteJobQueueOptions, 'logger'>)
  | ({ driver: 'nats' } & Omit<NatsJobQueueOptions, 'logger'>);

export async function createJobQueue(
  config: JobQueueConfig,
  deps: { logger?: Logger } = {},
): Promise<JobQueue> {
  switch (config.driver) {
    case 'sqlite':
      return new SqliteJobQueue({ ...config, logger: deps.logger });
    case 'nats': {
      // Loaded only when configured: the NATS client is memory the SQLite queue does not need.
      const { NatsJobQueue } = await import('./drivers/nats-job-queue');
      return NatsJobQueue.connect({ ...config, logger: deps.logger });
    }
    default:
      throw new RangeError(
        `unknown job queue driver ${JSON.stringify((config as { driver: unknown }).driver)} (expected 'sqlite' or 'nats')`,
      );
  }
}
