import { startPowerDns, type PowerDnsServer } from '@poppy/testing';
import { describeDnsDriverContract } from '../dns-driver.contract';
import { PowerDnsDriver } from './powerdns-driver';

let pdns: PowerDnsServer;
beforeAll(async () => {
  pdns = await startPowerDns();
}, 30_000);
afterAll(async () => {
  await pdns?.stop();
});

// Records are checked with real DNS queries against the server.
describeDnsDriverContract('powerdns', async () => ({
  driver: new PowerDnsDriver({ apiUrl: pdns.apiUrl, apiKey: pdns.apiKey }),
  lookupCname: (name) => pdns.resolveCname(name),
  lookupTxt: (name) => pdns.resolveTxt(name),
}));

describe('PowerDNS driver errors', () => {
  it('an unreachable API is a retryable error; a wrong key is not', async () => {
    const down = new PowerDnsDriver({ apiUrl: 'http://127.0.0.1:1', apiKey: 'x', timeoutMs: 1000 });
    await expect(down.ensureZone('a.example')).rejects.toMatchObject({ retryable: true });
    expect(await down.isAlive()).toBe(false);
    const wrongKey = new PowerDnsDriver({ apiUrl: pdns.apiUrl, apiKey: 'wrong' });
    await expect(wrongKey.ensureZone('a.example')).rejects.toMatchObject({
      retryable: false,
      errorClass: 'HTTP 401',
    });
  });
});
