import path from 'node:path';
import { EnvReader } from '@poppy/platform/boot';
import { readJobQueueConfig } from './job-queue-config';

const read = (env: Record<string, string>, durable?: string) => {
  const e = new EnvReader(env);
  return e.done({
    queue: readJobQueueConfig(e, { dataDir: '/data', connectionName: 'test', durable }),
  }).queue;
};

describe('readJobQueueConfig', () => {
  it('defaults to the SQLite queue file in the data directory', () => {
    expect(read({})).toEqual({ driver: 'sqlite', file: path.resolve('/data/jobs.sqlite') });
  });

  it('reads the NATS settings, with the durable of the consumer when given', () => {
    expect(
      read({ POPPY_QUEUE: 'nats', POPPY_NATS_URL: 'nats://a:4222,nats://b:4222' }, 'workers'),
    ).toEqual({
      driver: 'nats',
      servers: ['nats://a:4222', 'nats://b:4222'],
      stream: 'POPPY_JOBS',
      subjectPrefix: 'poppy',
      replicas: 1,
      durable: 'workers',
      connectionName: 'test',
    });
  });

  it('reads the stream replicas a JetStream cluster keeps', () => {
    expect(read({ POPPY_QUEUE: 'nats', POPPY_NATS_STREAM_REPLICAS: '3' })).toMatchObject({
      replicas: 3,
    });
    expect(() => read({ POPPY_QUEUE: 'nats', POPPY_NATS_STREAM_REPLICAS: '0' })).toThrow(
      /POPPY_NATS_STREAM_REPLICAS/,
    );
  });

  it('lists every problem at once', () => {
    expect(() => read({ POPPY_QUEUE: 'kafka' })).toThrow(
      "POPPY_QUEUE: 'kafka' is not one of sqlite, nats",
    );
    expect(() => read({ POPPY_QUEUE: 'nats', POPPY_NATS_URL: 'http://x:1,nats://y' })).toThrow(
      /expected nats:\/\/host:port, got 'http:\/\/x:1'[\s\S]*got 'nats:\/\/y'/,
    );
  });
});
