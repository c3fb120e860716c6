import { loadProviderFastlyConfig } from './config';

describe('loadProviderFastlyConfig', () => {
  it('defaults everything but the token', () => {
    expect(loadProviderFastlyConfig({ POPPY_FASTLY_API_TOKEN: 't' })).toMatchObject({
      host: '127.0.0.1',
      port: 50064,
      apiUrl: 'https://api.fastly.com',
      apiToken: 't',
      rateLimit: 10,
      rateMaxWaitMs: 30_000,
      requestTimeoutMs: 10_000,
      certificateAuthority: 'lets-encrypt',
    });
  });

  it('reports every bad value together', () => {
    expect(() =>
      loadProviderFastlyConfig({ POPPY_FASTLY_API_URL: 'ftp:/x', POPPY_FASTLY_RATE_LIMIT: '0' }),
    ).toThrow(
      /POPPY_FASTLY_API_URL[\s\S]*POPPY_FASTLY_API_TOKEN|POPPY_FASTLY_API_TOKEN[\s\S]*POPPY_FASTLY_API_URL/,
    );
  });
});
