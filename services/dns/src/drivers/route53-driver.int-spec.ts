import { motoClientConfig, startMotoServer, type MotoServer } from '@poppy/testing';
import { describeDnsDriverContract } from '../dns-driver.contract';
import { Route53Driver } from './route53-driver';

let moto: MotoServer;
const drivers: Route53Driver[] = [];
beforeAll(async () => {
  moto = await startMotoServer();
}, 60_000);
afterAll(async () => {
  drivers.forEach((d) => d.close());
  await moto?.stop();
});

const newDriver = () => {
  const d = new Route53Driver(motoClientConfig(moto.endpoint));
  drivers.push(d);
  return d;
};

// Read back through a second client (its own zone-id cache): what the API holds.
describeDnsDriverContract('route53 (moto)', async () => {
  const reader = newDriver();
  return {
    driver: newDriver(),
    lookupCname: async (name) => {
      const zone = await reader.findZone(name);
      return zone ? reader.getCname(zone, name) : undefined;
    },
    lookupTxt: async (name) => {
      const zone = await reader.findZone(name);
      return zone ? reader.getTxt(zone, name) : [];
    },
  };
});

describe('Route53 driver errors', () => {
  it('an unreachable endpoint is a retryable error', async () => {
    const down = new Route53Driver({ ...motoClientConfig('http://127.0.0.1:1'), timeoutMs: 1000 });
    drivers.push(down);
    await expect(down.ensureZone('a.example')).rejects.toMatchObject({ retryable: true });
    expect(await down.isAlive()).toBe(false);
  });
});
