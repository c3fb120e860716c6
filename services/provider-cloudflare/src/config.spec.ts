import { ConfigError } from '@poppy/platform';
import { loadProviderCloudflareConfig } from './config';

const REQUIRED = {
  POPPY_CLOUDFLARE_API_TOKEN: 'token',
  POPPY_CLOUDFLARE_ZONE_ID: '023e105f4ecef8ad9ca31a8372d0c353',
  POPPY_CLOUDFLARE_CNAME_TARGET: 'customers.poppy-edge.example.net',
};

describe('loadProviderCloudflareConfig', () => {
  it('has defaults for the Cloudflare API', () => {
    expect(loadProviderCloudflareConfig(REQUIRED)).toMatchObject({
      port: 50066,
      baseUrl: 'https://api.cloudflare.com/client/v4',
      rateLimit: 4,
      maxRetries: 2,
      timeoutMs: 10_000,
      pollMs: 30_000,
      zoneId: REQUIRED.POPPY_CLOUDFLARE_ZONE_ID,
    });
  });

  it('points at another base URL', () => {
    expect(
      loadProviderCloudflareConfig({
        ...REQUIRED,
        POPPY_CLOUDFLARE_BASE_URL: 'http://127.0.0.1:8787/client/v4/',
        POPPY_CLOUDFLARE_RATE_LIMIT: '20',
      }),
    ).toMatchObject({ baseUrl: 'http://127.0.0.1:8787/client/v4', rateLimit: 20 });
  });

  it('reports every missing or bad setting at once', () => {
    let error: unknown;
    try {
      loadProviderCloudflareConfig({
        POPPY_CLOUDFLARE_ZONE_ID: 'not-hex',
        POPPY_CLOUDFLARE_BASE_URL: 'ftp://x',
        POPPY_CLOUDFLARE_RATE_LIMIT: '0',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'POPPY_CLOUDFLARE_API_TOKEN',
      'POPPY_CLOUDFLARE_ZONE_ID',
      'POPPY_CLOUDFLARE_CNAME_TARGET',
      'POPPY_CLOUDFLARE_BASE_URL',
      'POPPY_CLOUDFLARE_RATE_LIMIT',
    ])
      expect(problems).toContain(name);
  });
});
