import { FakeDesignate } from '@poppy/fakes/designate';
import { describeDnsDriverContract } from '../dns-driver.contract';
import { DesignateDriver } from './designate-driver';

let designate: FakeDesignate;
beforeAll(async () => {
  designate = new FakeDesignate();
  await designate.start();
});
afterAll(async () => {
  await designate?.stop();
});

// Records are read back from the fake's own state, not through the driver.
describeDnsDriverContract('designate (fake Designate v2 API)', async () => ({
  driver: new DesignateDriver({ apiUrl: designate.url, token: designate.token }),
  lookupCname: async (name) => designate.lookup(name, 'CNAME')?.[0]?.replace(/\.$/, ''),
  lookupTxt: async (name) =>
    (designate.lookup(name, 'TXT') ?? []).map((v) => v.replace(/^"|"$/g, '')),
}));

describe('Designate driver errors', () => {
  it('an unreachable API is retryable; an unknown token is not', async () => {
    const down = new DesignateDriver({ apiUrl: 'http://127.0.0.1:1', token: 't', timeoutMs: 1000 });
    await expect(down.ensureZone('a.example')).rejects.toMatchObject({ retryable: true });
    expect(await down.isAlive()).toBe(false);
    const wrongToken = new DesignateDriver({ apiUrl: designate.url, token: 'wrong' });
    await expect(wrongToken.ensureZone('a.example')).rejects.toMatchObject({
      retryable: false,
      errorClass: 'designate.unauthorized',
    });
  });

  it('counts the records of a zone across pages, following links.next', async () => {
    const driver = new DesignateDriver({ apiUrl: designate.url, token: designate.token });
    await driver.ensureZone('many.paging.example');
    for (let i = 0; i < 25; i++)
      await driver.upsertCname(
        'many.paging.example',
        `r${i}.many.paging.example`,
        'cdn.example',
        60,
      );
    const paged = new DesignateDriver({
      apiUrl: designate.url,
      token: designate.token,
      pageSize: 10,
    });
    const before = designate.requests.length;
    // SOA + NS (made by Designate) + 25 CNAMEs, in pages of 10.
    expect(await paged.countRecords('many.paging.example')).toBe(27);
    const pages = designate.requests
      .slice(before)
      .filter((r) => /^GET \/v2\/zones\/[^/]+\/recordsets$/.test(r));
    expect(pages).toHaveLength(3);
  });
});
