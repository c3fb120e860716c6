import path from 'node:path';
import type { JobQueueConfig } from '@poppy/jobs';
import type { EnvReader } from '@poppy/platform';

/**
 * Where the outbox relay publishes jobs (the same settings provisioning consumes from):
 * POPPY_QUEUE `sqlite` (default: a file shared by every process on this machine,
 * POPPY_QUEUE_FILE, default `<POPPY_DATA_DIR>/jobs.sqlite`) or `nats` (POPPY_NATS_URL,
 * POPPY_NATS_STREAM, POPPY_NATS_SUBJECT_PREFIX).
 */
export function readQueueConfig(e: EnvReader, dataDir: string): JobQueueConfig {
  const driver = e.oneOf('POPPY_QUEUE', ['sqlite', 'nats'] as const, 'sqlite');
  if (driver === 'sqlite') {
    return { driver, file: path.resolve(e.string('POPPY_QUEUE_FILE', path.join(dataDir, 'jobs.sqlite'))) };
  }
  const servers = e.list('POPPY_NATS_URL', ['nats://127.0.0.1:4222']);
  for (const url of servers) {
    if (!/^nats:\/\/[^\s/]+:\d{1,5}$/.test(url)) e.problem(`POPPY_NATS_URL: expected nats://host:port, got '${url}'`);
  }
  return {
    driver,
    servers,
    stream: e.string('POPPY_NATS_STREAM', 'POPPY_JOBS'),
    subjectPrefix: e.string('POPPY_NATS_SUBJECT_PREFIX', 'poppy'),
    connectionName: 'catalog-outbox-relay',
  };
}
