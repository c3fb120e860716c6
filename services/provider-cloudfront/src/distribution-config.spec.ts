import type { commonV1 } from '@poppy/contracts';
import { distributionConfigFor, normalisePath, patternCovers } from './distribution-config';
import { geographyToCountryCodes } from '@poppy/domain';

function spec(overrides: Partial<commonV1.ServiceSpec> = {}): commonV1.ServiceSpec {
  return {
    name: 'site',
    domains: [
      { domain: 'www.example.com', protocol: 'http' },
      { domain: 'static.example.com', protocol: 'http' },
    ],
    origins: [
      { origin: 'origin.example.com', port: 8080, ssl: false, rules: [], hostheadertype: 'domain' },
    ],
    caching: [{ name: 'default', ttl: 3600, rules: [{ name: 'default', request_url: '/*' }] }],
    restrictions: [],
    flavor_id: 'cdn',
    log_delivery: { enabled: false },
    ...overrides,
  };
}

describe('distributionConfigFor', () => {
  it('makes one distribution keyed by the service id, aliased to the domains, with the origin as default', () => {
    const { config, unsupported } = distributionConfigFor('svc-1', spec());
    expect(unsupported).toEqual([]);
    expect(config.CallerReference).toBe('svc-1');
    expect(config.Comment).toBe('poppy service svc-1');
    expect(config.Enabled).toBe(true);
    expect(config.Aliases).toEqual({
      Quantity: 2,
      Items: ['www.example.com', 'static.example.com'],
    });
    expect(config.Origins?.Items).toEqual([
      expect.objectContaining({
        Id: 'origin-0',
        DomainName: 'origin.example.com',
        CustomOriginConfig: expect.objectContaining({
          HTTPPort: 8080,
          OriginProtocolPolicy: 'http-only',
        }),
      }),
    ]);
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: 'origin-0',
      DefaultTTL: 3600,
      MaxTTL: 3600,
      MinTTL: 0,
      ViewerProtocolPolicy: 'allow-all',
      ForwardedValues: { Headers: { Quantity: 1, Items: ['Host'] } },
    });
    expect(config.CacheBehaviors).toEqual({ Quantity: 0, Items: [] });
    expect(config.Restrictions?.GeoRestriction).toEqual({ RestrictionType: 'none', Quantity: 0 });
    expect(config.ViewerCertificate).toEqual({ CloudFrontDefaultCertificate: true });
  });

  it('serves an ssl origin over https on its port, and redirects viewers to https when a domain is https', () => {
    const { config } = distributionConfigFor(
      's',
      spec({
        domains: [{ domain: 'secure.example.com', protocol: 'https', certificate: 'san' }],
        origins: [
          { origin: 'o.example.com', port: 8443, ssl: true, rules: [], hostheadertype: 'origin' },
        ],
      }),
      { acmCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x' },
    );
    expect(config.Origins?.Items?.[0].CustomOriginConfig).toMatchObject({
      HTTPSPort: 8443,
      OriginProtocolPolicy: 'https-only',
    });
    expect(config.DefaultCacheBehavior?.ViewerProtocolPolicy).toBe('redirect-to-https');
    // hostheadertype origin: CloudFront sends the origin's name, so Host is not forwarded.
    expect(config.DefaultCacheBehavior?.ForwardedValues?.Headers).toEqual({
      Quantity: 0,
      Items: [],
    });
    expect(config.ViewerCertificate).toMatchObject({
      ACMCertificateArn: 'arn:aws:acm:us-east-1:1:certificate/x',
      SSLSupportMethod: 'sni-only',
    });
  });

  it("turns origins' rules and caching rules into behaviours, most specific first, each aimed at the covering origin", () => {
    const { config, unsupported } = distributionConfigFor(
      's',
      spec({
        origins: [
          {
            origin: 'web.example.com',
            port: 80,
            ssl: false,
            rules: [{ name: 'all', request_url: '/*' }],
            hostheadertype: 'domain',
          },
          {
            origin: 'img.example.com',
            port: 80,
            ssl: false,
            rules: [{ name: 'img', request_url: 'images/*' }],
            hostheadertype: 'origin',
          },
        ],
        caching: [
          { name: 'default', ttl: 600, rules: [{ name: 'd', request_url: '/*' }] },
          { name: 'png', ttl: 60, rules: [{ name: 'png', request_url: '/images/*.png' }] },
          { name: 'api', ttl: 0, rules: [{ name: 'api', request_url: '/api/*' }] },
        ],
      }),
    );
    expect(unsupported).toEqual([]);
    expect(config.DefaultCacheBehavior).toMatchObject({
      TargetOriginId: 'origin-0',
      DefaultTTL: 600,
    });
    expect(
      config.CacheBehaviors?.Items?.map((b) => [
        b.PathPattern,
        b.TargetOriginId,
        b.MinTTL,
        b.DefaultTTL,
        b.MaxTTL,
      ]),
    ).toEqual([
      ['/images/*.png', 'origin-1', 0, 60, 60],
      ['/images/*', 'origin-1', 0, 600, 600],
      ['/api/*', 'origin-0', 0, 0, 0],
    ]);
    expect(config.CacheBehaviors?.Quantity).toBe(3);
  });

  it('uses the configured default TTL when no caching rule covers /*', () => {
    const { config } = distributionConfigFor('s', spec({ caching: [] }), { defaultTtl: 1234 });
    expect(config.DefaultCacheBehavior?.DefaultTTL).toBe(1234);
  });

  it('maps geography restrictions on /* to the geo restriction with ISO codes, regions expanded', () => {
    const { config, unsupported } = distributionConfigFor(
      's',
      spec({
        restrictions: [
          {
            name: 'geo',
            access: 'whitelist',
            rules: [
              { request_url: '/*', geography: 'USA' },
              { request_url: '/*', geography: 'Australia/NZ' },
            ],
          },
        ],
      }),
    );
    expect(unsupported).toEqual([]);
    expect(config.Restrictions?.GeoRestriction).toEqual({
      RestrictionType: 'whitelist',
      Quantity: 3,
      Items: ['AU', 'NZ', 'US'],
    });
  });

  it('reports what CloudFront cannot express instead of dropping it', () => {
    const { unsupported } = distributionConfigFor(
      's',
      spec({
        origins: [
          {
            origin: 'o.example.com',
            port: 80,
            ssl: false,
            rules: [],
            hostheadertype: 'custom',
            hostheadervalue: 'h.example.com',
          },
        ],
        restrictions: [
          {
            name: 'ref',
            access: 'whitelist',
            rules: [{ request_url: '/*', referrer: 'good.example.com' }],
          },
          {
            name: 'ip',
            access: 'blacklist',
            rules: [{ request_url: '/*', client_ip: '10.0.0.1' }],
          },
          {
            name: 'geo-path',
            access: 'blacklist',
            rules: [{ request_url: '/videos/*', geography: 'Japan' }],
          },
          {
            name: 'geo-a',
            access: 'whitelist',
            rules: [{ request_url: '/*', geography: 'India' }],
          },
          {
            name: 'geo-b',
            access: 'blacklist',
            rules: [{ request_url: '/*', geography: 'Japan' }],
          },
          {
            name: 'geo-c',
            access: 'whitelist',
            rules: [{ request_url: '/*', geography: 'Atlantis' }],
          },
        ],
        log_delivery: { enabled: true },
      }),
    );
    expect(unsupported.map((u) => u.feature)).toEqual([
      'custom-host-header',
      'referrer-restriction',
      'client-ip-restriction',
      'per-path-geo-restriction',
      'mixed-geo-restriction',
      'unknown-geography',
      'log-delivery',
    ]);
    expect(unsupported[1].detail).toContain('good.example.com');
  });
});

describe('paths', () => {
  it('normalises request_url and matches patterns literally', () => {
    expect(normalisePath('')).toBe('/*');
    expect(normalisePath('images/*')).toBe('/images/*');
    expect(patternCovers('/images/*', '/images/*.png')).toBe(true);
    expect(patternCovers('/images/*', '/img/a.png')).toBe(false);
    expect(patternCovers('/a.b', '/axb')).toBe(false);
  });
});

describe('geographyToCountryCodes', () => {
  it('resolves country names, the odd entries of the original list, and regions', () => {
    expect(geographyToCountryCodes('Japan')).toEqual(['JP']);
    expect(geographyToCountryCodes('St Lucia')).toEqual(['LC']);
    expect(geographyToCountryCodes('Jordan, Kenya')).toEqual(['JO', 'KE']);
    expect(geographyToCountryCodes('North America')).toEqual(
      expect.arrayContaining(['US', 'CA', 'MX']),
    );
    expect(geographyToCountryCodes('Atlantis')).toBeUndefined();
  });
});
