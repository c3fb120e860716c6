/**
 * serveProviderProcess over real gRPC on loopback: the driver answers on the port the
 * "ready" line names, and the registered shutdown step stops the server.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { Shutdown } from '@poppy/platform';
import { createProviderClient } from './provider-client';
import type { ProviderDriver } from './provider-driver';
import { ProviderError } from './provider-error';
import { serveProviderProcess } from './provider-process';

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const notUsed = () => Promise.reject(new ProviderError('not used by this test'));
const driver: ProviderDriver = {
  providerName: 'Served',
  regions: [],
  isAlive: async () => true,
  createService: notUsed,
  updateService: notUsed,
  deleteService: notUsed,
  purgeService: notUsed,
  getService: notUsed,
  getMetrics: notUsed,
  createCertificate: notUsed,
  deleteCertificate: notUsed,
  listManaged: notUsed,
};

describe('serveProviderProcess', () => {
  it('serves the driver, logs "<name> ready" with the bound port, and stops on shutdown', async () => {
    const { logger, lines } = capturingLogger();
    const shutdown = new Shutdown(logger);
    await serveProviderProcess(driver, {
      name: 'provider-served',
      host: '127.0.0.1',
      port: 0,
      logger,
      shutdown,
      readyFields: { endpoint: 'http://vendor.example' },
    });
    const ready = lines.find((l) => l.msg === 'provider-served ready');
    expect(ready).toMatchObject({ provider: 'Served', endpoint: 'http://vendor.example' });
    expect(ready!.port).toEqual(expect.any(Number));
    expect(ready!.port).toBeGreaterThan(0);

    const client = createProviderClient(`127.0.0.1:${String(ready!.port)}`, { deadlineMs: 2000 });
    try {
      await expect(client.describe()).resolves.toMatchObject({
        provider_name: 'Served',
        alive: true,
      });
      expect(await shutdown.run('test')).toBe(0);
      await expect(client.describe()).rejects.toMatchObject({ retryable: true });
    } finally {
      client.close();
    }
  }, 20_000);
});
