import { loadDnsConfig } from './config';

describe('loadDnsConfig', () => {
  it('defaults: manual backend, poppycdn.net with 10 shards, 404 target and shared-SSL suffix under it', () => {
    const c = loadDnsConfig({});
    expect(c.backend).toBe('manual');
    expect(c.operator).toMatchObject({
      suffix: 'poppycdn.net',
      shardPrefix: 'cdn',
      numShards: 10,
      recordsLimit: 400,
      sharedSslSuffix: 'secure.poppycdn.net',
      url404: 'notfound.poppycdn.net',
    });
  });

  it('powerdns needs its API URL and key; every problem is listed', () => {
    expect(() => loadDnsConfig({ POPPY_DNS_BACKEND: 'powerdns', POPPY_DNS_RETRIES: '0' })).toThrow(
      /POPPY_DNS_RETRIES[\s\S]*POPPY_POWERDNS_API_URL is required[\s\S]*POPPY_POWERDNS_API_KEY is required/,
    );
  });

  it('an unknown backend is refused', () => {
    expect(() => loadDnsConfig({ POPPY_DNS_BACKEND: 'bind' })).toThrow(/POPPY_DNS_BACKEND/);
  });

  it('designate needs its dns endpoint and a Keystone token', () => {
    expect(() => loadDnsConfig({ POPPY_DNS_BACKEND: 'designate' })).toThrow(
      /POPPY_DESIGNATE_API_URL[\s\S]*POPPY_DESIGNATE_TOKEN/,
    );
    const c = loadDnsConfig({
      POPPY_DNS_BACKEND: 'designate',
      POPPY_DESIGNATE_API_URL: 'http://127.0.0.1:9001',
      POPPY_DESIGNATE_TOKEN: 'gAAAA',
    });
    expect(c.designate).toEqual({
      apiUrl: 'http://127.0.0.1:9001',
      token: 'gAAAA',
      email: undefined,
    });
  });

  it('route53 with a local endpoint (moto)', () => {
    const c = loadDnsConfig({
      POPPY_DNS_BACKEND: 'route53',
      POPPY_ROUTE53_ENDPOINT: 'http://127.0.0.1:5000',
    });
    expect(c.route53).toEqual({ endpoint: 'http://127.0.0.1:5000', region: 'us-east-1' });
  });
});
