import { ConfigError } from '@poppy/platform';
import { loadProviderCloudFrontConfig } from './config';

describe('loadProviderCloudFrontConfig', () => {
  it('has defaults for AWS', () => {
    const config = loadProviderCloudFrontConfig({});
    expect(config).toMatchObject({
      port: 50062,
      region: 'us-east-1',
      maxAttempts: 3,
      pollMs: 60_000,
      purgeWait: true,
      priceClass: 'PriceClass_All',
    });
    expect(config.endpoint).toBeUndefined();
    expect(config.credentials).toBeUndefined();
  });

  it('points at another endpoint with static credentials', () => {
    const config = loadProviderCloudFrontConfig({
      POPPY_CLOUDFRONT_ENDPOINT: 'http://127.0.0.1:5000',
      POPPY_CLOUDFRONT_ACCESS_KEY_ID: 'a',
      POPPY_CLOUDFRONT_SECRET_ACCESS_KEY: 'b',
      POPPY_CLOUDFRONT_MAX_ATTEMPTS: '1',
    });
    expect(config).toMatchObject({
      endpoint: 'http://127.0.0.1:5000',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
  });

  it('names every problem', () => {
    expect(() =>
      loadProviderCloudFrontConfig({
        POPPY_CLOUDFRONT_ENDPOINT: 'moto',
        POPPY_CLOUDFRONT_ACCESS_KEY_ID: 'a',
        POPPY_CLOUDFRONT_PRICE_CLASS: 'cheap',
      }),
    ).toThrow(ConfigError);
    try {
      loadProviderCloudFrontConfig({
        POPPY_CLOUDFRONT_ENDPOINT: 'moto',
        POPPY_CLOUDFRONT_ACCESS_KEY_ID: 'a',
        POPPY_CLOUDFRONT_PRICE_CLASS: 'cheap',
      });
    } catch (e) {
      expect((e as Error).message).toContain('POPPY_CLOUDFRONT_ENDPOINT');
      expect((e as Error).message).toContain('POPPY_CLOUDFRONT_SECRET_ACCESS_KEY');
      expect((e as Error).message).toContain('POPPY_CLOUDFRONT_PRICE_CLASS');
    }
  });
});
