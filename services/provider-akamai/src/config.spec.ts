import { ConfigError } from '@poppy/platform/boot';
import { loadProviderAkamaiConfig } from './config';

const REQUIRED = {
  POPPY_AKAMAI_BASE_URL: 'https://akab-x.luna.akamaiapis.net/',
  POPPY_AKAMAI_CLIENT_TOKEN: 'ct',
  POPPY_AKAMAI_CLIENT_SECRET: 'cs',
  POPPY_AKAMAI_ACCESS_TOKEN: 'at',
  POPPY_AKAMAI_CONTRACT_ID: 'ctr_1',
  POPPY_AKAMAI_GROUP_ID: 'grp_1',
  POPPY_AKAMAI_CP_CODE: 'cpc_12345',
};

describe('loadProviderAkamaiConfig', () => {
  it('reads the required settings and defaults the rest', () => {
    const c = loadProviderAkamaiConfig(REQUIRED);
    expect(c).toMatchObject({
      baseUrl: 'https://akab-x.luna.akamaiapis.net',
      port: 50065,
      cpCodeId: 12345,
      ratePerSecond: 1.66,
      rateBurst: 1000,
      purgeNetwork: 'production',
    });
    expect(
      loadProviderAkamaiConfig({ ...REQUIRED, POPPY_AKAMAI_RATE_LIMIT: '20' }).ratePerSecond,
    ).toBe(20);
  });

  it('reports every missing or bad setting together', () => {
    let error: unknown;
    try {
      loadProviderAkamaiConfig({ POPPY_AKAMAI_RATE_LIMIT: '-1', POPPY_AKAMAI_BASE_URL: 'ftp://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).problems.join('\n');
    for (const name of [
      'POPPY_AKAMAI_CLIENT_TOKEN',
      'POPPY_AKAMAI_CP_CODE',
      'POPPY_AKAMAI_RATE_LIMIT',
      'POPPY_AKAMAI_BASE_URL',
    ])
      expect(text).toContain(name);
  });

  it('reads the operator-route settings; a mod-SAN/SNI property may not look like a service property', () => {
    expect(
      loadProviderAkamaiConfig({
        ...REQUIRED,
        POPPY_AKAMAI_SAN_CERT_NAMES: 'secure1.san1.example.com,secure2.san1.example.com',
      }),
    ).toMatchObject({
      sanCertNames: ['secure1.san1.example.com', 'secure2.san1.example.com'],
      sniCertNames: [],
      httpsSuffix: 'edgekey.net',
      sanPropertyName: 'mod-san-hostnames',
      sniPropertyName: 'mod-sni-hostnames',
    });
    expect(() =>
      loadProviderAkamaiConfig({ ...REQUIRED, POPPY_AKAMAI_SNI_PROPERTY: 'poppy-sni' }),
    ).toThrow(/POPPY_AKAMAI_SNI_PROPERTY/);
  });
});
