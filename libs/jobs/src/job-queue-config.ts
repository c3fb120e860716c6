import path from 'node:path';
import type { EnvReader } from '@poppy/platform/boot';
import type { JobQueueConfig } from './create-job-queue';

/**
 * The job queue every process shares, from the environment (one reading for the catalog's
 * outbox relay and the provisioning workers):
 * POPPY_QUEUE `sqlite` (default: one file shared by the processes of this machine,
 * POPPY_QUEUE_FILE, default `<dataDir>/jobs.sqlite`) or `nats` (POPPY_NATS_URL,
 * POPPY_NATS_STREAM, POPPY_NATS_SUBJECT_PREFIX, POPPY_NATS_STREAM_REPLICAS: copies of a stream
 * this process creates, 3 on a 3-node JetStream cluster).
 */
export function readJobQueueConfig(
  e: EnvReader,
  options: { dataDir: string; connectionName: string; durable?: string },
): JobQueueConfig {
  const driver = e.oneOf('POPPY_QUEUE', ['sqlite', 'nats'] as const, 'sqlite');
  if (driver === 'sqlite') {
    return {
      driver,
      file: path.resolve(e.string('POPPY_QUEUE_FILE', path.join(options.dataDir, 'jobs.sqlite'))),
    };
  }
  const servers = e.list('POPPY_NATS_URL', ['nats://127.0.0.1:4222']);
  for (const url of servers) {
    if (!/^nats:\/\/[^\s/]+:\d{1,5}$/.test(url))
      e.problem(`POPPY_NATS_URL: expected nats://host:port, got '${url}'`);
  }
  return {
    driver,
    servers,
    stream: e.string('POPPY_NATS_STREAM', 'POPPY_JOBS'),
    subjectPrefix: e.string('POPPY_NATS_SUBJECT_PREFIX', 'poppy'),
    replicas: e.int('POPPY_NATS_STREAM_REPLICAS', 1, { min: 1, max: 5 }),
    ...(options.durable ? { durable: options.durable } : {}),
    connectionName: options.connectionName,
  };
}
